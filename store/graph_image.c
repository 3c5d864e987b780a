/*
 * The graph image: one row of table graph_image (migration 4 -> 5) holding
 * the analysed graph packed as bytes, so that an analysis reads one blob
 * instead of a million rows. The bytes are analyze's business
 * (analyze/graph_image.c); this file only keeps them and guarantees they
 * are never stale:
 *
 * - every INSERT, UPDATE or DELETE on issues, links, projects or text_deps
 *   deletes the image (triggers of migration 5), in the writer's own
 *   transaction, whoever the writer is;
 * - the row carries a stamp of the data it was built from (the schema
 *   version and the row count and largest id of each of those tables);
 *   it is read only while the stamp matches the store's;
 * - the image is written in the same read transaction (snapshot) as the
 *   rows it was built from: if anything was written since, upgrading to a
 *   write fails (SQLITE_BUSY_SNAPSHOT) and nothing is stored.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

/* The stamp of the data as it is now, as an SQL expression. */
#define STAMP_SQL                                                                                  \
	"(SELECT 'v5 i' || count(*) || ':' || ifnull(max(id), 0) FROM issues) || "                 \
	"(SELECT ' l' || count(*) || ':' || ifnull(max(id), 0) FROM links) || "                    \
	"(SELECT ' p' || count(*) || ':' || ifnull(max(id), 0) FROM projects) || "                 \
	"(SELECT ' t' || count(*) FROM text_deps)"

int store_image_begin(struct store *s)
{
	return store_exec(s, "SAVEPOINT graph_image");
}

int store_image_end(struct store *s, bool keep)
{
	if (!keep)
		sqlite3_exec(s->db, "ROLLBACK TO graph_image", NULL, NULL, NULL);
	return store_exec(s, "RELEASE graph_image");
}

int store_image_read(struct store *s, void **data, size_t *len, int64_t *n_issues)
{
	/* The stamp once (its counts are the costly part), then the row. */
	static const char stamp_sql[] = "SELECT " STAMP_SQL;
	static const char sql[] =
	    "SELECT rowid, length(data) FROM graph_image WHERE id = 1 AND stamp = ?";
	sqlite3_blob *blob = NULL;
	void *buf = NULL;
	int rc = STORE_OK;
	long long issues = 0;

	*data = NULL;
	*len = 0;
	*n_issues = 0;
	sqlite3_stmt *ss = store_stmt(s, stamp_sql);
	sqlite3_stmt *st = store_stmt(s, sql);
	if (!ss || !st)
		return STORE_ERR;
	int src = sqlite3_step(ss);
	if (src != SQLITE_ROW) {
		rc = store_fail_sql(s, src, "read the data's stamp");
		sqlite3_reset(ss);
		return rc;
	}
	const char *stamp = (const char *)sqlite3_column_text(ss, 0);
	if (!stamp || sscanf(stamp, "v5 i%lld:", &issues) != 1) {
		sqlite3_reset(ss);
		return store_fail(s, STORE_ERR, "read the data's stamp: unexpected form");
	}
	sqlite3_bind_text(st, 1, stamp, -1, SQLITE_TRANSIENT);
	sqlite3_reset(ss);
	src = sqlite3_step(st);
	if (src == SQLITE_DONE) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		return STORE_OK; /* none, or stale */
	}
	if (src != SQLITE_ROW) {
		rc = store_fail_sql(s, src, "read the graph image");
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		return rc;
	}
	int64_t rowid = sqlite3_column_int64(st, 0);
	int64_t bytes = sqlite3_column_int64(st, 1);
	*n_issues = issues;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (bytes <= 0 || bytes > INT32_MAX)
		return STORE_OK;
	/* Incremental blob I/O reads straight into our buffer (one copy). The
	 * caller holds the read transaction, so this is the row just stamped. */
	src = sqlite3_blob_open(s->db, "main", "graph_image", "data", rowid, 0, &blob);
	if (src != SQLITE_OK) {
		rc = store_fail_sql(s, src, "read the graph image");
		goto done;
	}
	buf = malloc((size_t)bytes);
	if (!buf) {
		rc = store_fail(s, STORE_ENOMEM, "out of memory");
		goto done;
	}
	src = sqlite3_blob_read(blob, buf, (int)bytes, 0);
	if (src != SQLITE_OK) {
		rc = store_fail_sql(s, src, "read the graph image");
		goto done;
	}
	*data = buf;
	*len = (size_t)bytes;
	buf = NULL;
done:
	free(buf);
	sqlite3_blob_close(blob);
	return rc;
}

int store_image_write(struct store *s, const void *data, size_t len)
{
	static const char sql[] =
	    "INSERT OR REPLACE INTO graph_image(id, stamp, data) VALUES(1, " STAMP_SQL ", ?)";
	if (len > INT32_MAX)
		return store_fail(s, STORE_EINVAL, "graph image too large (%zu bytes)", len);
	sqlite3_stmt *st = store_stmt(s, sql);
	if (!st)
		return STORE_ERR;
	sqlite3_bind_blob(st, 1, data, (int)len, SQLITE_STATIC);
	/* A reader must not wait for a writer (a running fetch) just to leave
	 * an image behind: no busy wait here. */
	sqlite3_busy_timeout(s->db, 0);
	int rc = store_step_done(s, st, "write the graph image");
	sqlite3_busy_timeout(s->db, STORE_BUSY_TIMEOUT_MS);
	sqlite3_clear_bindings(st);
	return rc;
}

int store_image_drop(struct store *s)
{
	return store_exec(s, "DELETE FROM graph_image");
}
