/* Unit tests for oci.c: an index's tag and platform picked, manifests and configs read, media
 * types and digests checked, docker-archive's manifest.json, the manifest sbox writes. */
#include "cleanup.h"
#include "json.h"
#include "oci.h"
#include "tap.h"
#include "util.h"

#include <string.h>

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define D3 "sha256:3333333333333333333333333333333333333333333333333333333333333333"

static struct sbox_json *J(const char *text)
{
    struct sbox_json *v = NULL;
    struct sbox_error err = {0};
    if (sbox_json_parse(text, strlen(text), &v, &err) < 0)
        printf("# bad fixture: %s\n", err.msg);
    return v;
}

static int pick(const char *index, const char *tag, const char *arch, struct sbox_oci_desc *d,
                enum sbox_oci_kind *kind, struct sbox_error *err)
{
    struct sbox_json *v = J(index);
    int r;
    memset(err, 0, sizeof *err);
    r = sbox_oci_pick(v, tag, arch, "", d, kind, err);
    sbox_json_free(v);
    return r;
}

#define ENTRY(digest, type, extra)                                                                 \
    "{\"mediaType\":\"" type "\",\"digest\":\"" digest "\",\"size\":10" extra "}"
#define TAGGED(t) ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"" t "\"}"
#define PLATFORM(a) ",\"platform\":{\"os\":\"linux\",\"architecture\":\"" a "\"}"

static void manifest_refused(const char *text, const char *want)
{
    struct sbox_json *v = J(text);
    struct sbox_oci_manifest m;
    struct sbox_error err = {0};
    ok(sbox_oci_manifest(v, &m, &err) < 0 && strstr(err.msg, want), "manifest refused: %s",
       err.msg);
    sbox_json_free(v);
}

