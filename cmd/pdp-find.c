/* pdp-find: list input files as path records. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../lib/err.h"
#include "../lib/filter.h"
#include "../lib/io.h"
#include "../lib/num.h"
#include "../lib/shard.h"
#include "../lib/version.h"
#include "../lib/walk.h"

static struct obuf out;
static int nul;
static struct shard shard = { 1, 1 };

#define SHORTOPTS "0ad:e:hHLn:p:s:x:"
enum { OPT_MTIME = 256, OPT_NEWER, OPT_SHARD, OPT_SIZE, OPT_VERSION };

static const struct option longopts[] = {
	{ "all", no_argument, NULL, 'a' },
	{ "exclude", required_argument, NULL, 'x' },
	{ "extension", required_argument, NULL, 'e' },
	{ "follow", no_argument, NULL, 'L' },
	{ "help", no_argument, NULL, 'h' },
	{ "hidden", no_argument, NULL, 'H' },
	{ "max-depth", required_argument, NULL, 'd' },
	{ "mtime", required_argument, NULL, OPT_MTIME },
	{ "name", required_argument, NULL, 'n' },
	{ "newer", required_argument, NULL, OPT_NEWER },
	{ "null", no_argument, NULL, '0' },
	{ "path", required_argument, NULL, 'p' },
	{ "shard", required_argument, NULL, OPT_SHARD },
	{ "size", required_argument, NULL, OPT_SIZE },
	{ "sort", required_argument, NULL, 's' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

_Noreturn static void
usage(void)
{
	fprintf(stderr,
	    "usage: %s [-0aHLh] [-d depth] [-e ext]... [-n glob]... [-p glob]...\n"
	    "       [-x glob]... [--size [+|-]N[K|M|G]]... [--mtime [+|-]days]...\n"
	    "       [--newer file]... [-s name|size|none] [--shard I/N] [path ...]\n",
	    argv0);
	exit(EXIT_FATAL);
}

_Noreturn static void
help(void)
{
	io_needstd(1);
	printf("usage: %s [options] [path ...]\n"
	    "List every regular file under each path (default .) as pdp(7) records,\n"
	    "skipping hidden files and directories; the filters narrow the list.\n\n"
	    "  -0, --null            end records with NUL, paths unescaped\n"
	    "  -a, --all             no effect (every regular file is the default)\n"
	    "  -d, --max-depth=N     descend at most N levels (1: only the entries\n"
	    "                        of each path)\n"
	    "  -e, --extension=EXT   files whose name ends in .EXT, any case\n"
	    "                        (repeatable: any of them)\n"
	    "  -H, --hidden          walk hidden files and directories too\n"
	    "  -L, --follow          follow symbolic links (loops are detected)\n"
	    "      --mtime=[+-]DAYS  modified more than (+), less than (-) or\n"
	    "                        exactly DAYS 24-hour periods ago, as find\n"
	    "  -n, --name=GLOB       files whose name matches (repeatable: any)\n"
	    "      --newer=FILE      modified later than FILE\n"
	    "  -p, --path=GLOB       files whose path below the named directory\n"
	    "                        matches; * matches / too (repeatable: any)\n"
	    "      --size=[+-]N[KMG] larger than (+), smaller than (-) or exactly\n"
	    "                        N bytes, K/M/G: KiB, MiB, GiB (repeatable: all)\n"
	    "  -s, --sort=ORDER      none (walk order, default), name (bytewise)\n"
	    "                        or size (largest first)\n"
	    "      --shard=I/N       only the files of shard I (1 to N) of N, by a\n"
	    "                        hash of the path\n"
	    "  -x, --exclude=GLOB    skip files and directories whose name matches\n"
	    "  -h, --help            show this help\n"
	    "      --version         show the version\n\n"
	    "A file is listed when it passes every filter given.  See pdp-find(1),\n"
	    "\"For find users\", and pdp(7).\n", argv0);
	io_exitok();
}

/* find(1)'s primaries, and what to write instead.  getopt would read
 * "-name" as "-n ame" and "-path" as "-p ath": they are refused first. */
