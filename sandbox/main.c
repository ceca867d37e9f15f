/* main.c: the command line, one plan, one run, one exit status.
 * The only place that prints errors and the only place that exits. */
#include "cache.h"
#include "capture-show.h"
#include "capture.h"
#include "cgroup.h"
#include "check.h"
#include "cleanup.h"
#include "completion.h"
#include "coverage.h"
#include "error.h"
#include "guard.h"
#include "host.h"
#include "image-store.h"
#include "import.h"
#include "isolation.h"
#include "launch.h"
#include "plan.h"
#include "profile.h"
#include "registry.h"
#include "settings.h"
#include "status.h"
#include "sys.h"
#include "util.h"

#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <termios.h>

#define EXIT_SBOX 125

enum { OPT_DRY_RUN = 0x100, OPT_JSON_STATUS_FD, OPT_SETTING = 0x200 };

extern char **environ;

/* The caller's terminal mode while the payload's pseudo-terminal has it raw (launch.c keeps it
 * up to date): what a crash of sbox puts back, and how sbox's own lines end meanwhile. The one
 * piece of state a signal handler reads. */
static struct sbox_tty_restore tty_restore = {.fd = -1};

/* A line of sbox's own: "\r\n" while the terminal is raw, which would not return the cursor. */
static const char *eol(void)
{
    return tty_restore.active ? "\r\n" : "\n";
}

/* text from column indent on, broken at spaces so that no line passes 80 columns. */
static void put_wrapped(FILE *f, const char *text, int indent)
{
    int col = indent;
    for (const char *w = text; *w;) {
        int n = (int)strcspn(w, " ");
        if (col > indent && col + 1 + n > 80) {
            fprintf(f, "\n%*s", indent, "");
            col = indent;
        } else if (col > indent) {
            fputc(' ', f);
            col++;
        }
        fwrite(w, 1, (size_t)n, f);
        col += n;
        w += n;
        w += strspn(w, " ");
    }
    fputc('\n', f);
}

