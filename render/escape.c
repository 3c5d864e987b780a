/* Escaping of issue text for Graphviz, Mermaid, Markdown, HTML and URLs. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"
#include "render_internal.h"

int rbuf_reserve(struct rbuf *b, size_t more)
{
	if (!b->oom && more > SIZE_MAX - b->len - 1)
		b->oom = true;
	if (b->oom)
		return -1;
	size_t need = b->len + more + 1;
	if (need <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	char *p = realloc(b->data, cap);
	if (!p) {
		b->oom = true;
		return -1;
	}
	b->data = p;
	b->cap = cap;
	return 0;
}

void rbuf_add(struct rbuf *b, const char *s, size_t n)
{
	if (rbuf_reserve(b, n))
		return;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void rbuf_puts(struct rbuf *b, const char *s)
{
	rbuf_add(b, s, strlen(s));
}

void rbuf_putc(struct rbuf *b, char c)
{
	rbuf_add(b, &c, 1);
}

char *rbuf_finish(struct rbuf *b)
{
	if (b->oom) {
		free(b->data);
		b->data = NULL;
		return NULL;
	}
	if (!b->data)
		rbuf_add(b, "", 0);
	if (b->oom) {
		free(b->data);
		b->data = NULL;
		return NULL;
	}
	char *s = b->data;
	b->data = NULL;
	b->len = b->cap = 0;
	return s;
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
size_t render_utf8_len(const unsigned char *s)
{
	unsigned c = s[0];
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		unsigned lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
		if (s[1] < lo || s[1] > hi || (s[2] & 0xc0) != 0x80)
			return 0;
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		unsigned lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
		if (s[1] < lo || s[1] > hi || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
			return 0;
		return 4;
	}
	return 0;
}

/* What one ASCII byte becomes in a flavour, or NULL to copy it. */
typedef const char *(*ascii_map_fn)(unsigned char c, char tmp[8]);

static const char *map_gv(unsigned char c, char tmp[8])
{
	(void)tmp;
	if (c == '\\')
		return "\\\\";
	if (c == '&')
		return "&amp;";
	return NULL;
}

static const char *map_mermaid(unsigned char c, char tmp[8])
{
	(void)tmp;
	switch (c) {
	case '"':
		return "#quot;";
	case '#':
		return "#35;";
	case '<':
		return "#lt;";
	case '>':
		return "#gt;";
	case '&':
		return "#amp;";
	case '`':
		return "#96;";
	case '%':
		return "#37;"; /* "%%{init: ...}%%" is a directive anywhere */
	case '\\':
		return "#92;";
	default:
		return NULL;
	}
}

static const char *map_markdown(unsigned char c, char tmp[8])
{
	switch (c) {
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	case '&':
		return "&amp;";
	case '\\':
	case '`':
	case '*':
	case '_':
	case '{':
	case '}':
	case '[':
	case ']':
	case '(':
	case ')':
	case '#':
	case '!':
	case '|':
	case '~':
	case '@':
	case '$':
		tmp[0] = '\\';
		tmp[1] = (char)c;
		tmp[2] = '\0';
		return tmp;
	default:
		return NULL;
	}
}

static const char *map_html(unsigned char c, char tmp[8])
{
	(void)tmp;
	switch (c) {
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	case '&':
		return "&amp;";
	case '"':
		return "&quot;";
	case '\'':
		return "&#39;";
	default:
		return NULL;
	}
}

/* Length of the valid UTF-8 sequence at s[0..avail) (1..4), or 0 if
 * invalid or cut short. */
static size_t utf8_len_n(const unsigned char *s, size_t avail)
{
	unsigned char tmp[4] = {0, 0, 0, 0};
	memcpy(tmp, s, avail < 4 ? avail : 4);
	size_t n = render_utf8_len(tmp);
	return n <= avail ? n : 0;
}

/* Unicode's bidirectional controls and the line and paragraph
 * separators (SPEC: written as "\uXXXX" in every output but JSON, so a
 * title cannot reorder the rest of a line): the code point of the valid
 * UTF-8 sequence p[0..n), or 0 when it is none of them. */
static unsigned bidi_char(const unsigned char *p, size_t n)
{
	if (n == 2 && p[0] == 0xd8 && p[1] == 0x9c)
		return 0x061c;
	if (n != 3 || p[0] != 0xe2 || (p[1] != 0x80 && p[1] != 0x81))
		return 0;
	unsigned cp = 0x2000u | (unsigned)(p[1] & 0x3f) << 6 | (unsigned)(p[2] & 0x3f);
	if (cp == 0x200e || cp == 0x200f || (cp >= 0x2028 && cp <= 0x202e) ||
	    (cp >= 0x2066 && cp <= 0x2069))
		return cp;
	return 0;
}

/*
 * The SPEC's rule for text from a server or a snapshot, one step: how the
 * character at p[0..avail) is written. *step is how many bytes it takes;
 * returns true when it must be escaped as *code says: up to 0xff "\xNN"
 * (a C0 control, DEL, U+0080..U+009F: the code point; an invalid byte: the
 * byte), above it "\uXXXX" (a bidi control or U+2028/U+2029).
 */
