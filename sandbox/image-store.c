/* image-store.c: the image store. Layout below DATA_HOME/sbox/images (mode 0700):
 *   lock                  held (exclusive) by whoever writes: import, rm, prune
 *   inuse                 held (shared) by every sandbox running an image: prune waits for none
 *   blobs/sha256/HEX      manifests and configs, written only once their digest is checked
 *   layers/HEX            a layer blob unpacked (made as .tmp-HEX-PID, renamed when complete)
 *   names/NAME            the manifest's digest ("/" in NAME is "+")
 *   tmp/                  archives unpacked and registry copies, while an import runs
 * Never names a file by a digest it has not checked, never follows a symlink in the store. */
#include "image-store.h"
#include "cleanup.h"
#include "files.h"
#include "import.h"
#include "json-out.h"
#include "json.h"
#include "plan.h"
#include "sha256.h"
#include "sys.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#define MAX_INDEX_DEPTH 4 /* an index naming an index naming ...: no image needs more */

char *sbox_images_root(const char *xdg_data_home, const char *home)
{
    if (xdg_data_home && xdg_data_home[0] == '/')
        return sbox_xasprintf("%s/sbox/images", xdg_data_home);
    return home ? sbox_xasprintf("%s/.local/share/sbox/images", home) : NULL;
}

bool sbox_images_name_valid(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 200 || strstr(name, "..") || strstr(name, "//") || name[n - 1] == '/')
        return false;
    if (!((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z') ||
          (name[0] >= '0' && name[0] <= '9')))
        return false;
    return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-:/@") ==
           n;
}

/* names/ holds one file per name: "/" cannot be in a file name, and "+" cannot be in a name. */
static char *name_file(const char *name)
{
    char *f = sbox_xstrdup(name);
    for (char *c = f; *c; c++)
        if (*c == '/')
            *c = '+';
    return f;
}

static char *file_name(const char *file)
{
    char *n = sbox_xstrdup(file);
    for (char *c = n; *c; c++)
        if (*c == '+')
            *c = '/';
    return n;
}