static void usage(FILE *f)
{
    fputs("Usage: sbox [OPTIONS] [--] [COMMAND [ARG...]]\n"
          "       sbox profiles | profile list | profile show NAME\n"
          "       sbox import TARBALL DIR   unpack a root file system for --rootfs DIR\n"
          "       sbox image import SOURCE NAME   store an image in sbox's store: SOURCE is\n"
          "                                 oci:DIR[:TAG], oci-archive:FILE[:TAG],\n"
          "                                 docker-archive:FILE[:TAG], or a tarball\n"
          "       sbox image pull [--tls-verify=false] docker://REF [NAME]\n"
          "                                 (uses skopeo)\n"
          "       sbox image ls | inspect NAME | prune\n"
          "       sbox image rm NAME|DIR... remove a stored image, an unpacked one or a\n"
          "                                 kept overlay directory\n"
          "       sbox check                what this host offers, and how to fix the rest\n"
          "       sbox captures             list what captured runs wrote (capture = DIR)\n"
          "       sbox diff ID [--stat] [--expand] [--exclude PATTERN]... [PATH...]\n"
          "                                 show a capture's changes\n"
          "       sbox apply ID [--include-denied] [--dry-run] [PATH...]\n"
          "                                 land a capture's changes (or PATH's)\n"
          "       sbox discard ID... | --applied | --all   delete captures\n"
          "Run COMMAND (default: your shell) in a fresh, unprivileged sandbox. A command\n"
          "named like one of the words above runs after --: `sbox -- diff a b`.\n"
          "`sbox import` unpacks an image tarball into DIR for --rootfs, keeping its owners\n"
          "through your subordinate id ranges.\n"
          "\n"
          "By default the sandbox sees the host's system directories read-only, the current\n"
          "directory's project read-write, an empty home, private /tmp and /run, no network\n"
          "and only a few safe environment variables (profiles/default.ini, compiled in).\n"
          "\n"
          "  -p, --profile NAME|PATH      use a profile instead of the default (repeatable;\n"
          "                               NAME is searched for, never in the current\n"
          "                               directory)\n"
          "\n"
          "Settings (each is also a profile key; paths may escape ':' as '\\:'):\n",
          f);
    for (size_t i = 0; i < sbox_n_settings; i++) {
        const struct sbox_setting *s = &sbox_settings[i];
        char left[64];
        snprintf(left, sizeof left, "--%s%s%s", s->key, s->arg ? " " : "", s->arg ? s->arg : "");
        if (strlen(left) > 28)
            fprintf(f, "  %s\n  %-28s ", left, "");
        else
            fprintf(f, "  %-28s ", left);
        put_wrapped(f, s->help, 31);
    }
    fputs("\nOther options:\n"
          "  --dry-run                    print the plan as a profile and exit\n"
          "  --json-status-fd FD          write the run's events as JSON lines to FD\n"
          "  -v, --verbose                print the plan, then the id map and overlay\n"
          "                               chosen, to stderr before running\n"
          "  -h, --help                   show this help and exit\n"
          "  -V, --version                show the version and exit\n"
          "\n"
          "Exit status: the command's own; 128+N if it died of signal N; 125 if sbox\n"
          "failed; 126 if the command could not be run; 127 if it was not found.\n"
          "See sbox(1) and sbox.ini(5).\n",
          f);
}

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...)
{
    char raw[SBOX_ERROR_MAX], msg[SBOX_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    sbox_escape(msg, sizeof msg, raw);
    fprintf(stderr, "sbox: %s\n", msg);
    return EXIT_SBOX;
}

/* The nearest option name, for a mistyped flag. */
static const char *suggest(const char *typed, const struct option *opts)
{
    const char *best = NULL;
    size_t best_d = 3; /* farther than this is no suggestion */
    for (const struct option *o = opts; o->name; o++) {
        size_t d = sbox_edit_distance(typed, o->name);
        if (d < best_d) {
            best_d = d;
            best = o->name;
        }
    }
    return best;
}

/* Remarks about the plan (the current directory not bound, ...), one line each. */
static void print_notes(void *ctx)
{
    const struct sbox_plan *p = ctx;
    for (size_t i = 0; p->notes && p->notes[i]; i++) {
        char line[SBOX_ERROR_MAX];
        sbox_escape(line, sizeof line, p->notes[i]);
        fprintf(stderr, "sbox: %s%s", line, eol());
    }
}

/* What launch has to say that is no failure, as it comes; also an event (ctx: the status). */
static void print_note(void *ctx, const char *text)
{
    fprintf(stderr, "sbox: %s%s", text, eol());
    sbox_status_note(ctx, text);
}

/* allow-host's refusals, said by print_note already: the events (ctx: the status). */
static void print_refused(void *ctx, const char *dest, bool malformed, unsigned long n)
{
    sbox_status_refused(ctx, dest, malformed, n);
}

/* The run's plan and events, for launch's callbacks. */
struct run_ctx {
    const struct sbox_plan *plan;
    const struct sbox_status *status;
};

/* The payload is forked: the started event, then the plan's remarks. */
static void on_ready(void *ctx, pid_t payload, pid_t init)
{
    const struct run_ctx *rc = ctx;
    sbox_status_started(rc->status, payload, init);
    print_notes((void *)rc->plan);
    for (size_t i = 0; rc->plan->notes && rc->plan->notes[i]; i++)
        sbox_status_note(rc->status, rc->plan->notes[i]);
}

/* sbox crashed while the caller's terminal was raw: its mode back, then the crash goes on. */
static void crashed(int sig)
{
    if (tty_restore.active)
        tcsetattr(tty_restore.fd, TCSANOW, &tty_restore.mode);
    signal(sig, SIG_DFL);
    raise(sig);
}

/* The payload died of sig: so does sbox, after its terminal and notes, so that a shell sees
 * what it would see without sbox (bash prints "Segmentation fault", a loop stops at ^C). Any
 * core was the payload's, none is sbox's. Returns only for a signal that does not end a
 * process by default. */
static int die_like(int sig, int status)
{
    const struct rlimit none = {0, 0};
    sigset_t set;
    fflush(NULL);
    sbox_coverage_dump();
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    setrlimit(RLIMIT_CORE, &none);
    signal(sig, SIG_DFL);
    sigemptyset(&set);
    sigaddset(&set, sig);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    raise(sig);
    return status;
}

/* Under -v and --dry-run: the variables a keep-env pattern matched but that were withheld as
 * credentials, by name, so a build that misses one says why and how to pass it. */
static void print_withheld(const struct sbox_plan *p)
{
    _cleanup_strv_ char **lines = sbox_plan_env_withheld(p, environ);
    for (size_t i = 0; lines && lines[i]; i++) {
        char line[SBOX_ERROR_MAX];
        sbox_escape(line, sizeof line, lines[i]);
        fprintf(stderr, "sbox: %s\n", line);
    }
}

static char *resolve_path(const char *path)
{
    return realpath(path, NULL);
}

/* The caller's image store. */
static void images_init(struct sbox_images *s, const struct sbox_host *host)
{
    const char *data = getenv("XDG_DATA_HOME");
    *s = (struct sbox_images){.root = sbox_images_root(data, host->home),
                              .user = host->user,
                              .home = host->home,
                              .uid = host->uid,
                              .gid = host->gid,
                              .out = stderr};
}

/* `sbox image import|pull|ls|inspect|prune`; rm of a stored image. -1: not one of these. */
static int image_command(int argc, char **argv, const struct sbox_host *host)
{
    const char *cmd = argc >= 3 ? argv[2] : "";
    struct sbox_images s;
    struct sbox_error err = {0};
    int r = 0, sig = 0;
    if (strcmp(cmd, "import") && strcmp(cmd, "pull") && strcmp(cmd, "ls") &&
        strcmp(cmd, "inspect") && strcmp(cmd, "prune"))
        return -1;
    images_init(&s, host);
    if (!strcmp(cmd, "import") || !strcmp(cmd, "pull")) {
        bool tls = true;
        int i = 3;
        const char *name;
        if (!strcmp(cmd, "pull") && i < argc && !strcmp(argv[i], "--tls-verify=false"))
            tls = false, i++;
        if (i < argc && argv[i][0] == '-')
            r = fail("image %s: unknown option `%s`", cmd, argv[i]);
        else if (!strcmp(cmd, "import") && argc != i + 2)
            r = fail("image import: expected `sbox image import SOURCE NAME`");
        else if (!strcmp(cmd, "pull") && (argc < i + 1 || argc > i + 2))
            r = fail("image pull: expected `sbox image pull [--tls-verify=false] SOURCE [NAME]`");
        else if (!strcmp(cmd, "pull") && argc == i + 1 && strncmp(argv[i], "docker://", 9))
            r = fail("image pull: name the image: `sbox image pull SOURCE NAME`");
        if (r) {
            free(s.root);
            return r;
        }
        name = argc == i + 2 ? argv[i + 1] : argv[i] + 9;
        r = sbox_images_import(&s, argv[i], name, tls, &sig, &err);
    } else if (!strcmp(cmd, "ls")) {
        s.out = stdout;
        s.json = argc == 4 && !strcmp(argv[3], "--json");
        r = argc == 3 || s.json ? sbox_images_list(&s, &err)
                                : (fail("image ls: takes no arguments but --json"), 1);
    } else if (!strcmp(cmd, "inspect")) {
        s.out = stdout;
        r = argc == 4 ? sbox_images_inspect(&s, argv[3], &err)
                      : (fail("image inspect: expected `sbox image inspect NAME`"), 1);
    } else {
        r = argc == 3 ? sbox_images_prune(&s, &err) : (fail("image prune: takes no arguments"), 1);
    }
    free(s.root);
    if (r == 1)
        return EXIT_SBOX;
    if (r < 0) {
        fail("image %s: %s", cmd, err.msg);
        return sig ? 128 + sig : EXIT_SBOX;
    }
    return 0;
}

/* `sbox import TARBALL DIR`, `sbox image ...`. */
static int import_command(int argc, char **argv, const struct sbox_host *host)
{
    struct sbox_error err = {0};
    struct sbox_import_stats stats = {0};
    int first = strcmp(argv[1], "image") == 0 ? 3 : 2;
    int status = first == 3 ? image_command(argc, argv, host) : -1;
    if (status >= 0)
        return status;
    if (first == 3 && argc >= 3 && strcmp(argv[2], "rm") == 0) {
        struct sbox_images s;
        if (argc < 4)
            return fail("image rm: expected `sbox image rm NAME|DIR...`");
        images_init(&s, host);
        for (int i = 3; i < argc; i++) {
            /* A stored image by its name; a path (with a `/`, or no such image) as before. */
            if (!strchr(argv[i], '/') && sbox_images_exists(&s, argv[i])) {
                if (sbox_images_remove(&s, argv[i], &err) < 0) {
                    free(s.root);
                    return fail("image rm: %s", err.msg);
                }
                continue;
            }
            if (sbox_image_remove(argv[i], host->user, host->uid, host->gid,
                                  host->home_real ? host->home_real : host->home, &stats,
                                  &err) < 0) {
                free(s.root);
                fail("%s", err.msg);
                return stats.signal ? 128 + stats.signal : EXIT_SBOX;
            }
        }
        free(s.root);
        return 0;
    }
    if (first == 3)
        return fail("image: expected import, pull, ls, inspect, rm or prune (see sbox --help)");
    if (argc != first + 2)
        return fail("import: expected `sbox import TARBALL DIR` (TARBALL - reads standard "
                    "input)");
    if ((argv[first][0] == '-' && argv[first][1]) || argv[first + 1][0] == '-')
        return fail("import: takes no options: `sbox import TARBALL|- DIR`");
    if (sbox_import(argv[first], argv[first + 1], host->user, host->uid, host->gid, &stats, &err) <
        0) {
        fail("%s", err.msg);
        return stats.signal ? 128 + stats.signal : EXIT_SBOX;
    }
    fprintf(stderr, "sbox: imported %lu %s into %s", stats.entries,
            stats.entries == 1 ? "entry" : "entries", argv[first + 1]);
    if (stats.devices)
        fprintf(stderr, "; %lu device node%s skipped", stats.devices,
                stats.devices == 1 ? "" : "s");
    if (stats.warnings)
        fprintf(stderr, "; %lu owners, times or attributes not restored", stats.warnings);
    fputc('\n', stderr);
    return 0;
}

/* `sbox captures`, `sbox diff`, `sbox apply`, `sbox discard`: ID is a capture's id, a unique
 * prefix of one, or `last`. */
static int capture_command(int argc, char **argv, const struct sbox_plan *plan,
                           const struct sbox_host *host)
{
    const char *cmd = argv[1], *id = NULL;
    bool stat = false, expand = false, include_denied = false, dry_run = false, dashdash = false;
    int every = -1; /* discard --all (0) or --applied (1) */
    _cleanup_strv_ char **paths = NULL, **exclude = NULL;
    const char *home = host->home;
    int status = 0;
    if (!strcmp(cmd, "captures")) {
        if (argc == 3 && !strcmp(argv[2], "--json"))
            return sbox_capture_list_json(plan->capture_store, stdout);
        if (argc > 2)
            return fail("captures: takes no arguments but --json");
        return sbox_capture_list(plan->capture_store, home, stdout);
    }
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (!dashdash && !strcmp(a, "--")) {
            dashdash = true;
        } else if (!dashdash && !strcmp(cmd, "diff") && !strcmp(a, "--stat")) {
            stat = true;
        } else if (!dashdash && !strcmp(cmd, "diff") && !strcmp(a, "--expand")) {
            expand = true;
        } else if (!dashdash && !strcmp(cmd, "diff") &&
                   (!strcmp(a, "--exclude") || !strncmp(a, "--exclude=", 10))) {
            const char *pattern = a[9] == '=' ? a + 10 : i + 1 < argc ? argv[++i] : NULL;
            if (!pattern || !pattern[0])
                return fail("diff: --exclude: expected a pattern");
            sbox_strv_push(&exclude, sbox_xstrdup(pattern));
        } else if (!dashdash && !strcmp(cmd, "apply") && !strcmp(a, "--include-denied")) {
            include_denied = true;
        } else if (!dashdash && !strcmp(cmd, "apply") && !strcmp(a, "--dry-run")) {
            dry_run = true;
        } else if (!dashdash && !strcmp(cmd, "discard") &&
                   (!strcmp(a, "--all") || !strcmp(a, "--applied"))) {
            every = !strcmp(a, "--applied");
        } else if (!dashdash && a[0] == '-' && a[1]) {
            return fail("%s: unknown option `%s` (see sbox --help)", cmd, a);
        } else if (!id) {
            id = a;
        } else {
            sbox_strv_push(&paths, sbox_xstrdup(a));
        }
    }
    if (every >= 0 && id)
        return fail("discard: --all and --applied take no capture id");
    if (every >= 0) {
        _cleanup_strv_ char **ids = sbox_capture_ids(plan->capture_store, every == 1);
        if (!ids) {
            fprintf(stderr, "sbox: discard: no %scapture to discard\n", every ? "applied " : "");
            return 0;
        }
        return sbox_capture_discard(plan->capture_store, ids, host->user, host->uid, host->gid,
                                    host->home_real ? host->home_real : home);
    }
    if (!id)
        return fail("%s: expected a capture id (see sbox captures)", cmd);
    if (!strcmp(cmd, "diff")) {
        const struct sbox_diff_options o = {.stat = stat, .expand = expand, .exclude = exclude};
        return sbox_capture_show(plan->capture_store, id, &o, paths, host->cwd, home, stdout);
    }
    if (!strcmp(cmd, "apply"))
        return sbox_capture_apply(plan->capture_store, id, include_denied, dry_run, paths,
                                  host->cwd, home, stdout);
    {
        _cleanup_strv_ char **ids = NULL;
        sbox_strv_push(&ids, sbox_xstrdup(id));
        for (size_t i = 0; paths && paths[i]; i++)
            sbox_strv_push(&ids, sbox_xstrdup(paths[i]));
        status = sbox_capture_discard(plan->capture_store, ids, host->user, host->uid, host->gid,
                                      host->home_real ? host->home_real : home);
    }
    return status;
}

