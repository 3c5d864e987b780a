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

static void escape_into(struct rbuf *b, const char *s, ascii_map_fn map)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	while (*p) {
		if (*p < 0x20 || *p == 0x7f) {
			rbuf_putc(b, ' ');
			p++;
			continue;
		}
		size_t n = render_utf8_len(p);
		if (n == 0) {
			rbuf_puts(b, "\xef\xbf\xbd");
			p++;
			continue;
		}
		if (n == 2 && p[0] == 0xc2 && p[1] <= 0x9f) { /* C1 control, U+0080..U+009F */
			rbuf_putc(b, ' ');
			p += 2;
			continue;
		}
		if (n == 1) {
			char tmp[8];
			const char *r = map ? map(*p, tmp) : NULL;
			if (r)
				rbuf_puts(b, r);
			else
				rbuf_putc(b, (char)*p);
		} else {
			rbuf_add(b, (const char *)p, n);
		}
		p += n;
	}
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
