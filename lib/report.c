/* report.c: what pdp-map tells on standard error as it runs: a line
 * per task (-v), a status line (--progress) or a bar (--bar), and a
 * summary at the end (--stats).  Only counters are read here. */
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "commit.h"
#include "err.h"
#include "report.h"

void
report_range(char buf[64], const struct task *t)
{
	uint64_t len = t->len, size = (uint64_t)t->in->size;

	buf[0] = '\0';
	if (len == UINT64_MAX)
		return;
	if (t->in->size >= 0 && t->off <= size && len > size - t->off)
		len = size - t->off;
	snprintf(buf, 64, " [%llu+%llu]", (unsigned long long)t->off,
	    (unsigned long long)len);
}

void
report_task(int worker, const struct task *t, const struct donemsg *d,
    double secs)
{
	time_t now = time(NULL);
	struct tm tm;
	char when[16];
	char chunk[64];

	localtime_r(&now, &tm);
	strftime(when, sizeof when, "%H:%M:%S", &tm);
	report_range(chunk, t);
	weprintf("%s worker %d: %s%s: %llu bytes, %llu records, %.3f s%s",
	    when, worker, t->in->shown, chunk, (unsigned long long)d->bytes,
	    (unsigned long long)d->records, secs, d->ok ? "" : ", failed");
}

/* Seconds between redraws. */
static double
interval(const struct commit *cm)
{
	return cm->c->bar ? 0.25 : 0.5;
}

/* The columns of the terminal on stderr (80 if it says nothing). */
static int
columns(void)
{
	struct winsize ws;

	if (ioctl(2, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
		return ws.ws_col;
	return 80;
}

static void
seconds(char *buf, size_t n, double s)
{
	if (s < 60)
		snprintf(buf, n, "%.0f s", s);
	else if (s < 3600)
		snprintf(buf, n, "%d min %02d s", (int)(s / 60), (int)s % 60);
	else
		snprintf(buf, n, "%d h %02d min", (int)(s / 3600),
		    (int)(s / 60) % 60);
}

/* --bar: [####......] 45% 900/2000 inputs, 180/400 MB, 150 MB/s, ETA 12 s.
 * The total is known once the input list has ended; before that the
 * bar says so rather than guess.  The ETA takes the slower of the rates
 * of bytes and of inputs, so that a run of slow small inputs is not
 * promised too soon an end. */
static void
drawbar(const struct commit *cm, const struct intake *seen, double wall)
{
	uint64_t done = cm->nok + cm->nfailed;
	double brate = wall > 0 ? cm->bytes / wall : 0;
	double irate = wall > 0 ? done / wall : 0;
	char text[160], eta[32] = "", mb[48];
	double frac = -1;

	if (seen->knownbytes)
		snprintf(mb, sizeof mb, "%.1f/%.1f%s MB", cm->bytes / 1e6,
		    seen->knownbytes / 1e6, seen->ended ? "" : "+");
	else
		snprintf(mb, sizeof mb, "%.1f MB", cm->bytes / 1e6);
	if (seen->ended && seen->read > 0) {
		frac = (double)done / (double)seen->read;
		double left = irate > 0 ? (seen->read - done) / irate : -1;
		if (seen->knownbytes > cm->bytes && brate > 0) {
			double bf = (double)cm->bytes / (double)seen->knownbytes;
			double bl = (seen->knownbytes - cm->bytes) / brate;
			frac = bf < frac ? bf : frac;
			left = bl > left ? bl : left;
		}
		if (left >= 0)
			seconds(eta, sizeof eta, left);
		snprintf(text, sizeof text, " %3.0f%% %llu/%llu inputs, %s, "
		    "%.1f MB/s, ETA %s", frac * 100, (unsigned long long)done,
		    (unsigned long long)seen->read, mb, brate / 1e6,
		    *eta ? eta : "?");
	} else {
		snprintf(text, sizeof text, " %llu/%llu+ inputs, %s, %.1f MB/s, "
		    "ETA when all inputs are listed", (unsigned long long)done,
		    (unsigned long long)seen->read, mb, brate / 1e6);
	}
	int w = columns() - (int)strlen(text) - 3;
	char bar[256] = "";
	if (w >= 10) {
		if (w > (int)sizeof bar - 3)
			w = (int)sizeof bar - 3;
		int fill = frac < 0 ? 0 : (int)(frac * w);
		bar[0] = '[';
		for (int i = 0; i < w; i++)
			bar[1 + i] = frac < 0 ? ' ' : i < fill ? '#' : '.';
		bar[1 + w] = ']';
		bar[2 + w] = '\0';
	}
	fprintf(stderr, "\r%s%s\033[K", bar, text);
}

void
report_progress(struct commit *cm, const struct intake *seen, int last)
{
	double t = monotime(), wall = t - cm->t0;

	if (!last && t - cm->lastprogress < interval(cm))
		return;
	cm->lastprogress = t;
	if (cm->c->bar) {
		/* At the end the bar goes: its line is left clean. */
		if (last)
			fputs("\r\033[K", stderr);
		else
			drawbar(cm, seen, wall);
		return;
	}
	double rate = wall > 0 ? cm->bytes / wall : 0;
	char eta[48] = "";
	if (!last && rate > 0 && seen->knownbytes > cm->bytes) {
		double left = (seen->knownbytes - cm->bytes) / rate;
		/* While input is still coming, the total is a lower bound. */
		snprintf(eta, sizeof eta, ", ETA %s%.0f s", seen->ended ? "" : ">",
		    left);
	}
	fprintf(stderr, "\r%s: %llu/%llu%s inputs, %llu failed, %.1f MB, "
	    "%.1f MB/s%s\033[K%s", argv0,
	    (unsigned long long)(cm->nok + cm->nfailed),
	    (unsigned long long)seen->read, seen->ended ? "" : "+",
	    (unsigned long long)cm->nfailed, cm->bytes / 1e6, rate / 1e6, eta,
	    last ? "\n" : "");
}

double
report_due(const struct commit *cm)
{
	if (!cm->c->progress)
		return -1;
	double d = cm->lastprogress + interval(cm) - monotime();
	return d < 0 ? 0 : d;
}

void
report_stats(const struct commit *cm, const struct intake *seen)
{
	double wall = monotime() - cm->t0;
	uint64_t notrun = seen->read - cm->nok - cm->nfailed;
	char extra[96] = "", binary[48] = "";

	if (notrun || seen->skipped)
		snprintf(extra, sizeof extra, ", not run %llu, skipped %llu",
		    (unsigned long long)notrun, (unsigned long long)seen->skipped);
	if (cm->nbinary)
		snprintf(binary, sizeof binary, ", skipped (binary) %llu",
		    (unsigned long long)cm->nbinary);
	weprintf("inputs %llu, succeeded %llu, failed %llu%s%s, bytes %llu, "
	    "records %llu, wall %.3f s, %.1f MB/s, workers %d",
	    (unsigned long long)seen->read, (unsigned long long)cm->nok,
	    (unsigned long long)cm->nfailed, extra, binary,
	    (unsigned long long)cm->bytes,
	    (unsigned long long)cm->records, wall,
	    wall > 0 ? cm->bytes / wall / 1e6 : 0.0, cm->nslots);
}