static int open_image(struct sbox_plan *plan, const struct sbox_host *host, struct sbox_image *img,
                      struct sbox_error *err);

/* `sbox profile show NAME`: the profile as the plan it makes. A stored image's config is read
 * as --dry-run reads it (it decides the ids, the directory and the command), but a profile whose
 * image is not in the store, or cannot be read, is still shown, after one line saying so. */
static int profile_show(const char *name, struct sbox_profiles *ps, struct sbox_plan *plan,
                        const struct sbox_host *host)
{
    struct sbox_image img = {.inuse = -1};
    struct sbox_error err = {0};
    if (sbox_profile_load(ps, plan, name, &err) < 0)
        return fail("%s", strncmp(err.msg, "-p: ", 4) ? err.msg : err.msg + 4);
    if (plan->image && !plan->rootfs && open_image(plan, host, &img, &err) < 0) {
        (void)fail("%s; its config (User, WorkingDir, Env, Entrypoint, Cmd) is applied when it "
                   "runs: `sbox -p %s --dry-run` shows it once the image is stored",
                   err.msg, name);
        err.msg[0] = '\0';
    }
    if (sbox_plan_finish(plan, &err) < 0) {
        sbox_image_free(&img);
        return fail("%s", strncmp(err.msg, "-p: ", 4) ? err.msg : err.msg + 4);
    }
    /* An image's command is its config's: shown, as --dry-run shows it. */
    if (!plan->image_facts.store) {
        sbox_strv_free(plan->argv);
        plan->argv = NULL;
    }
    sbox_plan_print(plan, stdout);
    sbox_image_free(&img);
    return 0;
}

