/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "goexpand.h"
#include "strbuf.h"
#include "xalloc.h"

static int shell_special(char c)
{
	return c && strchr("*#$@!?-0123456789", c) != NULL;
}

static int alnum_(char c)
{
	return c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Go's getShellName: the name after '$' in S and how many bytes it used. */
static void shell_name(const char *s, const char **name, size_t *nlen, size_t *used)
{
	size_t i;

	*name = s;
	*nlen = 0;
	if (s[0] == '{') {
		if (s[1] && shell_special(s[1]) && s[2] == '}') {
			*name = s + 1;
			*nlen = 1;
			*used = 3;
			return;
		}
		for (i = 1; s[i]; i++)
			if (s[i] == '}') {
				if (i == 1) {
					*used = 2; /* "${}" is eaten */
					return;
				}
				*name = s + 1;
				*nlen = i - 1;
				*used = i + 1;
				return;
			}
		*used = 1; /* "${" without '}' is eaten */
		return;
	}
	if (shell_special(s[0])) {
		*nlen = 1;
		*used = 1;
		return;
	}
	for (i = 0; s[i] && alnum_(s[i]); i++)
		;
	*nlen = i;
	*used = i;
}

char *go_expand_env(const char *s, const struct userenv *env)
{
	struct strbuf b = {0};
	size_t i = 0, j;

	for (j = 0; s[j]; j++) {
		const char *name;
		size_t nlen, used;

		if (s[j] != '$' || !s[j + 1])
			continue;
		strbuf_add(&b, s + i, j - i);
		shell_name(s + j + 1, &name, &nlen, &used);
		if (nlen == 0 && used > 0) {
			/* invalid syntax: the characters are dropped */
		} else if (nlen == 0) {
			strbuf_add(&b, "$", 1);
		} else {
			char *key = xstrndup(name, nlen);
			const char *val = userenv_get(env, key);

			if (val)
				strbuf_add(&b, val, strlen(val));
			free(key);
		}
		j += used;
		i = j + 1;
	}
	strbuf_adds(&b, s + i);
	return strbuf_take(&b);
}

char *go_clean_path(const char *s)
{
	size_t n = strlen(s), r = 0, w = 0, dotdot = 0;
	int rooted = s[0] == '/';
	char *out;

	if (n == 0)
		return xstrdup(".");
	out = xmalloc(n + 2);
	if (rooted) {
		out[w++] = '/';
		r = dotdot = 1;
	}
	while (r < n) {
		if (s[r] == '/') {
			r++;
		} else if (s[r] == '.' && (r + 1 == n || s[r + 1] == '/')) {
			r++;
		} else if (s[r] == '.' && s[r + 1] == '.' && (r + 2 == n || s[r + 2] == '/')) {
			r += 2;
			if (w > dotdot) {
				w--;
				while (w > dotdot && out[w] != '/')
					w--;
			} else if (!rooted) {
				if (w > 0)
					out[w++] = '/';
				out[w++] = '.';
				out[w++] = '.';
				dotdot = w;
			}
		} else {
			if ((rooted && w != 1) || (!rooted && w != 0))
				out[w++] = '/';
			for (; r < n && s[r] != '/'; r++)
				out[w++] = s[r];
		}
	}
	if (w == 0)
		out[w++] = '.';
	out[w] = '\0';
	return out;
}

char *go_join(const char *a, const char *b)
{
	char *raw, *clean;

	if (!*a)
		return go_clean_path(b);
	if (!*b)
		return go_clean_path(a);
	raw = xasprintf("%s/%s", a, b);
	clean = go_clean_path(raw);
	free(raw);
	return clean;
}

char *go_expand_storage_path(const char *s, const struct userenv *env)
{
	struct strbuf b = {0};
	char uid[32], *res;
	const char *p = s, *hit;

	snprintf(uid, sizeof(uid), "%u", (unsigned)env->uid);
	while ((hit = strstr(p, "$UID"))) {
		strbuf_add(&b, p, (size_t)(hit - p));
		strbuf_add(&b, uid, strlen(uid));
		p = hit + 4;
	}
	strbuf_adds(&b, p);
	p = strbuf_take(&b);
	res = go_expand_env(p, env);
	free((char *)p);
	return res;
}
