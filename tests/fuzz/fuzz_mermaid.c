/* Mermaid labels: render_escape_mermaid, and the node label render/
 * mermaid.c writes (id["ref<br/>wrapped title"]), which must not let a
 * title end the quoted label, open a markdown string (`), carry a
 * %%{init}%% directive, or inject HTML besides our own <br/>. */
#include "fuzz_util.h"
#include "render.h"
#include "render_internal.h"

static void check_label(const char *what, const char *s)
{
	fuzz_check_clean(what, s, false);
	fuzz_check_entities(what, s, '#');
	if (strpbrk(s, "\"`%&\\"))
		fuzz_fail(what, s);
	/* '<' and '>' only as our own line breaks */
	for (const char *p = s; *p; p++) {
		if (*p == '<') {
			if (strncmp(p, "<br/>", 5) != 0)
				fuzz_fail(what, s);
			p += 4;
		} else if (*p == '>') {
			fuzz_fail(what, s);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = fuzz_cstr(data, size);

	char *e = render_escape_mermaid(in);
	if (!e)
		fuzz_fail("render_escape_mermaid: NULL", in);
	check_label("render_escape_mermaid: unsafe label", e);
	if (strstr(e, "<br/>"))
		fuzz_fail("render_escape_mermaid: produced markup", e);
	free(e);

	/* the label of mermaid.c's write_node, with its width and line cap;
	 * the first byte varies both for more paths */
	unsigned width = size ? 1u + data[0] % 40u : 32u;
	struct rbuf b = {0};
	render_wrap(&b, in, width, 3, "<br/>", render_escape_mermaid_into);
	char *label = rbuf_finish(&b);
	if (!label)
		fuzz_fail("render_wrap: NULL", in);
	check_label("mermaid label: unsafe", label);
	/* at most 3 lines */
	int lines = 1;
	for (const char *p = label; (p = strstr(p, "<br/>")) != NULL; p += 5)
		lines++;
	if (lines > 3)
		fuzz_fail("mermaid label: more than 3 lines", label);
	free(label);
	free(in);
	return 0;
}
