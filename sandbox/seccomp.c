/* seccomp.c: builds the payload's seccomp filter with libseccomp.
 * Never loads a filter in the parent; the compiled program is plain memory the child installs. */
#include "seccomp.h"
#include "cleanup.h"
#include "util.h"

#include <errno.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

static void ctx_release(scmp_filter_ctx *c)
{
    if (*c)
        seccomp_release(*c);
}

/* TIOCSTI pushes bytes into a terminal's input queue and TIOCLINUX can read and paste the
 * console's screen: a payload holding the caller's terminal could type commands into the
 * caller's shell after sbox exits. The kernel's ioctl command is 32 bits, so the upper half is
 * masked off: a filter comparing all 64 bits is bypassed by setting them (CVE-2017-5226). */
static const unsigned long denied_ioctls[] = {TIOCSTI, TIOCLINUX};

int sbox_seccomp_compile(struct sbox_seccomp *s, struct sbox_error *err)
{
    _cleanup_(ctx_release) scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    _cleanup_close_ int fd = -1;
    struct stat st;
    int r;

    memset(s, 0, sizeof *s);
    if (!ctx)
        return sbox_error(err, ENOMEM, "create the seccomp filter");
        /* 32-bit programs on a 64-bit kernel get the same rules rather than being killed. */
#if defined(__x86_64__)
    seccomp_arch_add(ctx, SCMP_ARCH_X86);
    seccomp_arch_add(ctx, SCMP_ARCH_X32);
#elif defined(__aarch64__)
    seccomp_arch_add(ctx, SCMP_ARCH_ARM);
#endif
    for (size_t i = 0; i < sizeof denied_ioctls / sizeof *denied_ioctls; i++) {
        r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
                             SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffUL, denied_ioctls[i]));
        if (r < 0)
            return sbox_error(err, -r, "add the seccomp rule for ioctl %#lx", denied_ioctls[i]);
    }
    fd = memfd_create("sbox-seccomp", MFD_CLOEXEC);
    if (fd < 0)
        return sbox_error(err, errno, "create a buffer for the seccomp filter");
    r = seccomp_export_bpf(ctx, fd);
    if (r < 0)
        return sbox_error(err, -r, "compile the seccomp filter");
    if (fstat(fd, &st) < 0 || st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) != 0)
        return sbox_error(err, EINVAL, "compile the seccomp filter: unexpected size");
    s->prog.filter = sbox_xmalloc((size_t)st.st_size);
    if (pread(fd, s->prog.filter, (size_t)st.st_size, 0) != st.st_size) {
        r = sbox_error(err, EIO, "read the compiled seccomp filter");
        sbox_seccomp_free(s);
        return r;
    }
    s->prog.len = (unsigned short)(st.st_size / sizeof(struct sock_filter));
    return 0;
}

int sbox_seccomp_load(const struct sbox_seccomp *s, struct sbox_error *err)
{
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &s->prog, 0, 0) < 0)
        return sbox_error(err, errno, "load the seccomp filter");
    return 0;
}

void sbox_seccomp_free(struct sbox_seccomp *s)
{
    free(s->prog.filter);
    memset(s, 0, sizeof *s);
}
