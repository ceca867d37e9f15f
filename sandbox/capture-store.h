/* capture-store.h: what sbox diff, captures and apply read of the capture store: a capture's
 * meta, records and lock, and the changes of each of its directories. */
#ifndef SBOX_CAPTURE_STORE_H
#define SBOX_CAPTURE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "changes.h"
#include "error.h"

/* How a captured directory and an upper layer are opened into: a symlink in either may have
 * been put there by the sandbox. */
#define BENEATH (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)

/* A captured directory: the plan's mount index (its N/ in the store) and its path. */
struct sbox_capture_dir {
    size_t slot;
    char *path;
};

/* One line of ID/records: a change, and the directory's entry at the end of the run. */
struct sbox_capture_record {
    size_t slot;
    char *rel;
    char kind;     /* A, M or D: a path may be deleted, then added as something else */
    bool moved;    /* added by the run moving a file of the directory here */
    char hash[17]; /* of the file's bytes, or "-" */
    bool present;
    unsigned long long ino, size;
    struct timespec mtime, ctime;
    /* The capture's entry at the end of the run (not in records written before sbox kept it):
     * its mode, size, change time and hash (of a file's bytes up to 8 MiB, of a symlink's
     * target, or "-"). */
    bool frozen;
    unsigned up_mode;
    unsigned long long up_size;
    struct timespec up_ctime;
    char up_hash[17];
};

/* A capture as its meta file tells it. */
struct sbox_capture {
    char *id;
    char *path; /* in the store */
    struct timespec started;
    bool ended;
    int status;
    char *command;
    struct sbox_capture_dir *dirs;
    size_t n_dirs;
    char **deny;
    bool counted;
    unsigned long counts[3]; /* changed, added, deleted */
    /* Why the capture cannot be read (its meta file missing, not a regular file, naming no
     * directory...), a static text, or NULL. A damaged capture is listed and can be discarded;
     * nothing reads its layers, and nothing removes it unasked. */
    const char *damaged;
};

/* ID/records; loaded is false for a run sbox did not see end, and when error (a static text)
 * says why records that are there cannot be read. */
struct sbox_capture_records {
    bool loaded;
    const char *error;
    struct sbox_capture_record *v; /* sorted by slot, path and kind */
    size_t n;
};

/* A capture sbox apply landed whole (its `applied` file says what was left out, if anything). */
bool sbox_capture_applied(const struct sbox_capture *c);

/* The walks hold a descriptor per level of a tree: as many as the caller may have. */
void sbox_capture_raise_nofile(void);
void sbox_capture_free(struct sbox_capture *c);
/* Every capture in the store, oldest first, damaged ones included. */
struct sbox_capture *sbox_capture_load_all(const char *store, size_t *ret_n);
/* id as given: a whole id, a prefix of exactly one, or "last"; maybe a damaged one. */
int sbox_capture_find(const char *store, const char *id, struct sbox_capture *ret,
                      struct sbox_error *err);
/* The lock of a capture: -1 when free (taken, *fd holds it), else the pid writing it. */
int sbox_capture_take_lock(const struct sbox_capture *c, int *fd);
/* The changes of one captured directory: the upper layer against the directory as it is now;
 * the layer's and the directory's descriptors in *ret_upper and *ret_real when asked. The
 * directory's own .git/config adds the denial of its core.hooksPath (sbox_changes_walk). An
 * error for a damaged capture. */
int sbox_capture_changes(const struct sbox_capture *cap, const struct sbox_capture_dir *d,
                         struct sbox_changes *out, int *ret_upper, int *ret_real,
                         struct sbox_error *err);
/* changed, added, deleted */
void sbox_capture_count(const struct sbox_changes *c, unsigned long counts[3]);
/* Holds the capture's lock for an apply or a discard: -1 when taken, else the pid writing it
 * (0 when it cannot be told). */
int sbox_capture_hold_lock(const struct sbox_capture *cap, int *lock);
/* The same, and when the lock is held, whether by the run writing the capture (*ret_run) or by
 * another apply or discard. */
int sbox_capture_hold(const struct sbox_capture *cap, int *lock, bool *ret_run);
void sbox_capture_load_records(const struct sbox_capture *cap, struct sbox_capture_records *out);
void sbox_capture_records_free(struct sbox_capture_records *r);
/* Why the directory's entry for a change is not as it was when the run started (so applying
 * over it would lose someone's work), or NULL. real: the directory's descriptor. */
const char *sbox_capture_conflict(const struct sbox_capture *cap,
                                  const struct sbox_capture_records *recs, size_t slot,
                                  const struct sbox_change *ch, int real);
/* Why the capture's entry for a change is not what its run left, by the records of the run's
 * end (its mode; a file's size and change time, else the hash of its bytes; a symlink's
 * target), or NULL: apply lands only what a review of the ended run saw. upper: the layer's
 * descriptor. NULL when the records tell nothing of it (written before sbox kept it). */
const char *sbox_capture_altered(const struct sbox_capture_records *recs, size_t slot,
                                 const struct sbox_change *ch, int upper);
/* Whether the entry name in parent, of stat now (put aside by apply as it lands a change), is
 * the very entry apply checked for it, ch->real: type, inode, size and modification time; and
 * when that time is within a second of checked_at (a write then may keep it), a file's bytes
 * by the records' hash. */
bool sbox_capture_is_checked(const struct sbox_capture_records *recs, size_t slot,
                             const struct sbox_change *ch, int parent, const char *name,
                             const struct stat *now, const struct timespec *checked_at);

#endif
