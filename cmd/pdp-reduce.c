/* pdp-reduce: group records by key and aggregate them. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/cpu.h"
#include "../lib/err.h"
#include "../lib/fields.h"
#include "../lib/io.h"
#include "../lib/mem.h"
#include "../lib/num.h"
#include "../lib/reduce.h"
#include "../lib/tmp.h"
#include "../lib/version.h"

/* Long options without a letter. */
enum {
	OPT_CSV = 256, OPT_FORMAT, OPT_HEADERIN, OPT_HEADEROUT, OPT_NARM,
	OPT_NOKEY, OPT_ROUND, OPT_SORT, OPT_TOP, OPT_OUTSEP, OPT_CSVOUT,
};

_Noreturn static void
usage(void)
{
	fprintf(stderr,
	    "usage: %s [-CHsW] [-j jobs] [-k fields] [-f field] [-S size] [-T dir]\n"
	    "       [-t char] [--csv] [--header-in] [--header-out] [--no-key]\n"
	    "       [--narm] [--sort] [--round N] [--format fmt]\n"
	    "       [--output-separator char] [--csv-out]\n"
	    "       [--order=key|value|none] [--top N]\n"
	    "       [--invalid=fail|skip] [--partial] [--merge] [--separator str]\n"
	    "       op[:field][,op[:field]...] [file ...]\n",
	    argv0);
	exit(EXIT_FATAL);
}

_Noreturn static void
help(void)
{
	io_needstd(1);
	printf("usage: %s [options] op[:field][,op[:field]...] [file ...]\n"
	    "Group key<TAB>value records by key and aggregate them.\n\n"
	    "  -C, --skip-comments    skip lines whose first non-blank is # or ;\n"
	    "      --csv              the input is CSV (RFC 4180; -t for ; and others)\n"
	    "      --csv-out          write CSV (RFC 4180): fields decoded, quoted\n"
	    "                         where needed\n"
	    "  -f, --field=N|NAME     value field (default 2)\n"
	    "  -H, --headers          --header-in and --header-out\n"
	    "      --header-in        skip the first line of each file: a header,\n"
	    "                         whose names -k, -f and op:NAME may use\n"
	    "      --header-out       write a header line: GroupBy(key), op(field)\n"
	    "  -j, --jobs=N           processes for one big file and the last merge\n"
	    "                         (default: the CPUs)\n"
	    "  -k, --key=FIELDS       key fields, e.g. 1 or 1,2 or 1-3 or names\n"
	    "                         (default 1; 0: --no-key)\n"
	    "      --invalid=fail|skip  on a bad record: stop (default) or skip\n"
	    "      --merge            the input is --partial output: merge the states\n"
	    "      --format=FMT       numbers as printf's %%f, %%e or %%g form FMT\n"
	    "      --output-separator=CHAR  between output fields (default TAB;\n"
	    "                         --csv-out: ,); also --output-delimiter\n"
	    "      --narm             skip NA, N/A and NaN values (any case)\n"
	    "      --no-key           one group of the whole input, no key field\n"
	    "      --order=key|value|none  output order (default key, bytewise)\n"
	    "      --partial          write each key's state, to --merge later\n"
	    "      --round=N          numbers with N digits after the point\n"
	    "  -S, --buffer-size=SIZE  memory budget, then spill to disk\n"
	    "                         (default a quarter of the memory it may use:\n"
	    "                         RAM, cgroup limit, ulimit -v; K M G suffixes)\n"
	    "  -s, --sorted           input is grouped by key: constant memory\n"
	    "      --sort             accepted, as datamash's: input need not be sorted\n"
	    "      --separator=STR    between collect's values (default ,)\n"
	    "  -t, --field-separator=CHAR  the input is a table with fields\n"
	    "                         separated by CHAR, not pdp records\n"
	    "  -W, --whitespace       the input is a table with fields separated\n"
	    "                         by runs of blanks\n"
	    "  -T, --temporary-directory=DIR  for spills (default $TMPDIR, /tmp)\n"
	    "      --top=N            only the N largest by the first op\n"
	    "  -h, --help             show this help\n"
	    "      --version          show the version\n\n"
	    "ops:", argv0);
	/* The rows of agg.c's table, in lines of 76 columns at most. */
	for (int op = 0, col = 4; op < AGG_NOPS; op++) {
		const char *name = agg_name((enum aggop)op);
		int len = (int)strlen(name) + 1;
		if (col + len > 76) {
			printf("\n   ");
			col = 4;
		}
		printf(" %s", name);
		col += len;
	}
	printf("\nperc, approx-perc and trimmean take a parameter first: "
	    "perc:90:FIELD\n(default 95), trimmean:0.2:FIELD.  See "
	    "pdp-reduce(1) and pdp(7).\n");
	io_exitok();
}

