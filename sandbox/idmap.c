/* idmap.c: chooses and writes the id maps of the sandbox's user namespace (and the payload's
 * nested one). Never writes a map wider than what the caller may grant: single maps directly,
 * ranges only through the system's setuid helpers, which check /etc/subuid again. */
#include "idmap.h"
#include "cleanup.h"
#include "files.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int write_proc(pid_t pid, const char *file, const char *text, struct sbox_error *err)
{
    char path[64];
    _cleanup_close_ int fd = -1;
    size_t n = strlen(text);
    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
    fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return sbox_error(err, errno, "open %s", path);
    {
        ssize_t w = write(fd, text, n);
        if (w != (ssize_t)n)
            return sbox_error(err, w < 0 ? errno : EIO, "write %s", path);
    }
    return 0;
}

int sbox_idmap_write_single(pid_t pid, uint32_t inside_uid, uid_t outside_uid, uint32_t inside_gid,
                            gid_t outside_gid, struct sbox_error *err)
{
    char map[64];
    int r;
    snprintf(map, sizeof map, "%u %u 1\n", inside_uid, (unsigned)outside_uid);
    r = write_proc(pid, "uid_map", map, err);
    if (r < 0)
        return r;
    r = write_proc(pid, "setgroups", "deny", err);
    if (r < 0 && r != -ENOENT)
        return r;
    snprintf(map, sizeof map, "%u %u 1\n", inside_gid, (unsigned)outside_gid);
    return write_proc(pid, "gid_map", map, err);
}

static bool parse_u32(const char *s, size_t n, uint32_t *ret)
{
    uint64_t v = 0;
    if (n == 0 || n > 10)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > UINT32_MAX)
        return false;
    *ret = (uint32_t)v;
    return true;
}

static bool overlaps(const struct sbox_idrange *a, uint32_t start, uint32_t count)
{
    return (uint64_t)start < (uint64_t)a->start + a->count &&
           (uint64_t)a->start < (uint64_t)start + count;
}

size_t sbox_idmap_parse_ranges(const char *text, const char *user, uint32_t id,
                               struct sbox_idrange *out, size_t max)
{
    char idstr[16];
    size_t n = 0;
    snprintf(idstr, sizeof idstr, "%" PRIu32, id);
    for (const char *line = text; line && *line && n < max;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        const char *c1 = memchr(line, ':', len);
        const char *c2 = c1 ? memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - line)) : NULL;
        uint32_t start, count;
        if (c1 && c2) {
            size_t name_len = (size_t)(c1 - line);
            bool mine = (user && strlen(user) == name_len && !strncmp(line, user, name_len)) ||
                        (strlen(idstr) == name_len && !strncmp(line, idstr, name_len));
            size_t count_len = len - (size_t)(c2 + 1 - line);
            if (mine && parse_u32(c1 + 1, (size_t)(c2 - c1 - 1), &start) &&
                parse_u32(c2 + 1, count_len, &count) && count > 0 &&
                (uint64_t)start + count <= UINT32_MAX) {
                bool clash = false;
                for (size_t i = 0; i < n; i++)
                    clash |= overlaps(&out[i], start, count);
                if (!clash) {
                    out[n].start = start;
                    out[n].count = count;
                    n++;
                }
            }
        }
        line = end ? end + 1 : NULL;
    }
    return n;
}

/* Reads path and parses it as sbox_idmap_parse_ranges does; a missing file is no ranges. */
static size_t read_ranges(const char *path, const char *user, uint32_t id, struct sbox_idrange *out,
                          size_t max)
{
    _cleanup_fclose_ FILE *f = fopen(path, "re");
    _cleanup_free_ char *text = NULL;
    size_t cap = 0;
    ssize_t len;
    if (!f)
        return 0;
    len = getdelim(&text, &cap, '\0', f);
    if (len <= 0)
        return 0;
    return sbox_idmap_parse_ranges(text, user, id, out, max);
}

uint64_t sbox_idmap_free_start(const char *text)
{
    uint64_t next = 100000;
    for (const char *line = text; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        const char *c1 = memchr(line, ':', len);
        const char *c2 = c1 ? memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - line)) : NULL;
        uint32_t start, count;
        if (c1 && c2 && parse_u32(c1 + 1, (size_t)(c2 - c1 - 1), &start) &&
            parse_u32(c2 + 1, len - (size_t)(c2 + 1 - line), &count) &&
            (uint64_t)start + count > next && (uint64_t)start + count + 65536 <= UINT32_MAX)
            next = (uint64_t)start + count;
        line = end ? end + 1 : NULL;
    }
    return next;
}

