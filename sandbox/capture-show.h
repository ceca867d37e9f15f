/* capture-show.h: what sbox apply shares with sbox diff: the PATH arguments that choose
 * changes, and the one-line form of a change. */
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

#endif
