/* changes.h: what an overlay's upper layer changed against the directory below it, read as a
 * hostile layer's may be: no symlink followed on either side, nothing written. */
#ifndef SBOX_CHANGES_H
#define SBOX_CHANGES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

enum sbox_change_kind { SBOX_ADDED, SBOX_MODIFIED, SBOX_DELETED };

struct sbox_change {
    char *rel;
    enum sbox_change_kind kind;
    struct stat now;  /* the capture's entry (SBOX_ADDED, SBOX_MODIFIED) */
    struct stat real; /* the directory's entry, when real_present */
    bool real_present;
    bool content; /* a file on both sides, with other bytes */
    char *target, *old_target;
    const char *refused; /* why apply never writes it */
    const char *denied;  /* the capture-deny pattern it matches, or SBOX_DENIED_GIT */
    bool in_git;         /* inside a git directory (HEAD, config, objects or refs) */
    bool has_origin;     /* added, but copied up from the directory by the kernel's overlay */
    bool parent_present; /* ... when the directory holding it exists, whose ctime is then: */
    struct timespec parent_ctime;
    bool selected;
};

/* The denial of what lies inside a git directory, whatever its name. */
#define SBOX_DENIED_GIT "(inside a git directory)"

struct sbox_changes {
    struct sbox_change *v;
    size_t n, cap;
    size_t *by_rel; /* the changes in path order, made when first needed */
    bool fuse;      /* the layer was made by fuse-overlayfs: .wh.NAME is a whiteout */
    int error;      /* errno of the first entry that could not be read */
    char *error_at;
    /* Deny patterns the directory itself implies (its repository's core.hooksPath), and the
     * text a change they deny gets in denied: "PATTERN (core.hooksPath)". */
    char **implied, **implied_why;
};

/* Walks the upper layer at upper (a directory descriptor) against the directory at real, as it
 * is now. Each change is listed once; a directory's changes come right after its own, and a
 * deleted directory is one deletion per entry, children first. fuse: the layer was made by
 * fuse-overlayfs (.wh.NAME files are whiteouts). Entries apply must never write get a reason
 * in refused; those matching one of the deny patterns get it in denied, and so do those in the
 * hooks directory that the directory's own .git/config names (core.hooksPath, when it lies in
 * the directory; read as git reads it, includes not followed). Entries that cannot be read are
 * not listed: out->error says so. */
void sbox_changes_walk(struct sbox_changes *out, int upper, int real, bool fuse, char *const *deny);

void sbox_changes_free(struct sbox_changes *c);

/* Whether the symlink change i (when it is one) stays in the directory as apply will leave
 * it: only the chosen changes (selected) landed, the directory's own entries elsewhere. */
bool sbox_changes_link_lands_inside(struct sbox_changes *c, size_t i, int upper, int real);

/* Whether rel (a path inside the directory, no leading /) matches pattern: a glob per
 * component, with "**" for any number of components; a pattern without a leading "/" matches
 * at any depth, and one ending in "**" matches that directory itself too. */
bool sbox_changes_match(const char *pattern, const char *rel);

/* Where a symlink at rel with this target leads: false when it is absolute or climbs out of
 * the directory. */
bool sbox_changes_link_inside(const char *rel, const char *target);

#endif
