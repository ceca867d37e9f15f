/* capture-show.h: what sbox apply shares with sbox diff: the PATH arguments that choose
 * changes, and the one-line form of a change. */
#ifndef SBOX_CAPTURE_SHOW_H
#define SBOX_CAPTURE_SHOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "capture-store.h"
#include "changes.h"

const char *cwd_in(const struct capture *cap, const char *cwd);
bool names_or_holds(const char *sel, const char *rel);
void choose(const struct cdir *d, struct sbox_changes *ch, char *const *paths, const char *cwd,
            bool *used);
int check_paths(const struct capture *cap, char *const *paths, const char *cwd, bool *used,
                FILE *msg);
void deny_text(const struct sbox_change *ch, char *buf, size_t size);
void stat_line(FILE *out, const struct sbox_change *ch);

#endif
