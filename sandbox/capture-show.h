/* capture-show.h: sbox diff's options, and what sbox apply shares with it: the PATH arguments
 * that choose changes, and the one-line form of a change. */
#ifndef SBOX_CAPTURE_SHOW_H
#define SBOX_CAPTURE_SHOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "capture-store.h"
#include "changes.h"

/* The current directory when it lies in one of the captured directories, else NULL: PATH
 * arguments are taken from it then. */
const char *sbox_capture_cwd_in(const struct sbox_capture *cap, const char *cwd);
/* Whether the path sel (relative to a captured directory; "" for all of it) is rel or holds it. */
bool sbox_capture_names_or_holds(const char *sel, const char *rel);
/* Marks (selected) the changes paths choose, with what they need; used[k] is set for each path
 * that chose something. */
void sbox_capture_choose(const struct sbox_capture_dir *d, struct sbox_changes *ch,
                         char *const *paths, const char *cwd, bool *used);
/* 0, or 125 with a line on msg when a path lies outside the directories or chose nothing. */
int sbox_capture_check_paths(const struct sbox_capture *cap, char *const *paths, const char *cwd,
                             bool *used, FILE *msg);
/* Why a change is denied, for messages. */
void sbox_capture_deny_text(const struct sbox_change *ch, char *buf, size_t size);
/* A change as one line of sbox diff --stat. */
void sbox_capture_stat_line(FILE *out, const struct sbox_change *ch);

/* How sbox diff shows a capture. */
struct sbox_diff_options {
    bool stat;            /* one line per change, then the counts */
    bool expand;          /* --stat: every entry of a wholly new directory, not one line */
    char *const *exclude; /* patterns (as capture-deny's) of paths left out of what is shown;
                           * never out of what apply lands */
};

/* sbox diff: a capture's changes (those PATH arguments choose, relative to cwd when it lies in
 * a captured directory) against the directories as they are now, on out; the exit status. */
int sbox_capture_show(const char *store, const char *id, const struct sbox_diff_options *o,
                      char *const *paths, const char *cwd, const char *home, FILE *out);

/* sbox captures --json: the store's captures as one JSON document on out (see sbox(1)); the exit
 * status. */
int sbox_capture_list_json(const char *store, FILE *out);

#endif