/* `sbox profiles`, `sbox profile list`, `sbox profile show NAME`. */
static int profile_command(int argc, char **argv, struct sbox_profiles *ps, struct sbox_plan *plan,
                           const struct sbox_host *host)
{
    if (!strcmp(argv[1], "profiles") || (argc >= 3 && !strcmp(argv[2], "list"))) {
        int words = strcmp(argv[1], "profiles") ? 3 : 2;
        bool json = argc == words + 1 && !strcmp(argv[words], "--json");
        if (argc > words && !json)
            return fail("%s: takes no arguments but --json", argv[1]);
        if (json)
            sbox_profile_list_json(ps, stdout);
        else
            sbox_profile_list(ps, stdout);
        return 0;
    }
    if (argc == 4 && !strcmp(argv[2], "show"))
        return profile_show(argv[3], ps, plan, host);
    return fail("profile: expected `sbox profile list` or `sbox profile show NAME`");
}

/* `sbox check [--json]`. */
static int check_command(int argc, char **argv, const struct sbox_host *host)
{
    bool json = argc >= 3 && !strcmp(argv[2], "--json");
    if (argc > (json ? 3 : 2))
        return fail("check: `%s`: the only option is --json", argv[json ? 3 : 2]);
    return sbox_check(stdout, host->user, host->uid, host->gid, json);
}

