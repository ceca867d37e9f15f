/* idmap.c: writes id maps for a child's user namespace.
 * Runs in the parent; never writes a map wider than what the caller may grant. */
#include "idmap.h"
#include "cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
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