char *sbox_idmap_add_hint(const char *user)
{
    _cleanup_fclose_ FILE *f = fopen("/etc/subuid", "re");
    _cleanup_free_ char *text = NULL;
    size_t cap = 0;
    uint64_t start = 100000;
    if (f && getdelim(&text, &cap, '\0', f) > 0)
        start = sbox_idmap_free_start(text);
    return sbox_xasprintf("usermod --add-subuids %llu-%llu --add-subgids %llu-%llu %s",
                          (unsigned long long)start, (unsigned long long)start + 65535,
                          (unsigned long long)start, (unsigned long long)start + 65535, user);
}

uint64_t sbox_idmap_count(const struct sbox_idrange *r, size_t n)
{
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += r[i].count;
    return total;
}

char **sbox_idmap_helper_argv(const char *helper, pid_t pid, uint32_t own,
                              const struct sbox_idrange *r, size_t n)
{
    char **argv = NULL;
    uint64_t inside = 1;
    sbox_strv_push(&argv, sbox_xstrdup(helper));
    sbox_strv_push(&argv, sbox_xasprintf("%d", (int)pid));
    sbox_strv_push(&argv, sbox_xstrdup("0"));
    sbox_strv_push(&argv, sbox_xasprintf("%" PRIu32, own));
    sbox_strv_push(&argv, sbox_xstrdup("1"));
    for (size_t i = 0; i < n && inside < UINT32_MAX; i++) {
        uint64_t count = r[i].count;
        if (inside + count > UINT32_MAX)
            count = UINT32_MAX - inside; /* (uint32_t)-1 is "no id" inside too */
        sbox_strv_push(&argv, sbox_xasprintf("%" PRIu64, inside));
        sbox_strv_push(&argv, sbox_xasprintf("%" PRIu32, r[i].start));
        sbox_strv_push(&argv, sbox_xasprintf("%" PRIu64, count));
        inside += count;
    }
    return argv;
}

char *sbox_find_program(const char *name)
{
    const char *path = getenv("PATH");
    _cleanup_free_ char *copy =
        sbox_xstrdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin");
    char *save = NULL;
    for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
        char *full;
        struct stat st;
        if (dir[0] != '/')
            continue; /* never a relative PATH entry: it would depend on the cwd */
        full = sbox_xasprintf("%s/%s", dir, name);
        if (stat(full, &st) == 0 && S_ISREG(st.st_mode) && access(full, X_OK) == 0)
            return full;
        free(full);
    }
    return NULL;
}

struct helper {
    const char *name;
    pid_t pid;
    int out; /* its stdout and stderr, kept for the message */
};

/* Starts a helper with no descriptors of ours but 0-2. */
static int start_helper(struct helper *h, char **argv, struct sbox_error *err)
{
    int pipefd[2];
    h->name = argv[0];
    if (pipe2(pipefd, O_CLOEXEC) < 0)
        return sbox_error(err, errno, "pipe for %s", argv[0]);
    h->pid = fork();
    if (h->pid < 0) {
        close(pipefd[0]);
        close(pipefd[1]);
        return sbox_error(err, errno, "run %s", argv[0]);
    }
    if (h->pid == 0) {
        dup2(pipefd[1], 1);
        dup2(pipefd[1], 2);
        execv(argv[0], argv);
        _exit(127);
    }
    close(pipefd[1]);
    h->out = pipefd[0];
    return 0;
}

static int finish_helper(struct helper *h, struct sbox_error *err)
{
    char out[256] = "";
    size_t got = 0;
    int status;
    for (ssize_t n;
         got < sizeof out - 1 && (n = read(h->out, out + got, sizeof out - 1 - got)) != 0;) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        got += (size_t)n;
    }
    close(h->out);
    while (waitpid(h->pid, &status, 0) < 0)
        if (errno != EINTR)
            return sbox_error(err, errno, "wait for %s", h->name);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    out[got] = '\0';
    out[strcspn(out, "\n")] = '\0';
    return sbox_error(err, 0, "%s failed%s%s", h->name, out[0] ? ": " : "", out);
}