/* main's own options, for the completion scripts (the settings are the table's). */
static const struct sbox_completion_option own_options[] = {
    {"profile", 'p', "NAME|PATH", "use a profile instead of the default (repeatable)"},
    {"dry-run", 0, NULL, "print the plan as a profile and exit"},
    {"verbose", 'v', NULL, "print the plan, the id map and overlay chosen"},
    {"help", 'h', NULL, "show the help and exit"},
    {"version", 'V', NULL, "show the version and exit"},
    {"json-status-fd", 0, "FD", "write the run's events as JSON lines to FD"},
};

/* `sbox completion bash|zsh|fish`; `sbox completion names profiles|captures|images`, the words
 * the scripts offer: only those a shell may take as they are. */
static int completion_command(int argc, char **argv, const struct sbox_host *host,
                              struct sbox_profiles *ps, const struct sbox_plan *plan)
{
    _cleanup_strv_ char **names = NULL;
    if (argc == 3 && sbox_completion_script(stdout, argv[2], own_options,
                                            sizeof own_options / sizeof *own_options) == 0)
        return fflush(stdout) == 0 ? 0 : EXIT_SBOX;
    if (argc != 4 || strcmp(argv[2], "names") != 0)
        return fail("completion: expected `sbox completion bash|zsh|fish` or `sbox completion "
                    "names profiles|captures|images`");
    if (!strcmp(argv[3], "profiles")) {
        names = sbox_profile_names(ps);
    } else if (!strcmp(argv[3], "captures")) {
        names = sbox_capture_ids(plan->capture_store, false);
    } else if (!strcmp(argv[3], "images")) {
        struct sbox_images s;
        images_init(&s, host);
        names = sbox_images_names(&s);
        free(s.root);
    } else {
        return fail("completion names: `%s`: expected profiles, captures or images", argv[3]);
    }
    for (size_t i = 0; names && names[i]; i++)
        if (sbox_completion_word_safe(names[i]))
            printf("%s\n", names[i]);
    return fflush(stdout) == 0 ? 0 : EXIT_SBOX;
}

/* Runs the command word argv[1] names, if it is one, into *ret_status. */
static bool subcommand(int argc, char **argv, const struct sbox_host *host,
                       struct sbox_profiles *ps, struct sbox_plan *plan, int *ret_status)
{
    const char *cmd = argc >= 2 ? argv[1] : "";
    if (!strcmp(cmd, "check"))
        *ret_status = check_command(argc, argv, host);
    else if (!strcmp(cmd, "import") || !strcmp(cmd, "image"))
        *ret_status = import_command(argc, argv, host);
    else if (!strcmp(cmd, "captures") || !strcmp(cmd, "diff") || !strcmp(cmd, "apply") ||
             !strcmp(cmd, "discard"))
        *ret_status = capture_command(argc, argv, plan, host);
    else if (!strcmp(cmd, "profiles") || !strcmp(cmd, "profile"))
        *ret_status = profile_command(argc, argv, ps, plan, host);
    else if (!strcmp(cmd, "completion"))
        *ret_status = completion_command(argc, argv, host, ps, plan);
    else
        return false;
    return true;
}

/* What the command line asks for besides the command. */
struct options {
    char **names;  /* -p, in order */
    int *flags;    /* settings given as flags (their rows), in order ... */
    char **values; /* ... and their values */
    size_t n_flags;
    bool dry_run, verbose;
    struct sbox_status status; /* --json-status-fd */
};

static void options_free(struct options *o)
{
    sbox_strv_free(o->names);
    free(o->flags);
    sbox_strv_free(o->values);
}

/* getopt_long's table: a row for each setting (its index + OPT_SETTING), then sbox's own. */
static struct option *option_table(void)
{
    static const struct option extra[] = {
        {"profile", required_argument, NULL, 'p'},
        {"dry-run", no_argument, NULL, OPT_DRY_RUN},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {"json-status-fd", required_argument, NULL, OPT_JSON_STATUS_FD},
    };
    const size_t n_extra = sizeof extra / sizeof *extra;
    struct option *opts = sbox_xmalloc((sbox_n_settings + n_extra + 1) * sizeof *opts);
    for (size_t i = 0; i < sbox_n_settings; i++)
        opts[i] = (struct option){sbox_settings[i].key,
                                  sbox_settings[i].type == SBOX_SETTING_FLAG ? no_argument
                                                                             : required_argument,
                                  NULL, OPT_SETTING + (int)i};
    memcpy(opts + sbox_n_settings, extra, sizeof extra);
    memset(&opts[sbox_n_settings + n_extra], 0, sizeof *opts);
    return opts;
}

