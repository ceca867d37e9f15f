/* oci.c: OCI indexes, manifests and configs, and docker-archive's manifest.json, read from
 * parsed JSON. Pure (no system call); everything read is checked before it names anything. */
#include "oci.h"
#include "cleanup.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

bool sbox_oci_digest_valid(const char *d)
{
    if (!d || strncmp(d, "sha256:", 7) != 0 || strlen(d) != SBOX_OCI_DIGEST_LEN)
        return false;
    for (const char *s = d + 7; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
            return false;
    return true;
}

void sbox_oci_host_platform(const char *machine, const char **ret_arch, const char **ret_variant)
{
    static const struct {
        const char *machine, *arch, *variant;
    } map[] = {
        {"x86_64", "amd64", ""},    {"aarch64", "arm64", "v8"}, {"armv7l", "arm", "v7"},
        {"armv6l", "arm", "v6"},    {"i686", "386", ""},        {"i586", "386", ""},
        {"ppc64le", "ppc64le", ""}, {"s390x", "s390x", ""},     {"riscv64", "riscv64", ""},
    };
    for (size_t i = 0; i < sizeof map / sizeof *map; i++)
        if (strcmp(machine, map[i].machine) == 0) {
            *ret_arch = map[i].arch;
            *ret_variant = map[i].variant;
            return;
        }
    *ret_arch = machine;
    *ret_variant = "";
}

static bool is_index_type(const char *t)
{
    return strcmp(t, SBOX_OCI_INDEX) == 0 ||
           strcmp(t, "application/vnd.docker.distribution.manifest.list.v2+json") == 0;
}

static bool is_manifest_type(const char *t)
{
    return strcmp(t, SBOX_OCI_MANIFEST) == 0 ||
           strcmp(t, "application/vnd.docker.distribution.manifest.v2+json") == 0;
}

static bool is_config_type(const char *t)
{
    return strcmp(t, SBOX_OCI_CONFIG) == 0 ||
           strcmp(t, "application/vnd.docker.container.image.v1+json") == 0;
}

/* Layers libarchive can read: plain tar, gzip and zstd, OCI's and Docker's names for them. */
static bool is_layer_type(const char *t)
{
    static const char *const ok[] = {
        SBOX_OCI_LAYER,
        SBOX_OCI_LAYER "+gzip",
        SBOX_OCI_LAYER "+zstd",
        "application/vnd.oci.image.layer.nondistributable.v1.tar",
        "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
        "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
        "application/vnd.docker.image.rootfs.diff.tar",
        "application/vnd.docker.image.rootfs.diff.tar.gzip",
        "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
    };
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
        if (strcmp(t, ok[i]) == 0)
            return true;
    return false;
}

/* A descriptor: mediaType (fallback: the container's own default), digest, size. */
static int read_desc(const struct sbox_json *d, const char *what, const char *default_type,
                     struct sbox_oci_desc *ret, struct sbox_error *err)
{
    const char *type = sbox_json_string(sbox_json_get(d, "mediaType"));
    const char *digest = sbox_json_string(sbox_json_get(d, "digest"));
    int64_t size;
    if (!sbox_json_is(d, SBOX_JSON_OBJECT))
        return sbox_error(err, 0, "%s is not an object", what);
    if (!type)
        type = default_type;
    if (!type || strlen(type) >= sizeof ret->media_type)
        return sbox_error(err, 0, "%s has no media type", what);
    if (!digest)
        return sbox_error(err, 0, "%s has no digest", what);
    if (!sbox_oci_digest_valid(digest))
        return sbox_error(err, 0, "%s: unsupported digest `%.80s` (sbox takes sha256)", what,
                          digest);
    if (!sbox_json_int(sbox_json_get(d, "size"), &size) || size < 0)
        return sbox_error(err, 0, "%s has no size", what);
    snprintf(ret->media_type, sizeof ret->media_type, "%s", type);
    snprintf(ret->digest, sizeof ret->digest, "%s", digest);
    ret->size = size;
    return 0;
}

static const char *ref_name(const struct sbox_json *entry)
{
    return sbox_json_string(sbox_json_get(sbox_json_get(entry, "annotations"), SBOX_OCI_REF_NAME));
}

static bool platform_matches(const struct sbox_json *entry, const char *arch, const char *variant)
{
    const struct sbox_json *pf = sbox_json_get(entry, "platform");
    const char *os = sbox_json_string(sbox_json_get(pf, "os"));
    const char *a = sbox_json_string(sbox_json_get(pf, "architecture"));
    const char *v = sbox_json_string(sbox_json_get(pf, "variant"));
    if (!os || !a || strcmp(os, "linux") != 0 || strcmp(a, arch) != 0)
        return false;
    /* arm64's v8 is its only variant, often left out; arm's must match when both say it. */
    return !v || !variant[0] || strcmp(v, variant) == 0 || strcmp(arch, "arm64") == 0;
}

/* "a, b, c" of what an index offers (tags or platforms), for an error that says the choices. */
static void offered(const struct sbox_json *list, bool platforms, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (const struct sbox_json *e = list->child; e && used + 1 < size; e = e->next) {
        const struct sbox_json *pf = sbox_json_get(e, "platform");
        const char *os = sbox_json_string(sbox_json_get(pf, "os"));
        const char *a = sbox_json_string(sbox_json_get(pf, "architecture"));
        const char *name = ref_name(e);
        int n;
        if (platforms && os && a)
            n = snprintf(buf + used, size - used, "%s%s/%s", used ? ", " : "", os, a);
        else if (!platforms && name)
            n = snprintf(buf + used, size - used, "%s%s", used ? ", " : "", name);
        else
            continue;
        used += n > 0 ? (size_t)n : 0;
    }
    if (used >= size)
        buf[size - 1] = '\0';
    if (!buf[0])
        snprintf(buf, size, "none");
}

int sbox_oci_pick(const struct sbox_json *index, const char *tag, const char *arch,
                  const char *variant, struct sbox_oci_desc *ret, enum sbox_oci_kind *ret_kind,
                  struct sbox_error *err)
{
    const struct sbox_json *list = sbox_json_get(index, "manifests"), *pick = NULL;
    int64_t version;
    unsigned tagged = 0, platformed = 0, matched = 0;
    char choices[256];
    struct sbox_oci_desc d;
    if (!sbox_json_int(sbox_json_get(index, "schemaVersion"), &version) || version != 2)
        return sbox_error(err, 0, "not an OCI image index (schemaVersion 2)");
    if (!sbox_json_is(list, SBOX_JSON_ARRAY) || list->n == 0)
        return sbox_error(err, 0, "the index lists no manifest");
    for (const struct sbox_json *e = list->child; e; e = e->next) {
        const char *name = ref_name(e);
        if (tag && (!name || strcmp(name, tag) != 0))
            continue;
        tagged++;
        if (sbox_json_get(e, "platform"))
            platformed++;
        if (platform_matches(e, arch, variant)) {
            if (!matched)
                pick = e;
            matched++;
        }
    }
    if (tag && !tagged) {
        offered(list, false, choices, sizeof choices);
        return sbox_error(err, 0, "no image is tagged `%s` (tags: %s)", tag, choices);
    }
    if (tagged == 1) {
        for (const struct sbox_json *e = list->child; e && !pick; e = e->next)
            if (!tag || (ref_name(e) && strcmp(ref_name(e), tag) == 0))
                pick = e;
        if (platformed && !matched) {
            offered(list, true, choices, sizeof choices);
            return sbox_error(err, 0, "no image for linux/%s (the index has: %s)", arch, choices);
        }
    } else if (!matched) {
        offered(list, platformed ? true : false, choices, sizeof choices);
        if (platformed)
            return sbox_error(err, 0, "no image for linux/%s (the index has: %s)", arch, choices);
        return sbox_error(err, 0, "the index holds %u images: name one by its tag (tags: %s)",
                          tagged, choices);
    } else if (matched > 1 && !tag) {
        offered(list, false, choices, sizeof choices);
        return sbox_error(err, 0,
                          "the index holds %u images for linux/%s: name one by its tag (tags: %s)",
                          matched, arch, choices);
    }
    if (read_desc(pick, "the index's manifest", NULL, &d, err) < 0)
        return -EINVAL;
    if (is_index_type(d.media_type))
        *ret_kind = SBOX_OCI_KIND_INDEX;
    else if (is_manifest_type(d.media_type))
        *ret_kind = SBOX_OCI_KIND_MANIFEST;
    else
        return sbox_error(err, 0, "unsupported media type `%s` in the index", d.media_type);
    *ret = d;
    return 0;
}

int sbox_oci_manifest(const struct sbox_json *m, struct sbox_oci_manifest *ret,
                      struct sbox_error *err)
{
    const struct sbox_json *layers = sbox_json_get(m, "layers");
    const char *type = sbox_json_string(sbox_json_get(m, "mediaType"));
    int64_t version;
    unsigned n = 0;
    if (!sbox_json_int(sbox_json_get(m, "schemaVersion"), &version) || version != 2)
        return sbox_error(err, 0, "not an image manifest (schemaVersion 2)");
    if (type && is_index_type(type))
        return sbox_error(err, 0, "an image index where a manifest should be");
    if (type && !is_manifest_type(type))
        return sbox_error(err, 0, "unsupported manifest media type `%.100s`", type);
    if (read_desc(sbox_json_get(m, "config"), "the manifest's config", NULL, &ret->config, err) < 0)
        return -EINVAL;
    if (!is_config_type(ret->config.media_type))
        return sbox_error(err, 0, "unsupported config media type `%s` (not a container image?)",
                          ret->config.media_type);
    if (!sbox_json_is(layers, SBOX_JSON_ARRAY) || layers->n == 0)
        return sbox_error(err, 0, "the manifest lists no layer");
    if (layers->n > SBOX_OCI_MAX_LAYERS)
        return sbox_error(err, 0, "the manifest lists %zu layers; sbox stacks at most %d",
                          layers->n, SBOX_OCI_MAX_LAYERS);
    for (const struct sbox_json *l = layers->child; l; l = l->next, n++) {
        char what[32];
        snprintf(what, sizeof what, "layer %u", n + 1);
        if (read_desc(l, what, NULL, &ret->layers[n], err) < 0)
            return -EINVAL;
        if (!is_layer_type(ret->layers[n].media_type))
            return sbox_error(err, 0, "unsupported media type `%s` for layer %u",
                              ret->layers[n].media_type, n + 1);
    }
    ret->n_layers = n;
    return 0;
}

/* A config string: printable as one line wherever it goes (a variable, a directory). */
static int config_string(const struct sbox_json *v, const char *what, char **ret,
                         struct sbox_error *err)
{
    const char *s = sbox_json_string(v);
    if (!v || sbox_json_is(v, SBOX_JSON_NULL))
        return 0;
    if (!s)
        return sbox_error(err, 0, "the config's %s is not a string", what);
    if (strchr(s, '\n'))
        return sbox_error(err, 0, "the config's %s holds a newline", what);
    *ret = sbox_xstrdup(s);
    return 0;
}

static int config_strv(const struct sbox_json *v, const char *what, char ***ret,
                       struct sbox_error *err)
{
    _cleanup_strv_ char **out = NULL;
    if (!v || sbox_json_is(v, SBOX_JSON_NULL))
        return 0;
    if (!sbox_json_is(v, SBOX_JSON_ARRAY))
        return sbox_error(err, 0, "the config's %s is not a list", what);
    if (v->n > 4096)
        return sbox_error(err, 0, "the config's %s has %zu entries", what, v->n);
    for (const struct sbox_json *e = v->child; e; e = e->next) {
        const char *s = sbox_json_string(e);
        if (!s)
            return sbox_error(err, 0, "the config's %s holds something not a string", what);
        sbox_strv_push(&out, sbox_xstrdup(s));
    }
    if (!out) /* an empty list, said: "Cmd": [] is no command, not a missing one */
        out = sbox_xmalloc(sizeof *out), out[0] = NULL;
    *ret = steal_ptr(&out);
    return 0;
}

void sbox_oci_config_free(struct sbox_oci_config *c)
{
    sbox_strv_free(c->env);
    sbox_strv_free(c->entrypoint);
    sbox_strv_free(c->cmd);
    free(c->workdir);
    free(c->user);
    sbox_strv_free(c->ports);
    free(c->os);
    free(c->arch);
    sbox_strv_free(c->diff_ids);
    memset(c, 0, sizeof *c);
}

int sbox_oci_config(const struct sbox_json *c, struct sbox_oci_config *ret, struct sbox_error *err)
{
    const struct sbox_json *cfg = sbox_json_get(c, "config");
    const struct sbox_json *ports = sbox_json_get(cfg, "ExposedPorts");
    const struct sbox_json *diff_ids = sbox_json_get(sbox_json_get(c, "rootfs"), "diff_ids");
    struct sbox_oci_config out = {0};
    int r = 0;
    if (!sbox_json_is(c, SBOX_JSON_OBJECT))
        return sbox_error(err, 0, "the config is not an object");
    if (cfg && !sbox_json_is(cfg, SBOX_JSON_OBJECT) && !sbox_json_is(cfg, SBOX_JSON_NULL))
        return sbox_error(err, 0, "the config's config is not an object");
    if (r >= 0)
        r = config_strv(sbox_json_get(cfg, "Env"), "Env", &out.env, err);
    if (r >= 0)
        r = config_strv(sbox_json_get(cfg, "Entrypoint"), "Entrypoint", &out.entrypoint, err);
    if (r >= 0)
        r = config_strv(sbox_json_get(cfg, "Cmd"), "Cmd", &out.cmd, err);
    if (r >= 0)
        r = config_string(sbox_json_get(cfg, "WorkingDir"), "WorkingDir", &out.workdir, err);
    if (r >= 0)
        r = config_string(sbox_json_get(cfg, "User"), "User", &out.user, err);
    if (r >= 0)
        r = config_string(sbox_json_get(c, "os"), "os", &out.os, err);
    if (r >= 0)
        r = config_string(sbox_json_get(c, "architecture"), "architecture", &out.arch, err);
    for (size_t i = 0; r >= 0 && out.env && out.env[i]; i++)
        if (!strchr(out.env[i], '=') || out.env[i][0] == '=' || strchr(out.env[i], '\n'))
            r = sbox_error(err, 0, "the config's Env holds `%.80s`, not NAME=VALUE", out.env[i]);
    if (r >= 0 && ports && sbox_json_is(ports, SBOX_JSON_OBJECT))
        for (const struct sbox_json *p = ports->child; p; p = p->next)
            if (strlen(p->key) < 32 && !strchr(p->key, '\n'))
                sbox_strv_push(&out.ports, sbox_xstrdup(p->key));
    if (r >= 0 && diff_ids && sbox_json_is(diff_ids, SBOX_JSON_ARRAY))
        for (const struct sbox_json *d = diff_ids->child; d && r >= 0; d = d->next) {
            if (!sbox_oci_digest_valid(sbox_json_string(d)))
                r = sbox_error(err, 0, "the config's rootfs.diff_ids holds an unsupported digest");
            else
                sbox_strv_push(&out.diff_ids, sbox_xstrdup(d->str)), out.n_diff_ids++;
        }
    if (r < 0) {
        sbox_oci_config_free(&out);
        return r;
    }
    *ret = out;
    return 0;
}

/* A member path of a docker archive: relative, each component a plain name (no "", ".",
 * ".."), so it can only name something inside the archive's directory. */
static bool archive_path_ok(const char *s)
{
    if (!s || !s[0] || strlen(s) > 512)
        return false;
    for (const char *c = s;;) {
        size_t n = strcspn(c, "/");
        if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
            return false;
        if (!c[n])
            return true;
        c += n + 1;
    }
}

int sbox_oci_docker_manifest(const struct sbox_json *m, const char *tag, char **ret_config,
                             char ***ret_layers, struct sbox_error *err)
{
    const struct sbox_json *pick = NULL, *layers;
    _cleanup_strv_ char **out = NULL;
    const char *config;
    if (!sbox_json_is(m, SBOX_JSON_ARRAY) || m->n == 0)
        return sbox_error(err, 0, "manifest.json lists no image");
    for (const struct sbox_json *e = m->child; e; e = e->next) {
        const struct sbox_json *tags = sbox_json_get(e, "RepoTags");
        if (!tag) {
            if (m->n > 1)
                return sbox_error(err, 0, "the archive holds %zu images: name one by its tag",
                                  m->n);
            pick = e;
            break;
        }
        for (const struct sbox_json *t = tags ? tags->child : NULL; t && !pick; t = t->next)
            if (sbox_json_string(t) && strcmp(t->str, tag) == 0)
                pick = e;
    }
    if (!pick)
        return sbox_error(err, 0, "no image is tagged `%s` in the archive", tag);
    config = sbox_json_string(sbox_json_get(pick, "Config"));
    layers = sbox_json_get(pick, "Layers");
    if (!archive_path_ok(config))
        return sbox_error(err, 0, "manifest.json: a bad Config path");
    if (!sbox_json_is(layers, SBOX_JSON_ARRAY) || layers->n == 0)
        return sbox_error(err, 0, "manifest.json lists no layer");
    if (layers->n > SBOX_OCI_MAX_LAYERS)
        return sbox_error(err, 0, "manifest.json lists %zu layers; sbox stacks at most %d",
                          layers->n, SBOX_OCI_MAX_LAYERS);
    for (const struct sbox_json *l = layers->child; l; l = l->next) {
        if (!archive_path_ok(sbox_json_string(l)))
            return sbox_error(err, 0, "manifest.json: a bad layer path");
        sbox_strv_push(&out, sbox_xstrdup(l->str));
    }
    *ret_config = sbox_xstrdup(config);
    *ret_layers = steal_ptr(&out);
    return 0;
}

char *sbox_oci_manifest_text(const char *config_digest, int64_t config_size, char *const *layers,
                             const int64_t *sizes, unsigned n)
{
    char *text = sbox_xasprintf("{\"schemaVersion\":2,\"mediaType\":\"" SBOX_OCI_MANIFEST
                                "\",\"config\":{\"mediaType\":\"" SBOX_OCI_CONFIG
                                "\",\"digest\":\"%s\",\"size\":%lld},\"layers\":[",
                                config_digest, (long long)config_size);
    for (unsigned i = 0; i < n; i++) {
        char *more = sbox_xasprintf("%s%s{\"mediaType\":\"" SBOX_OCI_LAYER
                                    "\",\"digest\":\"%s\",\"size\":%lld}",
                                    text, i ? "," : "", layers[i], (long long)sizes[i]);
        free(text);
        text = more;
    }
    {
        char *done = sbox_xasprintf("%s]}", text);
        free(text);
        return done;
    }
}
