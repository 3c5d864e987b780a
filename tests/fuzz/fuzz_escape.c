/* The text escapers of render/escape.c and the XML text cleaner of
 * render/report_junit.c, each with the invariant its header promises:
 *   gv        valid UTF-8, no control characters, every '&' an entity
 *   markdown  the same, no raw '<' or '>'
 *   html      the same, no raw '<', '>', '"' or '\''
 *   clean     XML character data: XML 1.0 Chars only, no C0 control
 *   safe_url  NULL unless http(s); printable ASCII without quotes,
 *             brackets or spaces, so it cannot leave an href
 */
#include "fuzz_util.h"
#include "render.h"

static void check_common(const char *what, const char *out)
{
	if (!out)
		fuzz_fail(what, "(NULL: out of memory?)");
	fuzz_check_clean(what, out, false);
	fuzz_check_entities(what, out, '&');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = fuzz_cstr(data, size);

	char *gv = render_escape_gv(in);
	check_common("render_escape_gv: unclean output", gv);
	free(gv);

	char *md = render_escape_markdown(in);
	check_common("render_escape_markdown: unclean output", md);
	if (strpbrk(md, "<>"))
		fuzz_fail("render_escape_markdown: raw '<' or '>'", md);
	free(md);

	char *html = render_escape_html(in);
	check_common("render_escape_html: unclean output", html);
	if (strpbrk(html, "<>\"'"))
		fuzz_fail("render_escape_html: raw markup character", html);
	free(html);

	char *clean = render_clean_text(in);
	if (!clean)
		fuzz_fail("render_clean_text: NULL", in);
	fuzz_check_xml_text("render_clean_text: not XML character data", clean);
	fuzz_check_clean("render_clean_text: control character", clean, false);
	free(clean);

	char *url = render_safe_url(in);
	if (url) {
		if (strncmp(in, "http://", 7) != 0 && strncmp(in, "https://", 8) != 0)
			fuzz_fail("render_safe_url: kept a URL that is not http(s)", in);
		for (const unsigned char *p = (const unsigned char *)url; *p; p++)
			if (*p <= 0x20 || *p >= 0x7f || strchr("\"'<>\\`", *p))
				fuzz_fail("render_safe_url: unsafe byte in the URL", url);
		free(url);
	}
	free(in);
	return 0;
}
