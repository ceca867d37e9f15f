/* capture-store.h: what sbox diff, captures and apply read of the capture store: a capture's
 * meta, its lock, and the changes of each of its directories. */
#ifndef SBOX_CAPTURE_STORE_H
#define SBOX_CAPTURE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "changes.h"
#include "error.h"

#define BENEATH (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)

struct cdir {
    size_t slot;
    char *path;
};

struct record {
    size_t slot;
    char *rel;
    char kind;     /* A, M or D: a path may be deleted, then added as something else */
    bool moved;    /* added by the run moving a file of the directory here */
    char hash[17]; /* of the file's bytes, or "-" */
    bool present;
    unsigned long long ino, size;
    struct timespec mtime, ctime;
};

struct capture {
    char *id;
    char *path; /* in the store */
    struct timespec started;
    bool ended;
    int status;
    char *command;
    struct cdir *dirs;
    size_t n_dirs;
    char **deny;
    bool counted;
    unsigned long counts[3]; /* changed, added, deleted */
};

struct records {
    bool loaded;
    struct record *v; /* sorted by slot, path and kind */
    size_t n;
};

void raise_nofile(void);
void capture_free(struct capture *c);
struct capture *load_all(const char *store, size_t *ret_n);
int find(const char *store, const char *id, struct capture *ret, struct sbox_error *err);
int take_lock(const struct capture *c, int *fd);
int changes_of(const struct capture *cap, const struct cdir *d, struct sbox_changes *out,
               int *ret_upper, int *ret_real, struct sbox_error *err);
void count(const struct sbox_changes *c, unsigned long counts[3]);
int hold_lock(const struct capture *cap, int *lock);
void records_free(struct records *r);
void load_records(const struct capture *cap, struct records *out);
const char *conflict(const struct capture *cap, const struct records *recs, size_t slot,
                     const struct sbox_change *ch, int real);

#endif