/* "1", "1,3", "2-4", "region,year": field lists into 0-based indices,
 * and names (copies) where they are given, their index then unset.  "0"
 * alone is no field at all. */
static size_t
parsefields(const char *s, size_t **out, const char ***names)
{
	size_t n = 0, cap = 8;
	size_t *f = ereallocarray(NULL, cap, sizeof *f);
	const char **nm = ereallocarray(NULL, cap, sizeof *nm);
	char *copy = estrdup(s), *save = NULL;
	int anyname = 0;

	*out = f;
	*names = NULL;
	if (strcmp(s, "0") == 0) {
		free(copy);
		free(nm);
		return 0;
	}
	for (char *tok = strtok_r(copy, ",", &save); tok;
	    tok = strtok_r(NULL, ",", &save)) {
		unsigned long long lo, hi;
		if ((*tok < '0' || *tok > '9') && *tok != '-') {
			/* A name, found in the header. */
			if (n == cap) {
				f = ereallocarray(f, cap *= 2, sizeof *f);
				nm = ereallocarray(nm, cap, sizeof *nm);
			}
			nm[n] = estrdup(tok);
			f[n++] = 0;
			anyname = 1;
			continue;
		}
		char *dash = strchr(tok, '-');
		if (dash)
			*dash = '\0';
		if (opt_uint(tok, 1, 1000000, &lo) < 0 ||
		    (dash && opt_uint(dash + 1, lo, 1000000, &hi) < 0))
			eprintf("invalid field list '%s'", s);
		if (!dash)
			hi = lo;
		for (unsigned long long k = lo; k <= hi; k++) {
			if (n == cap) {
				f = ereallocarray(f, cap *= 2, sizeof *f);
				nm = ereallocarray(nm, cap, sizeof *nm);
			}
			nm[n] = NULL;
			f[n++] = (size_t)k - 1;
		}
	}
	if (n == 0)
		eprintf("invalid field list '%s'", s);
	*out = f;
	free(copy);
	if (anyname)
		*names = nm;
	else
		free(nm);
	return n;
}

/* -t's and --output-separator's byte: one, not a newline or a quote;
 * TAB also as the two characters \t. */
