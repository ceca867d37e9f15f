/* try-syscall: makes raw system calls and prints, for each, "NAME OK" or "NAME ERRNO-NAME".
 *
 *   try-syscall CALL...     CALL is NAME[:ARG...] or NUMBER[:ARG...], each ARG a number (0x...
 *                           for hex), 0 when left out; at most six.
 *
 * Numbers come from this build's <sys/syscall.h>, so built with -m32 it makes i386 calls. The
 * arguments are chosen by the tests so that a call the filter lets through fails harmlessly in
 * the kernel (a NULL pointer, a bad descriptor) or does nothing lasting. A child made by clone
 * exits at once. socketcall's arguments after the first are passed in memory, as it expects. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

struct call {
    const char *name;
    long nr;
};

#define C(n)                                                                                       \
    {                                                                                              \
#n, SYS_##n                                                                                \
    }
static const struct call calls[] = {
    C(getpid),
    C(getppid),
    C(add_key),
    C(keyctl),
    C(request_key),
    C(bpf),
    C(perf_event_open),
    C(userfaultfd),
    C(io_uring_setup),
    C(io_uring_enter),
    C(io_uring_register),
    C(init_module),
    C(finit_module),
    C(delete_module),
    C(kexec_load),
    C(reboot),
    C(swapon),
    C(swapoff),
    C(acct),
    C(quotactl),
    C(syslog),
    C(mount),
    C(umount2),
    C(fsopen),
    C(fsconfig),
    C(fsmount),
    C(fspick),
    C(move_mount),
    C(open_tree),
    C(mount_setattr),
    C(pivot_root),
    C(chroot),
    C(setns),
    C(unshare),
    C(clone),
    C(clone3),
    C(ptrace),
    C(process_vm_readv),
    C(process_vm_writev),
    C(personality),
    C(open_by_handle_at),
    C(name_to_handle_at),
    C(ioctl),
    C(socketpair),
    C(kcmp),
    C(pidfd_getfd),
    C(process_madvise),
    C(move_pages),
    C(migrate_pages),
    C(fanotify_init),
    C(vmsplice),
    C(clock_settime),
    C(settimeofday),
    C(adjtimex),
    C(sethostname),
    C(setdomainname),
    C(vhangup),
    C(mknodat),
    C(quotactl_fd),
    C(process_mrelease),
    C(fanotify_mark),
    C(clock_adjtime),
    C(socket),
    C(mbind),
    C(set_mempolicy),
    C(get_mempolicy),
    C(remap_file_pages),
    C(getrandom),
    C(statx),
    C(faccessat2),
    C(close_range),
    C(rseq),
    C(pidfd_open),
    C(memfd_create),
    C(membarrier),
    C(sched_getaffinity),
#ifdef SYS_kexec_file_load
    C(kexec_file_load),
#endif
#ifdef SYS_mknod
    C(mknod),
#endif
#ifdef SYS_umount
    C(umount),
#endif
#ifdef SYS_socketcall
    C(socketcall),
#endif
#ifdef SYS_modify_ldt
    C(modify_ldt),
#endif
#ifdef SYS_iopl
    C(iopl),
#endif
#ifdef SYS_ioperm
    C(ioperm),
#endif
#ifdef SYS_uselib
    C(uselib),
#endif
#ifdef SYS_sysfs
    C(sysfs),
#endif
#ifdef SYS_ustat
    C(ustat),
#endif
#ifdef SYS_vm86
    C(vm86),
#endif
#ifdef SYS_vm86old
    C(vm86old),
#endif
#ifdef SYS_lookup_dcookie
    C(lookup_dcookie),
#endif
    {NULL, 0},
};

static long lookup(const char *name)
{
    if (name[0] >= '0' && name[0] <= '9')
        return strtol(name, NULL, 10); /* a call by number, for those libc has no name for */
    for (const struct call *c = calls; c->name; c++)
        if (strcmp(c->name, name) == 0)
            return c->nr;
    return -1;
}

int main(int argc, char **argv)
{
    int status = 0;
    if (argc < 2) {
        fprintf(stderr, "usage: try-syscall NAME[:ARG...]...\n");
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        char *spec = strdup(argv[i]);
        char *save = NULL;
        char *name = strtok_r(spec, ":", &save);
        unsigned long a[6] = {0};
        long nr = name ? lookup(name) : -1;
        long r;
        int n = 0, e;
        if (nr < 0) {
            printf("%s UNKNOWN\n", argv[i]);
            status = 2;
            free(spec);
            continue;
        }
        for (char *w; n < 6 && (w = strtok_r(NULL, ":", &save)); n++)
            a[n] = (unsigned long)strtoull(w, NULL, 0);
#ifdef SYS_socketcall
        static unsigned long mem[6];
        if (nr == SYS_socketcall) {
            memcpy(mem, a + 1, 5 * sizeof *a);
            a[1] = (unsigned long)(uintptr_t)mem;
        }
#endif
        fflush(stdout);
        errno = 0;
        r = syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
        e = errno;
        if (r == 0 && (nr == SYS_clone || nr == SYS_clone3))
            _exit(0); /* the child of a clone the filter let through */
        if ((nr == SYS_clone || nr == SYS_clone3) && r > 0)
            waitpid((pid_t)r, NULL, __WALL);
        if (r == -1 && e != 0) {
            const char *en = strerrorname_np(e);
            if (en)
                printf("%s %s\n", name, en);
            else
                printf("%s %d\n", name, e);
        } else {
            printf("%s OK\n", name);
        }
        free(spec);
    }
    return status;
}
