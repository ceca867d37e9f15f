/* cache.h: the private caches `cache = NAME:DST` shows, CACHE_HOME/sbox/NAME: made and checked
 * before the sandbox starts. Never follows a symlink below CACHE_HOME, where sandboxes write. */
#ifndef SBOX_CACHE_H
#define SBOX_CACHE_H

#include "error.h"
#include "plan.h"

/* Makes each cache of the plan that is missing (and CACHE_HOME/sbox), mode 0700, and refuses
 * one that is a symlink, not a directory, or another user's; a cache others may read is made
 * private again. Errors name the setting. */
int sbox_cache_prepare(const struct sbox_plan *p, struct sbox_error *err);

#endif