/* A directory below dir, opened with no symlink followed. */
static int open_below(int dir, const char *path, int flags)
{
    return sys_openat2(dir, path, flags | O_CLOEXEC, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
}

/* The store's root: made (0700, the caller's) when create says so; it must be the caller's
 * and private, since its layers hold set-uid files of the caller's subordinate ids. */
static int open_root(const struct sbox_images *s, bool create, struct sbox_error *err)
{
    static const char *const dirs[] = {"blobs", "blobs/sha256", "layers", "names", "tmp"};
    _cleanup_close_ int fd = -1;
    struct stat st;
    if (!s->root)
        return sbox_error(err, 0, "no home directory for the image store");
    if (create) {
        int r = sbox_mkdir_parents(s->root);
        if (r < 0)
            return sbox_error(err, -r, "image store `%s`", s->root);
    }
    fd = sys_openat2(AT_FDCWD, s->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC, RESOLVE_NO_MAGICLINKS);
    if (fd < 0)
        return errno == ENOENT ? -ENOENT : sbox_error(err, errno, "image store `%s`", s->root);
    if (fstat(fd, &st) < 0)
        return sbox_error(err, errno, "image store `%s`", s->root);
    if (st.st_uid != s->uid)
        return sbox_error(err, 0, "image store `%s` belongs to another user", s->root);
    if ((st.st_mode & 077) && fchmod(fd, 0700) < 0)
        return sbox_error(err, errno, "image store `%s`", s->root);
    for (size_t i = 0; create && i < sizeof dirs / sizeof *dirs; i++)
        if (mkdirat(fd, dirs[i], 0700) < 0 && errno != EEXIST)
            return sbox_error(err, errno, "image store `%s/%s`", s->root, dirs[i]);
    return steal_fd(&fd);
}

/* One of the store's lock files, held as op asks; a wait is said first (who holds it). */
static int take_lock(const struct sbox_images *s, int root, const char *name, int op,
                     struct sbox_error *err)
{
    _cleanup_close_ int fd =
        openat(root, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0)
        return sbox_error(err, errno, "image store lock `%s/%s`", s->root, name);
    if (!S_ISREG(st.st_mode))
        return sbox_error(err, 0, "image store lock `%s/%s` is not a file", s->root, name);
    if (flock(fd, op | LOCK_NB) < 0) {
        pid_t holder = sbox_pid_lock_holder(fd);
        if (errno != EWOULDBLOCK)
            return sbox_error(err, errno, "lock the image store");
        if (op == LOCK_EX && !strcmp(name, "lock"))
            fprintf(stderr, "sbox: waiting for another sbox writing the image store (pid %d)\n",
                    (int)holder);
        while (flock(fd, op) < 0)
            if (errno != EINTR)
                return sbox_error(err, errno, "lock the image store");
    }
    if (op == LOCK_EX)
        sbox_pid_lock_mark(fd);
    return steal_fd(&fd);
}

static void hash_hex(const void *data, size_t len, char digest[SBOX_OCI_DIGEST_LEN + 1])
{
    struct sbox_sha256 h;
    char hex[65];
    sbox_sha256_init(&h);
    sbox_sha256_add(&h, data, len);
    sbox_sha256_hex(&h, hex);
    snprintf(digest, SBOX_OCI_DIGEST_LEN + 1, "sha256:%s", hex);
}

/* The blob digest from a layout's (or the store's) blobs/sha256, read whole: it must have the
 * size the descriptor gave (when size >= 0) and hash to its digest. */
static char *read_blob(int dir, const char *digest, int64_t size, size_t *ret_len,
                       struct sbox_error *err)
{
    _cleanup_free_ char *path = sbox_xasprintf("blobs/sha256/%s", digest + 7);
    _cleanup_close_ int fd = -1;
    _cleanup_free_ char *text = NULL;
    char got[SBOX_OCI_DIGEST_LEN + 1];
    size_t len;
    if (size > (int64_t)SBOX_JSON_MAX_SIZE) {
        sbox_error(err, 0, "%.19s...: %lld bytes, more than sbox reads as metadata", digest,
                   (long long)size);
        return NULL;
    }
    fd = open_below(dir, path, O_RDONLY | O_NONBLOCK);
    if (fd < 0) {
        sbox_error(err, errno, "blob %.19s...", digest);
        return NULL;
    }
    text = sbox_read_fd(fd, SBOX_JSON_MAX_SIZE + 1, &len);
    if (!text) {
        sbox_error(err, errno, "blob %.19s...", digest);
        return NULL;
    }
    hash_hex(text, len, got);
    if ((size >= 0 && (int64_t)len != size) || strcmp(got, digest) != 0) {
        sbox_error(err, 0, "blob %.19s...: digest mismatch (its bytes are %.19s...)", digest, got);
        return NULL;
    }
    *ret_len = len;
    return steal_ptr(&text);
}

static struct sbox_json *parse_blob(const char *text, size_t len, const char *what,
                                    struct sbox_error *err)
{
    struct sbox_json *v = NULL;
    if (sbox_json_parse(text, len, &v, err) < 0) {
        sbox_error_prefix(err, "%s", what);
        return NULL;
    }
    return v;
}

/* Writes data as path below dir, whole or not at all: a temporary name, synced, renamed. */
static int write_file(int dir, const char *path, const void *data, size_t len,
                      struct sbox_error *err)
{
    _cleanup_free_ char *tmp = sbox_xasprintf("%s.tmp-%d", path, (int)getpid());
    _cleanup_close_ int fd =
        openat(dir, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return sbox_error(err, errno, "write `%s`", path);
    if (write(fd, data, len) != (ssize_t)len || fsync(fd) < 0) {
        int e = errno ? errno : EIO;
        unlinkat(dir, tmp, 0);
        return sbox_error(err, e, "write `%s`", path);
    }
    if (renameat(dir, tmp, dir, path) < 0) {
        int e = errno;
        unlinkat(dir, tmp, 0);
        return sbox_error(err, e, "write `%s`", path);
    }
    return 0;
}

static int store_blob(int root, const char *digest, const char *text, size_t len,
                      struct sbox_error *err)
{
    _cleanup_free_ char *path = sbox_xasprintf("blobs/sha256/%s", digest + 7);
    struct stat st;
    if (fstatat(root, path, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
        return 0;
    return write_file(root, path, text, len, err);
}

static bool layer_present(int root, const char *digest)
{
    _cleanup_free_ char *path = sbox_xasprintf("layers/%s", digest + 7);
    struct stat st;
    return fstatat(root, path, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

/* What an import gathered before it writes anything: verified metadata, and where each
 * layer's bytes are. */
struct gathered {
    char manifest_digest[SBOX_OCI_DIGEST_LEN + 1], config_digest[SBOX_OCI_DIGEST_LEN + 1];
    char *manifest, *config;
    size_t manifest_len, config_len;
    struct sbox_oci_manifest m;
    int src;            /* the directory layers are read from */
    char **layer_paths; /* per layer, below src */
    bool layer_is_blob; /* layer i is blobs/sha256/HEX of its digest (OCI), else a path */
};

static void gathered_free(struct gathered *g)
{
    free(g->manifest);
    free(g->config);
    sbox_strv_free(g->layer_paths);
}

/* The config read, checked and parsed, with the layers it says it has. */
static int check_config(struct gathered *g, struct sbox_error *err)
{
    _cleanup_(sbox_json_freep) struct sbox_json *c =
        parse_blob(g->config, g->config_len, "the image's config", err);
    struct sbox_oci_config cfg = {0};
    if (!c)
        return -EINVAL;
    if (sbox_oci_config(c, &cfg, err) < 0)
        return -EINVAL;
    if (cfg.n_diff_ids && cfg.n_diff_ids != g->m.n_layers) {
        sbox_oci_config_free(&cfg);
        return sbox_error(err, 0, "the config lists %u layers, the manifest %u", cfg.n_diff_ids,
                          g->m.n_layers);
    }
    sbox_oci_config_free(&cfg);
    return 0;
}

/* An OCI image layout at dir: index.json, then the tag's (or the only, or the host's)
 * manifest, through nested indexes; manifest and config read and checked here. */
static int gather_oci(int dir, const char *tag, struct gathered *g, struct sbox_error *err)
{
    _cleanup_close_ int fd = open_below(dir, "index.json", O_RDONLY | O_NONBLOCK);
    _cleanup_free_ char *text = NULL;
    struct sbox_oci_desc d;
    enum sbox_oci_kind kind;
    const char *arch, *variant;
    struct utsname u;
    size_t len;
    uname(&u);
    sbox_oci_host_platform(u.machine, &arch, &variant);
    if (fd < 0)
        return sbox_error(err, errno, "not an OCI image layout: index.json");
    text = sbox_read_fd(fd, SBOX_JSON_MAX_SIZE + 1, &len);
    if (!text)
        return sbox_error(err, errno, "index.json");
    for (int depth = 0;; depth++) {
        _cleanup_(sbox_json_freep) struct sbox_json *idx =
            parse_blob(text, len, depth ? "an image index" : "index.json", err);
        if (!idx)
            return -EINVAL;
        if (sbox_oci_pick(idx, depth ? NULL : tag, arch, variant, &d, &kind, err) < 0)
            return -EINVAL;
        free(text);
        text = read_blob(dir, d.digest, d.size, &len, err);
        if (!text)
            return -EINVAL;
        if (kind == SBOX_OCI_KIND_MANIFEST)
            break;
        if (depth + 1 >= MAX_INDEX_DEPTH)
            return sbox_error(err, 0, "image indexes nested more than %d deep", MAX_INDEX_DEPTH);
    }
    {
        _cleanup_(sbox_json_freep) struct sbox_json *m =
            parse_blob(text, len, "the image's manifest", err);
        if (!m || sbox_oci_manifest(m, &g->m, err) < 0)
            return -EINVAL;
    }
    snprintf(g->manifest_digest, sizeof g->manifest_digest, "%s", d.digest);
    g->manifest = steal_ptr(&text);
    g->manifest_len = len;
    g->config = read_blob(dir, g->m.config.digest, g->m.config.size, &g->config_len, err);
    if (!g->config)
        return -EINVAL;
    snprintf(g->config_digest, sizeof g->config_digest, "%s", g->m.config.digest);
    g->src = dir;
    g->layer_is_blob = true;
    return check_config(g, err);
}

/* The bytes of a file below dir (symlinks inside it followed: docker save links layers it
 * holds twice), hashed: its digest and size. */
static int hash_file(int dir, const char *path, char digest[SBOX_OCI_DIGEST_LEN + 1],
                     int64_t *ret_size, struct sbox_error *err)
{
    _cleanup_close_ int fd =
        sys_openat2(dir, path, O_RDONLY | O_CLOEXEC, RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS);
    struct sbox_sha256 h;
    char buf[1 << 16], hex[65];
    int64_t size = 0;
    if (fd < 0)
        return sbox_error(err, errno, "`%s`", path);
    sbox_sha256_init(&h);
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return sbox_error(err, errno, "read `%s`", path);
        if (n == 0)
            break;
        sbox_sha256_add(&h, buf, (size_t)n);
        size += n;
    }
    sbox_sha256_hex(&h, hex);
    snprintf(digest, SBOX_OCI_DIGEST_LEN + 1, "sha256:%s", hex);
    *ret_size = size;
    return 0;
}

/* A source with no manifest of its own (docker-archive, a flat tarball): one written for its
 * config and layers, named by its digest and read back as any manifest is. */
static int write_manifest(struct gathered *g, char *const *digests, const int64_t *sizes,
                          unsigned n, struct sbox_error *err)
{
    _cleanup_(sbox_json_freep) struct sbox_json *m = NULL;
    g->manifest =
        sbox_oci_manifest_text(g->config_digest, (int64_t)g->config_len, digests, sizes, n);
    g->manifest_len = strlen(g->manifest);
    hash_hex(g->manifest, g->manifest_len, g->manifest_digest);
    m = parse_blob(g->manifest, g->manifest_len, "manifest", err);
    if (!m || sbox_oci_manifest(m, &g->m, err) < 0)
        return -EINVAL;
    return 0;
}

/* A docker save at dir: manifest.json's image, its config (named by the digest docker gave
 * it), its layers (uncompressed tarballs, whose digests the config's diff_ids give). The
 * manifest is written here, in OCI's form. */
static int gather_docker(int dir, const char *tag, struct gathered *g, struct sbox_error *err)
{
    _cleanup_close_ int fd = open_below(dir, "manifest.json", O_RDONLY | O_NONBLOCK);
    _cleanup_free_ char *text = NULL, *config = NULL;
    _cleanup_(sbox_json_freep) struct sbox_json *mj = NULL, *cj = NULL;
    _cleanup_strv_ char **layers = NULL, **digests = NULL;
    struct sbox_oci_config cfg = {0};
    int64_t sizes[SBOX_OCI_MAX_LAYERS];
    size_t len, n;
    int r = 0;
    if (fd < 0)
        return sbox_error(err, errno, "not a docker archive: manifest.json");
    text = sbox_read_fd(fd, SBOX_JSON_MAX_SIZE + 1, &len);
    if (!text)
        return sbox_error(err, errno, "manifest.json");
    mj = parse_blob(text, len, "manifest.json", err);
    if (!mj || sbox_oci_docker_manifest(mj, tag, &config, &layers, err) < 0)
        return -EINVAL;
    sbox_closep(&fd);
    fd = sys_openat2(dir, config, O_RDONLY | O_NONBLOCK | O_CLOEXEC,
                     RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS);
    if (fd < 0)
        return sbox_error(err, errno, "the archive's config `%s`", config);
    g->config = sbox_read_fd(fd, SBOX_JSON_MAX_SIZE + 1, &g->config_len);
    if (!g->config || g->config_len > SBOX_JSON_MAX_SIZE)
        return sbox_error(err, errno ? errno : EFBIG, "the archive's config `%s`", config);
    hash_hex(g->config, g->config_len, g->config_digest);
    cj = parse_blob(g->config, g->config_len, "the image's config", err);
    if (!cj || sbox_oci_config(cj, &cfg, err) < 0)
        return -EINVAL;
    n = sbox_strv_len(layers);
    if (cfg.n_diff_ids != n) {
        sbox_oci_config_free(&cfg);
        return sbox_error(err, 0, "the config lists %u layers, manifest.json %zu", cfg.n_diff_ids,
                          n);
    }
    /* docker save's layers are the uncompressed tarballs the diff_ids name: each is checked
     * against its diff_id here, and named by it in the store. */
    for (size_t i = 0; i < n && r >= 0; i++) {
        char got[SBOX_OCI_DIGEST_LEN + 1];
        r = hash_file(dir, layers[i], got, &sizes[i], err);
        if (r >= 0 && strcmp(got, cfg.diff_ids[i]) != 0)
            r = sbox_error(err, 0,
                           "layer %zu (`%.100s`): digest mismatch: the config says %.19s..., "
                           "its bytes are %.19s...",
                           i + 1, layers[i], cfg.diff_ids[i], got);
        sbox_strv_push(&digests, sbox_xstrdup(cfg.diff_ids[i]));
    }
    sbox_oci_config_free(&cfg);
    if (r < 0)
        return r;
    r = write_manifest(g, digests, sizes, (unsigned)n, err);
    if (r < 0)
        return r;
    g->src = dir;
    g->layer_paths = steal_ptr(&layers);
    return 0;
}

/* A root file system tarball (today's flat images): one layer, the tarball itself, with an
 * empty config written here. */
static int gather_flat(int dir, const char *file, struct gathered *g, struct sbox_error *err)
{
    const char *arch, *variant;
    struct utsname u;
    char digest[SBOX_OCI_DIGEST_LEN + 1];
    int64_t size;
    char *layers[2] = {digest, NULL};
    int r = hash_file(dir, file, digest, &size, err);
    if (r < 0)
        return r;
    uname(&u);
    sbox_oci_host_platform(u.machine, &arch, &variant);
    g->config = sbox_xasprintf("{\"architecture\":\"%s\",\"os\":\"linux\",\"config\":{},"
                               "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}",
                               arch);
    g->config_len = strlen(g->config);
    hash_hex(g->config, g->config_len, g->config_digest);
    r = write_manifest(g, layers, &size, 1, err);
    if (r < 0)
        return r;
    g->src = dir;
    sbox_strv_push(&g->layer_paths, sbox_xstrdup(file));
    return 0;
}

/* What was gathered, written: blobs, each layer not there yet (unpacked under a temporary
 * name, renamed when whole), and the name last, so an import cut short counts for nothing. */
static int commit(const struct sbox_images *s, int root, const struct gathered *g, const char *name,
                  int *ret_signal, struct sbox_error *err)
{
    _cleanup_close_ int layers = open_below(root, "layers", O_RDONLY | O_DIRECTORY);
    _cleanup_free_ char *nf = name_file(name), *npath = NULL, *line = NULL;
    unsigned shared = 0, unpacked = 0;
    int r;
    if (layers < 0)
        return sbox_error(err, errno, "image store `%s/layers`", s->root);
    for (unsigned i = 0; i < g->m.n_layers; i++) {
        const struct sbox_oci_desc *l = &g->m.layers[i];
        _cleanup_free_ char *blob = g->layer_is_blob
                                        ? sbox_xasprintf("blobs/sha256/%s", l->digest + 7)
                                        : sbox_xstrdup(g->layer_paths[i]);
        _cleanup_free_ char *tmp = sbox_xasprintf(".tmp-%s-%d", l->digest + 7, (int)getpid());
        _cleanup_close_ int fd = -1;
        struct sbox_import_stats stats = {0};
        struct stat st;
        if (layer_present(root, l->digest)) {
            shared++;
            continue;
        }
        fd = sys_openat2(g->src, blob, O_RDONLY | O_NONBLOCK | O_CLOEXEC,
                         g->layer_is_blob ? RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS
                                          : RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS);
        if (fd < 0)
            return sbox_error(err, errno, "layer %u (%.19s...)", i + 1, l->digest);
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
            return sbox_error(err, 0, "layer %u (%.19s...) is not a file", i + 1, l->digest);
        if (st.st_size != l->size)
            return sbox_error(err, 0, "layer %u (%.19s...): %lld bytes, the manifest says %lld",
                              i + 1, l->digest, (long long)st.st_size, (long long)l->size);
        fcntl(fd, F_SETFL, 0);
        r = sbox_import_layer(fd, l->digest, layers, tmp, s->user, s->uid, s->gid, &stats, err);
        if (r < 0) {
            *ret_signal = stats.signal;
            return sbox_error_prefix(err, "layer %u", i + 1);
        }
        if (renameat(layers, tmp, layers, l->digest + 7) < 0)
            return sbox_error(err, errno, "layer %u", i + 1);
        unpacked++;
        fprintf(s->out, "sbox: layer %u/%u %.19s...: %lu entries%s\n", i + 1, g->m.n_layers,
                l->digest, stats.entries, stats.whiteouts ? " (and whiteouts)" : "");
    }
    r = store_blob(root, g->config_digest, g->config, g->config_len, err);
    if (r == 0)
        r = store_blob(root, g->manifest_digest, g->manifest, g->manifest_len, err);
    if (r < 0)
        return r;
    npath = sbox_xasprintf("names/%s", nf);
    line = sbox_xasprintf("%s\n", g->manifest_digest);
    r = write_file(root, npath, line, strlen(line), err);
    if (r < 0)
        return r;
    fprintf(s->out, "sbox: imported %s (%.19s...): %u layer%s, %u unpacked, %u shared\n", name,
            g->manifest_digest, g->m.n_layers, g->m.n_layers == 1 ? "" : "s", unpacked, shared);
    return 0;
}

/* SOURCE's kind and what follows it; a trailing :TAG split off when the rest names a file. */
static void split_tag(const char *rest, char **ret_path, char **ret_tag)
{
    const char *colon = strrchr(rest, ':');
    struct stat st;
    if (colon && stat(rest, &st) < 0 && !strchr(colon, '/')) {
        *ret_path = sbox_xstrndup(rest, (size_t)(colon - rest));
        *ret_tag = sbox_xstrdup(colon + 1);
        return;
    }
    *ret_path = sbox_xstrdup(rest);
    *ret_tag = NULL;
}

/* A private directory below the store's tmp/, for an archive unpacked or a registry copy. */
static char *make_tmp(const struct sbox_images *s, struct sbox_error *err)
{
    char *dir = sbox_xasprintf("%s/tmp/%d-XXXXXX", s->root, (int)getpid());
    if (!mkdtemp(dir)) {
        sbox_error(err, errno, "image store `%s/tmp`", s->root);
        free(dir);
        return NULL;
    }
    return dir;
}

/* skopeo, found on PATH: a registry is reached only through it. */
static char *find_program(const char *name)
{
    const char *path = getenv("PATH");
    _cleanup_free_ char *copy = sbox_xstrdup(path && path[0] ? path : "/usr/bin:/bin");
    char *save = NULL;
    for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        char *full = sbox_xasprintf("%s/%s", d, name);
        if (d[0] == '/' && access(full, X_OK) == 0)
            return full;
        free(full);
    }
    return NULL;
}

/* `skopeo copy REF oci:DIR/layout:sbox`, its standard error kept: its last line is the
 * error sbox reports. */
static int skopeo_copy(const char *ref, const char *dir, bool tls_verify, struct sbox_error *err)
{
    _cleanup_free_ char *skopeo = find_program("skopeo");
    _cleanup_free_ char *dest = sbox_xasprintf("oci:%s/layout:sbox", dir);
    _cleanup_free_ char *log = NULL;
    int pipefd[2], status;
    size_t len = 0;
    pid_t pid;
    if (!skopeo)
        return sbox_error(err, 0, "pulling from a registry needs skopeo (package skopeo)");
    if (pipe2(pipefd, O_CLOEXEC) < 0)
        return sbox_error(err, errno, "pipe");
    fflush(NULL);
    pid = fork();
    if (pid < 0) {
        close(pipefd[0]);
        close(pipefd[1]);
        return sbox_error(err, errno, "run skopeo");
    }
    if (pid == 0) {
        const char *argv[8];
        int n = 0, null = open("/dev/null", O_RDONLY | O_CLOEXEC);
        argv[n++] = "skopeo";
        argv[n++] = "copy";
        argv[n++] = "--quiet";
        if (!tls_verify)
            argv[n++] = "--src-tls-verify=false";
        argv[n++] = ref;
        argv[n++] = dest;
        argv[n] = NULL;
        if (null < 0 || dup2(null, 0) < 0 || dup2(pipefd[1], 2) < 0 || dup2(pipefd[1], 1) < 0)
            _exit(127);
        execv(skopeo, (char **)argv);
        _exit(127);
    }
    close(pipefd[1]);
    log = sbox_read_fd(pipefd[0], 64 << 10, &len);
    close(pipefd[0]);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        char *last = log;
        while (len > 0 && log && (log[len - 1] == '\n' || log[len - 1] == ' '))
            log[--len] = '\0';
        if (log && strrchr(log, '\n'))
            last = strrchr(log, '\n') + 1;
        return sbox_error(err, 0, "skopeo could not copy `%s`: %.300s", ref,
                          last && last[0] ? last : "(no message)");
    }
    return 0;
}

int sbox_images_import(const struct sbox_images *s, const char *source, const char *name,
                       bool tls_verify, int *ret_signal, struct sbox_error *err)
{
    _cleanup_close_ int root = -1, lock = -1, src = -1, file = -1;
    _cleanup_free_ char *path = NULL, *tag = NULL, *tmp = NULL, *flat = NULL;
    struct gathered g = {.src = -1};
    enum sbox_archive_kind kind = SBOX_ARCHIVE_ROOTFS;
    bool archive = false, registry = false;
    struct stat st;
    int r;

    *ret_signal = 0;
    if (!sbox_images_name_valid(name))
        return sbox_error(err, 0,
                          "`%s` is not an image name (letters, digits and ._-:/@, starting "
                          "with a letter or digit)",
                          name);
    if (!strncmp(source, "oci:", 4)) {
        split_tag(source + 4, &path, &tag);
        kind = SBOX_ARCHIVE_OCI;
    } else if (!strncmp(source, "oci-archive:", 12)) {
        split_tag(source + 12, &path, &tag);
        kind = SBOX_ARCHIVE_OCI;
        archive = true;
    } else if (!strncmp(source, "docker-archive:", 15)) {
        split_tag(source + 15, &path, &tag);
        kind = SBOX_ARCHIVE_DOCKER;
        archive = true;
    } else if (!strncmp(source, "docker://", 9)) {
        registry = true;
        kind = SBOX_ARCHIVE_OCI;
    } else if (strstr(source, "://") ||
               (strchr(source, ':') && !strchr(source, '/') && stat(source, &st) < 0)) {
        return sbox_error(err, 0,
                          "`%s`: unsupported source (oci:DIR[:TAG], oci-archive:FILE[:TAG], "
                          "docker-archive:FILE[:TAG], docker://REF, or a path)",
                          source);
    } else {
        path = sbox_xstrdup(source);
    }

    root = open_root(s, true, err);
    if (root < 0)
        return root;
    lock = take_lock(s, root, "lock", LOCK_EX, err);
    if (lock < 0)
        return lock;

    if (registry) {
        tmp = make_tmp(s, err);
        if (!tmp)
            return -EINVAL;
        r = skopeo_copy(source, tmp, tls_verify, err);
        path = sbox_xasprintf("%s/layout", tmp);
        tag = sbox_xstrdup("sbox");
        if (r < 0)
            goto out;
    }
    file = open(path, O_RDONLY | O_CLOEXEC);
    if (file < 0 || fstat(file, &st) < 0) {
        r = sbox_error(err, errno, "`%s`", path);
        goto out;
    }
    if (!S_ISDIR(st.st_mode) && !archive && kind == SBOX_ARCHIVE_ROOTFS) {
        r = sbox_import_sniff(file, &kind, err);
        if (r < 0)
            goto out;
        archive = kind != SBOX_ARCHIVE_ROOTFS;
        if (lseek(file, 0, SEEK_SET) < 0) {
            r = sbox_error(err, errno, "`%s`", path);
            goto out;
        }
    }
    if (S_ISDIR(st.st_mode) && archive) {
        r = sbox_error(err, 0, "`%s` is a directory, not an archive (oci:DIR for a layout)", path);
        goto out;
    }
    if (S_ISDIR(st.st_mode) && faccessat(file, "index.json", F_OK, 0) < 0) {
        r = sbox_error(err, 0,
                       "`%s` is a directory that is no OCI image layout (no index.json): run "
                       "it as it is with --rootfs DIR",
                       path);
        goto out;
    }
    if (archive) {
        tmp = make_tmp(s, err);
        if (!tmp) {
            r = -EINVAL;
            goto out;
        }
        src = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        r = src < 0 ? sbox_error(err, errno, "`%s`", tmp)
                    : sbox_import_archive(file, src, s->user, s->uid, s->gid, err);
        if (r < 0) {
            sbox_error_prefix(err, "`%s`", path);
            goto out;
        }
    } else if (S_ISDIR(st.st_mode)) {
        src = steal_fd(&file);
        kind = SBOX_ARCHIVE_OCI;
    } else {
        /* A root file system tarball: read from its directory, by its name there. */
        _cleanup_free_ char *copy = sbox_xstrdup(path);
        char *slash = strrchr(copy, '/');
        flat = sbox_xstrdup(slash ? slash + 1 : copy);
        if (slash)
            *slash = '\0';
        src = open(slash ? (copy[0] ? copy : "/") : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (src < 0) {
            r = sbox_error(err, errno, "`%s`", path);
            goto out;
        }
    }
    if (kind == SBOX_ARCHIVE_OCI)
        r = gather_oci(src, tag, &g, err);
    else if (kind == SBOX_ARCHIVE_DOCKER)
        r = gather_docker(src, tag, &g, err);
    else if (tag)
        r = sbox_error(err, 0, "a root file system tarball has no tags");
    else
        r = gather_flat(src, flat, &g, err);
    if (r < 0) {
        sbox_error_prefix(err, "%s", source);
        goto out;
    }
    r = commit(s, root, &g, name, ret_signal, err);
    if (r < 0)
        sbox_error_prefix(err, "%s", source);
out:
    gathered_free(&g);
    if (tmp)
        sbox_remove_tree(tmp);
    return r;
}

/* A name's manifest, read from the store and checked again. */
static int read_image(int root, const char *name, struct sbox_oci_manifest *m,
                      char digest[SBOX_OCI_DIGEST_LEN + 1], char **ret_config, size_t *ret_len,
                      struct sbox_error *err)
{
    _cleanup_free_ char *nf = name_file(name), *npath = sbox_xasprintf("names/%s", nf);
    _cleanup_close_ int fd = sbox_open_regular(root, npath, O_RDONLY, 128, NULL);
    _cleanup_free_ char *line = NULL, *text = NULL;
    _cleanup_(sbox_json_freep) struct sbox_json *v = NULL;
    size_t len;
    if (fd < 0)
        return fd == -ENOENT ? sbox_error(err, 0, "no image `%s` (sbox image ls lists them)", name)
                             : sbox_error(err, -fd, "image `%s`", name);
    line = sbox_read_fd(fd, 128, &len);
    if (!line || len < SBOX_OCI_DIGEST_LEN)
        return sbox_error(err, 0, "image `%s`: its name file is damaged", name);
    line[SBOX_OCI_DIGEST_LEN] = '\0';
    if (!sbox_oci_digest_valid(line))
        return sbox_error(err, 0, "image `%s`: its name file is damaged", name);
    text = read_blob(root, line, -1, &len, err);
    if (!text)
        return sbox_error_prefix(err, "image `%s`", name);
    v = parse_blob(text, len, "manifest", err);
    if (!v || sbox_oci_manifest(v, m, err) < 0)
        return sbox_error_prefix(err, "image `%s`", name);
    snprintf(digest, SBOX_OCI_DIGEST_LEN + 1, "%s", line);
    if (ret_config) {
        *ret_config = read_blob(root, m->config.digest, m->config.size, ret_len, err);
        if (!*ret_config)
            return sbox_error_prefix(err, "image `%s`", name);
    }
    return 0;
}

static char **list_names(int root)
{
    _cleanup_close_ int fd = open_below(root, "names", O_RDONLY | O_DIRECTORY);
    char **names = NULL;
    DIR *d = fd < 0 ? NULL : fdopendir(fd);
    if (!d)
        return NULL;
    fd = -1;
    for (struct dirent *e; (e = readdir(d));) {
        _cleanup_free_ char *n = file_name(e->d_name);
        if (e->d_name[0] != '.' && !strstr(e->d_name, ".tmp-") && sbox_images_name_valid(n))
            sbox_strv_push(&names, steal_ptr(&n));
    }
    closedir(d);
    if (names)
        qsort(names, sbox_strv_len(names), sizeof *names,
              (int (*)(const void *, const void *))strcmp);
    return names;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void human(int64_t n, char *buf, size_t size)
{
    if (n >= 1000 * 1000 * 1000)
        snprintf(buf, size, "%.1f GB", (double)n / 1e9);
    else if (n >= 1000 * 1000)
        snprintf(buf, size, "%.1f MB", (double)n / 1e6);
    else
        snprintf(buf, size, "%.1f kB", (double)n / 1e3);
}

/* The listing as JSON: {"images":[{"name","id","layers","size"} or {"name","damaged"}]}. */
static void list_json(const struct sbox_images *s, int root, char **names)
{
    struct sbox_jw j;
    sbox_jw_begin(&j, s->out);
    sbox_jw_object(&j, NULL);
    sbox_jw_array(&j, "images");
    for (size_t i = 0; root >= 0 && names && names[i]; i++) {
        struct sbox_oci_manifest m;
        char digest[SBOX_OCI_DIGEST_LEN + 1];
        struct sbox_error e = {0};
        int64_t total = 0;
        sbox_jw_object(&j, NULL);
        sbox_jw_str(&j, "name", names[i]);
        if (read_image(root, names[i], &m, digest, NULL, NULL, &e) < 0) {
            sbox_jw_str(&j, "damaged", e.msg);
        } else {
            for (unsigned l = 0; l < m.n_layers; l++)
                total += m.layers[l].size;
            sbox_jw_str(&j, "id", digest);
            sbox_jw_int(&j, "layers", m.n_layers);
            sbox_jw_int(&j, "size", total);
        }
        sbox_jw_end(&j);
    }
    sbox_jw_end(&j);
    sbox_jw_end(&j);
}

int sbox_images_list(const struct sbox_images *s, struct sbox_error *err)
{
    _cleanup_close_ int root = open_root(s, false, err);
    _cleanup_strv_ char **names = NULL;
    if (root == -ENOENT && s->json)
        list_json(s, -1, NULL);
    if (root == -ENOENT)
        return 0;
    if (root < 0)
        return root;
    names = list_names(root);
    if (names)
        qsort(names, sbox_strv_len(names), sizeof *names, cmp_str);
    if (s->json) {
        list_json(s, root, names);
        return 0;
    }
    fprintf(s->out, "%-32s %-12s %6s %10s\n", "NAME", "ID", "LAYERS", "SIZE");
    for (size_t i = 0; names && names[i]; i++) {
        struct sbox_oci_manifest m;
        char digest[SBOX_OCI_DIGEST_LEN + 1], size[32];
        struct sbox_error e = {0};
        int64_t total = 0;
        if (read_image(root, names[i], &m, digest, NULL, NULL, &e) < 0) {
            fprintf(s->out, "%-32s (damaged: %s)\n", names[i], e.msg);
            continue;
        }
        for (unsigned l = 0; l < m.n_layers; l++)
            total += m.layers[l].size;
        human(total, size, sizeof size);
        fprintf(s->out, "%-32s %-12.12s %6u %10s\n", names[i], digest + 7, m.n_layers, size);
    }
    return 0;
}

char **sbox_images_names(const struct sbox_images *s)
{
    struct sbox_error err = {0};
    _cleanup_close_ int root = open_root(s, false, &err);
    char **names = root >= 0 ? list_names(root) : NULL;
    if (names)
        qsort(names, sbox_strv_len(names), sizeof *names, cmp_str);
    return names;
}

static void print_words(FILE *out, const char *key, char *const *v)
{
    char line[SBOX_ERROR_MAX];
    fprintf(out, "%-12s", key);
    for (size_t i = 0; v && v[i]; i++) {
        sbox_escape(line, sizeof line, v[i]);
        fprintf(out, " %s", line);
    }
    fputc('\n', out);
}

int sbox_images_inspect(const struct sbox_images *s, const char *name, struct sbox_error *err)
{
    _cleanup_close_ int root = open_root(s, false, err);
    _cleanup_free_ char *config = NULL;
    _cleanup_(sbox_json_freep) struct sbox_json *cj = NULL;
    struct sbox_oci_config c = {0};
    struct sbox_oci_manifest m;
    char digest[SBOX_OCI_DIGEST_LEN + 1], line[SBOX_ERROR_MAX];
    size_t len;
    if (root == -ENOENT)
        return sbox_error(err, 0, "no image `%s` (sbox image ls lists them)", name);
    if (root < 0)
        return root;
    if (read_image(root, name, &m, digest, &config, &len, err) < 0)
        return -EINVAL;
    cj = parse_blob(config, len, "config", err);
    if (!cj || sbox_oci_config(cj, &c, err) < 0)
        return sbox_error_prefix(err, "image `%s`", name);
    fprintf(s->out, "%-12s %s\n%-12s %s\n", "name", name, "digest", digest);
    sbox_escape(line, sizeof line, c.os ? c.os : "?");
    fprintf(s->out, "%-12s %s/", "platform", line);
    sbox_escape(line, sizeof line, c.arch ? c.arch : "?");
    fprintf(s->out, "%s\n", line);
    for (unsigned i = 0; i < m.n_layers; i++) {
        char size[32];
        human(m.layers[i].size, size, sizeof size);
        fprintf(s->out, "%-12s %s (%s)%s\n", i ? "" : "layers", m.layers[i].digest, size,
                layer_present(root, m.layers[i].digest) ? "" : " MISSING");
    }
    for (size_t i = 0; c.env && c.env[i]; i++) {
        sbox_escape(line, sizeof line, c.env[i]);
        fprintf(s->out, "%-12s %s\n", i ? "" : "env", line);
    }
    if (c.entrypoint)
        print_words(s->out, "entrypoint", c.entrypoint);
    if (c.cmd)
        print_words(s->out, "cmd", c.cmd);
    if (c.workdir) {
        sbox_escape(line, sizeof line, c.workdir);
        fprintf(s->out, "%-12s %s\n", "workdir", line);
    }
    if (c.user) {
        sbox_escape(line, sizeof line, c.user);
        fprintf(s->out, "%-12s %s\n", "user", line);
    }
    for (size_t i = 0; c.ports && c.ports[i]; i++) {
        sbox_escape(line, sizeof line, c.ports[i]);
        fprintf(s->out, "%-12s %s (to reach it: --net slirp --publish HOST_PORT:%.*s)\n",
                i ? "" : "ports", line, (int)strcspn(line, "/"), line);
    }
    sbox_oci_config_free(&c);
    return 0;
}

bool sbox_images_exists(const struct sbox_images *s, const char *name)
{
    struct sbox_error ignored;
    _cleanup_close_ int root = open_root(s, false, &ignored);
    _cleanup_free_ char *nf = NULL, *npath = NULL;
    struct stat st;
    if (root < 0 || !sbox_images_name_valid(name))
        return false;
    nf = name_file(name);
    npath = sbox_xasprintf("names/%s", nf);
    return fstatat(root, npath, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
}

/* Everything the names use, removed from the rest; the caller holds the lock, and no sandbox
 * runs from the store (inuse is held exclusively). */
static int prune_locked(const struct sbox_images *s, int root, unsigned *ret_layers,
                        unsigned *ret_blobs, struct sbox_error *err)
{
    _cleanup_strv_ char **names = list_names(root), **keep = NULL;
    const char *dirs[] = {"layers", "blobs/sha256", "tmp"};
    for (size_t i = 0; names && names[i]; i++) {
        struct sbox_oci_manifest m;
        char digest[SBOX_OCI_DIGEST_LEN + 1];
        struct sbox_error e;
        if (read_image(root, names[i], &m, digest, NULL, NULL, &e) < 0)
            return sbox_error(err, 0, "%s: prune removes nothing while a name is unreadable",
                              e.msg);
        sbox_strv_push(&keep, sbox_xstrdup(digest + 7));
        sbox_strv_push(&keep, sbox_xstrdup(m.config.digest + 7));
        for (unsigned l = 0; l < m.n_layers; l++)
            sbox_strv_push(&keep, sbox_xstrdup(m.layers[l].digest + 7));
    }
    *ret_layers = *ret_blobs = 0;
    for (size_t k = 0; k < sizeof dirs / sizeof *dirs; k++) {
        _cleanup_close_ int fd = open_below(root, dirs[k], O_RDONLY | O_DIRECTORY);
        DIR *d = fd < 0 ? NULL : fdopendir(fd);
        _cleanup_strv_ char **doomed = NULL;
        if (!d)
            continue;
        fd = -1;
        for (struct dirent *e; (e = readdir(d));) {
            bool used = false;
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            for (size_t i = 0; k < 2 && keep && keep[i] && !used; i++)
                used = !strcmp(keep[i], e->d_name);
            if (!used)
                sbox_strv_push(&doomed, sbox_xstrdup(e->d_name));
        }
        closedir(d);
        for (size_t i = 0; doomed && doomed[i]; i++) {
            _cleanup_free_ char *p = sbox_xasprintf("%s/%s/%s", s->root, dirs[k], doomed[i]);
            if (k == 1) {
                if (unlink(p) < 0)
                    return sbox_error(err, errno, "remove `%s`", p);
                ++*ret_blobs;
            } else if (k == 0) {
                struct sbox_import_stats stats = {0};
                /* Unpacked as root of a namespace: its files are the subordinate ids'. */
                if (sbox_image_remove(p, s->user, s->uid, s->gid, NULL, &stats, err) < 0)
                    return -EINVAL;
                ++*ret_layers;
            } else if (sbox_remove_tree(p) < 0) {
                return sbox_error(err, 0, "remove `%s`", p);
            }
        }
    }
    return 0;
}

static int try_prune(const struct sbox_images *s, int root, bool must, struct sbox_error *err)
{
    _cleanup_close_ int inuse =
        openat(root, "inuse", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    unsigned layers, blobs;
    if (inuse < 0)
        return sbox_error(err, errno, "image store `%s/inuse`", s->root);
    if (flock(inuse, LOCK_EX | LOCK_NB) < 0) {
        if (must)
            return sbox_error(err, 0, "a sandbox is running an image: prune when it has ended");
        fprintf(s->out, "sbox: a sandbox is running an image: its layers stay until "
                        "`sbox image prune`\n");
        return 0;
    }
    if (prune_locked(s, root, &layers, &blobs, err) < 0)
        return -EINVAL;
    if (must || layers || blobs)
        fprintf(s->out, "sbox: removed %u layer%s and %u blob%s no image uses\n", layers,
                layers == 1 ? "" : "s", blobs, blobs == 1 ? "" : "s");
    return 0;
}

int sbox_images_remove(const struct sbox_images *s, const char *name, struct sbox_error *err)
{
    _cleanup_close_ int root = open_root(s, false, err), lock = -1;
    _cleanup_free_ char *nf = NULL, *npath = NULL;
    if (root == -ENOENT)
        return sbox_error(err, 0, "no image `%s` (sbox image ls lists them)", name);
    if (root < 0)
        return root;
    lock = take_lock(s, root, "lock", LOCK_EX, err);
    if (lock < 0)
        return lock;
    nf = name_file(name);
    npath = sbox_xasprintf("names/%s", nf);
    if (!sbox_images_name_valid(name) || unlinkat(root, npath, 0) < 0)
        return sbox_error(err, 0, "no image `%s` (sbox image ls lists them)", name);
    fprintf(s->out, "sbox: removed %s\n", name);
    return try_prune(s, root, false, err);
}

int sbox_images_prune(const struct sbox_images *s, struct sbox_error *err)
{
    _cleanup_close_ int root = open_root(s, false, err), lock = -1;
    if (root == -ENOENT)
        return 0;
    if (root < 0)
        return root;
    lock = take_lock(s, root, "lock", LOCK_EX, err);
    if (lock < 0)
        return lock;
    return try_prune(s, root, true, err);
}

void sbox_image_free(struct sbox_image *img)
{
    sbox_strv_free(img->layers);
    free(img->root);
    sbox_oci_config_free(&img->config);
    sbox_closep(&img->inuse);
    img->layers = NULL;
    img->root = NULL;
}

int sbox_images_open(const struct sbox_images *s, const char *name, struct sbox_image *ret,
                     struct sbox_error *err)
{
    _cleanup_close_ int root = open_root(s, false, err), inuse = -1;
    _cleanup_free_ char *config = NULL;
    _cleanup_(sbox_json_freep) struct sbox_json *cj = NULL;
    _cleanup_strv_ char **layers = NULL;
    struct sbox_oci_config c = {0};
    struct sbox_oci_manifest m;
    size_t len;
    if (root == -ENOENT)
        return sbox_error(err, 0, "no image `%s` (sbox image ls lists them)", name);
    if (root < 0)
        return root;
    /* Shared, for the whole run: a prune waits until no sandbox runs from the store. */
    inuse = take_lock(s, root, "inuse", LOCK_SH, err);
    if (inuse < 0)
        return inuse;
    if (read_image(root, name, &m, ret->digest, &config, &len, err) < 0)
        return -EINVAL;
    cj = parse_blob(config, len, "config", err);
    if (!cj || sbox_oci_config(cj, &c, err) < 0)
        return sbox_error_prefix(err, "image `%s`", name);
    for (unsigned i = 0; i < m.n_layers; i++) {
        if (!layer_present(root, m.layers[i].digest)) {
            sbox_oci_config_free(&c);
            return sbox_error(err, 0,
                              "image `%s` is damaged: layer %.19s... is missing (import it "
                              "again)",
                              name, m.layers[i].digest);
        }
        sbox_strv_push(&layers, sbox_xasprintf("layers/%s", m.layers[i].digest + 7));
    }
    ret->root = sbox_xstrdup(s->root);
    ret->layers = steal_ptr(&layers);
    ret->config = c;
    ret->inuse = steal_fd(&inuse);
    return 0;
}

/* The image's file etc/NAME (passwd, group), from the topmost layer that has it, no larger
 * than 1 MiB. Nothing is followed: the store is the user's, and a sandbox whose profile bound
 * it may have written there. A layer whose etc/ is opaque ends the search. */
static char *image_etc_file(const struct sbox_image *img, const char *name)
{
    _cleanup_close_ int root =
        sys_openat2(AT_FDCWD, img->root, O_PATH | O_DIRECTORY | O_CLOEXEC, RESOLVE_NO_MAGICLINKS);
    for (size_t i = sbox_strv_len(img->layers); root >= 0 && i-- > 0;) {
        _cleanup_close_ int layer = open_below(root, img->layers[i], O_PATH | O_DIRECTORY);
        _cleanup_close_ int etc = layer < 0 ? -1 : open_below(layer, "etc", O_RDONLY | O_DIRECTORY);
        int fd = etc < 0 ? -ENOENT : sbox_open_regular(etc, name, O_RDONLY, 1 << 20, NULL);
        char *text, opaque[2];
        size_t len;
        if (fd >= 0) {
            text = sbox_read_fd(fd, 1 << 20, &len);
            close(fd);
            return text;
        }
        if (fd != -ENOENT)
            return NULL; /* a whiteout, or not a file */
        if (etc >= 0 && fgetxattr(etc, "user.overlay.opaque", opaque, sizeof opaque) == 1 &&
            opaque[0] == 'y')
            return NULL;
    }
    return NULL;
}

/* NAME's id in a passwd or group file (field 3), or false. */
static bool lookup_id(const char *text, const char *name, uint32_t *ret)
{
    size_t n = strlen(name);
    for (const char *line = text; line && *line;) {
        const char *end = strchr(line, '\n');
        if (!strncmp(line, name, n) && line[n] == ':') {
            const char *f = strchr(line + n + 1, ':');
            char *stop;
            unsigned long v;
            if (!f)
                return false;
            v = strtoul(f + 1, &stop, 10);
            if (stop == f + 1 || *stop != ':' || v >= UINT32_MAX)
                return false;
            *ret = (uint32_t)v;
            return true;
        }
        line = end ? end + 1 : NULL;
    }
    return false;
}

static bool is_number(const char *s, uint32_t *ret)
{
    char *end;
    unsigned long v;
    if (!s[0] || strspn(s, "0123456789") != strlen(s))
        return false;
    v = strtoul(s, &end, 10);
    if (v >= UINT32_MAX)
        return false;
    *ret = (uint32_t)v;
    return true;
}

int sbox_image_user(const struct sbox_image *img, uint32_t *ret_uid, uint32_t *ret_gid,
                    bool *ret_gid_set, struct sbox_error *err)
{
    const char *user = img->config.user;
    _cleanup_free_ char *u = NULL, *passwd = NULL, *group = NULL;
    const char *g;
    uint32_t uid, gid;
    *ret_gid_set = false;
    if (!user || !user[0])
        return 0;
    u = sbox_xstrndup(user, strcspn(user, ":"));
    g = strchr(user, ':') ? strchr(user, ':') + 1 : NULL;
    if (!is_number(u, &uid)) {
        passwd = image_etc_file(img, "passwd");
        if (!passwd || !lookup_id(passwd, u, &uid))
            return sbox_error(err, 0, "the image's User `%.64s` is not in its /etc/passwd", u);
    }
    if (g && !is_number(g, &gid)) {
        group = image_etc_file(img, "group");
        if (!group || !lookup_id(group, g, &gid))
            return sbox_error(err, 0, "the image's group `%.64s` is not in its /etc/group", g);
    }
    /* No group: the user's own, as login and Docker take it. */
    if (!g && !passwd)
        passwd = image_etc_file(img, "passwd");
    *ret_uid = uid;
    if (g || (passwd && sbox_passwd_gid(passwd, uid, &gid))) {
        *ret_gid = gid;
        *ret_gid_set = true;
    }
    return 1;
}

char *sbox_image_passwd(const struct sbox_image *img)
{
    return image_etc_file(img, "passwd");
}
