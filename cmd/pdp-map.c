/* pdp-map: run a mapper over each input file in a pool of workers. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/agg.h"
#include "../lib/cpu.h"
#include "../lib/err.h"
#include "../lib/io.h"
#include "../lib/mapper.h"
#include "../lib/num.h"
#include "../lib/path.h"
#include "../lib/plugin.h"
#include "../lib/pool.h"
#include "../lib/repl.h"
#include "../lib/version.h"

enum { DEFAULT_SPLIT = 64 << 20, DEFAULT_BLOCK = 4 << 20 };

_Noreturn static void
usage(void)
{
	fprintf(stderr,
	    "usage: %s [-0hkqv] [-a file] [-j jobs] [--bar[=always]]\n"
	    "       [--binary how] [--combine op] [--decompress when] [--dry-run]\n"
	    "       [--halt policy] [--joblog file [--resume]] [--ok-status list]\n"
	    "       [--pipe [--block size]] [--progress[=always]] [--retries n]\n"
	    "       [--split size] [--stats] [--tag] [--timeout duration]\n"
	    "       mapper [arg ...]\n", argv0);
	exit(EXIT_FATAL);
}

_Noreturn static void
help(void)
{
	io_needstd(1);
	printf("usage: %s [options] mapper [arg ...]\n"
	    "Read path records on stdin and run mapper over each file in a pool\n"
	    "of worker processes, writing key<TAB>value records.\n\n"
	    "  -0, --null         input paths end with NUL and are not escaped\n"
	    "  -a, --arg-file=FILE  the path records (or --pipe's data) from FILE,\n"
	    "                     not standard input\n"
	    "      --bar[=always] a progress bar on stderr (if a terminal): %% done,\n"
	    "                     inputs, MB, rate and ETA\n"
	    "      --binary=HOW   an input with a NUL byte in its first 32K:\n"
	    "                     skip (with a message; the default of the text\n"
	    "                     mappers), text (read it), or fail\n"
	    "      --block=SIZE   --pipe block size (default 4M)\n"
	    "      --combine=OP   aggregate in each worker across its tasks with\n"
	    "                     OP (sum, min, max, absmin, absmax or range) and\n"
	    "                     write one table per worker; pdp-reduce OP\n"
	    "                     gives the same result\n"
	    "      --decompress=WHEN  auto (default): read compressed data (known\n"
	    "                     by its first bytes) decompressed: gzip by pdp\n"
	    "                     itself, bzip2, xz, zstd, lz4 and compress through\n"
	    "                     their program on PATH; never: as they are\n"
	    "      --dry-run      print each task that would run, and run none\n"
	    "      --halt=POLICY  never (default), or WHEN,WHY=N or WHEN,WHY=N%%:\n"
	    "                     after N (or N%% of the) inputs failed (WHY fail;\n"
	    "                     exit 3), succeeded (success) or ended (done),\n"
	    "                     start nothing new (WHEN soon) and also stop the\n"
	    "                     running ones (now)\n"
	    "  -j, --jobs=N       worker processes (default: the CPUs available)\n"
	    "      --joblog=FILE  a TSV line per finished input in FILE\n"
	    "  -k, --keep-order   output in input order (default: as tasks end)\n"
	    "      --ok-status=LIST  exec: exit statuses that mean success, e.g.\n"
	    "                     0,1 for grep -c or diff (default 0)\n"
	    "      --pipe         stdin is the data itself, cut into blocks of\n"
	    "                     whole lines spread over the workers\n"
	    "      --progress[=always]  a status line on stderr (if a terminal)\n"
	    "  -q, --quiet        no warning for each input that fails\n"
	    "      --resume       skip the inputs that --joblog FILE shows done\n"
	    "      --retries=N    try a failed input up to N more times\n"
	    "      --split=SIZE   cut files larger than SIZE into line-aligned\n"
	    "                     chunks run in parallel (default for the builtins:\n"
	    "                     about four chunks a worker, 4M to 64M; 0: never;\n"
	    "                     exec and plugins: never unless given)\n"
	    "      --stats        print a summary on stderr at the end\n"
	    "      --tag          prefix each record with the input's path\n"
	    "      --timeout=DUR  kill a task that runs longer (30, 1.5s, 2m, 1h)\n"
	    "  -v, --verbose      log each task on stderr\n"
	    "  -h, --help         show this help\n"
	    "      --version      show the version\n\n"
	    "mappers:\n"
	    "  wordfreq [--word=alnum|ident|nonspace|alnum-runs] [--case=fold|lower|keep]\n"
	    "                     word<TAB>count (default: alnum, fold)\n"
	    "  linefreq           line<TAB>count\n"
	    "  grep [-iFwxvoE] [-e] REGEX\n"
	    "                     line<TAB>count of lines matching REGEX (ERE;\n"
	    "                     -o: each match), options as in GNU grep\n"
	    "  wc                 lines, words and bytes with their counts\n"
	    "  ngrams [--word=RULE] [--case=CASE] N\n"
	    "                     N consecutive words of a line, with counts\n"
	    "  exec CMD [ARG ...] run CMD with each input on its stdin (and its\n"
	    "                     path in $PDP_PATH); its stdout is records; {}\n"
	    "                     {/} {//} {.} {/.} {#} {%%} as in GNU parallel\n"
	    "  ./PLUGIN.so [ARG]  a plugin (see pdp.h and examples/plugin)\n\n"
	    "See pdp-map(1) and pdp(7).\n", argv0);
	io_exitok();
}

static char initerr[1024];

static void checkfail(struct pdp_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
checkfail(struct pdp_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	(void)ctx;
	va_start(ap, fmt);
	vsnprintf(initerr, sizeof initerr, fmt, ap);
	va_end(ap);
}

/* A mapper given what looks like an input (an existing file) as its
 * last argument: the user meant it as a path, as with grep or wc. */
