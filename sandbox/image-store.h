/* image-store.h: sbox's image store (DATA_HOME/sbox/images): blobs by sha256, each layer
 * unpacked once and shared, names; imports from OCI layouts, archives and registries (skopeo).
 * Never counts a blob or a layer whose digest it has not checked, never shows a half-made one. */
#ifndef SBOX_IMAGE_STORE_H
#define SBOX_IMAGE_STORE_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "error.h"
#include "oci.h"

struct sbox_images {
    char *root; /* DATA_HOME/sbox/images */
    const char *user, *home;
    uid_t uid;
    gid_t gid;
    FILE *out; /* where progress and listings go */
    bool json; /* ls: one JSON document (sbox image ls --json) */
};

/* The store of the caller whose XDG_DATA_HOME (NULL or relative: unset) and home are given. */
char *sbox_images_root(const char *xdg_data_home, const char *home);

/* A name sbox takes for an image: letters, digits and `._-:/@`, at most 200, starting with a
 * letter or digit, no `..` or `//`. */
bool sbox_images_name_valid(const char *name);

/* `sbox image import SOURCE NAME`, `sbox image pull SOURCE [NAME]`: SOURCE is oci:DIR[:TAG],
 * oci-archive:FILE[:TAG], docker-archive:FILE[:TAG], docker://REF (through skopeo), or a path
 * (an OCI layout directory, an archive of either kind, a root file system tarball). */
int sbox_images_import(const struct sbox_images *s, const char *source, const char *name,
                       bool tls_verify, int *ret_signal, struct sbox_error *err);
int sbox_images_list(const struct sbox_images *s, struct sbox_error *err);
/* The stored images' names, sorted (NULL for none). */
char **sbox_images_names(const struct sbox_images *s);
int sbox_images_inspect(const struct sbox_images *s, const char *name, struct sbox_error *err);
/* Removes the name, then what no other name uses (unless a sandbox is running from the store,
 * in which case prune does it later). */
int sbox_images_remove(const struct sbox_images *s, const char *name, struct sbox_error *err);
int sbox_images_prune(const struct sbox_images *s, struct sbox_error *err);
bool sbox_images_exists(const struct sbox_images *s, const char *name);

/* An image opened to run: its layers' directories below the store's root ("layers/HEX"),
 * bottom first, and its config. The store is held (shared) by inuse until sbox_image_free:
 * prune and rm remove nothing meanwhile. */
struct sbox_image {
    char digest[SBOX_OCI_DIGEST_LEN + 1];
    char *root;
    char **layers;
    struct sbox_oci_config config;
    int inuse;
};
int sbox_images_open(const struct sbox_images *s, const char *name, struct sbox_image *ret,
                     struct sbox_error *err);
void sbox_image_free(struct sbox_image *img);

/* The image's User as numbers: UID, UID:GID, or names looked up in the image's own
 * /etc/passwd and /etc/group (the topmost layer that has them, 1 MiB at most, nothing
 * followed); with no group, the user's primary group there when it has one. 1 when the image
 * names a User, 0 when not. */
int sbox_image_user(const struct sbox_image *img, uint32_t *ret_uid, uint32_t *ret_gid,
                    bool *ret_gid_set, struct sbox_error *err);

/* The image's /etc/passwd, read as sbox_image_user reads it (the topmost layer that has it,
 * 1 MiB at most, nothing followed), or NULL: a uid given without a gid takes its primary group
 * there, as Docker's --user N does. */
char *sbox_image_passwd(const struct sbox_image *img);

#endif
