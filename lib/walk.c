/* walk.c: the directory walk of pdp-find: which entries are walked,
 * in which order; the filter (filter.c) says which files are listed.
 * Directories are opened relative to their parent (openat), so depth is
 * not limited by PATH_MAX; d_type avoids a stat per entry where the file
 * system provides it, so that a file costs a stat only when the filter or
 * --sort=size needs one.  Memory: the listings of the directories on the
 * current path, and with --sort=size every path found. */
#define _DEFAULT_SOURCE		/* d_type and DT_* in <dirent.h> */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "walk.h"

enum { T_UNKNOWN, T_DIR, T_REG, T_LNK, T_OTHER };

struct dent {
	size_t off;		/* name offset in the listing's name buffer */
	size_t len;
	int type;
};

struct found {			/* a file held back for --sort=size */
	off_t size;
	size_t off, len;	/* in the walker's path store */
};

struct ancestor {
	dev_t dev;
	ino_t ino;
	size_t len;		/* its path is w->path[0, len) */
};

struct walker {
	const struct walkopts *o;
	walkfn *fn;
	void *arg;
	char *path;		/* the path being walked */
	size_t cap;
	size_t rel;		/* where the path below the operand starts */
	struct ancestor *anc;	/* directories on the path (for -L) */
	size_t nanc, anccap;
	unsigned long errors;
	unsigned long long found;
	unsigned long long hidden;	/* names skipped for a leading dot */
	struct found *held;
	size_t nheld, heldcap;
	char *store;
	size_t storelen, storecap;
};

struct walker *
walk_new(const struct walkopts *o, walkfn *fn, void *arg)
{
	struct walker *w = ecalloc(1, sizeof *w);

	w->o = o;
	w->fn = fn;
	w->arg = arg;
	w->cap = 4096;
	w->path = emalloc(w->cap);
	return w;
}

static void
setpath(struct walker *w, size_t at, const char *name, size_t n)
{
	if (at + n + 2 > w->cap) {
		while (at + n + 2 > w->cap)
			w->cap *= 2;
		w->path = erealloc(w->path, w->cap);
	}
	memcpy(w->path + at, name, n);
	w->path[at + n] = '\0';
}

/* Hold a file back for --sort=size. */
static void
hold(struct walker *w, size_t len, off_t size)
{
	if (w->nheld == w->heldcap) {
		w->heldcap = w->heldcap ? w->heldcap * 2 : 1024;
		w->held = ereallocarray(w->held, w->heldcap, sizeof *w->held);
	}
	if (w->storelen + len > w->storecap) {
		while (w->storelen + len > w->storecap)
			w->storecap = w->storecap ? w->storecap * 2 : 1 << 16;
		w->store = erealloc(w->store, w->storecap);
	}
	memcpy(w->store + w->storelen, w->path, len);
	w->held[w->nheld++] = (struct found){ size, w->storelen, len };
	w->storelen += len;
}

/* A regular file met, w->path[0, len): list it if it passes the filter.
 * name is its base name, and its name relative to dirfd unless st, its
 * status, is given.  The tests on the name come first: a stat only for
 * a file they let through, and only if a test or the order needs it. */
static void
consider(struct walker *w, size_t len, int dirfd, const char *name,
    size_t namelen, const struct stat *st)
{
	const struct walkopts *o = w->o;
	struct stat sb;

	if (!filter_byname(o->filter, name, namelen, w->path + w->rel))
		return;
	if (!st && (filter_needstat(o->filter) || o->sort == SORT_SIZE)) {
		if (fstatat(dirfd, name, &sb,
		    o->follow ? 0 : AT_SYMLINK_NOFOLLOW) < 0) {
			weprintf("%s:", w->path);
			w->errors++;
			return;
		}
		if (!S_ISREG(sb.st_mode))
			return;		/* replaced since it was listed */
		st = &sb;
	}
	if (st && !filter_bystat(o->filter, st))
		return;
	w->found++;
	if (o->sort == SORT_SIZE)
		hold(w, len, st->st_size);
	else
		w->fn(w->arg, w->path, len, -1);
}