static int
separator(const char *arg, const char *what)
{
	if (strcmp(arg, "\\t") == 0)
		arg = "\t";
	if (strlen(arg) != 1 || *arg == '\n' || *arg == '"')
		eprintf("invalid %s '%s' (one byte, not a newline or a quote)",
		    what, arg);
	return (unsigned char)*arg;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "csv", no_argument, NULL, OPT_CSV },
		{ "csv-out", no_argument, NULL, OPT_CSVOUT },
		{ "output-delimiter", required_argument, NULL, OPT_OUTSEP },
		{ "output-separator", required_argument, NULL, OPT_OUTSEP },
		{ "field", required_argument, NULL, 'f' },
		{ "field-separator", required_argument, NULL, 't' },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "header-in", no_argument, NULL, OPT_HEADERIN },
		{ "header-out", no_argument, NULL, OPT_HEADEROUT },
		{ "headers", no_argument, NULL, 'H' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "narm", no_argument, NULL, OPT_NARM },
		{ "no-key", no_argument, NULL, OPT_NOKEY },
		{ "skip-comments", no_argument, NULL, 'C' },
		{ "sort", no_argument, NULL, OPT_SORT },
		{ "whitespace", no_argument, NULL, 'W' },
		{ "invalid", required_argument, NULL, 'I' },
		{ "buffer-size", required_argument, NULL, 'S' },
		{ "key", required_argument, NULL, 'k' },
		{ "merge", no_argument, NULL, 'M' },
		{ "order", required_argument, NULL, 'O' },
		{ "partial", no_argument, NULL, 'P' },
		{ "round", required_argument, NULL, OPT_ROUND },
		{ "separator", required_argument, NULL, 'E' },
		{ "sorted", no_argument, NULL, 's' },
		{ "temporary-directory", required_argument, NULL, 'T' },
		{ "top", required_argument, NULL, OPT_TOP },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct reduceopts o = { .order = ORDER_KEY, .fsmode = FS_RECORDS,
	    .fsep = '\t', .round = -1, .outsep = '\t' };
	static char numfmt[256];
	const char *keyspec = "1", *sep = NULL, *fieldname = NULL;
	unsigned long long field = 2, top;
	int c, ordergiven = 0, csv = 0, nokey = 0, sepgiven = 0, outsepgiven = 0;

	setprogname(argv[0]);
	io_stdfds();
	io_fsizeerrors();
	while ((c = getopt_long(argc, argv, "Cf:Hhj:k:sS:t:T:W", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'C':
			o.comments = 1;
			break;
		case OPT_CSV:
			csv = 1;
			break;
		case OPT_CSVOUT:
			o.csvout = 1;
			break;
		case OPT_OUTSEP:
			o.outsep = separator(optarg, "output separator");
			outsepgiven = 1;
			break;
		case 'f':
			if (*optarg < '0' || *optarg > '9')
				fieldname = optarg;
			else if (opt_uint(optarg, 1, 1000000, &field) < 0)
				eprintf("invalid field '%s'", optarg);
			else
				fieldname = NULL;
			break;
		case 'H':
			o.headerin = o.headerout = 1;
			break;
		case OPT_FORMAT:
			if (opt_numfmt(optarg, numfmt, sizeof numfmt) < 0)
				eprintf("invalid --format '%s' (one %%f, %%e or %%g "
				    "conversion, with flags, a width and a "
				    "precision under 100)", optarg);
			o.numfmt = numfmt;
			break;
		case OPT_ROUND:
			if (opt_uint(optarg, 0, 30, &top) < 0)
				eprintf("invalid --round '%s' (0 to 30)", optarg);
			o.round = (int)top;
			break;
		case OPT_HEADERIN:
			o.headerin = 1;
			break;
		case OPT_HEADEROUT:
			o.headerout = 1;
			break;
		case OPT_NARM:
			o.narm = 1;
			break;
		case OPT_NOKEY:
			nokey = 1;
			break;
		case OPT_SORT:
			break;	/* datamash's "sort it first": not needed */
		case 't':
			o.fsep = separator(optarg, "field separator");
			sepgiven = 1;
			if (o.fsmode != FS_BLANKS)
				o.fsmode = o.fsep == '\t' ? FS_RECORDS : FS_SEP;
			break;
		case 'W':
			o.fsmode = FS_BLANKS;
			break;
		case 'h':
			help();
		case 'I':
			if (strcmp(optarg, "skip") == 0)
				o.skipinvalid = 1;
			else if (strcmp(optarg, "fail") == 0)
				o.skipinvalid = 0;
			else
				eprintf("invalid --invalid '%s' (fail or skip)", optarg);
			break;
		case 'j':
			if ((o.jobs = cpu_jobs(optarg)) < 0)
				eprintf("invalid number of jobs '%s' (N, N%%, +N, -N or "
				    "0: one per CPU)", optarg);
			break;
		case 'k':
			keyspec = optarg;
			break;
		case 'O':
			ordergiven = 1;
			if (strcmp(optarg, "key") == 0)
				o.order = ORDER_KEY;
			else if (strcmp(optarg, "value") == 0)
				o.order = ORDER_VALUE;
			else if (strcmp(optarg, "none") == 0)
				o.order = ORDER_NONE;
			else
				eprintf("invalid --order '%s' (key, value or none)", optarg);
			break;
		case OPT_TOP:
			if (opt_uint(optarg, 1, UINT64_MAX, &top) < 0)
				eprintf("invalid --top '%s'", optarg);
			o.top = top;
			break;
		case 'E':
			if (strpbrk(optarg, "\t\n\r\\"))
				eprintf("invalid separator: no TAB, newline, CR or "
				    "backslash in a field");
			sep = optarg;
			break;
		case 'M':
			o.merge = 1;
			break;
		case 'P':
			o.partial = 1;
			break;
		case 's':
			o.sorted = 1;
			break;
		case 'S':
			if (opt_size(optarg, &top) < 0)
				eprintf("invalid buffer size '%s' (a whole number "
				    "with K, M, G or T: 64M, 2G)", optarg);
			if (top < (1 << 20))
				eprintf("buffer size '%s' too small (at least 1M)",
				    optarg);
			o.bufsize = top;
			break;
		case 'T':
			o.tmpdir = optarg;
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
		weprintf("missing operation");
		usage();
	}
	if (o.partial && (o.top || o.order == ORDER_VALUE))
		eprintf("--partial writes states, which have no value to order "
		    "by: not with --top or --order=value");
	if (o.sorted && (o.top || o.order == ORDER_VALUE))
		eprintf("--sorted writes each group as it ends: not with --top "
		    "or --order=value");
	if (!o.jobs) {
		o.jobs = cpu_count();
		o.jobsauto = 1;
	}
	if (!o.tmpdir)
		o.tmpdir = tmp_dir();
	if (!o.bufsize) {
		/* Like sort: a share of the memory it may use (the hash
		 * table doubles, and the budget does not count buffers). */
		o.bufsize = mem_available() / 4;
		if (o.bufsize < (uint64_t)1 << 20)
			o.bufsize = (uint64_t)1 << 20;
	}
	/* --top orders by value unless an order was asked for. */
	if (o.top && !ordergiven)
		o.order = ORDER_VALUE;

	if (o.fsmode == FS_BLANKS && sepgiven)
		eprintf("-W and -t: one way to split fields");
	if (csv) {
		if (o.fsmode == FS_BLANKS)
			eprintf("--csv and -W: one way to split fields");
		o.fsmode = FS_CSV;
		if (!sepgiven)
			o.fsep = ',';
	}
	o.nkeyf = parsefields(keyspec, &o.keyf, &o.keynames);
	if (nokey) {
		for (size_t i = 0; o.keynames && i < o.nkeyf; i++)
			free((char *)o.keynames[i]);
		o.nkeyf = 0;
	}
	char *ops = estrdup(argv[0]), *save = NULL;
	size_t cap = 4;
	o.aggs = ereallocarray(NULL, cap, sizeof *o.aggs);
	for (char *tok = strtok_r(ops, ",", &save); tok;
	    tok = strtok_r(NULL, ",", &save)) {
		if (o.naggs == cap)
			o.aggs = ereallocarray(o.aggs, cap *= 2, sizeof *o.aggs);
		int pe = agg_parse(&o.aggs[o.naggs], tok, (size_t)field - 1,
		    fieldname);
		if (pe == -2)
			eprintf("%s: bad parameter: perc takes a percent from "
			    "0 to 100 (6 digits after the point at most, no "
			    "exponent), trimmean a fraction from 0 to 0.5 (8 "
			    "digits at most)", tok);
		if (pe == -3)
			eprintf("%s: bad field: a number from 1 to 1000000, or "
			    "a name that does not start with a digit", tok);
		if (pe < 0)
			eprintf("unknown operation '%s' (see --help)",
			    tok);
		o.aggs[o.naggs++].sep = sep;
	}
	if (o.naggs == 0)
		eprintf("missing operation");
	int named = o.keynames != NULL;
	for (size_t i = 0; i < o.naggs; i++)
		named |= o.aggs[i].fname != NULL;
	if (named && !o.headerin)
		eprintf("fields given by name need a header to find them in: "
		    "--header-in or -H");
	if (o.round >= 0 && o.numfmt)
		eprintf("--round and --format: one way to print numbers");
	if ((o.round >= 0 || o.numfmt) && o.partial)
		eprintf("--partial writes states for --merge: not with --round "
		    "or --format");
	if (o.headerout && o.partial)
		eprintf("--partial writes states for --merge: not with a "
		    "header (-H, --header-out)");
	if ((outsepgiven || o.csvout) && o.partial)
		eprintf("--partial writes states for --merge as records: not "
		    "with --output-separator or --csv-out");
	if (o.csvout && !outsepgiven)
		o.outsep = ',';
	for (size_t i = 0; o.narm && o.partial && i < o.naggs; i++)
		if (o.aggs[i].op == AGG_FIRST || o.aggs[i].op == AGG_LAST)
			eprintf("--narm --partial: a state of %s cannot say that a "
			    "part had no value", agg_name(o.aggs[i].op));
	if (o.fsmode != FS_RECORDS && o.merge)
		eprintf("--merge reads pdp-reduce's own states: not with -t, "
		    "-W or --csv");

	io_needstd(1);
	if (argc == 1)
		io_needstd(0);
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "-") == 0)
			io_needstd(0);
	struct obuf out;
	obuf_init(&out, 1, "stdout", 1 << 16);
	int status = reduce_run(&o, argv + 1, argc - 1, &out);
	obuf_free(&out);
	free(o.keyf);
	free(o.aggs);
	free(ops);	/* the names of fields point into it */
	for (size_t i = 0; o.keynames && i < o.nkeyf; i++)
		free((char *)o.keynames[i]);
	free(o.keynames);
	return status;
}
