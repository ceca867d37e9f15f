/* settings.h: the settings vocabulary shared by flags (main.c) and profile keys (profile.c):
 * one row per setting, whose parser applies a value to a plan. */
#ifndef SBOX_SETTINGS_H
#define SBOX_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "plan.h"

enum sbox_setting_type { SBOX_SETTING_LIST, SBOX_SETTING_SCALAR, SBOX_SETTING_FLAG };

struct sbox_setting {
    const char *section;
    const char *key;
    enum sbox_setting_type type;
    const char *arg; /* argument name in --help, NULL for flags */
    const char *help;
    int (*apply)(struct sbox_plan *p, const struct sbox_setting *s, const char *value,
                 const struct sbox_origin *o, struct sbox_error *err);
    /* Lists only: what an empty value does, that is forget everything the key added so far,
     * the built-in entries too. */
    void (*reset)(struct sbox_plan *p, const struct sbox_setting *s);
    bool split; /* the value is PATH[:MORE], where ':' and '\' in a path are escaped */
    /* A scalar whose empty value means something (entrypoint = : none), handed to its parser. */
    bool empty_ok;
    /* What tells apart rows that share a parser, which reads it instead of the key. */
    union {
        struct {
            enum sbox_mount_kind kind;
            bool try_missing;
        } mount;                      /* bind, ro-bind and their -try rows; proc, dev */
        enum sbox_limit limit;        /* [limits] but limits-strict */
        enum sbox_env_op_kind env_op; /* setenv, unsetenv, path-prepend */
        bool allow;                   /* [seccomp] allow, deny */
    };
};

extern const struct sbox_setting sbox_settings[];
extern const size_t sbox_n_settings;

const struct sbox_setting *sbox_setting_find(const char *section, const char *key);

#endif