static const struct {
	const char *word, *advice;
} primaries[] = {
	{ "-name", "use -n GLOB or --name=GLOB" },
	{ "-iname", "use -n GLOB (case-sensitive) or -e EXT (any case)" },
	{ "-path", "use -p GLOB or --path=GLOB" },
	{ "-wholename", "use -p GLOB or --path=GLOB" },
	{ "-ipath", "use -p GLOB (case-sensitive)" },
	{ "-iwholename", "use -p GLOB (case-sensitive)" },
	{ "-regex", "use -n GLOB or -p GLOB (globs, not regular expressions)" },
	{ "-iregex", "use -n GLOB or -p GLOB (globs, not regular expressions)" },
	{ "-type", "pdp-find lists regular files only: leave it out" },
	{ "-xtype", "pdp-find lists regular files only: leave it out" },
	{ "-size", "use --size=[+-]N[KMG]" },
	{ "-empty", "use --size=0" },
	{ "-mtime", "use --mtime=[+-]DAYS" },
	{ "-mmin", "use --mtime=[+-]DAYS or --newer=FILE" },
	{ "-newer", "use --newer=FILE" },
	{ "-newermt", "use --newer=FILE (touch -d DATE FILE makes one)" },
	{ "-atime", "pdp-find tests the modification time: --mtime=[+-]DAYS" },
	{ "-amin", "pdp-find tests the modification time: --mtime=[+-]DAYS" },
	{ "-ctime", "pdp-find tests the modification time: --mtime=[+-]DAYS" },
	{ "-cmin", "pdp-find tests the modification time: --mtime=[+-]DAYS" },
	{ "-anewer", "pdp-find tests the modification time: --newer=FILE" },
	{ "-cnewer", "pdp-find tests the modification time: --newer=FILE" },
	{ "-maxdepth", "use -d N or --max-depth=N" },
	{ "-mindepth", "pdp-find has no minimum depth; see pdp-find(1)" },
	{ "-depth", "pdp-find has no such option; see pdp-find(1)" },
	{ "-prune", "use -x GLOB or --exclude=GLOB" },
	{ "-follow", "use -L or --follow" },
	{ "-print", "pdp-find prints every file it lists: leave it out" },
	{ "-print0", "use -0 or --null" },
	{ "-fprint0", "use -0 or --null" },
	{ "-printf", "pdp-find prints paths only; see pdp-find(1)" },
	{ "-fprint", "pdp-find prints paths only; see pdp-find(1)" },
	{ "-fprintf", "pdp-find prints paths only; see pdp-find(1)" },
	{ "-ls", "pdp-find prints paths only; see pdp-find(1)" },
	{ "-fls", "pdp-find prints paths only; see pdp-find(1)" },
	{ "-exec", "pipe its output to pdp-map exec CMD, or -0 to xargs -0 CMD" },
	{ "-execdir", "pipe its output to pdp-map exec CMD, or -0 to xargs -0 CMD" },
	{ "-ok", "pipe its output to pdp-map exec CMD, or -0 to xargs -0 CMD" },
	{ "-okdir", "pipe its output to pdp-map exec CMD, or -0 to xargs -0 CMD" },
	{ "-delete", "pdp-find only lists files; see pdp-find(1)" },
	{ "-quit", "pipe its output to head -n 1" },
	{ "-xdev", "pdp-find has no such option; see pdp-find(1)" },
	{ "-mount", "pdp-find has no such option; see pdp-find(1)" },
	{ "-fstype", "pdp-find has no such test; see pdp-find(1)" },
	{ "-perm", "pdp-find has no such test; see pdp-find(1)" },
	{ "-user", "pdp-find has no such test; see pdp-find(1)" },
	{ "-group", "pdp-find has no such test; see pdp-find(1)" },
	{ "-uid", "pdp-find has no such test; see pdp-find(1)" },
	{ "-gid", "pdp-find has no such test; see pdp-find(1)" },
	{ "-nouser", "pdp-find has no such test; see pdp-find(1)" },
	{ "-nogroup", "pdp-find has no such test; see pdp-find(1)" },
	{ "-links", "pdp-find has no such test; see pdp-find(1)" },
	{ "-inum", "pdp-find has no such test; see pdp-find(1)" },
	{ "-samefile", "pdp-find has no such test; see pdp-find(1)" },
	{ "-lname", "pdp-find has no such test; see pdp-find(1)" },
	{ "-ilname", "pdp-find has no such test; see pdp-find(1)" },
	{ "-readable", "pdp-find has no such test; see pdp-find(1)" },
	{ "-writable", "pdp-find has no such test; see pdp-find(1)" },
	{ "-executable", "pdp-find has no such test; see pdp-find(1)" },
	{ "-true", "pdp-find has no such test; see pdp-find(1)" },
	{ "-false", "pdp-find has no such test; see pdp-find(1)" },
	{ "-not", "pdp-find has no operators: filters are all joined by and" },
	{ "-and", "pdp-find has no operators: filters are all joined by and" },
	{ "-or", "pdp-find has no operators: filters are all joined by and" },
};

