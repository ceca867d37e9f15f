/* host.h: facts about the caller and the host, gathered once before the plan is built.
 * Only reads; the plan itself stays free of system calls because these facts are passed in. */
#ifndef SBOX_HOST_H
#define SBOX_HOST_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

struct sbox_host {
    uid_t uid;
    gid_t gid;
    char *user;        /* login name, or the uid in decimal */
    char *home;        /* $HOME, else the passwd entry; normalised, absolute */
    char *home_real;   /* home with symlinks resolved (the cwd is a physical path), or NULL */
    char *home_passwd; /* the passwd entry's home, resolved, when HOME says otherwise, or NULL */
    char *cwd;         /* normalised, NULL when the current directory is gone */
    char *pwd;         /* $PWD when it names the same directory by another path (a symlink) */
    char *project;     /* the project's top holding cwd (sbox_host_project), or NULL: none */
    const char *project_marker; /* what made it the top: ".git", "package.json", ... */
    char *shell;                /* $SHELL when it is absolute, else /bin/sh */
    char **environ;             /* the caller's environment (borrowed) */
    char *tty;                  /* the terminal on stdin (e.g. /dev/pts/3), NULL when none */
    unsigned ttys;              /* bit N: descriptor N (0, 1, 2) is a terminal */
    char *state_home;           /* $XDG_STATE_HOME when absolute, else HOME/.local/state */
    uint64_t mem_total;         /* the machine's memory in bytes, 0 when unknown: sizes tmpfs */
    char *cache_home;           /* $XDG_CACHE_HOME when absolute, else HOME/.cache */
};

int sbox_host_probe(struct sbox_host *h, char **environ, struct sbox_error *err);
/* The top of the project the current directory is in: the nearest directory, cwd included, that
 * holds a version control marker (.git, .hg, .svn, .jj), else the nearest holding a project file
 * (package.json, pyproject.toml, Cargo.toml, go.mod, ...). Walked up from "." by descriptor,
 * never past the home, the root or a file system boundary, and never the home or one of its
 * parents. NULL when none, or when it is the current directory itself. */
char *sbox_host_project(const struct sbox_host *h, const char **ret_marker);
void sbox_host_free(struct sbox_host *h);

/* user.name and user.email as git reads them for the caller: $GIT_CONFIG_GLOBAL if set, else
 * $XDG_CONFIG_HOME/git/config (or ~/.config/git/config) then ~/.gitconfig, the later winning;
 * includes not followed. Either may be NULL. */
void sbox_host_git_identity(const char *home, char **ret_name, char **ret_email);

#endif
