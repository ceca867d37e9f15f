/* cgroup.h: the sandbox's resource limits. Exact ones through a cgroup v2 the caller may
 * manage (a delegated subtree); rlimits inside the sandbox where there is none, with one line
 * saying what is approximated and what is not enforced. */
#ifndef SBOX_CGROUP_H
#define SBOX_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"
#include "plan.h"

/* The controllers the plan's limits need: a mask of these. */
enum {
    SBOX_CG_MEMORY = 1 << 0,
    SBOX_CG_PIDS = 1 << 1,
    SBOX_CG_CPU = 1 << 2,
};

unsigned sbox_cgroup_needs(const struct sbox_plan *p);

/* Where the caller's processes are: the cgroup v2 mount point (from mountinfo text) and the
 * caller's path below it (from /proc/self/cgroup text, its "0::" line). Either NULL when not
 * found. The texts are arguments so tests can hand in fakes. */
char *sbox_cgroup_mount(const char *mountinfo);
char *sbox_cgroup_self(const char *proc_cgroup);

/* The cgroup sbox can make the sandbox's in, below mount: the nearest ancestor of self (its
 * parent or above) that the caller may write and whose cgroup.subtree_control enables every
 * controller in needs. Or self itself, when the caller may write it and is alone in it (a
 * systemd scope with Delegate=yes): then *alone is set, and sbox_cgroup_create first moves
 * sbox into a leaf of its own so the controllers can be enabled. NULL when there is none; why
 * then says what is missing, in a few words. */
char *sbox_cgroup_find(const char *mount, const char *self, unsigned needs, pid_t me,
                       bool prefer_self, bool *alone, char *why, size_t why_size);

/* sbox_cgroup_find, or when no cgroup has every controller needed, one with part of them (the
 * most, the first found): *covered says which, and why what is missing. */
char *sbox_cgroup_find_best(const char *mount, const char *self, unsigned needs, pid_t me,
                            bool prefer_self, unsigned *covered, bool *alone, char *why,
                            size_t why_size);

/* A systemd user manager runs for the caller: its private socket, the caller's, is in
 * $XDG_RUNTIME_DIR/systemd. */
bool sbox_cgroup_user_manager(void);

/* Limits that need a cgroup, none to be had, a hierarchy with the controllers, and a systemd
 * user manager running for the caller (its private socket in $XDG_RUNTIME_DIR/systemd): sbox
 * runs itself again, with the same arguments, through `systemd-run --user --scope
 * --property=Delegate=yes`, in a scope of its own it may manage (sbox_cgroup_find's alone
 * case), and waits for it: true, with its status, when that second sbox ran (it says so on a
 * pipe named in SBOX_IN_SCOPE); false when it is not to be or systemd-run failed, and this sbox
 * goes on without a cgroup. Signals are passed on; a stop is shared. *ret_signal is N when the
 * second died of signal N, else 0. */
bool sbox_cgroup_scope_run(const struct sbox_plan *p, char **argv, int *ret_status,
                           int *ret_signal);

/* Its second half: runs this program again with argv's arguments through program (systemd-run)
 * and waits for it, as described above. */
bool sbox_cgroup_run_in_scope(const char *program, char **argv, int *ret_status, int *ret_signal);

/* In the second sbox, first thing: tells the first that it runs. */
void sbox_cgroup_scope_confirm(void);

/* This is the second sbox, in its scope. */
bool sbox_cgroup_in_scope(void);

struct sbox_cgroup {
    char *path;   /* the sandbox's own cgroup, NULL when none */
    int fd;       /* its directory, for clone3(CLONE_INTO_CGROUP); -1 when none */
    bool no_swap; /* memory.swap.max is missing: the kernel does not account swap */
};

/* Makes parent/sbox-PID-N with the plan's limits of the covered controllers written
 * (memory.max, memory.swap.max, pids.max, cpu.max). With alone, moves the process me into
 * parent/sbox-PID-supervisor and enables the controllers in parent first. On failure nothing is
 * left. write_at writes text to a cgroup's file (0 or -errno): NULL for a real cgroup, whose
 * files the kernel made with it; the unit test's tree of plain directories passes one that
 * creates them. */
int sbox_cgroup_create(const char *parent, bool alone, pid_t me, const struct sbox_plan *p,
                       unsigned covered, int (*write_at)(const char *path, const char *text),
                       struct sbox_cgroup *cg, struct sbox_error *err);

/* Whether the kernel killed a process in it for memory (memory.events oom_kill). */
bool sbox_cgroup_oom_killed(const struct sbox_cgroup *cg);

/* Removes it once empty (waits for the last process to be gone, a few seconds at most). */
void sbox_cgroup_remove(struct sbox_cgroup *cg);

/* What the limits the cgroup does not cover come to: the rlimits set inside
 * (sbox_limits_apply), and the one line saying what is approximated or not enforced, or NULL
 * when everything asked is exact (nofile, fsize, cpu-time and core are exact anywhere). */
char *sbox_limits_fallback_note(const struct sbox_plan *p, unsigned covered, const char *why);

/* Sets the plan's rlimits in the calling process (the payload, before exec): nofile, fsize,
 * cpu-time and core always; memory (RLIMIT_DATA) and pids (RLIMIT_NPROC) when the cgroup does
 * not cover them. Never above the caller's hard limits: lowered to them with a note saying so,
 * or with limits-strict an error. */
int sbox_limits_apply(const struct sbox_plan *p, unsigned covered, const struct sbox_notes *notes,
                      struct sbox_error *err);

/* The sandbox's cgroup, when the plan's limits need one and one can be made (cg, and *covered:
 * the controllers it covers), made before anything else; the rest as sbox_limits_uncovered
 * says. */
int sbox_limits_setup(const struct sbox_plan *p, struct sbox_cgroup *cg, unsigned *covered,
                      const struct sbox_notes *notes, struct sbox_error *err);

/* The limits the cgroup does not cover (why: the reason, for the note): one note saying what
 * stands in and what is not enforced, or with limits-strict an error naming the setting. */
int sbox_limits_uncovered(const struct sbox_plan *p, unsigned covered, const char *why,
                          const struct sbox_notes *notes, struct sbox_error *err);

#endif