/* Whether the long option "--NAME" (no '=') takes the next word as its
 * argument, as getopt_long decides, abbreviations included. */
static int
longtakesarg(const char *name)
{
	size_t n = strlen(name);
	const struct option *hit = NULL;

	for (const struct option *o = longopts; o->name; o++) {
		if (strncmp(o->name, name, n) != 0)
			continue;
		if (o->name[n] == '\0')
			return o->has_arg == required_argument;
		if (hit)
			return 0;	/* ambiguous: getopt refuses it */
		hit = o;
	}
	return hit && hit->has_arg == required_argument;
}

/* Refuse a find(1) primary anywhere getopt would read it as options
 * (before "--", and not as an option's argument). */
static void
refuseprimaries(int argc, char *argv[])
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (a[0] != '-' || a[1] == '\0')
			continue;
		if (a[1] == '-') {
			if (a[2] == '\0')
				return;
			if (!strchr(a, '=') && longtakesarg(a + 2))
				i++;
			continue;
		}
		for (size_t k = 0; k < sizeof primaries / sizeof *primaries; k++)
			if (strcmp(a, primaries[k].word) == 0)
				eprintf("%s is find(1) syntax; %s", a,
				    primaries[k].advice);
		/* A cluster: the first option with an argument takes the
		 * rest of the word, or the next word. */
		for (const char *c = a + 1; *c; c++) {
			const char *o = *c != ':' ? strchr(SHORTOPTS, *c) : NULL;
			if (o && o[1] == ':') {
				if (c[1] == '\0')
					i++;
				break;
			}
		}
	}
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

int
main(int argc, char *argv[])
{
	static char *dot[] = { "." };
	struct filter f;
	struct walkopts o = { .filter = &f, .maxdepth = -1 };
	struct stat st;
	unsigned long long v;
	int c;

	setprogname(argv[0]);
	io_stdfds();
	io_fsizeerrors();
	filter_init(&f);
	refuseprimaries(argc, argv);
	while ((c = getopt_long(argc, argv, SHORTOPTS, longopts, NULL)) != -1) {
		switch (c) {
		case '0':
			nul = 1;
			break;
		case 'a':
			break;		/* the default now; kept for old scripts */
		case 'd':
			if (opt_uint(optarg, 0, 1000000, &v) < 0)
				eprintf("invalid depth '%s'", optarg);
			o.maxdepth = (long)v;
			break;
		case 'e':
			if (filter_ext(&f, optarg) < 0)
				eprintf("invalid extension '%s'", optarg);
			break;
		case 'h':
			help();
		case 'H':
			o.hidden = 1;
			break;
		case 'L':
			o.follow = 1;
			break;
		case 'n':
			filter_name(&f, optarg);
			break;
		case 'p':
			filter_path(&f, optarg);
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
		case 'x':
			filter_exclude(&f, optarg);
			break;
		case OPT_MTIME:
			if (filter_mtime(&f, optarg) < 0)
				eprintf("invalid --mtime '%s' ([+-]DAYS)", optarg);
			break;
		case OPT_NEWER:
			if (stat(optarg, &st) < 0)
				eprintf("--newer %s:", optarg);
			filter_newer(&f, &st.st_mtim);
			break;
		case OPT_SHARD:
			if (shard_parse(optarg, &shard) < 0)
				eprintf("invalid --shard '%s' (I/N, 1 <= I <= N <= %d)",
				    optarg, SHARD_MAX);
			break;
		case OPT_SIZE:
			if (filter_size(&f, optarg) < 0)
				eprintf("invalid --size '%s' ([+-]N[cKMG])", optarg);
			break;
		case OPT_VERSION:
			io_needstd(1);
			printf("%s %s\n", argv0, PDP_VERSION);
			io_exitok();
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
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
	unsigned long long hidden = walk_hidden(w);
	walk_free(w);
	obuf_flush(&out);
	obuf_free(&out);
	if (found == 0)
		weprintf("no files matched%s", hidden ? " (hidden files and "
		    "directories are skipped without -H)" : "");
	filter_free(&f);
	return errors ? EXIT_PARTIAL : 0;
}
