/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <stddef.h>
#include <strings.h>

#include "containers-conf.h"
#include "util.h"

static const char *const names[CC__COUNT] = {
	[CC_STATIC_DIR] = "static_dir",
	[CC_VOLUME_PATH] = "volume_path",
	[CC_IMAGE_COPY_TMP_DIR] = "image_copy_tmp_dir",
};

const char *cc_key_name(enum cc_key k)
{
	return names[k];
}

/* KEY in table T: exact first, else the first differing only in case. */
static const struct tv *lookup(const struct tv *t, const char *key)
{
	const struct tv *v;

	if (!t || t->type != TV_TABLE)
		return NULL;
	v = tv_table_get(t, key);
	for (size_t i = 0; !v && i < t->u.tab.n; i++)
		if (strcasecmp(t->u.tab.keys[i], key) == 0)
			v = t->u.tab.vals[i];
	return v;
}

const char *cc_engine_string(const struct sc_file *f, enum cc_key k, unsigned *line, bool *bad)
{
	const struct tv *v = f->decode_failed ? NULL : lookup(lookup(f->doc, "engine"), names[k]);

	*bad = false;
	*line = 0;
	if (!v)
		return NULL;
	*line = v->line;
	if (v->type != TV_STRING) {
		*bad = true;
		return NULL;
	}
	return v->u.str.s;
}