static int
typeof_dirent(const struct dirent *d)
{
#ifdef DT_DIR
	switch (d->d_type) {
	case DT_DIR: return T_DIR;
	case DT_REG: return T_REG;
	case DT_LNK: return T_LNK;
	case DT_UNKNOWN: return T_UNKNOWN;
	default: return T_OTHER;
	}
#else
	(void)d;
	return T_UNKNOWN;
#endif
}

static int
typeof_mode(mode_t m)
{
	return S_ISDIR(m) ? T_DIR : S_ISREG(m) ? T_REG : S_ISLNK(m) ? T_LNK :
	    T_OTHER;
}

/* Sort key of an entry for --sort=name: a directory sorts as "name/", so
 * that walking sorted directories gives bytewise sorted paths. */
static const char *sortnames;

static int
cmpdent(const void *a, const void *b)
{
	const struct dent *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(sortnames + x->off, sortnames + y->off, n);

	if (c)
		return c;
	/* One name is a prefix of the other: compare the next byte, which is
	 * '/' for a directory and nothing (end) for a file. */
	int xc = x->len > n ? (unsigned char)sortnames[x->off + n] :
	    x->type == T_DIR ? '/' : -1;
	int yc = y->len > n ? (unsigned char)sortnames[y->off + n] :
	    y->type == T_DIR ? '/' : -1;
	return (xc > yc) - (xc < yc);
}

static void walkdir(struct walker *w, int fd, size_t len, long depth);

/* Open directory name (relative to dirfd) and walk it. */
static void
descend(struct walker *w, int dirfd, const char *name, size_t len, long depth)
{
	int flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
	int fd;

	if (!w->o->follow && depth > 0)
		flags |= O_NOFOLLOW;
	if ((fd = openat(dirfd, name, flags)) < 0) {
		weprintf("%s:", w->path);
		w->errors++;
		return;
	}
	if (w->o->follow) {
		struct stat st;
		if (fstat(fd, &st) < 0) {
			weprintf("%s:", w->path);
			w->errors++;
			close(fd);
			return;
		}
		for (size_t i = 0; i < w->nanc; i++)
			if (w->anc[i].dev == st.st_dev && w->anc[i].ino == st.st_ino) {
				weprintf("%s: file system loop: the same directory as %.*s",
				    w->path, (int)w->anc[i].len, w->path);
				w->errors++;
				close(fd);
				return;
			}
		if (w->nanc == w->anccap) {
			w->anccap = w->anccap ? w->anccap * 2 : 16;
			w->anc = ereallocarray(w->anc, w->anccap, sizeof *w->anc);
		}
		w->anc[w->nanc++] = (struct ancestor){ st.st_dev, st.st_ino, len };
	}
	walkdir(w, fd, len, depth);
	if (w->o->follow)
		w->nanc--;
	close(fd);
}

/* Walk the open directory fd, whose path is w->path[0, len); its entries
 * are at depth + 1. */
