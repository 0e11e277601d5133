/* pdp-find: list input files as path records. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/err.h"
#include "../lib/io.h"
#include "../lib/num.h"
#include "../lib/shard.h"
#include "../lib/version.h"
#include "../lib/walk.h"

static struct obuf out;
static int nul;
static struct shard shard = { 1, 1 };

_Noreturn static void
usage(void)
{
	fprintf(stderr,
	    "usage: %s [-0aLh] [-d depth] [-n glob]... [-x glob]... "
	    "[-s name|size|none] [--shard I/N]\n"
	    "       [path ...]\n", argv0);
	exit(EXIT_FATAL);
}

_Noreturn static void
help(void)
{
	io_needstd(1);
	printf("usage: %s [options] [path ...]\n"
	    "List the files under each path (default .) as pdp(7) records.\n\n"
	    "  -0, --null            end records with NUL, paths unescaped\n"
	    "  -a, --all             every regular file, not only *.txt\n"
	    "  -d, --max-depth=N     descend at most N levels (1: only the entries\n"
	    "                        of each path)\n"
	    "  -L, --follow          follow symbolic links (loops are detected)\n"
	    "  -n, --name=GLOB       include files whose name matches (repeatable;\n"
	    "                        default *.txt)\n"
	    "  -s, --sort=ORDER      none (walk order, default), name (bytewise)\n"
	    "                        or size (largest first)\n"
	    "      --shard=I/N       only the files of shard I (1 to N) of N, by a\n"
	    "                        hash of the path\n"
	    "  -x, --exclude=GLOB    skip files and directories whose name matches\n"
	    "  -h, --help            show this help\n"
	    "      --version         show the version\n\n"
	    "See pdp-find(1) and pdp(7).\n", argv0);
	exit(0);
}

static void
put(void *arg, const char *path, size_t len, off_t size)
{
	(void)arg;
	(void)size;
	if (shard.n > 1 && !shard_has(&shard, path, len))
		return;
	if (nul) {
		obuf_write(&out, path, len);
		obuf_putc(&out, '\0');
	} else {
		obuf_escape(&out, path, len);
		obuf_putc(&out, '\n');
	}
}

static void
add(char ***v, size_t *n, char *s)
{
	*v = ereallocarray(*v, *n + 1, sizeof **v);
	(*v)[(*n)++] = s;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "exclude", required_argument, NULL, 'x' },
		{ "follow", no_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ "max-depth", required_argument, NULL, 'd' },
		{ "name", required_argument, NULL, 'n' },
		{ "null", no_argument, NULL, '0' },
		{ "shard", required_argument, NULL, 'S' },
		{ "sort", required_argument, NULL, 's' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static char *deflt[] = { "*.txt" };
	static char *dot[] = { "." };
	struct walkopts o = { .maxdepth = -1 };
	unsigned long long v;
	int c;

	setprogname(argv[0]);
	io_stdfds();
	while ((c = getopt_long(argc, argv, "0ad:hLn:s:x:", longopts, NULL)) != -1) {
		switch (c) {
		case '0':
			nul = 1;
			break;
		case 'a':
			o.all = 1;
			break;
		case 'd':
			if (opt_uint(optarg, 0, 1000000, &v) < 0)
				eprintf("invalid depth '%s'", optarg);
			o.maxdepth = (long)v;
			break;
		case 'h':
			help();
		case 'L':
			o.follow = 1;
			break;
		case 'n':
			add(&o.names, &o.nnames, optarg);
			break;
		case 's':
			if (strcmp(optarg, "none") == 0)
				o.sort = SORT_NONE;
			else if (strcmp(optarg, "name") == 0)
				o.sort = SORT_NAME;
			else if (strcmp(optarg, "size") == 0)
				o.sort = SORT_SIZE;
			else
				eprintf("invalid sort order '%s' (name, size or none)",
				    optarg);
			break;
		case 'S':
			if (shard_parse(optarg, &shard) < 0)
				eprintf("invalid --shard '%s' (I/N, 1 <= I <= N <= %d)",
				    optarg, SHARD_MAX);
			break;
		case 'x':
			add(&o.excludes, &o.nexcludes, optarg);
			break;
		case 'V':
			io_needstd(1);
			printf("%s %s\n", argv0, PDP_VERSION);
			exit(0);
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (o.nnames == 0) {
		o.names = deflt;
		o.nnames = 1;
	}
	if (argc == 0) {
		argv = dot;
		argc = 1;
	}

	io_needstd(1);
	obuf_init(&out, 1, "stdout", 1 << 16);
	struct walker *w = walk_new(&o, put, NULL);
	unsigned long errors = 0;
	for (int i = 0; i < argc; i++)
		errors += walk(w, argv[i]);
	unsigned long long found = walk_finish(w);
	walk_free(w);
	obuf_flush(&out);
	obuf_free(&out);
	if (found == 0)
		weprintf("no files matched%s", o.all ? "" : " (see -n and -a)");
	if (o.names != deflt)
		free(o.names);
	free(o.excludes);
	return errors ? EXIT_PARTIAL : 0;
}
