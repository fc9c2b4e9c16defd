/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ioutil.h"
#include "outsafe.h"
#include "strbuf.h"

/* A filter's state between writes: a UTF-8 sequence or a CR cut by a buffer boundary. */
struct filt {
	int fd;              /* where a stream's filtered bytes go */
	bool json;           /* escape as \u00NN, for out_json_safe */
	bool cr;             /* a CR waits to see whether a newline follows */
	unsigned char seq[4];
	size_t have, need;
};

static void emit_escape(struct strbuf *o, unsigned char c, bool json)
{
	char t[8];

	snprintf(t, sizeof(t), json ? "\\u%04x" : "\\x%02x", c);
	strbuf_adds(o, t);
}

/* Length of the UTF-8 sequence LEAD starts; 0 when it starts none. */
static size_t seq_len(unsigned char lead)
{
	if (lead >= 0xC2 && lead <= 0xDF)
		return 2;
	if (lead >= 0xE0 && lead <= 0xEF)
		return 3;
	if (lead >= 0xF0 && lead <= 0xF4)
		return 4;
	return 0;
}

/* The second byte's range rules out overlong forms, surrogates and
 * code points past U+10FFFF. */
static bool second_ok(unsigned char lead, unsigned char c)
{
	if ((c & 0xC0) != 0x80)
		return false;
	switch (lead) {
	case 0xE0: return c >= 0xA0;
	case 0xED: return c <= 0x9F;
	case 0xF0: return c >= 0x90;
	case 0xF4: return c <= 0x8F;
	default: return true;
	}
}

static void drop_seq(struct filt *f, struct strbuf *o)
{
	for (size_t i = 0; i < f->have; i++)
		emit_escape(o, f->seq[i], f->json);
	f->have = 0;
}

/* Whatever is held back, shown escaped: nothing more will complete it. */
static void drain(struct filt *f, struct strbuf *o)
{
	drop_seq(f, o);
	if (f->cr)
		emit_escape(o, '\r', f->json);
	f->cr = false;
}

static void seq_byte(struct filt *f, struct strbuf *o, unsigned char c)
{
	f->seq[f->have++] = c;
	if (f->have < f->need)
		return;
	if (f->seq[0] == 0xC2 && f->seq[1] < 0xA0) {
		/* A C1 control (U+0080 to U+009F): CSI and OSC on some terminals. */
		if (f->json) {
			emit_escape(o, f->seq[1], true);
			f->have = 0;
		} else {
			drop_seq(f, o);
		}
		return;
	}
	strbuf_add(o, (const char *)f->seq, f->have);
	f->have = 0;
}

static void filt_byte(struct filt *f, struct strbuf *o, unsigned char c)
{
	if (f->have) {
		if (f->have == 1 ? second_ok(f->seq[0], c) : (c & 0xC0) == 0x80) {
			seq_byte(f, o, c);
			return;
		}
		drop_seq(f, o);
	}
	if (f->cr) {
		f->cr = false;
		/* CRLF ends a line (a CRLF file shown in a diff); a lone CR
		 * would let text overwrite the line before it. */
		if (c == '\n') {
			strbuf_add(o, "\r\n", 2);
			return;
		}
		emit_escape(o, '\r', f->json);
	}
	if (c == '\r' && !f->json) {
		f->cr = true;
	} else if (c == '\n' || c == '\t' || (c >= 0x20 && c < 0x7F)) {
		strbuf_add(o, (const char *)&c, 1);
	} else if ((f->need = seq_len(c)) != 0) {
		f->seq[0] = c;
		f->have = 1;
	} else {
		emit_escape(o, c, f->json);
	}
}

/* Printable ASCII, newline and tab: what filt_byte passes on unchanged
 * when no sequence or CR is pending. */
static bool plain_byte(unsigned char c)
{
	return c == '\n' || c == '\t' || (c >= 0x20 && c < 0x7F);
}

static void filt_all(struct filt *f, struct strbuf *o, const char *p, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t run = i;

		/* A run of plain bytes is copied at once: a value may be a
		 * megabyte, and a call a byte cost more than the rest. */
		if (!f->have && !f->cr)
			while (run < n && plain_byte((unsigned char)p[run]))
				run++;
		if (run > i) {
			strbuf_add(o, p + i, run - i);
			i = run;
			continue;
		}
		filt_byte(f, o, (unsigned char)p[i++]);
	}
}

char *out_sanitise(const char *text, size_t len)
{
	struct filt f = {.fd = -1};
	struct strbuf o = {0};

	filt_all(&f, &o, text, len);
	drain(&f, &o);
	return strbuf_take(&o);
}

char *out_oneline(const char *s)
{
	struct strbuf o = {0};

	while (*s) {
		/* Everything up to the next control this escapes, at once. */
		size_t run = strcspn(s, "\n\t\r");

		strbuf_add(&o, s, run);
		s += run;
		if (*s)
			emit_escape(&o, (unsigned char)*s++, false);
	}
	return strbuf_take(&o);
}

char *out_json_safe(const char *json)
{
	struct filt f = {.fd = -1, .json = true};
	struct strbuf o = {0};

	filt_all(&f, &o, json, strlen(json));
	drain(&f, &o);
	return strbuf_take(&o);
}

static ssize_t cookie_write(void *cookie, const char *buf, size_t n)
{
	struct filt *f = cookie;
	struct strbuf o = {0};
	bool ok;

	filt_all(f, &o, buf, n);
	ok = write_full(f->fd, o.p ? o.p : "", o.n);
	free(o.p);
	return ok ? (ssize_t)n : -1;
}

static int cookie_close(void *cookie)
{
	struct filt *f = cookie;
	struct strbuf o = {0};
	bool ok;

	drain(f, &o);
	ok = write_full(f->fd, o.p ? o.p : "", o.n);
	free(o.p);
	return ok ? 0 : -1;
}

static struct filt out_filt = {.fd = STDOUT_FILENO}, err_filt = {.fd = STDERR_FILENO};
static FILE *out_stream, *err_stream;

static FILE *wrap(struct filt *f, FILE *old, int mode)
{
	cookie_io_functions_t io = {.write = cookie_write, .close = cookie_close};
	FILE *s = fopencookie(f, "w", io);

	if (!s)
		return NULL;
	fflush(old);
	setvbuf(s, NULL, mode, mode == _IONBF ? 0 : BUFSIZ);
	return s;
}

void out_sanitise_install(void)
{
	if (out_stream)
		return;
	out_stream = wrap(&out_filt, stdout, isatty(STDOUT_FILENO) ? _IOLBF : _IOFBF);
	err_stream = wrap(&err_filt, stderr, _IONBF);
	if (out_stream)
		stdout = out_stream;
	if (err_stream)
		stderr = err_stream;
}

void out_raw(FILE *out, const char *s)
{
	struct filt *f = out && out == out_stream ? &out_filt : out && out == err_stream ? &err_filt : NULL;
	struct strbuf o = {0};

	if (!f) {
		fputs(s, out);
		return;
	}
	fflush(out);
	drain(f, &o);
	strbuf_adds(&o, s);
	/* A failed write shows again, and is reported, at the next flush. */
	(void)write_full(f->fd, o.p, o.n);
	free(o.p);
}
