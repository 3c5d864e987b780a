/* Word-wrapping titles for node labels, by display columns (not bytes), so
 * a multi-byte character is never split and CJK lines are not twice as wide. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "render_internal.h"

/* Only real spaces separate words: the text is safe text by then, in
 * which every other control is spelled "\xNN". */
static bool is_space(unsigned char c)
{
	return c == ' ';
}

/* Columns of the character at s (n bytes): 2 for East Asian wide
 * characters and emoji, else 1 (a rough wcwidth, locale-free). */
static size_t char_cols(const unsigned char *s, size_t n)
{
	uint32_t c;
	if (n == 3)
		c = ((uint32_t)(s[0] & 0x0f) << 12) | ((uint32_t)(s[1] & 0x3f) << 6) |
		    (s[2] & 0x3f);
	else if (n == 4)
		c = ((uint32_t)(s[0] & 0x07) << 18) | ((uint32_t)(s[1] & 0x3f) << 12) |
		    ((uint32_t)(s[2] & 0x3f) << 6) | (s[3] & 0x3f);
	else
		return 1;
	if ((c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf) ||
	    (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) ||
	    (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) ||
	    (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x1f300 && c <= 0x1faff) ||
	    (c >= 0x20000 && c <= 0x3fffd))
		return 2;
	return 1;
}

/* Bytes of the longest prefix of s[0..len) that fits in max_cols columns,
 * at least one character; *cols gets its width. */
static size_t prefix_bytes(const unsigned char *s, size_t len, size_t max_cols, size_t *cols)
{
	size_t i = 0, w = 0;
	while (i < len) {
		size_t n = render_utf8_len(s + i);
		n = n ? n : 1;
		size_t cw = char_cols(s + i, n);
		if (i > 0 && w + cw > max_cols)
			break;
		i += n;
		w += cw;
	}
	if (cols)
		*cols = w;
	return i > len ? len : i;
}

static size_t count_cp(const unsigned char *s, size_t len)
{
	size_t cols;
	prefix_bytes(s, len, SIZE_MAX, &cols);
	return cols;
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
	/* the SPEC's safe text first: a control is "\xNN", not a line break */
	char *safe = render_safe_text_dup(text, text ? strlen(text) : 0);
	if (!safe) {
		b->oom = true;
		return;
	}
	const unsigned char *p = (const unsigned char *)safe;
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
			size_t take_cp;
			size_t take = prefix_bytes(w, wbytes, room, &take_cp);
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
						   width - 1, NULL);
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
	free(safe);
}