static void
pathhint(const char *name, int argc, char **argv)
{
	struct stat st;

	if (argc > 1 && stat(argv[argc - 1], &st) == 0 && !S_ISDIR(st.st_mode))
		eprintf("%s: %s: paths are read from standard input, not from "
		    "arguments: pdp-find DIR | %s %s, or %s -a FILE %s", name,
		    argv[argc - 1], argv0, name, argv0, name);
}

/* Check a builtin's arguments here, once, rather than in every worker. */
static void
checkargs(const struct pdp_mapper *m, int argc, char **argv)
{
	struct pdp_ctx ctx = { .fail = checkfail, .path = "" };

	if (argc - 1 < m->minargs || (m->maxargs >= 0 && argc - 1 > m->maxargs)) {
		pathhint(m->name, argc, argv);
		eprintf("%s: usage: %s%s%s", m->name, m->name,
		    *m->synopsis ? " " : "", m->synopsis);
	}
	if (m->init && m->init(&ctx, argc, argv) < 0) {
		pathhint(m->name, argc, argv);
		eprintf("%s", *initerr ? initerr : "mapper init failed");
	}
	if (m->finish)
		m->finish(&ctx);
}

/* --ok-status 0,1 or 0-2,5: the exit statuses that count as success. */
static void
parseok(unsigned char *ok, const char *s)
{
	char *copy = estrdup(s), *next = copy;
	unsigned long long lo, hi;

	memset(ok, 0, 256);
	/* Each item between commas, an empty one too (0, is a typo that
	 * strtok would pass over). */
	for (char *tok = copy; next; tok = next) {
		if ((next = strchr(tok, ',')))
			*next++ = '\0';
		char *dash = strchr(tok, '-');
		if (dash)
			*dash = '\0';
		if (opt_uint(tok, 0, 255, &lo) < 0 ||
		    (dash && opt_uint(dash + 1, lo, 255, &hi) < 0))
			eprintf("invalid --ok-status '%s' (exit statuses 0 to 255, "
			    "e.g. 0,1 or 0-2)", s);
		if (!dash)
			hi = lo;
		for (unsigned long long k = lo; k <= hi; k++)
			ok[k] = 1;
	}
	free(copy);
}

