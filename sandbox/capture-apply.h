/* capture-apply.h: sbox apply in two steps: a verdict on each change of a capture, which
 * --dry-run lists and the unit tests check, then the writes of the changes that land. */
#ifndef SBOX_CAPTURE_APPLY_H
#define SBOX_CAPTURE_APPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "capture-store.h"
#include "changes.h"

/* What apply does with one change. */
enum sbox_verdict {
    SBOX_VERDICT_UNCHOSEN, /* not among the PATH arguments: left alone */
    SBOX_VERDICT_LANDS,    /* written (what --dry-run lists) */
    SBOX_VERDICT_DENIED,   /* left out: capture-deny or a git directory (--include-denied lands
                            * it), or a new directory holding it is left out */
    SBOX_VERDICT_REFUSED,  /* never written (a kind apply never writes, a symlink that would lead
                            * out through what is left out): the exit status is 1 */
    SBOX_VERDICT_CONFLICT, /* changed since the run: nothing is applied */
    SBOX_VERDICT_BLOCKED,  /* cannot land whole: nothing is applied */
};

struct sbox_apply_verdict {
    size_t dir;                 /* the captured directory: an index in cap.dirs and dirs */
    struct sbox_change *change; /* its path (rel) and kind */
    enum sbox_verdict verdict;
    char *why; /* for the verdicts but LANDS and UNCHOSEN */
};

/* A captured directory as apply reads it: its changes, its upper layer and itself. */
struct sbox_apply_dir {
    struct sbox_changes ch;
    int upper, real;
    size_t first; /* the verdict on ch.v[0]; the others follow in order */
};

struct sbox_apply {
    struct sbox_capture cap;
    struct sbox_capture_records recs;
    struct sbox_apply_dir *dirs; /* cap.n_dirs of them */
    int lock;
    struct sbox_apply_verdict *v; /* one per change, directory by directory: the writes' order */
    size_t n;
    size_t short_of_space; /* directories without room for the files that land in them */
};

/* Opens capture id for apply: holds its lock, reads each directory's changes against the
 * directory as it is, and marks those the PATH arguments choose (all when there are none). 0,
 * or the exit status (125) after one line on msg, with nothing left to free. */
int sbox_apply_open(struct sbox_apply *a, const char *store, const char *id, char *const *paths,
                    const char *cwd, const char *home, FILE *msg);

/* The verdict on each change, written to a->v; one line on msg for each chosen one that does
 * not land. 0, or 1 when a conflict or a change that cannot land whole means nothing may be
 * written (after a line saying so). Reads the directories, writes nothing. */
int sbox_apply_judge(struct sbox_apply *a, bool include_denied, const char *home, FILE *msg);

/* Writes the changes that land, in order; a change whose path changed since the checks (an
 * editor saved it meanwhile) is left as it is, with a line, and so is what lies at or below it.
 * One line on msg at the end says what was done. checked_at: the time before sbox_apply_open
 * read the directories. Returns the exit status. */
int sbox_apply_land(const struct sbox_apply *a, const struct timespec *checked_at, const char *home,
                    FILE *msg);

void sbox_apply_free(struct sbox_apply *a);

#endif
