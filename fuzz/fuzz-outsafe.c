/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: the output filter's own UTF-8 decoding (lib/outsafe.c).
 * Whatever the bytes, what reaches root's terminal holds no C0 control but
 * newline and tab (and a carriage return right before a newline, which
 * cannot rewrite anything), no DEL, no C1 control (U+0080..U+009F) and only valid
 * UTF-8; a value out_oneline made holds no newline or tab either, once
 * the stream filter has passed it (it is printed through that filter). A
 * violation aborts.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "outsafe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Whether S is valid UTF-8 with no controls (but NL and TAB when ALLOW_NL). */
static int safe(const unsigned char *s, int allow_nl)
{
	while (*s) {
		unsigned char c = *s;
		size_t n = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;

		bool line_end = c == '\n' || c == '\t' || (c == '\r' && s[1] == '\n');

		if (n == 0 || (n == 1 && ((c < 0x20 && !(allow_nl && line_end)) || c == 0x7f)))
			return 0;
		if (n == 2 && c == 0xC2 && s[1] >= 0x80 && s[1] <= 0x9F)
			return 0; /* a C1 control */
		for (size_t i = 1; i < n; i++)
			if ((s[i] & 0xC0) != 0x80)
				return 0;
		s += n;
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *a, *one, *b;

	memcpy(text, data, size);
	text[size] = '\0';
	a = out_sanitise(text, strlen(text));
	one = out_oneline(text);
	b = out_sanitise(one, strlen(one));
	if (!safe((unsigned char *)a, 1) || !safe((unsigned char *)b, 0))
		abort();
	free(a);
	free(one);
	free(b);
	free(text);
	return 0;
}