const char *sbox_idmap_load(struct sbox_idranges *r, const char *user, uint32_t uid)
{
    memset(r, 0, sizeof *r);
    r->n_uids = read_ranges("/etc/subuid", user, uid, r->uids, SBOX_IDMAP_MAX_RANGES);
    r->n_gids = read_ranges("/etc/subgid", user, uid, r->gids, SBOX_IDMAP_MAX_RANGES);
    r->newuidmap = sbox_find_program("newuidmap");
    r->newgidmap = sbox_find_program("newgidmap");
    if (r->n_uids == 0 || r->n_gids == 0)
        return "you have no ranges in /etc/subuid and /etc/subgid";
    if (!r->newuidmap || !r->newgidmap)
        return "newuidmap and newgidmap are not installed (package uidmap)";
    return NULL;
}

bool sbox_idmap_within(const char *map, const struct sbox_idrange *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t want = r[i].start, end = (uint64_t)r[i].start + r[i].count;
        /* Lines may come in any order and split a range: go round until nothing advances. */
        for (bool moved = true; want < end && moved;) {
            moved = false;
            for (const char *line = map; line && *line;) {
                unsigned long long in, out, count;
                if (sscanf(line, "%llu %llu %llu", &in, &out, &count) == 3 && in <= want &&
                    want < in + count) {
                    want = in + count;
                    moved = true;
                }
                line = strchr(line, '\n');
                line = line ? line + 1 : NULL;
            }
        }
        if (want < end)
            return false;
    }
    return true;
}

/* Whether map (a /proc/self/uid_map's or gid_map's text) is the first user namespace's, every id
 * as it is: there, every range is mapped. */
static bool map_is_first(const char *map)
{
    unsigned long long in, out, count;
    int end = 0;
    return map && sscanf(map, "%llu %llu %llu%n", &in, &out, &count, &end) == 3 && in == 0 &&
           out == 0 && count == 4294967295ULL && map[end + strspn(map + end, " \n")] == '\0';
}

/* Why the ranges cannot be mapped from where sbox runs, or NULL when they can. The helpers'
 * outside ids are ids of sbox's own user namespace: under `unshare -r` (or in a rootless
 * container) the ranges /etc/subuid names are not mapped there, and newgidmap refuses them;
 * under no_new_privs (inside a sandbox) the helpers are not set-uid at all. */
static const char *ranges_unmappable(const struct sbox_idranges *r)
{
    _cleanup_free_ char *uids = NULL, *gids = NULL;
    if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1)
        return "no_new_privs is set (inside a sandbox?): newuidmap cannot run set-uid";
    uids = sbox_read_text("/proc/self/uid_map");
    gids = sbox_read_text("/proc/self/gid_map");
    if (map_is_first(uids) && map_is_first(gids))
        return NULL;
    if (uids && gids &&
        (!sbox_idmap_within(uids, r->uids, r->n_uids) ||
         !sbox_idmap_within(gids, r->gids, r->n_gids)))
        return "your subordinate ranges are not mapped in this user namespace (`unshare -r`, a "
               "rootless container)";
    return NULL;
}

void sbox_idmap_ranges_free(struct sbox_idranges *r)
{
    free(r->newuidmap);
    free(r->newgidmap);
    r->newuidmap = r->newgidmap = NULL;
}

int sbox_idmap_write_ranges(pid_t pid, uid_t uid, gid_t gid, const struct sbox_idranges *ranges,
                            struct sbox_error *err)
{
    _cleanup_strv_ char **gargv = NULL, **uargv = NULL;
    struct helper helpers[2];
    struct sbox_error second = {0};
    int r, r2;
    if (!ranges->newgidmap || !ranges->newuidmap)
        return sbox_error(err, 0, "%s is not installed (package uidmap)",
                          ranges->newgidmap ? "newuidmap" : "newgidmap");
    gargv =
        sbox_idmap_helper_argv(ranges->newgidmap, pid, (uint32_t)gid, ranges->gids, ranges->n_gids);
    uargv =
        sbox_idmap_helper_argv(ranges->newuidmap, pid, (uint32_t)uid, ranges->uids, ranges->n_uids);
    /* Both at once: each is a set-uid exec of a few milliseconds, and they write different
     * files. */
    r = start_helper(&helpers[0], gargv, err);
    if (r < 0)
        return r;
    r2 = start_helper(&helpers[1], uargv, &second);
    r = finish_helper(&helpers[0], err);
    if (r2 == 0)
        r2 = finish_helper(&helpers[1], &second);
    if (r == 0 && r2 < 0) {
        *err = second;
        r = r2;
    }
    return r;
}

