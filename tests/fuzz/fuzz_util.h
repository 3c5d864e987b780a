/* Helpers shared by the libFuzzer targets of tests/fuzz/: turning the
 * fuzzer's bytes into C strings, and the output invariants they assert.
 * A broken invariant calls fuzz_fail(), which aborts: libFuzzer reports
 * it as a crash and keeps the input. */
#ifndef ISSUEGRAPH_FUZZ_UTIL_H
#define ISSUEGRAPH_FUZZ_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline void fuzz_fail(const char *what, const char *s)
{
	fprintf(stderr, "fuzz invariant broken: %s\n  output: \"", what);
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++)
		fprintf(stderr, *p >= 0x20 && *p < 0x7f && *p != '\\' ? "%c" : "\\x%02x", *p);
	fprintf(stderr, "\"\n");
	abort();
}

/* data[0..size) as a NUL-terminated string (stops at the first NUL, as a
 * C caller would see it). Caller frees. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Split data at the first NUL byte into two strings (the second may be
 * empty). Both malloc'd. */
static inline void fuzz_split2(const uint8_t *data, size_t size, char **a, char **b)
{
	const uint8_t *z = memchr(data, 0, size);
	size_t n = z ? (size_t)(z - data) : size;
	*a = fuzz_cstr(data, n);
	*b = z ? fuzz_cstr(z + 1, size - n - 1) : fuzz_cstr(data, 0);
}

/* Decode one UTF-8 code point (strict: no overlongs, surrogates or values
 * above U+10FFFF). Returns its length and sets *cp, or 0 if invalid. */
static inline size_t fuzz_utf8_decode(const unsigned char *p, uint32_t *cp)
{
	unsigned c = p[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	size_t n;
	uint32_t v, min;
	if ((c & 0xe0) == 0xc0) {
		n = 2, v = c & 0x1f, min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		n = 3, v = c & 0x0f, min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		n = 4, v = c & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	for (size_t k = 1; k < n; k++) {
		if ((p[k] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (p[k] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return n;
}

/* Unicode's bidirectional controls and U+2028/U+2029 (SPEC: "\uXXXX"). */
static inline bool fuzz_bidi_char(uint32_t cp)
{
	return cp == 0x061c || cp == 0x200e || cp == 0x200f || (cp >= 0x2028 && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

/* Text fit for a terminal, a log or a markup document: valid UTF-8, no C0
 * control (allow_newline: except '\n'), no DEL, no C1 control, no bidi
 * control or line/paragraph separator. */
static inline void fuzz_check_clean(const char *what, const char *s, bool allow_newline)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		uint32_t cp;
		size_t n = fuzz_utf8_decode(p, &cp);
		if (n == 0)
			fuzz_fail(what, s);
		if ((cp < 0x20 && !(allow_newline && cp == '\n')) || (cp >= 0x7f && cp <= 0x9f) ||
		    fuzz_bidi_char(cp))
			fuzz_fail(what, s);
		p += n;
	}
}

/* XML 1.0's Char production: what may appear in an XML document at all.
 * #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF] */
static inline bool fuzz_xml_char(uint32_t cp)
{
	return cp == 0x9 || cp == 0xa || cp == 0xd || (cp >= 0x20 && cp <= 0xd7ff) ||
	       (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

/* s may be XML character data (before escaping & and <): valid UTF-8 of
 * XML Chars only. */
static inline void fuzz_check_xml_text(const char *what, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		uint32_t cp;
		size_t n = fuzz_utf8_decode(p, &cp);
		if (n == 0 || !fuzz_xml_char(cp))
			fuzz_fail(what, s);
		p += n;
	}
}

/* Every '&' in s starts an entity: "&name;" or "&#digits;" (HTML/XML) when
 * amp is '&', Mermaid's "#name;"/"#digits;" when amp is '#'. */
static inline void fuzz_check_entities(const char *what, const char *s, char amp)
{
	for (const char *p = s; *p; p++) {
		if (*p != amp)
			continue;
		const char *q = p + 1;
		if (*q == '#' && amp == '&')
			q++;
		const char *b = q;
		while ((*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9'))
			q++;
		if (q == b || *q != ';')
			fuzz_fail(what, s);
		p = q;
	}
}

#endif