/* The option getopt_long refused (unknown, or given an argument it takes none of), said. */
static int unknown_option(char **argv, const struct option *opts)
{
    const char *bad = argv[optind - 1];
    _cleanup_free_ char *name = NULL;
    const char *hint;
    /* A short option (maybe inside a cluster such as -xv, where optind has not moved on): name
     * the character, not whatever argv[optind - 1] happens to be. */
    if (optopt > 0 && optopt < OPT_DRY_RUN)
        return fail("-%c: unknown option (see sbox --help)", optopt);
    if (strncmp(bad, "--", 2) != 0)
        return fail("%s: unknown option (see sbox --help)", bad);
    name = sbox_xstrndup(bad + 2, strcspn(bad + 2, "="));
    hint = suggest(name, opts);
    if (optopt >= OPT_SETTING || optopt == OPT_DRY_RUN)
        return fail("%s: takes no argument", bad);
    if (hint)
        return fail("%s: unknown option (did you mean --%s?)", bad, hint);
    return fail("%s: unknown option (see sbox --help)", bad);
}

/* Reads the options before the command into *o. Returns -1 to go on, else the exit status
 * (--help, --version, or a mistake, said). */
static int parse_options(int argc, char **argv, struct options *o)
{
    _cleanup_free_ struct option *opts = option_table();
    bool help = false, version = false;
    int c;
    o->flags = sbox_xmalloc((size_t)argc * sizeof *o->flags);
    opterr = 0;
    /* "+": options end at the first command word, so `sbox ls -l` needs no "--". */
    while ((c = getopt_long(argc, argv, "+:p:vhV", opts, NULL)) != -1) {
        if (c >= OPT_SETTING) {
            /* Applied after every profile: the command line is the last word. */
            o->flags[o->n_flags++] = c - OPT_SETTING;
            sbox_strv_push(&o->values, sbox_xstrdup(optarg ? optarg : "true"));
            continue;
        }
        switch (c) {
        case 'p':
            sbox_strv_push(&o->names, sbox_xstrdup(optarg));
            break;
        case OPT_DRY_RUN:
            o->dry_run = true;
            break;
        case OPT_JSON_STATUS_FD: {
            struct sbox_error err = {0};
            if (sbox_status_open(optarg, &o->status, &err) < 0)
                return fail("--json-status-fd: %s", err.msg);
            break;
        }
        case 'v':
            o->verbose = true;
            break;
        case 'h':
            help = true; /* after the rest is read: `--version --bogus` is a mistake */
            break;
        case 'V':
            version = true;
            break;
        case ':':
            return fail("%s: needs an argument (see sbox --help)", argv[optind - 1]);
        default:
            return unknown_option(argv, opts);
        }
    }
    if (help)
        usage(stdout);
    else if (version)
        printf("sbox %s\n", PACKAGE_VERSION);
    return help || version ? 0 : -1;
}

/* jobserver = yes: make's jobserver from MAKEFLAGS goes in, its descriptors passed or its fifo
 * bound, and MAKEFLAGS kept; a jobserver that is not there (a recipe line make did not mark as
 * recursive closes the descriptors) is said under -v, and make inside then says it too. */
static void join_jobserver(struct sbox_plan *plan)
{
    const struct sbox_origin o = plan->jobserver_origin;
    _cleanup_free_ char *fifo = NULL;
    struct sbox_error ignored;
    int r, w;
    if (!sbox_makeflags_jobserver(getenv("MAKEFLAGS"), &r, &w, &fifo)) {
        if (plan->verbose)
            sbox_strv_push(&plan->notes, sbox_xstrdup("jobserver: MAKEFLAGS names none"));
        return;
    }
    (void)sbox_plan_set(plan, "env", "keep-env", "MAKEFLAGS", &o, &ignored);
    if (fifo) {
        struct sbox_mount *m = sbox_plan_add_mount(plan, SBOX_MOUNT_BIND, "jobserver", &o);
        m->src = sbox_path_normalize(fifo);
        m->dst = sbox_path_normalize(fifo);
        return;
    }
    if (r > 2 && w > 2 && fcntl(r, F_GETFD) >= 0 && fcntl(w, F_GETFD) >= 0) {
        sbox_plan_pass_fd(plan, r, &o);
        sbox_plan_pass_fd(plan, w, &o);
    } else if (plan->verbose) {
        sbox_strv_push(&plan->notes,
                       sbox_xasprintf("jobserver: descriptors %d,%d are not open (mark the "
                                      "recipe line recursive: +sbox ... or $(MAKE))",
                                      r, w));
    }
}

/* image = NAME: the image opened in the caller's store and held there (inuse, shared) until
 * sbox exits, so that no prune or rm takes a layer from under the run; what the plan needs of
 * it is copied in, the User resolved in the image's own files (and its passwd, for a uid given
 * alone). */