int main(void)
{
    struct sbox_oci_desc d;
    enum sbox_oci_kind kind;
    struct sbox_error err;
    const char *arch, *variant;

    ok(sbox_oci_digest_valid(D1), "a sha256 digest");
    ok(!sbox_oci_digest_valid("sha512:11"), "another algorithm is not taken");
    ok(!sbox_oci_digest_valid("sha256:../../../../etc/passwd"), "a path is no digest");
    ok(!sbox_oci_digest_valid(
           "sha256:111111111111111111111111111111111111111111111111111111111111111A"),
       "upper-case hex is not the canonical form");
    ok(!sbox_oci_digest_valid(D1 "1"), "too long");

    sbox_oci_host_platform("x86_64", &arch, &variant);
    is_str(arch, "amd64", "x86_64 is amd64");
    sbox_oci_host_platform("aarch64", &arch, &variant);
    is_str(arch, "arm64", "aarch64 is arm64");

    /* One manifest, untagged. */
    ok(pick("{\"schemaVersion\":2,\"manifests\":[" ENTRY(D1, SBOX_OCI_MANIFEST, "") "]}", NULL,
            "amd64", &d, &kind, &err) == 0 &&
           !strcmp(d.digest, D1) && kind == SBOX_OCI_KIND_MANIFEST && d.size == 10,
       "the only manifest is picked (%s)", err.msg);
    /* Tags. */
    {
        const char *idx = "{\"schemaVersion\":2,\"manifests\":[" ENTRY(
            D1, SBOX_OCI_MANIFEST, TAGGED("one")) "," ENTRY(D2, SBOX_OCI_MANIFEST,
                                                            TAGGED("two")) "]}";
        ok(pick(idx, "two", "amd64", &d, &kind, &err) == 0 && !strcmp(d.digest, D2),
           "a tag picks its manifest");
        ok(pick(idx, "three", "amd64", &d, &kind, &err) < 0 &&
               strstr(err.msg, "no image is tagged `three` (tags: one, two)"),
           "an unknown tag is refused, naming the tags (%s)", err.msg);
        ok(pick(idx, NULL, "amd64", &d, &kind, &err) < 0 &&
               strstr(err.msg, "holds 2 images: name one by its tag"),
           "two images and no tag: refused (%s)", err.msg);
    }
    /* Platforms. */
    {
        const char *idx = "{\"schemaVersion\":2,\"manifests\":[" ENTRY(
            D1, SBOX_OCI_MANIFEST, PLATFORM("arm64")) "," ENTRY(D2, SBOX_OCI_MANIFEST,
                                                                PLATFORM("amd64")) "]}";
        ok(pick(idx, NULL, "amd64", &d, &kind, &err) == 0 && !strcmp(d.digest, D2),
           "the host's platform is picked");
        ok(pick(idx, NULL, "arm64", &d, &kind, &err) == 0 && !strcmp(d.digest, D1),
           "... whichever it is");
        ok(pick(idx, NULL, "s390x", &d, &kind, &err) < 0 &&
               strstr(err.msg, "no image for linux/s390x (the index has: linux/arm64, "
                               "linux/amd64)"),
           "no image for the host: refused, naming what there is (%s)", err.msg);
    }
    ok(pick("{\"schemaVersion\":2,\"manifests\":[" ENTRY(D1, SBOX_OCI_INDEX, TAGGED("x")) "]}",
            "x", "amd64", &d, &kind, &err) == 0 &&
           kind == SBOX_OCI_KIND_INDEX,
       "a nested index is said to be one");
    ok(pick("{\"schemaVersion\":2,\"manifests\":[" ENTRY(D1, "application/x-foo", "") "]}", NULL,
            "amd64", &d, &kind, &err) < 0 &&
           strstr(err.msg, "unsupported media type `application/x-foo`"),
       "an unknown media type in the index is refused (%s)", err.msg);
    ok(pick("{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" SBOX_OCI_MANIFEST
            "\",\"digest\":\"sha256:../x\",\"size\":1}]}",
            NULL, "amd64", &d, &kind, &err) < 0 &&
           strstr(err.msg, "unsupported digest"),
       "a digest that is a path is refused (%s)", err.msg);
    ok(pick("{\"schemaVersion\":1,\"manifests\":[]}", NULL, "amd64", &d, &kind, &err) < 0,
       "schemaVersion 1 is refused");
    ok(pick("{\"schemaVersion\":2,\"manifests\":[]}", NULL, "amd64", &d, &kind, &err) < 0 &&
           strstr(err.msg, "lists no manifest"),
       "an empty index is refused");

    /* Manifests. */
    {
        struct sbox_json *v = J("{\"schemaVersion\":2,\"config\":" ENTRY(
            D1, SBOX_OCI_CONFIG, "") ",\"layers\":[" ENTRY(D2, SBOX_OCI_LAYER "+gzip",
                                                          "") "," ENTRY(D3, SBOX_OCI_LAYER,
                                                                        "") "]}");
        struct sbox_oci_manifest m;
        memset(&err, 0, sizeof err);
        ok(sbox_oci_manifest(v, &m, &err) == 0 && m.n_layers == 2 &&
               !strcmp(m.config.digest, D1) && !strcmp(m.layers[0].digest, D2) &&
               !strcmp(m.layers[1].digest, D3),
           "a manifest's config and layers, bottom first (%s)", err.msg);
        sbox_json_free(v);
    }
    manifest_refused("{\"schemaVersion\":2,\"config\":" ENTRY(D1, SBOX_OCI_CONFIG,
                                                              "") ",\"layers\":[" ENTRY(
        D2, "application/vnd.oci.image.layer.v1.tar+bzip3", "") "]}",
                     "unsupported media type `application/vnd.oci.image.layer.v1.tar+bzip3` "
                     "for layer 1");
    manifest_refused("{\"schemaVersion\":2,\"config\":" ENTRY(
                         D1, "application/vnd.cncf.helm.config.v1+json",
                         "") ",\"layers\":[" ENTRY(D2, SBOX_OCI_LAYER, "") "]}",
                     "unsupported config media type");
    manifest_refused("{\"schemaVersion\":2,\"config\":" ENTRY(D1, SBOX_OCI_CONFIG,
                                                              "") ",\"layers\":[]}",
                     "lists no layer");
    manifest_refused("{\"schemaVersion\":2,\"mediaType\":\"" SBOX_OCI_INDEX "\"}",
                     "an image index where a manifest should be");
    manifest_refused("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" SBOX_OCI_CONFIG
                     "\",\"digest\":\"" D1 "\"},\"layers\":[]}",
                     "has no size");
    {
        /* One layer more than the overlay is given. */
        char *text = sbox_xstrdup("{\"schemaVersion\":2,\"config\":" ENTRY(D1, SBOX_OCI_CONFIG,
                                                                           "") ",\"layers\":[");
        for (int i = 0; i <= SBOX_OCI_MAX_LAYERS; i++) {
            char *more = sbox_xasprintf("%s%s" ENTRY(D2, SBOX_OCI_LAYER, ""), text, i ? "," : "");
            free(text);
            text = more;
        }
        {
            char *done = sbox_xasprintf("%s]}", text);
            free(text);
            text = done;
        }
        manifest_refused(text, "sbox stacks at most");
        free(text);
    }

    /* Configs. */
    {
        struct sbox_json *v =
            J("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Env\":[\"PATH=/bin\","
              "\"A=b c\"],\"Entrypoint\":[\"/bin/ep\"],\"Cmd\":[\"-c\",\"echo\"],\"WorkingDir\":"
              "\"/srv\",\"User\":\"1000:100\",\"ExposedPorts\":{\"80/tcp\":{},\"53/udp\":{}}},"
              "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" D1 "\"]}}");
        struct sbox_oci_config c = {0};
        memset(&err, 0, sizeof err);
        ok(sbox_oci_config(v, &c, &err) == 0, "a config is read (%s)", err.msg);
        ok(c.env && !strcmp(c.env[1], "A=b c") && !c.env[2], "Env");
        ok(c.entrypoint && !strcmp(c.entrypoint[0], "/bin/ep"), "Entrypoint");
        ok(c.cmd && !strcmp(c.cmd[1], "echo"), "Cmd");
        is_str(c.workdir, "/srv", "WorkingDir");
        is_str(c.user, "1000:100", "User");
        ok(c.ports && !strcmp(c.ports[0], "80/tcp") && !strcmp(c.ports[1], "53/udp"),
           "ExposedPorts");
        ok(c.n_diff_ids == 1 && !strcmp(c.diff_ids[0], D1), "diff_ids");
        is_str(c.arch, "amd64", "architecture");
        sbox_oci_config_free(&c);
        sbox_json_free(v);
    }
    {
        struct sbox_json *v = J("{\"config\":{\"Cmd\":[],\"Entrypoint\":null}}");
        struct sbox_oci_config c = {0};
        ok(sbox_oci_config(v, &c, &err) == 0 && c.cmd && !c.cmd[0] && !c.entrypoint,
           "an empty Cmd is an empty list; a null Entrypoint none");
        sbox_oci_config_free(&c);
        sbox_json_free(v);
    }
    {
        static const char *const bad[][2] = {
            {"{\"config\":{\"Env\":[\"NOEQUALS\"]}}", "not NAME=VALUE"},
            {"{\"config\":{\"Env\":[\"=x\"]}}", "not NAME=VALUE"},
            {"{\"config\":{\"Env\":\"A=b\"}}", "is not a list"},
            {"{\"config\":{\"Cmd\":[1]}}", "not a string"},
            {"{\"config\":{\"WorkingDir\":\"/a\\nb\"}}", "holds a newline"},
            {"{\"config\":{\"User\":7}}", "is not a string"},
            {"{\"rootfs\":{\"diff_ids\":[\"md5:x\"]}}", "unsupported digest"},
            {"[]", "not an object"},
        };
        for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
            struct sbox_json *v = J(bad[i][0]);
            struct sbox_oci_config c = {0};
            memset(&err, 0, sizeof err);
            ok(sbox_oci_config(v, &c, &err) < 0 && strstr(err.msg, bad[i][1]),
               "config refused: %s (%s)", bad[i][0], err.msg);
            sbox_json_free(v);
        }
    }

    /* docker-archive's manifest.json. */
    {
        struct sbox_json *v = J("[{\"Config\":\"abc.json\",\"RepoTags\":[\"app:1\"],\"Layers\":["
                                "\"l1/layer.tar\",\"blobs/sha256/ff\"]}]");
        _cleanup_free_ char *config = NULL;
        _cleanup_strv_ char **layers = NULL;
        ok(sbox_oci_docker_manifest(v, NULL, &config, &layers, &err) == 0 &&
               !strcmp(config, "abc.json") && sbox_strv_len(layers) == 2 &&
               !strcmp(layers[1], "blobs/sha256/ff"),
           "manifest.json's only image");
        free(config);
        config = NULL;
        sbox_strv_free(layers);
        layers = NULL;
        ok(sbox_oci_docker_manifest(v, "app:1", &config, &layers, &err) == 0,
           "... or the one tagged");
        ok(sbox_oci_docker_manifest(v, "app:2", &config, &layers, &err) < 0 &&
               strstr(err.msg, "no image is tagged `app:2`"),
           "an unknown tag is refused");
        sbox_json_free(v);
    }
    {
        static const char *const bad[] = {
            "[{\"Config\":\"../x.json\",\"Layers\":[\"a\"]}]",
            "[{\"Config\":\"/etc/passwd\",\"Layers\":[\"a\"]}]",
            "[{\"Config\":\"x.json\",\"Layers\":[\"a/../../b\"]}]",
            "[{\"Config\":\"x.json\",\"Layers\":[\"a//b\"]}]",
            "[{\"Config\":\"x.json\",\"Layers\":[]}]",
            "[]",
        };
        for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
            struct sbox_json *v = J(bad[i]);
            char *config = NULL, **layers = NULL;
            ok(sbox_oci_docker_manifest(v, NULL, &config, &layers, &err) < 0 && !config,
               "manifest.json refused: %s", bad[i]);
            sbox_json_free(v);
        }
    }

    /* The manifest sbox writes reads back as one. */
    {
        char *layers[] = {D2, D3, NULL};
        int64_t sizes[] = {5, 6};
        _cleanup_free_ char *text = sbox_oci_manifest_text(D1, 9, layers, sizes, 2);
        struct sbox_json *v = J(text);
        struct sbox_oci_manifest m;
        ok(v && sbox_oci_manifest(v, &m, &err) == 0 && m.n_layers == 2 &&
               m.layers[1].size == 6 && m.config.size == 9,
           "the written manifest reads back");
        sbox_json_free(v);
    }
    return tap_done();
}