static bool unsafe_char(const unsigned char *p, size_t avail, size_t *step, unsigned *code)
{
	if (*p < 0x20 || *p == 0x7f) {
		*step = 1;
		*code = *p;
		return true;
	}
	size_t n = *p < 0x80 ? 1 : utf8_len_n(p, avail);
	if (n == 0) {
		*step = 1;
		*code = *p;
		return true;
	}
	*step = n;
	if (n == 2 && p[0] == 0xc2 && p[1] < 0xa0) { /* C1 controls */
		*code = p[1];
		return true;
	}
	if (n > 1 && (*code = bidi_char(p, n)) != 0)
		return true;
	return false;
}

/* The escape of code (see unsafe_char) into out; returns its length. */
static size_t hex_escape(char out[7], unsigned code)
{
	static const char hex[] = "0123456789abcdef", HEX[] = "0123456789ABCDEF";
	out[0] = '\\';
	if (code > 0xff) {
		out[1] = 'u';
		for (int k = 0; k < 4; k++)
			out[2 + k] = HEX[(code >> (12 - 4 * k)) & 15];
		out[6] = '\0';
		return 6;
	}
	out[1] = 'x';
	out[2] = hex[(code >> 4) & 15];
	out[3] = hex[code & 15];
	out[4] = '\0';
	return 4;
}

static void put_mapped(struct rbuf *b, unsigned char c, ascii_map_fn map)
{
	char tmp[8];
	const char *r = map ? map(c, tmp) : NULL;
	if (r)
		rbuf_puts(b, r);
	else
		rbuf_putc(b, (char)c);
}

/* The SPEC's safe text, then the flavour's escaping of each ASCII byte
 * (so the backslash of an "\xNN" is escaped as the flavour escapes one). */
static void escape_into(struct rbuf *b, const char *s, ascii_map_fn map)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t left = strlen((const char *)p);
	while (left) {
		size_t n = 1;
		unsigned code = 0;
		if (unsafe_char(p, left, &n, &code)) {
			char esc[7];
			size_t m = hex_escape(esc, code);
			for (size_t k = 0; k < m; k++)
				put_mapped(b, (unsigned char)esc[k], map);
		} else if (n == 1) {
			put_mapped(b, *p, map);
		} else {
			rbuf_add(b, (const char *)p, n);
		}
		p += n;
		left -= n;
	}
}

void render_safe_text_into(struct rbuf *b, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	if (!s)
		len = 0;
	while (len) {
		size_t n = 1, run = 0;
		unsigned code = 0;
		/* copy runs of safe characters at once */
		while (run < len && !unsafe_char(p + run, len - run, &n, &code))
			run += n;
		if (run)
			rbuf_add(b, (const char *)p, run);
		p += run;
		len -= run;
		if (len) {
			char esc[7];
			unsafe_char(p, len, &n, &code);
			rbuf_add(b, esc, hex_escape(esc, code));
			p += n;
			len -= n;
		}
	}
}

char *render_safe_text_dup(const char *s, size_t len)
{
	struct rbuf b = {0};
	render_safe_text_into(&b, s, len);
	return rbuf_finish(&b);
}

int render_safe_text(FILE *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	if (!s)
		len = 0;
	while (len) {
		size_t n = 1, run = 0;
		unsigned code = 0;
		while (run < len && !unsafe_char(p + run, len - run, &n, &code))
			run += n;
		if (run && fwrite(p, 1, run, out) != run)
			return EOF;
		p += run;
		len -= run;
		if (len) {
			char esc[7];
			unsafe_char(p, len, &n, &code);
			hex_escape(esc, code);
			if (fputs(esc, out) == EOF)
				return EOF;
			p += n;
			len -= n;
		}
	}
	return 0;
}

int render_safe_puts(FILE *out, const char *s)
{
	return render_safe_text(out, s, s ? strlen(s) : 0);
}

static char *escape_with(const char *s, ascii_map_fn map)
{
	struct rbuf b = {0};
	escape_into(&b, s, map);
	return rbuf_finish(&b);
}

char *render_escape_gv(const char *s)
{
	return escape_with(s, map_gv);
}

char *render_escape_mermaid(const char *s)
{
	return escape_with(s, map_mermaid);
}

char *render_escape_markdown(const char *s)
{
	return escape_with(s, map_markdown);
}

char *render_escape_html(const char *s)
{
	return escape_with(s, map_html);
}

void render_escape_gv_into(struct rbuf *b, const char *s)
{
	escape_into(b, s, map_gv);
}

void render_escape_mermaid_into(struct rbuf *b, const char *s)
{
	escape_into(b, s, map_mermaid);
}

/* Printable ASCII that may stay as is in an href. */
static bool url_byte_ok(unsigned char c)
{
	if (c <= 0x20 || c >= 0x7f)
		return false;
	return !strchr("\"<>\\^`{|}'()&", c);
}

char *render_safe_url(const char *url)
{
	if (!url)
		return NULL;
	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
		return NULL;
	struct rbuf b = {0};
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)url; *p; p++) {
		if (url_byte_ok(*p)) {
			rbuf_putc(&b, (char)*p);
		} else {
			char enc[3] = {'%', hex[*p >> 4], hex[*p & 15]};
			rbuf_add(&b, enc, 3);
		}
	}
	return rbuf_finish(&b);
}
