/* caps.c: capability sets through libcap.
 * Never raises a capability; the bounding set goes first, while CAP_SETPCAP still allows it. */
#include "caps.h"

#include <errno.h>
#include <sys/capability.h>
#include <sys/prctl.h>

int sbox_caps_drop_all(struct sbox_error *err)
{
    cap_t empty;
    int r;
    /* cap_max_bits() is the kernel's last capability + 1, so new capabilities are dropped too. */
    for (cap_value_t c = 0; c < (cap_value_t)cap_max_bits(); c++)
        if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
            return sbox_error(err, errno, "drop capability %d from the bounding set", (int)c);
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
        return sbox_error(err, errno, "clear the ambient capabilities");
    empty = cap_init();
    if (!empty)
        return sbox_error(err, errno, "allocate a capability set");
    r = cap_set_proc(empty);
    cap_free(empty);
    if (r < 0)
        return sbox_error(err, errno, "clear the capability sets");
    return 0;
}
