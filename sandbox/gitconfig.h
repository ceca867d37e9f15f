/* gitconfig.h: one key of a git config file's text (core.hooksPath for captures, user.name and
 * user.email for git-identity), as git reads it; no system call. */
#ifndef SBOX_GITCONFIG_H
#define SBOX_GITCONFIG_H

#include <stddef.h>

/* The last value of [section] key (no subsection; names compared as git does, in any case), as
 * git reads it; NULL when there is none, or a boolean with no value. Include directives are not
 * followed. What git would refuse to read ends the reading: the values found before it count. */
char *sbox_gitconfig_get(const char *text, size_t len, const char *section, const char *key);

#endif