/* --halt never | WHEN,WHY=N | WHEN,WHY=N%, as GNU parallel spells it:
 * WHEN now or soon, WHY fail, success or done. */
static void
parsehalt(struct poolconf *pc, const char *s)
{
	static const char *const whys[] = { "fail=", "success=", "done=" };
	unsigned long long n;
	const char *rest = NULL;
	char num[24];

	if (strcmp(s, "never") == 0) {
		pc->halt = HALT_NEVER;
		return;
	}
	if (strncmp(s, "soon,", 5) == 0) {
		pc->halt = HALT_SOON;
		rest = s + 5;
	} else if (strncmp(s, "now,", 4) == 0) {
		pc->halt = HALT_NOW;
		rest = s + 4;
	}
	for (int i = 0; rest && i < 3; i++)
		if (strncmp(rest, whys[i], strlen(whys[i])) == 0) {
			pc->haltwhy = i;
			size_t k = strlen(rest + strlen(whys[i]));
			if (k == 0 || k >= sizeof num)
				break;
			memcpy(num, rest + strlen(whys[i]), k + 1);
			if ((pc->haltpct = num[k - 1] == '%'))
				num[k - 1] = '\0';
			if (opt_uint(num, 1, pc->haltpct ? 100 : UINT64_MAX, &n) < 0)
				break;
			pc->haltn = n;
			return;
		}
	eprintf("invalid --halt '%s' (never, or now or soon, then ,fail= "
	    ",success= or ,done= and N or N%%)", s);
}

/* What the joblog records as the job, for --resume to check: the mapper
 * and its arguments, then the options that change the output. */
static void
jobfields(struct poolconf *pc, const struct workerconf *wc,
    enum binmode binary, char *okjob, int argc, char **argv)
{
	static char comb[64];
	static const char *const bin[] = { NULL, "--binary=skip",
	    "--binary=text", "--binary=fail" };

