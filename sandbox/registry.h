/* registry.h: allow-host's @npm and @pip, found outside the sandbox at start: the hosts of the
 * registry the host's npm, or pip, is configured to use. Never from the project's files. */
#ifndef SBOX_REGISTRY_H
#define SBOX_REGISTRY_H

#include <stdbool.h>

struct sbox_plan;
struct sbox_host;

/* Seconds a tool may take to answer (npm takes about 0.3 s, python3 less). */
#define SBOX_REGISTRY_ASK_SECONDS 10

/* Every @npm and @pip of the plan's allow-host followed by the hosts it became (name rules,
 * `from` and `source` set, the @ rule's origin), and its `source` saying what it became or why
 * nothing: asked of the tool found on PATH (never one in the current directory or a directory
 * the plan binds writable), with `/` as its working directory, or taken from the cache
 * (STATE/sbox/registry/TOOL) while the tool, its configuration files and the environment it
 * reads are the same. A registry that becomes nothing allows nothing, and a note says why.
 * write_cache: false for --dry-run, which makes no store. */
void sbox_registry_resolve(struct sbox_plan *p, const struct sbox_host *h, bool write_cache);

/* The cache's directory for a state home (XDG_STATE_HOME, or HOME/.local/state). */
char *sbox_registry_cache_dir(const char *state_home);

#endif