static int open_image(struct sbox_plan *plan, const struct sbox_host *host, struct sbox_image *img,
                      struct sbox_error *err)
{
    struct sbox_image_facts f = {0};
    struct sbox_images s;
    int r;
    images_init(&s, host);
    r = sbox_images_open(&s, plan->image, img, err);
    free(s.root);
    if (r < 0)
        return sbox_origin_error(err, &plan->image_origin, "image");
    r = sbox_image_user(img, &f.uid, &f.gid, &f.gid_set, err);
    if (r < 0) {
        sbox_error_prefix(err, "image `%s`", plan->image);
        return sbox_origin_error(err, &plan->image_origin, "image");
    }
    f.uid_set = r > 0;
    f.store = sbox_xstrdup(img->root);
    f.inuse = img->inuse;
    f.layers = sbox_strv_copy(img->layers);
    f.digest = sbox_xstrdup(img->digest);
    f.env = img->config.env ? sbox_strv_copy(img->config.env) : NULL;
    f.entrypoint = img->config.entrypoint ? sbox_strv_copy(img->config.entrypoint) : NULL;
    f.cmd = img->config.cmd ? sbox_strv_copy(img->config.cmd) : NULL;
    f.ports = img->config.ports ? sbox_strv_copy(img->config.ports) : NULL;
    f.workdir = img->config.workdir ? sbox_xstrdup(img->config.workdir) : NULL;
    f.user = img->config.user ? sbox_xstrdup(img->config.user) : NULL;
    /* Every setting is in: only a uid given without a gid needs the image's passwd. */
    if (plan->uid_origin.kind != SBOX_ORIGIN_BUILTIN &&
        plan->gid_origin.kind == SBOX_ORIGIN_BUILTIN)
        f.passwd = sbox_image_passwd(img);
    sbox_plan_set_image(plan, &f);
    return 0;
}

/* The plan to run: profiles replace the embedded default (which they may include), then the
 * flags, a policy file, the command; finished, its stores made unless --dry-run, guarded. */
static int make_plan(struct sbox_profiles *ps, struct sbox_plan *plan, const struct options *o,
                     char **command, const struct sbox_host *host, struct sbox_image *img,
                     struct sbox_error *err)
{
    const struct sbox_origin cmdline = {.kind = SBOX_ORIGIN_CMDLINE};
    if (!o->names && sbox_profile_load_default(ps, plan, err) < 0)
        return -1;
    for (size_t i = 0; o->names && o->names[i]; i++)
        if (sbox_profile_load(ps, plan, o->names[i], err) < 0)
            return -1;
    for (size_t i = 0; i < o->n_flags; i++) {
        const struct sbox_setting *s = &sbox_settings[o->flags[i]];
        if (sbox_plan_set(plan, s->section, s->key, o->values[i], &cmdline, err) < 0)
            return -1;
    }
    if (sbox_profile_load_policy(ps, plan, err) < 0)
        return -1;
    if (plan->image && !plan->rootfs && open_image(plan, host, img, err) < 0)
        return -1;
    sbox_plan_set_command(plan, command);
    plan->verbose = o->verbose;
    if (plan->jobserver)
        join_jobserver(plan);
    if (plan->git_identity) {
        sbox_host_git_identity(plan->home, &plan->git_name, &plan->git_email);
        if (!plan->git_name || !plan->git_email)
            sbox_strv_push(&plan->notes,
                           sbox_xasprintf("git-identity: your git config has no user.%s: git "
                                          "will ask for it inside",
                                          plan->git_name ? "email" : "name"));
    }
    /* allow-host = @npm, @pip: the hosts found outside, before the plan is finished. */
    sbox_registry_resolve(plan, host, !o->dry_run);
    if (sbox_plan_finish(plan, err) < 0)
        return -1;
    if (!o->dry_run) {
        sbox_capture_store_prepare(plan);
        /* Before the plan is guarded, as the capture store: what they are must be known. */
        if (sbox_cache_prepare(plan, err) < 0)
            return -1;
    }
    /* The plan's last writer: nothing changes it after the guard. */
    return sbox_guard_plan(plan, resolve_path, err);
}

/* --dry-run: the notes, the variables withheld, the plan as a profile. */
static int dry_run(struct sbox_plan *plan)
{
    print_notes(plan);
    print_withheld(plan);
    sbox_plan_print(plan, stdout);
    return fflush(stdout) == 0 ? 0 : fail("--dry-run: cannot write the plan");
}

/* isolation = landlock, or auto where no user namespace can be made (then the plan is checked
 * for what that mode cannot honour, into err): never without its line. */
static bool degraded(const struct sbox_plan *plan, const struct sbox_status *st,
                     struct sbox_error *err)
{
    char line[SBOX_NOTE_MAX];
    if (plan->isolation == SBOX_ISOLATION_NAMESPACES)
        return false;
    if (plan->isolation == SBOX_ISOLATION_AUTO) {
        if (sbox_isolation_userns_works())
            return false;
        if (sbox_isolation_check(plan, err) < 0) {
            sbox_error_prefix(err, "isolation = auto, and no user namespace can be made here");
            return true;
        }
        snprintf(line, sizeof line, "no user namespace can be made here, so %s",
                 sbox_isolation_note);
        print_note((void *)st, line);
        return true;
    }
    print_note((void *)st, sbox_isolation_note);
    return true;
}

