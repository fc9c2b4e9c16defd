/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nsswitch.h"
#include "xalloc.h"

char *nsswitch_sources(const char *db, const char *dflt)
{
	FILE *f = fopen("/etc/nsswitch.conf", "re");
	size_t len = strlen(db);
	char line[512];
	char *found = NULL;

	while (f && fgets(line, sizeof(line), f)) {
		char *p = line, *v, *end;

		p += strspn(p, " \t");
		if (strncmp(p, db, len) != 0 || p[len] != ':')
			continue;
		v = p + len + 1;
		v += strspn(v, " \t");
		v[strcspn(v, "\n#")] = '\0';
		for (end = v + strlen(v); end > v && (end[-1] == ' ' || end[-1] == '\t'); end--)
			;
		*end = '\0';
		free(found);
		found = xstrdup(*v ? v : dflt);
	}
	if (f)
		fclose(f);
	return found ? found : xstrdup(dflt);
}

bool nsswitch_enumerates(const char *db)
{
	char *v = nsswitch_sources(db, "files"), *save = NULL;
	bool all = true;

	/* An action ([NOTFOUND=return]) changes what a lookup sees: not plain. */
	for (char *w = strtok_r(v, " \t", &save); w && all; w = strtok_r(NULL, " \t", &save))
		all = strcmp(w, "files") == 0 || strcmp(w, "systemd") == 0;
	free(v);
	return all;
}

void login_defs_uid_range(const char *file, unsigned long long *lo, unsigned long long *hi)
{
	FILE *f = fopen(file ? file : "/etc/login.defs", "re");
	char line[512];

	*lo = 1000;
	*hi = 60000;
	while (f && fgets(line, sizeof(line), f)) {
		char key[32];
		unsigned long long v;

		if (sscanf(line, " %31s %llu", key, &v) != 2)
			continue;
		if (strcmp(key, "UID_MIN") == 0)
			*lo = v;
		else if (strcmp(key, "UID_MAX") == 0)
			*hi = v;
	}
	if (f)
		fclose(f);
}