/* One line per extent of the ranged map, each onto itself: an extent must map onto one extent
 * of the parent's, so a single line over all would be refused. */
static char *identity_map(const struct sbox_idrange *r, size_t n)
{
    char *text = sbox_xstrdup("0 0 1\n");
    uint64_t inside = 1;
    for (size_t i = 0; i < n && inside < UINT32_MAX; i++) {
        uint64_t count = r[i].count;
        char *more;
        if (inside + count > UINT32_MAX)
            count = UINT32_MAX - inside; /* as sbox_idmap_helper_argv caps it */
        more =
            sbox_xasprintf("%s%" PRIu64 " %" PRIu64 " %" PRIu64 "\n", text, inside, inside, count);
        free(text);
        text = more;
        inside += count;
    }
    return text;
}

int sbox_idmap_write_identity(pid_t pid, const struct sbox_idranges *r, struct sbox_error *err)
{
    _cleanup_free_ char *uids = identity_map(r->uids, r->n_uids);
    _cleanup_free_ char *gids = identity_map(r->gids, r->n_gids);
    int ret = write_proc(pid, "uid_map", uids, err);
    return ret < 0 ? ret : write_proc(pid, "gid_map", gids, err);
}

/* With the single map, the network helper (which joins the sandbox's user namespace to reach
 * its network; slirp4netns then needs uid 0 there) gets a namespace where 0 is the caller; a
 * payload running as another id then runs in a nested namespace mapping that id to the caller,
 * so its files outside are still the caller's. */
bool sbox_idmap_nested(const struct sbox_plan *p, bool ranged)
{
    return sbox_net_usermode(p->net) && !ranged && (p->uid != 0 || p->gid != 0);
}

static int write_self(const char *file, const char *text, struct sbox_error *err)
{
    _cleanup_close_ int fd = open(file, O_WRONLY | O_CLOEXEC);
    size_t n = strlen(text);
    if (fd < 0 || write(fd, text, n) != (ssize_t)n)
        return sbox_error(err, errno, "write %s", file);
    return 0;
}

int sbox_idmap_nest(const struct sbox_plan *p, struct sbox_error *err)
{
    char map[64];
    int r;
    if (unshare(CLONE_NEWUSER) < 0)
        return sbox_error(err, errno, "create the payload's user namespace");
    snprintf(map, sizeof map, "%u 0 1\n", p->uid);
    r = write_self("/proc/self/uid_map", map, err);
    if (r >= 0)
        r = write_self("/proc/self/setgroups", "deny", err);
    snprintf(map, sizeof map, "%u 0 1\n", p->gid);
    if (r >= 0)
        r = write_self("/proc/self/gid_map", map, err);
    return r;
}

/* userns = single maps the payload's ids to the caller's and nothing else. subuid maps inside 0
 * to the caller and 1..N to the caller's ranges, for images whose files belong to many users.
 * auto takes ranges for an image or a root payload, when the caller has them and the helpers
 * are installed; a payload that shows the host's files as the caller keeps the single map, so
 * what it writes in bound directories stays the caller's. */
