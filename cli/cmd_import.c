/* issuegraph import FILE: replace the store's contents with a JSON snapshot. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/* Far above a 1,000,000-issue snapshot (about 0.6 GB), far below the RAM
 * json-c would need for a document this size. */
#define IMPORT_MAX_BYTES ((size_t)4 << 30)

static const char help_text[] =
    "usage: issuegraph [--db PATH] import [-q] FILE\n"
    "\n"
    "Replace the store's contents with the JSON snapshot FILE ('-' reads standard\n"
    "input): projects, issues, links and the instance, in one transaction. The\n"
    "crawl state (seeds, sync marks) is cleared. A snapshot with any problem is\n"
    "refused with exit 5 and the store is left as it was. The store is created\n"
    "if it does not exist.\n"
    "\n"
    "Options:\n"
    "  -q, --quiet      no summary on standard error\n"
    "  -v, --verbose    (accepted; nothing more to say)\n"
    "      --no-progress\n"
    "  -h, --help       this help\n";

/* Read all of fp into *buf (NUL-terminated), at most IMPORT_MAX_BYTES.
 * Returns 0, or -1 with errno set (EFBIG when over the cap). */
static int read_all(FILE *fp, char **buf, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	struct stat st;
	if (fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
		if ((uint64_t)st.st_size > IMPORT_MAX_BYTES) {
			errno = EFBIG;
			return -1;
		}
		cap = (size_t)st.st_size + 1;
	}
	char *b = malloc(cap);
	if (!b)
		return -1;
	for (;;) {
		if (n + 1 >= cap) {
			if (cap > IMPORT_MAX_BYTES) {
				free(b);
				errno = EFBIG;
				return -1;
			}
			size_t ncap = cap * 2;
			char *nb = realloc(b, ncap);
			if (!nb) {
				free(b);
				return -1;
			}
			b = nb;
			cap = ncap;
		}
		size_t got = fread(b + n, 1, cap - n - 1, fp);
		n += got;
		if (got == 0) {
			if (ferror(fp)) {
				int e = errno ? errno : EIO;
				free(b);
				errno = e;
				return -1;
			}
			break;
		}
	}
	if (n > IMPORT_MAX_BYTES) {
		free(b);
		errno = EFBIG;
		return -1;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

int cmd_import(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = {
	    {"quiet", no_argument, NULL, 'q'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"no-progress", no_argument, NULL, 'P'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	bool quiet = false;
	int c;
	optind = 0;
	while ((c = getopt_long(argc, argv, ":qvh", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			quiet = true;
			break;
		case 'v':
		case 'P':
			break;
		case 'h':
			fputs(help_text, stdout);
			return CLI_EXIT_OK;
		default:
			return cli_bad_option("import", c, argv);
		}
	}
	if (optind >= argc)
		return cli_usage("import",
				 "missing FILE (a JSON snapshot, or - for standard input)");
	if (argc - optind > 1)
		return cli_usage("import", "one FILE only, got '%s' too", argv[optind + 1]);
	const char *file = argv[optind];
	if (!*file)
		return cli_usage("import", "FILE is empty");
	bool from_stdin = strcmp(file, "-") == 0;
	const char *name = from_stdin ? "standard input" : file;

	/* Read the snapshot first: an unreadable file must not create a store. */
	FILE *fp = from_stdin ? stdin : fopen(file, "rb");
	char *buf = NULL;
	size_t len = 0;
	if (!fp || read_all(fp, &buf, &len) != 0) {
		cli_error("import", "%s: cannot read: %s", name,
			  errno == EFBIG ? "larger than the 4 GiB limit" : strerror(errno));
		if (fp && !from_stdin)
			fclose(fp);
		return CLI_EXIT_INPUT;
	}
	if (!from_stdin)
		fclose(fp);

	struct stat st;
	bool existed = stat(ctx->db_path, &st) == 0;
	struct store *s = NULL;
	int rc = cli_open_store(ctx, "import", STORE_OPEN_CREATE | STORE_OPEN_EXCLUSIVE, false, &s);
	if (rc) {
		free(buf);
		return rc;
	}
	int src = store_import_json(s, buf, len);
	free(buf);
	if (src == 0) {
		struct store_import_counts n;
		store_import_counts(s, &n);
		if ((rc = cli_close_store(ctx, "import", s, CLI_EXIT_OK)) != 0)
			return rc;
		if (!quiet)
			fprintf(stderr, "imported %lld projects, %lld issues, %lld links from %s\n",
				(long long)n.projects, (long long)n.issues, (long long)n.links,
				name);
		return CLI_EXIT_OK;
	}
	if (src == STORE_EINVAL) {
		cli_error("import", "%s: %s", name, store_errmsg(s));
		rc = CLI_EXIT_INPUT;
	} else {
		cli_error("import", "%s: %s", ctx->db_path, store_errmsg(s));
		rc = CLI_EXIT_STORE;
	}
	store_close(s);
	if (!existed) {
		/* A store this failed import created: leave no empty store behind. */
		unlink(ctx->db_path);
	}
	return rc;
}
