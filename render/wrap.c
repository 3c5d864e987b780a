/* Word-wrapping titles for node labels, by code points (not bytes), so a
 * multi-byte character is never split. */
#include <stdlib.h>
#include <string.h>

#include "render_internal.h"

static bool is_space(unsigned char c)
{
	return c <= 0x20 || c == 0x7f;
}

/* Bytes of the first max_cp code points of s[0..len) (an invalid byte
 * counts as one). */
static size_t prefix_bytes(const unsigned char *s, size_t len, size_t max_cp)
{
	size_t i = 0, cp = 0;
	while (i < len && cp < max_cp) {
		size_t n = render_utf8_len(s + i);
		i += n ? n : 1;
		cp++;
	}
	return i > len ? len : i;
}

static size_t count_cp(const unsigned char *s, size_t len)
{
	size_t i = 0, cp = 0;
	while (i < len) {
		size_t n = render_utf8_len(s + i);
		i += n ? n : 1;
		cp++;
	}
	return cp;
}

static void emit_line(struct rbuf *b, const struct rbuf *line, unsigned *lines, const char *sep,
		      void (*esc)(struct rbuf *, const char *))
{
	if (*lines)
		rbuf_puts(b, sep);
	esc(b, line->data ? line->data : "");
	(*lines)++;
}

void render_wrap(struct rbuf *b, const char *text, unsigned width, unsigned max_lines,
		 const char *sep, void (*esc)(struct rbuf *, const char *))
{
	const unsigned char *p = (const unsigned char *)(text ? text : "");
	struct rbuf line = {0};
	size_t line_cp = 0;
	unsigned lines = 0;
	bool cut = false;
	if (width < 2)
		width = 2;
	while (*p && !cut) {
		while (*p && is_space(*p))
			p++;
		if (!*p)
			break;
		const unsigned char *w = p;
		while (*p && !is_space(*p))
			p++;
		size_t wbytes = (size_t)(p - w), wcp = count_cp(w, wbytes);
		while (wbytes) {
			if (line_cp && line_cp + 1 + wcp > width) {
				if (lines + 1 >= max_lines) {
					cut = true;
					break;
				}
				emit_line(b, &line, &lines, sep, esc);
				line.len = 0;
				if (line.data)
					line.data[0] = '\0';
				line_cp = 0;
				continue;
			}
			size_t room = line_cp ? width - line_cp - 1 : width;
			size_t take_cp = wcp < room ? wcp : room;
			size_t take = prefix_bytes(w, wbytes, take_cp);
			if (line_cp) {
				rbuf_putc(&line, ' ');
				line_cp++;
			}
			rbuf_add(&line, (const char *)w, take);
			line_cp += take_cp;
			w += take;
			wbytes -= take;
			wcp -= take_cp;
			if (wbytes) { /* a word longer than a line: break it */
				if (lines + 1 >= max_lines) {
					cut = true;
					break;
				}
				emit_line(b, &line, &lines, sep, esc);
				line.len = 0;
				if (line.data)
					line.data[0] = '\0';
				line_cp = 0;
			}
		}
	}
	if (cut) {
		/* make room for the ellipsis on the last line */
		if (line_cp >= width && line.data) {
			size_t keep = prefix_bytes((const unsigned char *)line.data, line.len,
						   width - 1);
			line.len = keep;
			line.data[keep] = '\0';
		}
		rbuf_puts(&line, "\xe2\x80\xa6");
	}
	if (line.len || lines == 0)
		emit_line(b, &line, &lines, sep, esc);
	if (line.oom)
		b->oom = true;
	free(line.data);
}
