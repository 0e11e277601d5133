/* report.h: what pdp-map tells on standard error as it runs. */
#ifndef PDP_REPORT_H
#define PDP_REPORT_H

#include "commit.h"
#include "proto.h"
#include "task.h"

/* A chunk as -v and --dry-run show it, " [OFFSET+LENGTH]" (the last
 * one's length stops at the end of the file), or "" for a whole input. */
void report_range(char buf[64], const struct task *t);
/* -v: a line for a task that ended after secs seconds. */
void report_task(int worker, const struct task *t, const struct donemsg *d,
    double secs);
/* --progress or --bar: redraw it (at most a few times a second unless
 * last, which ends it). */
void report_progress(struct commit *cm, const struct intake *seen, int last);
/* When the next redraw is due, in seconds from now (< 0: none is). */
double report_due(const struct commit *cm);
/* --stats: the summary line. */
void report_stats(const struct commit *cm, const struct intake *seen);

#endif
