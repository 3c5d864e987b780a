/* The entry points: select, gather the scene, hand it to the writer of the
 * requested format; to a FILE* or into memory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"
#include "render_internal.h"

static int check_opts(const struct render_input *in, const struct render_opts *o)
{
	if (!in || !in->g || !o)
		return render_fail(RENDER_EINVAL, "missing argument");
	if (o->format > RENDER_FORMAT_MERMAID || o->layout > RENDER_LAYOUT_NEATO ||
	    o->cluster > RENDER_CLUSTER_NONE)
		return render_fail(RENDER_EINVAL, "bad option value");
	return 0;
}

static bool needs_layout(enum render_format f)
{
	return f == RENDER_FORMAT_SVG || f == RENDER_FORMAT_PNG;
}

int render_to_file(FILE *out, const struct render_input *in, const struct render_opts *o)
{
	int rc = check_opts(in, o);
	if (rc)
		return rc;
	if (!out)
		return render_fail(RENDER_EINVAL, "no output stream");
	if (o->format == RENDER_FORMAT_SVG && o->svg_fragment) {
		/* strip the prolog in memory, then copy */
		char *buf = NULL;
		size_t len = 0;
		if ((rc = render_to_buffer(&buf, &len, in, o)))
			return rc;
		if (len && fwrite(buf, 1, len, out) != len)
			rc = render_fail(RENDER_EIO, "writing SVG failed");
		free(buf);
		return rc;
	}

	const struct analyze_knots *k;
	const struct analyze_steps *path;
	struct analyze_knots *own_k = NULL;
	struct analyze_steps *own_path = NULL;
	struct render_scene sc = {0};
	uint8_t *keep = NULL;
	uint32_t count = 0;
	if ((rc = render_analysis(in, o, &k, &path, &own_k, &own_path)))
		return rc;
	keep = malloc(in->g->n ? in->g->n : 1);
	if (!keep) {
		rc = render_fail(RENDER_ENOMEM, "out of memory");
		goto done;
	}
	if ((rc = render_select_with(in, o, k, path, keep, &count)))
		goto done;
	if (needs_layout(o->format) && o->max_nodes && count > o->max_nodes) {
		rc = render_fail(RENDER_ETOOBIG, "%u issues to draw, more than the limit of %u",
				 count, o->max_nodes);
		goto done;
	}
	if ((rc = render_scene_build(&sc, in, o, k, path, keep)))
		goto done;
	if (o->format == RENDER_FORMAT_MERMAID)
		rc = render_mermaid(out, &sc, o);
	else
		rc = render_graphviz(out, &sc, o);
done:
	render_scene_release(&sc);
	free(keep);
	analyze_knots_free(own_k);
	analyze_steps_free(own_path);
	return rc;
}

int render_to_buffer(char **buf, size_t *len, const struct render_input *in,
		     const struct render_opts *o)
{
	char *data = NULL;
	size_t size = 0;
	*buf = NULL;
	*len = 0;
	FILE *mem = open_memstream(&data, &size);
	if (!mem)
		return render_fail(RENDER_ENOMEM, "out of memory");
	struct render_opts whole = *o;
	whole.svg_fragment = false;
	int rc = render_to_file(mem, in, &whole);
	if (fclose(mem) != 0 && !rc)
		rc = render_fail(RENDER_ENOMEM, "out of memory");
	if (rc) {
		free(data);
		return rc;
	}
	if (o->format == RENDER_FORMAT_SVG && o->svg_fragment) {
		/* Inline SVG: drop the XML declaration, DOCTYPE and comments
		 * before the root element. */
		char *start = strstr(data, "<svg");
		if (start && start != data) {
			size -= (size_t)(start - data);
			memmove(data, start, size + 1);
		}
	}
	*buf = data;
	*len = size;
	return 0;
}
