/* oci.h: what an OCI image layout, a docker-archive and an image config say, read from their
 * JSON: which manifest a tag and the host's platform pick, its layers, the config's process.
 * Never makes a system call and never trusts a name, a digest or a size it was handed. */
#ifndef SBOX_OCI_H
#define SBOX_OCI_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "json.h"

#define SBOX_OCI_MAX_LAYERS 128 /* the overlay's lower layers, named in one option string */
#define SBOX_OCI_DIGEST_LEN 71  /* "sha256:" and 64 hex digits */

#define SBOX_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define SBOX_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define SBOX_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define SBOX_OCI_LAYER "application/vnd.oci.image.layer.v1.tar"
#define SBOX_OCI_REF_NAME "org.opencontainers.image.ref.name"

struct sbox_oci_desc {
    char media_type[128];
    char digest[SBOX_OCI_DIGEST_LEN + 1];
    int64_t size;
};

enum sbox_oci_kind { SBOX_OCI_KIND_INDEX, SBOX_OCI_KIND_MANIFEST };

struct sbox_oci_manifest {
    struct sbox_oci_desc config;
    struct sbox_oci_desc layers[SBOX_OCI_MAX_LAYERS]; /* bottom first, as OCI lists them */
    unsigned n_layers;
};

/* The parts of an image's config sbox honours (config.*), each NULL when absent. */
struct sbox_oci_config {
    char **env;        /* NAME=VALUE */
    char **entrypoint; /* prepended to the command */
    char **cmd;        /* the command when none is given */
    char *workdir;
    char *user;   /* NAME, UID, UID:GID, NAME:GROUP */
    char **ports; /* ExposedPorts' keys: "80/tcp" */
    char *os;     /* the platform it was built for */
    char *arch;
    unsigned n_diff_ids; /* rootfs.diff_ids: one per layer */
    char **diff_ids;
};

/* "sha256:" and 64 lowercase hex digits: the only digests sbox takes (and the only form that
 * can name a file below blobs/ without leading elsewhere). */
bool sbox_oci_digest_valid(const char *d);

/* The host's architecture in OCI's words (amd64, arm64, ...), from uname's machine; variant is
 * "v7" and such, or "". */
void sbox_oci_host_platform(const char *machine, const char **ret_arch, const char **ret_variant);

/* Picks one entry of an image index (index.json or a nested index): the one tagged tag (an
 * index.json entry's ref.name; NULL: the only one, or the host's platform among several), then
 * the platform arch/variant (OS linux) among entries that say theirs. *ret_kind says whether
 * the entry is a manifest or another index to read the same way. */
int sbox_oci_pick(const struct sbox_json *index, const char *tag, const char *arch,
                  const char *variant, struct sbox_oci_desc *ret, enum sbox_oci_kind *ret_kind,
                  struct sbox_error *err);

/* An image manifest's config and layers, their media types checked. */
int sbox_oci_manifest(const struct sbox_json *m, struct sbox_oci_manifest *ret,
                      struct sbox_error *err);

/* An image config's process settings (strings checked: no newline in Env or WorkingDir). */
int sbox_oci_config(const struct sbox_json *c, struct sbox_oci_config *ret, struct sbox_error *err);
void sbox_oci_config_free(struct sbox_oci_config *c);

/* A docker-archive's manifest.json: the entry tagged tag (NULL: the only one), its config's
 * and layers' file names within the archive (relative, no "..": checked here). */
int sbox_oci_docker_manifest(const struct sbox_json *m, const char *tag, char **ret_config,
                             char ***ret_layers, struct sbox_error *err);

/* The manifest sbox writes for a docker-archive's image: OCI's own form, so the store reads
 * one kind. layers are digests, bottom first. */
char *sbox_oci_manifest_text(const char *config_digest, int64_t config_size, char *const *layers,
                             const int64_t *sizes, unsigned n);

#endif