static void
walkdir(struct walker *w, int fd, size_t len, long depth)
{
	const struct walkopts *o = w->o;
	struct dent *ents = NULL;
	size_t n = 0, cap = 0, namelen = 0, namecap = 0;
	char *names = NULL;
	int dfd = dup(fd);
	DIR *d;

	if (dfd < 0 || !(d = fdopendir(dfd))) {
		weprintf("%s:", w->path);
		w->errors++;
		if (dfd >= 0)
			close(dfd);
		return;
	}
	/* Read the whole listing first: one open descriptor per level. */
	for (;;) {
		errno = 0;
		struct dirent *de = readdir(d);
		if (!de) {
			if (errno) {
				weprintf("%s:", w->path);
				w->errors++;
			}
			break;
		}
		const char *nm = de->d_name;
		if (nm[0] == '.' && (nm[1] == '\0' || (nm[1] == '.' && nm[2] == '\0')))
			continue;
		/* Skipped by name: never stored, never stat'ed. */
		if (nm[0] == '.' && !o->hidden) {
			w->hidden++;
			continue;
		}
		if (filter_excluded(o->filter, nm))
			continue;
		size_t nl = strlen(nm);
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			ents = ereallocarray(ents, cap, sizeof *ents);
		}
		if (namelen + nl + 1 > namecap) {
			while (namelen + nl + 1 > namecap)
				namecap = namecap ? namecap * 2 : 4096;
			names = erealloc(names, namecap);
		}
		memcpy(names + namelen, nm, nl + 1);
		ents[n++] = (struct dent){ namelen, nl, typeof_dirent(de) };
		namelen += nl + 1;
	}
	closedir(d);

	size_t base = len;
	if (base == 0 || w->path[base - 1] != '/')
		w->path[base++] = '/';
	/* setpath below writes the name after the '/' that ends the path. */
	for (size_t i = 0; i < n; i++) {
		struct dent *e = &ents[i];
		/* Resolve types the listing did not give, and links we follow. */
		if (e->type == T_UNKNOWN || (e->type == T_LNK && o->follow)) {
			struct stat st;
			const char *nm = names + e->off;
			if (fstatat(fd, nm, &st,
			    o->follow ? 0 : AT_SYMLINK_NOFOLLOW) == 0) {
				e->type = typeof_mode(st.st_mode);
				continue;
			}
			e->type = T_OTHER;
			/* Gone since the listing, or a dangling link: not a
			 * file, skipped silently as find -L does.  Anything
			 * else, such as a loop of links, is reported. */
			if (errno != ENOENT && errno != ENOTDIR) {
				setpath(w, base, nm, e->len);
				weprintf("%s:", w->path);
				w->errors++;
			}
		}
	}
	if (o->sort == SORT_NAME && n > 1) {
		sortnames = names;
		qsort(ents, n, sizeof *ents, cmpdent);
	}
	for (size_t i = 0; i < n; i++) {
		struct dent *e = &ents[i];
		const char *nm = names + e->off;
		if (e->type != T_DIR && e->type != T_REG)
			continue;
		setpath(w, base, nm, e->len);
		if (e->type == T_DIR) {
			if (o->maxdepth < 0 || depth + 1 < o->maxdepth)
				descend(w, fd, nm, base + e->len, depth + 1);
		} else {
			consider(w, base + e->len, fd, nm, e->len, NULL);
		}
	}
	w->path[len] = '\0';
	free(ents);
	free(names);
}

unsigned long
walk(struct walker *w, const char *root)
{
	unsigned long before = w->errors;
	size_t len = strlen(root);
	struct stat st;

	setpath(w, 0, root, len);
	/* Operands are followed even without -L, as grep -r and ls do. */
	if (stat(root, &st) < 0) {
		weprintf("%s:", root);
		w->errors++;
	} else if (S_ISDIR(st.st_mode)) {
		w->rel = len > 0 && root[len - 1] == '/' ? len : len + 1;
		if (w->o->maxdepth != 0)
			descend(w, AT_FDCWD, root, len, 0);
	} else if (S_ISREG(st.st_mode)) {
		/* A file named on the command line is tested as one found,
		 * with its path as given for -p, as find(1) tests it. */
		const char *base = strrchr(root, '/');
		base = base ? base + 1 : root;
		w->rel = 0;
		consider(w, len, AT_FDCWD, base, strlen(base), &st);
	} else {
		weprintf("%s: not a regular file or directory", root);
		w->errors++;
	}
	return w->errors - before;
}

static const char *heldstore;

static int
cmpheld(const void *a, const void *b)
{
	const struct found *x = a, *y = b;

	if (x->size != y->size)
		return x->size < y->size ? 1 : -1;	/* largest first */
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(heldstore + x->off, heldstore + y->off, n);
	return c ? c : (x->len > y->len) - (x->len < y->len);
}

unsigned long long
walk_finish(struct walker *w)
{
	if (w->o->sort == SORT_SIZE) {
		heldstore = w->store;
		if (w->nheld > 1)
			qsort(w->held, w->nheld, sizeof *w->held, cmpheld);
		for (size_t i = 0; i < w->nheld; i++)
			w->fn(w->arg, w->store + w->held[i].off, w->held[i].len,
			    w->held[i].size);
	}
	return w->found;
}

unsigned long long
walk_hidden(const struct walker *w)
{
	return w->hidden;
}

void
walk_free(struct walker *w)
{
	free(w->path);
	free(w->anc);
	free(w->held);
	free(w->store);
	free(w);
}
