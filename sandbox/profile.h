/* profile.h: INI profiles: finding them (search path), parsing them with inih, include = and
 * ${VAR} expansion. Feeds plan_set(); never decides what a setting means. */
#ifndef SBOX_PROFILE_H
#define SBOX_PROFILE_H

#include <stdbool.h>
#include <stdio.h>

#include "error.h"
#include "host.h"
#include "plan.h"

#define SBOX_PROFILE_MAX_DEPTH 16
#define SBOX_PROFILE_MAX_LINE 4000
#define SBOX_PROFILE_MAX_SIZE (1024 * 1024)

/* profiles/default.ini, compiled in: the plan when no -p is given. */
extern const char sbox_default_profile[];

struct sbox_profiles {
    char **search; /* directories searched for -p NAME, in order */
    char **files;  /* every file loaded: origins in the plan point into these */
    const struct sbox_host *host;
    bool no_files; /* refuse includes from the disk (fuzzing); the built-in default still works */
};

/* The search path: $SBOX_PROFILE_PATH (colon-separated), $XDG_CONFIG_HOME/sbox/profiles (or
 * ~/.config/sbox/profiles), /etc/sbox/profiles, beside (the profiles of a build tree, for an
 * sbox run where it was built; NULL for an installed one), datadir/profiles. Never the current
 * directory. */
void sbox_profiles_init(struct sbox_profiles *ps, const struct sbox_host *host, const char *beside,
                        const char *datadir);
void sbox_profiles_free(struct sbox_profiles *ps);

/* Loads a -p argument: a name (no slash) is searched for, a path is taken as given; ".ini" may be
 * left out. "default" is the compiled-in default when no file of that name is found. */
int sbox_profile_load(struct sbox_profiles *ps, struct sbox_plan *p, const char *name,
                      struct sbox_error *err);

/* Loads the compiled-in default (origin: built-in). */
int sbox_profile_load_default(struct sbox_profiles *ps, struct sbox_plan *p,
                              struct sbox_error *err);

/* Loads profile text held in memory, as if read from file name (for tests and fuzzing). */
int sbox_profile_load_text(struct sbox_profiles *ps, struct sbox_plan *p, const char *file,
                           const char *text, size_t len, struct sbox_error *err);

/* Reads the policy file seccomp = names, if any: a [seccomp] section whose base (default,
 * strict, none) and rules come before the profiles' own. Errors name FILE:LINE, or the setting
 * for a file that cannot be read. */
int sbox_profile_load_policy(struct sbox_profiles *ps, struct sbox_plan *p, struct sbox_error *err);

/* Prints each profile on the search path (the first of a name wins) with its description. */
void sbox_profile_list(struct sbox_profiles *ps, FILE *out);
/* The same as one JSON document: {"profiles":[{"name","description","path","builtin"}...]}. */
void sbox_profile_list_json(struct sbox_profiles *ps, FILE *out);
/* The names the listing shows, in its order (allocated). */
char **sbox_profile_names(struct sbox_profiles *ps);

#endif