static int run_degraded(struct sbox_plan *plan, char **envp, const struct sbox_notes *notes,
                        int *ret_signal)
{
    struct sbox_error err = {0};
    int status;
    if (sbox_isolation_run(plan, envp, notes, &status, ret_signal, &err) < 0)
        fail("%s", err.msg);
    return status;
}

/* The plan's command in its sandbox (-v: the plan first): its exit status, and in *ret_signal
 * the signal it died of (0: none). */
static int run(struct sbox_plan *plan, char **argv, const struct sbox_status *st, int *ret_signal)
{
    static const int crashes[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
    const struct sbox_notes notes = {
        .line = print_note, .refused = print_refused, .ctx = (void *)st};
    struct run_ctx rc = {.plan = plan, .status = st};
    _cleanup_strv_ char **envp = NULL;
    struct sbox_error err = {0};
    int status = EXIT_SBOX;
    plan->payload_pid_wanted = st->fd >= 0;
    bool scoped;
    if (plan->verbose) {
        sbox_plan_print(plan, stderr);
        print_withheld(plan);
    }
    /* Limits that need a cgroup where only systemd can give one: a scope, then here again. The
     * second sbox writes the events. */
    sbox_status_inherit(st, true);
    scoped = sbox_cgroup_scope_run(plan, argv, &status, ret_signal);
    sbox_status_inherit(st, false);
    if (scoped)
        return status;
    envp = sbox_plan_environ(plan, environ);
    if (degraded(plan, st, &err)) {
        if (err.msg[0]) {
            status = fail("%s", err.msg);
            sbox_status_failed(st, status, err.msg);
            return status;
        }
        status = run_degraded(plan, envp, &notes, ret_signal);
        sbox_status_exited(st, status, *ret_signal);
        return status;
    }
    if (plan->pty)
        for (size_t i = 0; i < sizeof crashes / sizeof *crashes; i++)
            signal(crashes[i], crashed);
    if (sbox_launch(plan, envp, &notes, on_ready, &rc, &tty_restore, &status, ret_signal, &err) <
        0) {
        fail("%s", err.msg);
        sbox_status_failed(st, status, err.msg);
    } else {
        sbox_status_exited(st, status, *ret_signal);
    }
    return status;
}

/* The profiles of a build tree, for an sbox run where it was built (the README's `./sbox -p node`
 * in a fresh clone): profiles/ beside the binary, when the binary is not the installed one. The
 * binary's own directory is as trusted as the binary; the current directory is never looked at. */
static char *profiles_beside(void)
{
    char exe[PATH_MAX], *slash, *dir;
    struct stat st;
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return NULL;
    exe[n] = '\0';
    if (strcmp(exe, SBOX_BINDIR "/sbox") == 0 || !(slash = strrchr(exe, '/')))
        return NULL;
    *slash = '\0';
    dir = sbox_xasprintf("%s/profiles", exe);
    {
        _cleanup_free_ char *probe = sbox_xasprintf("%s/default.ini", dir);
        if (stat(probe, &st) == 0 && S_ISREG(st.st_mode))
            return dir;
    }
    free(dir);
    return NULL;
}

int main(int argc, char **argv)
{
    struct options o = {.status = {.fd = -1}};
    struct sbox_error err = {0};
    struct sbox_host host;
    struct sbox_plan plan;
    struct sbox_profiles profiles;
    struct sbox_image image = {.inuse = -1};
    int status, sig = 0;
    bool exit_code_only;
    _cleanup_free_ char *beside = NULL;

    sbox_coverage_init();
    /* A closed 0, 1 or 2 would be taken by the next open() and receive whatever was meant for
     * it; /dev/null stands in, as most tools arrange. */
    for (int fd = 0; fd < 3; fd++)
        if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) != fd)
            return EXIT_SBOX;
    /* The second run in a systemd scope (see cgroup.c) says so to the first. */
    sbox_cgroup_scope_confirm();

    if (sbox_host_probe(&host, environ, &err) < 0)
        return fail("%s", err.msg);
    sbox_plan_init(&plan, &host);
    plan.image_store = sbox_images_root(getenv("XDG_DATA_HOME"), host.home);
    beside = profiles_beside();
    sbox_profiles_init(&profiles, &host, beside, SBOX_DATADIR);
    if (!subcommand(argc, argv, &host, &profiles, &plan, &status)) {
        status = parse_options(argc, argv, &o);
        if (status < 0 && make_plan(&profiles, &plan, &o, argv + optind, &host, &image, &err) < 0) {
            status = fail("%s", err.msg);
            sbox_status_failed(&o.status, status, err.msg);
        } else if (status < 0) {
            status = o.dry_run ? dry_run(&plan) : run(&plan, argv, &o.status, &sig);
        }
    }
    exit_code_only = plan.exit_code_only;
    options_free(&o);
    sbox_image_free(&image); /* the store's inuse, held for the whole run */
    sbox_plan_free(&plan);
    sbox_profiles_free(&profiles);
    sbox_host_free(&host);
    return sig && !exit_code_only ? die_like(sig, status) : status;
}
