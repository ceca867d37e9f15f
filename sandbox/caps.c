/* caps.c: capability sets through libcap.
 * Never raises a capability; the bounding set goes first, while CAP_SETPCAP still allows it.
 * Every capability here is the sandbox's user namespace's, never the host's. */
#include "caps.h"

#include <errno.h>
#include <grp.h>
#include <stdbool.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

/* What root in a container keeps (Podman's default set; Docker adds mknod, net_raw and
 * audit_write): enough for a package manager to own files, drop to its own users and chroot,
 * nothing that mounts, traces or configures the kernel. */
static const cap_value_t root_caps[] = {
    CAP_CHOWN,  CAP_DAC_OVERRIDE, CAP_FOWNER,  CAP_FSETID,           CAP_KILL,       CAP_SETGID,
    CAP_SETUID, CAP_SETPCAP,      CAP_SETFCAP, CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT,
};
#define N_ROOT_CAPS (sizeof root_caps / sizeof *root_caps)

static bool is_root_cap(cap_value_t c)
{
    for (size_t i = 0; i < N_ROOT_CAPS; i++)
        if (root_caps[i] == c)
            return true;
    return false;
}

int sbox_caps_drop_all(const struct sbox_ids *ids, bool root, uint64_t add, struct sbox_error *err)
{
    cap_value_t keep_list[64], add_list[64];
    int n_keep = 0, n_add = 0;
    cap_t keep;
    int r;
    /* cap_max_bits() is the kernel's last capability + 1, so new capabilities are dropped too. */
    for (cap_value_t c = 0; c < (cap_value_t)cap_max_bits() && c < 64; c++) {
        bool added = (add >> c) & 1;
        if (added)
            add_list[n_add++] = c;
        if (added || (root && is_root_cap(c)))
            keep_list[n_keep++] = c;
        else if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
            return sbox_error(err, errno, "drop capability %d from the bounding set", (int)c);
    }
    /* With ranges mapped, the process is root inside until it takes the payload's ids; its
     * supplementary groups (the caller's, unmapped) are replaced by the payload's group alone.
     * Leaving uid 0 empties the permitted set unless keep-caps is on: cap-add needs it kept. */
    if (ids) {
        gid_t g = (gid_t)ids->gid;
        if (n_add > 0 && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
            return sbox_error(err, errno, "keep capabilities across the change of user");
        if (setgroups(1, &g) < 0)
            return sbox_error(err, errno, "set the supplementary groups");
        if (setresgid(g, g, g) < 0)
            return sbox_error(err, errno, "become group %u", (unsigned)ids->gid);
        if (setresuid((uid_t)ids->uid, (uid_t)ids->uid, (uid_t)ids->uid) < 0)
            return sbox_error(err, errno, "become user %u", (unsigned)ids->uid);
        if (n_add > 0 && prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
            return sbox_error(err, errno, "turn keep-caps off");
    }
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
        return sbox_error(err, errno, "clear the ambient capabilities");
    keep = cap_init();
    if (!keep)
        return sbox_error(err, errno, "allocate a capability set");
    /* Kept capabilities must be permitted now: no_new_privs caps what an exec may grant at what
     * the process already had. Root keeps its set through exec as root; the added ones are
     * also inheritable and ambient, which is how a non-root payload keeps them through exec. */
    if ((n_keep > 0 && (cap_set_flag(keep, CAP_PERMITTED, n_keep, keep_list, CAP_SET) < 0 ||
                        cap_set_flag(keep, CAP_EFFECTIVE, n_keep, keep_list, CAP_SET) < 0)) ||
        (n_add > 0 && cap_set_flag(keep, CAP_INHERITABLE, n_add, add_list, CAP_SET) < 0)) {
        cap_free(keep);
        return sbox_error(err, errno, "build the capability set");
    }
    r = cap_set_proc(keep);
    cap_free(keep);
    if (r < 0)
        return sbox_error(err, errno, "set the capability sets");
    for (int i = 0; i < n_add; i++)
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, add_list[i], 0, 0) < 0)
            return sbox_error(err, errno, "raise ambient capability %d", (int)add_list[i]);
    return 0;
}
