/* The live progress line of fetch (a terminal only; the caller decides). */
#include <stdio.h>

#include "fetch_internal.h"

void fetch_progress_init(struct fetch_progress *p, FILE *err, bool live)
{
	p->err = err;
	p->live = live && err;
	p->drawn = false;
	p->start = fetch_now();
	p->last_draw = 0;
}

void fetch_progress_update(struct fetch_progress *p, const struct fetch_progress_counts *c,
			   bool force)
{
	if (!p->live)
		return;
	double now = fetch_now();
	if (!force && now - p->last_draw < 0.1)
		return;
	double el = now - p->start;
	p->last_draw = now;
	p->drawn = true;
	/* \r and erase-to-end-of-line: one line redrawn in place */
	fprintf(p->err,
		"\r\033[Kfetch: %lld issues, %lld link lists, %lld requests (%.0f/s), queue %lld, "
		"%lld retries, %.0f s",
		(long long)c->issues, (long long)c->links, (long long)c->requests,
		el >= 1.0 ? (double)c->requests / el : 0.0, (long long)c->queue,
		(long long)c->retries, el);
	fflush(p->err);
}

void fetch_progress_clear(struct fetch_progress *p)
{
	if (p->live && p->drawn) {
		fputs("\r\033[K", p->err);
		fflush(p->err);
		p->drawn = false;
	}
}
