/* completion.h: `sbox completion bash|zsh|fish`, the shells' completion scripts written from the
 * settings table and main's own options; `sbox completion names KIND`, the words they ask for. */
#ifndef SBOX_COMPLETION_H
#define SBOX_COMPLETION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* One of main's own options (not a setting): -p, --dry-run, ... arg NULL for none. */
struct sbox_completion_option {
    const char *name;
    char short_name; /* 0: none */
    const char *arg;
    const char *help;
};

/* The script for shell ("bash", "zsh", "fish") on out: 0, or -EINVAL for another shell. */
int sbox_completion_script(FILE *out, const char *shell, const struct sbox_completion_option *extra,
                           size_t n_extra);

/* Whether a name may be offered to a shell: a word a command line holds as it is, that no shell
 * reads as code, a glob or an option (letters, digits, `._:@/+=,%-`, not first `-`). A name a
 * sandbox could have chosen (a profile file in a writable home) is offered only so. */
bool sbox_completion_word_safe(const char *w);

#endif