	pc->job = ereallocarray(NULL, (size_t)argc + 5, sizeof *pc->job);
	for (int i = 0; i < argc; i++)
		pc->job[pc->njob++] = argv[i];
	if (wc->tag)
		pc->job[pc->njob++] = "--tag";
	if (wc->combine) {
		snprintf(comb, sizeof comb, "--combine=%s",
		    agg_name(wc->combine->op));
		pc->job[pc->njob++] = comb;
	}
	if (!wc->decompress)
		pc->job[pc->njob++] = "--decompress=never";
	if (binary != BIN_ASIS)		/* given */
		pc->job[pc->njob++] = (char *)bin[binary];
	if (*okjob)
		pc->job[pc->njob++] = okjob;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "arg-file", required_argument, NULL, 'a' },
		{ "bar", optional_argument, NULL, 'A' },
		{ "binary", required_argument, NULL, 'b' },
		{ "block", required_argument, NULL, 'B' },
		{ "combine", required_argument, NULL, 'C' },
		{ "decompress", required_argument, NULL, 'D' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "halt", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "joblog", required_argument, NULL, 'J' },
		{ "keep-order", no_argument, NULL, 'k' },
		{ "null", no_argument, NULL, '0' },
		{ "ok-status", required_argument, NULL, 'O' },
		{ "pipe", no_argument, NULL, 'P' },
		{ "progress", optional_argument, NULL, 'p' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "resume", no_argument, NULL, 'R' },
		{ "retries", required_argument, NULL, 'r' },
		{ "split", required_argument, NULL, 'S' },
		{ "stats", no_argument, NULL, 's' },
		{ "tag", no_argument, NULL, 't' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct poolconf pc = { .split = DEFAULT_SPLIT, .block = DEFAULT_BLOCK,
	    .infd = 0, .inname = "stdin" };
	const char *argfile = NULL;
	int dryrun = 0;
	static unsigned char okstatus[256];
	static char okjob[64];
	int splitgiven = 0, blockgiven = 0;
	struct workerconf wc = { .decompress = 1 };
	enum binmode binary = BIN_ASIS;	/* not given */
	struct agg comb;
	unsigned long long v;
	int c;

	setprogname(argv[0]);
	io_stdfds();
	io_fsizeerrors();
	/* "+": options end at the mapper word, which may have its own. */
	while ((c = getopt_long(argc, argv, "+0a:hj:kqv", longopts, NULL)) != -1) {
		switch (c) {
		case '0':
			pc.nul = 1;
			break;
		case 'a':
			argfile = optarg;
			break;
		case 'A':
			if (!optarg || strcmp(optarg, "auto") == 0)
				pc.progress = isatty(2);
			else if (strcmp(optarg, "always") == 0)
				pc.progress = 1;
			else
				eprintf("invalid --bar '%s' (auto or always)", optarg);
			pc.bar = 1;
			break;
		case 'b':
			if (strcmp(optarg, "skip") == 0)
				binary = BIN_SKIP;
			else if (strcmp(optarg, "text") == 0)
				binary = BIN_TEXT;
			else if (strcmp(optarg, "fail") == 0)
				binary = BIN_FAIL;
			else
				eprintf("invalid --binary '%s' (skip, text or fail)",
				    optarg);
			break;
		case 'n':
			dryrun = 1;
			break;
		case 'D':
			if (strcmp(optarg, "auto") == 0)
				wc.decompress = 1;
			else if (strcmp(optarg, "never") == 0)
				wc.decompress = 0;
			else
				eprintf("invalid --decompress '%s' (auto or never)",
				    optarg);
			break;
		case 'B':
			if (opt_size(optarg, &v) < 0 || v < 1 || v > (1ULL << 30))
				eprintf("invalid block size '%s' (1 to 1G)", optarg);
			pc.block = v;
			blockgiven = 1;
			break;
		case 'C':
			if (strchr(optarg, ':') || agg_parse(&comb, optarg, 1, NULL) < 0 ||
			    !agg_combinable(comb.op))
				eprintf("invalid --combine '%s' (sum, min, max, absmin, "
				    "absmax or range: the "
				    "ops whose results pdp-reduce can reduce again)",
				    optarg);
			wc.combine = &comb;
			pc.combine = 1;
			break;
		case 'H':
			parsehalt(&pc, optarg);
			break;
		case 'h':
			help();
		case 'J':
			pc.joblog = optarg;
			break;
		case 'j':
			if ((pc.jobs = cpu_jobs(optarg)) < 0)
				eprintf("invalid number of jobs '%s' (N, N%%, +N, -N or "
				    "0: one per CPU)", optarg);
			break;
		case 'k':
			pc.keeporder = 1;
			break;
		case 'O':
			parseok(okstatus, optarg);
			snprintf(okjob, sizeof okjob, "--ok-status=%s", optarg);
			wc.okstatus = okstatus;
			break;
		case 'P':
			pc.pipe = 1;
			wc.bigtasks = 1;
			break;
		case 'p':
			if (!optarg || strcmp(optarg, "auto") == 0)
				pc.progress = isatty(2);
			else if (strcmp(optarg, "always") == 0)
				pc.progress = 1;
			else
				eprintf("invalid --progress '%s' (auto or always)", optarg);
			break;
		case 'R':
			pc.resume = 1;
			break;
		case 'r':
			if (opt_uint(optarg, 0, 1000, &v) < 0)
				eprintf("invalid number of retries '%s' (0 to 1000)", optarg);
			pc.retries = (unsigned)v;
			break;
		case 'T':
			if (opt_duration(optarg, &pc.timeout) < 0 || pc.timeout > 1e9)
				eprintf("invalid timeout '%s' (e.g. 30, 1.5s, 500ms, 2m, 1h)",
				    optarg);
			break;
		case 'q':
			pc.quiet = 1;
			break;
		case 'S':
			if (opt_size(optarg, &v) < 0)
				eprintf("invalid split size '%s'", optarg);
			if (v > 0 && v < 4096)
				eprintf("split size '%s' too small (at least 4K)", optarg);
			pc.split = v;
			splitgiven = 1;
			break;
		case 's':
			pc.stats = 1;
			break;
		case 't':
			wc.tag = 1;
			break;
		case 'v':
			pc.verbose = 1;
			break;
		case 'V':
			io_needstd(1);
			printf("%s %s\n", argv0, PDP_VERSION);
			io_exitok();
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		weprintf("missing mapper");
		usage();
	}
	/* (Before the mapper is looked at: a usage error first.) */
	if (blockgiven && !pc.pipe)
		eprintf("--block is the size of --pipe's blocks: without "
		    "--pipe there are none");
	const struct mapperdef *def = NULL;
	if (strchr(argv[0], '/')) {
		/* A plugin: its own code runs only in the workers. */
		wc.m = plugin_load(argv[0]);
		if (argc - 1 < wc.m->minargs ||
		    (wc.m->maxargs >= 0 && argc - 1 > wc.m->maxargs))
			eprintf("%s: usage: %s %s", argv[0], argv[0],
			    wc.m->synopsis ? wc.m->synopsis : "");
	} else if ((def = mapper_builtin(argv[0]))) {
		wc.m = def->m;
		if ((def->flags & MAPPER_COMMAND) && argc > 1 &&
		    !repl_has(argv[1])) {
			/* As xargs: 127 if the command is not found, 126 if
			 * it cannot be run. */
			char *full;
			int e = path_search(argv[1], &full);
			if (e) {
				weprintf("%s: %s", argv[1], e == ENOENT ?
				    "command not found" : strerror(e));
				return e == ENOENT ? 127 : 126;
			}
			free(full);
		}
		checkargs(wc.m, argc, argv);
	} else {
		eprintf("%s: unknown mapper (builtins: %s; a plugin is named "
		    "by a path with a /)", argv[0], mapper_names());
	}
	/* Binary files: the text mappers skip them unless told; a command
	 * or a plugin sees every file as it is unless told. */
	wc.binary = binary;
	if (binary == BIN_ASIS && def && (def->flags & MAPPER_TEXT))
		wc.binary = BIN_SKIP;
	/* A command or a plugin may need whole files: cut them only when
	 * asked. */
	pc.splitauto = !splitgiven;
	if (!splitgiven && !(def && (def->flags & MAPPER_SPLIT)))
		pc.split = 0;
	wc.argc = argc;
	wc.argv = argv;
	if (pc.resume && !pc.joblog)
		eprintf("--resume needs --joblog FILE");
	if (pc.resume && pc.pipe)
		eprintf("--resume cannot skip --pipe blocks: the data is gone");
	if (pc.combine && pc.keeporder)
		eprintf("--combine and -k cannot be used together: combined "
		    "records belong to no input");
	if (wc.okstatus && !(def && (def->flags & MAPPER_COMMAND)))
		eprintf("--ok-status: %s runs no command whose exit status "
		    "it could read (exec does)", argv[0]);
	if (pc.pipe && pc.nul)
		eprintf("--pipe reads data, not paths: -0 does not apply");
	io_needstd(1);
	if (argfile && strcmp(argfile, "-") == 0)
		argfile = NULL;	/* standard input, as xargs -a - */
	if (argfile) {
		if ((pc.infd = open(argfile, O_RDONLY | O_CLOEXEC)) < 0)
			eprintf("%s:", argfile);
		pc.inname = argfile;
	} else {
		io_needstd(0);
		if (isatty(0) && !pc.pipe)
			eprintf("paths are read from standard input: pdp-find DIR "
			    "| %s %s ..., or -a FILE", argv0, argv[0]);
	}
	if (pc.jobs == 0)
		pc.jobs = cpu_count();
	if (pc.joblog)
		jobfields(&pc, &wc, binary, okjob, argc, argv);
	pc.wc = &wc;
	if (dryrun && pc.joblog)
		eprintf("--dry-run runs nothing: it writes no --joblog");
	int status = dryrun ? pool_dryrun(&pc) : pool_run(&pc);
	free(pc.job);
	return status;
}
