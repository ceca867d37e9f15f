/* files.c: see files.h. */
#include "files.h"
#include "cleanup.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define READ_TEXT_MAX (1 << 20)

char *sbox_read_text(const char *path)
{
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    size_t len = 0, size = 8192;
    char *buf;
    if (fd < 0)
        return NULL;
    buf = sbox_xmalloc(size);
    while (len < READ_TEXT_MAX) {
        ssize_t n = read(fd, buf + len, size - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            free(buf);
            return NULL;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len == size - 1)
            buf = sbox_xrealloc(buf, size *= 2);
    }
    buf[len] = '\0';
    return buf;
}

bool sbox_name_of_gone_pid(const char *name, const char *prefix)
{
    const size_t n = strlen(prefix);
    char *end;
    long pid;
    if (strncmp(name, prefix, n) != 0)
        return false;
    pid = strtol(name + n, &end, 10);
    return end != name + n && *end == '-' && pid > 0 && kill((pid_t)pid, 0) < 0 &&
           errno == ESRCH;
}
