/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Output that is safe for root's terminal. Much of what nfscheck prints
 * comes from users: paths, graphroots, file names and lines of their
 * configuration. A terminal obeys escape sequences in it (set the title,
 * move the cursor, rewrite earlier lines, on some terminals worse), so
 * every byte written to stdout and stderr passes one filter: C0 controls
 * other than newline and tab, a carriage return not ending a line, DEL,
 * C1 controls and bytes that are not UTF-8 are shown as \xNN instead.
 */
#ifndef NFSCHECK_OUTSAFE_H
#define NFSCHECK_OUTSAFE_H

#include <stddef.h>
#include <stdio.h>

/* Put the filter on stdout and stderr; call once, first thing in main(). */
void out_sanitise_install(void);

/* Write S (nfscheck's own escape sequence, such as a colour) to OUT past
 * the filter, in order with what was printed before. */
void out_raw(FILE *out, const char *s);

/* S on one line: newline, tab and CR shown as \xNN as well, for a user's
 * value printed where a line break would pass for nfscheck's own line. A
 * new string. */
char *out_oneline(const char *s);

/* Filter LEN bytes of TEXT as the streams do; a new string. */
char *out_sanitise(const char *text, size_t len);

/*
 * A JSON text as json-c writes it escapes C0 controls but leaves DEL, C1
 * controls and bytes that are not UTF-8 raw; outside strings JSON has none
 * of them, so each becomes \u00NN: the same characters for DEL and C1,
 * valid JSON for the rest. A new string.
 */
char *out_json_safe(const char *json);

#endif