int sbox_idmap_choose(const struct sbox_plan *p, struct sbox_idmap_choice *map,
                      const struct sbox_notes *notes, struct sbox_error *err)
{
    const struct sbox_idranges *r = &map->r;
    const char *why = NULL;
    char where[512];

    map->ranged = false;
    if (p->userns == SBOX_USERNS_SINGLE) {
        why = "userns = single";
        goto single;
    }
    if (p->userns == SBOX_USERNS_AUTO && !sbox_plan_image_root(p) && p->uid != 0) {
        why = "the payload shows the host's files under your own id";
        goto single;
    }
    why = sbox_idmap_load(&map->r, p->user, p->host_uid);
    if (why && p->userns == SBOX_USERNS_SUBUID) {
        _cleanup_free_ char *hint = sbox_idmap_add_hint(p->user);
        sbox_error(err, 0,
                   "%s for user %s; an administrator can add them with `%s` (see `sbox "
                   "check`)",
                   why, p->user, hint);
        sbox_origin_format(&p->userns_origin, "userns", where, sizeof where);
        return sbox_error_prefix(err, "%s: userns = subuid", where);
    }
    if (why)
        goto single;
    why = ranges_unmappable(r);
    if (why && p->userns == SBOX_USERNS_SUBUID) {
        sbox_error(err, 0, "subordinate ranges cannot be mapped here: %s", why);
        sbox_origin_format(&p->userns_origin, "userns", where, sizeof where);
        return sbox_error_prefix(err, "%s: userns = subuid", where);
    }
    if (why) {
        /* Said even without -v for an image, whose files belong to many ids and now show as
         * nobody; a root payload on the host's tree (uid 0 of `unshare -r` running sbox) loses
         * nothing it had, so only -v says it. */
        if (p->rootfs || p->verbose)
            sbox_note(notes, "id map: single, not subuid: %s", why);
        return 0;
    }
    /* The payload's ids must exist inside, or it could not become them. */
    if ((uint64_t)p->uid > sbox_idmap_count(r->uids, r->n_uids) ||
        (uint64_t)p->gid > sbox_idmap_count(r->gids, r->n_gids)) {
        bool uid = (uint64_t)p->uid > sbox_idmap_count(r->uids, r->n_uids);
        if (p->userns == SBOX_USERNS_SUBUID) {
            sbox_error(err, 0, "%s %u is beyond your subordinate ranges (ids 0-%llu exist inside)",
                       uid ? "uid" : "gid", uid ? p->uid : p->gid,
                       (unsigned long long)sbox_idmap_count(uid ? r->uids : r->gids,
                                                            uid ? r->n_uids : r->n_gids));
            return sbox_origin_error(err, uid ? &p->uid_origin : &p->gid_origin,
                                     uid ? "uid" : "gid");
        }
        why = "the payload's id is beyond your ranges";
        goto single;
    }
    map->ranged = true;
    if (p->verbose)
        sbox_note(notes, "id map: subuid (inside 0 is you, 1-%llu are your ranges starting at %u)",
                  (unsigned long long)sbox_idmap_count(r->uids, r->n_uids), r->uids[0].start);
    return 0;
single:
    if (p->verbose)
        sbox_note(notes, "id map: single (%s)", why);
    return 0;
}

void sbox_idmap_choice_free(struct sbox_idmap_choice *map)
{
    sbox_idmap_ranges_free(&map->r);
}

int sbox_idmap_proc_pid(pid_t pid, pid_t *ret_pid, struct sbox_error *err)
{
    char self[32], line[64];
    _cleanup_close_ int pidfd = -1;
    _cleanup_fclose_ FILE *f = NULL;
    ssize_t n = readlink("/proc/self", self, sizeof self - 1);
    long seen = -1;
    if (n > 0) {
        self[n] = '\0';
        if (atol(self) == (long)getpid()) {
            *ret_pid = pid;
            return 0;
        }
    }
    /* A pidfd's fdinfo gives its pid as the proc it is read through counts: this /proc's. */
    pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pidfd < 0)
        return sbox_error(err, errno, "open a pidfd of the sandbox");
    snprintf(line, sizeof line, "/proc/self/fdinfo/%d", pidfd);
    f = fopen(line, "re");
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "Pid:", 4) == 0)
            seen = atol(line + 4);
    if (seen <= 0)
        return sbox_error(err, 0,
                          "/proc is the proc of another pid namespace, where the sandbox has no "
                          "pid: mount one of this namespace's (`unshare --mount-proc`, or `mount "
                          "-t proc proc /proc` in a mount namespace of your own)");
    *ret_pid = (pid_t)seen;
    return 0;
}

int sbox_idmap_write(const struct sbox_plan *p, const struct sbox_idmap_choice *map, pid_t pid,
                     struct sbox_error *err)
{
    if (sbox_idmap_nested(p, map->ranged))
        return sbox_idmap_write_single(pid, 0, p->host_uid, 0, p->host_gid, err);
    if (!map->ranged)
        return sbox_idmap_write_single(pid, p->uid, p->host_uid, p->gid, p->host_gid, err);
    return sbox_idmap_write_ranges(pid, p->host_uid, p->host_gid, &map->r, err);
}
