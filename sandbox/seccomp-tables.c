/* seccomp-tables.c: the built-in policies as tables, and what a policy answers a call by name.
 * Never compiles or loads a filter: the compiler and --dry-run's description both read these. */
#include "seccomp-tables.h"

#include <errno.h>
#include <linux/audit.h>
#include <sched.h>
#include <seccomp.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

const char *const sbox_seccomp_base_names[] = {"default", "strict", "none", NULL};
const char *const sbox_seccomp_action_names[] = {"errno", "kill", "log", NULL};

/* --- the policies --- */

/* The calls the built-in policies allow: what C libraries (glibc, musl), language runtimes (Go,
 * Rust, Node's libuv and V8, Python, the JVM), compilers, shells, git and make call, as Docker's
 * default profile and systemd's @system-service allow. Any other call answers ENOSYS, as if the
 * kernel lacked it (programs probing a call fall back), unless a deny table below names it (then
 * it fails with the policy's errno): a call the kernel adds later is refused until it is named
 * here. Names are those of every ABI sbox covers: a name an ABI lacks is skipped for it (the
 * 32-bit variants, arm's own calls). Names this libseccomp does not know yet (mseal, the *xattrat
 * calls) are skipped too, and answer ENOSYS like every call newer than libseccomp. */
const char *const sbox_seccomp_allowed[] = {
    /* Processes: start, run, wait, end. clone, unshare and personality are checked by argument
     * (below); clone3 is not here: its flags are in memory, out of the filter's reach. */
    "execve", "execveat", "fork", "vfork", "clone", "unshare", "exit", "exit_group", "wait4",
    "waitid", "waitpid", "personality", "prctl", "arch_prctl", "set_tid_address", "rseq",
    "set_robust_list", "get_robust_list", "set_thread_area", "get_thread_area", "set_tls",
    "restart_syscall", "seccomp", "landlock_create_ruleset", "landlock_add_rule",
    "landlock_restrict_self",
    /* Identity, groups, sessions and the process's own limits and scheduling. */
    "getpid", "getppid", "gettid", "getpgid", "setpgid", "getpgrp", "getsid", "setsid", "getuid",
    "geteuid", "getgid", "getegid", "getresuid", "getresgid", "getgroups", "setuid", "setgid",
    "setreuid", "setregid", "setresuid", "setresgid", "setfsuid", "setfsgid", "setgroups",
    "getuid32", "geteuid32", "getgid32", "getegid32", "getresuid32", "getresgid32", "getgroups32",
    "setuid32", "setgid32", "setreuid32", "setregid32", "setresuid32", "setresgid32", "setfsuid32",
    "setfsgid32", "setgroups32", "capget", "capset", "getrlimit", "setrlimit", "ugetrlimit",
    "prlimit64", "getrusage", "times", "umask", "getpriority", "setpriority", "ioprio_get",
    "ioprio_set", "sched_yield", "sched_getaffinity", "sched_setaffinity", "sched_getparam",
    "sched_setparam", "sched_getscheduler", "sched_setscheduler", "sched_getattr", "sched_setattr",
    "sched_get_priority_max", "sched_get_priority_min", "sched_rr_get_interval",
    "sched_rr_get_interval_time64", "getcpu",
    /* What the machine is, random bytes, what time it is; adjtimex and clock_adjtime read the
     * clock's state too (setting it needs CAP_SYS_TIME of the host). The host name is the
     * sandbox's own (its UTS namespace). */
    "uname", "sysinfo", "getrandom", "time", "gettimeofday", "clock_gettime", "clock_gettime64",
    "clock_getres", "clock_getres_time64", "clock_nanosleep", "clock_nanosleep_time64", "nanosleep",
    "adjtimex", "clock_adjtime", "clock_adjtime64", "sethostname", "setdomainname",
    /* Signals and timers. */
    "kill", "tkill", "tgkill", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigsuspend",
    "rt_sigpending", "rt_sigtimedwait", "rt_sigtimedwait_time64", "rt_sigqueueinfo",
    "rt_tgsigqueueinfo", "sigaltstack", "sigaction", "sigprocmask", "sigreturn", "sigsuspend",
    "sigpending", "signalfd", "signalfd4", "pause", "alarm", "getitimer", "setitimer",
    "timer_create", "timer_settime", "timer_settime64", "timer_gettime", "timer_gettime64",
    "timer_getoverrun", "timer_delete", "timerfd_create", "timerfd_settime", "timerfd_settime64",
    "timerfd_gettime", "timerfd_gettime64", "pidfd_open", "pidfd_send_signal",
    /* Memory of one's own. mbind and the other NUMA calls are not here: ENOSYS is what a kernel
     * without NUMA answers, and libnuma and the JVM then place memory as usual. */
    "brk", "mmap", "mmap2", "munmap", "mremap", "mprotect", "madvise", "mincore", "msync", "mlock",
    "mlock2", "munlock", "mlockall", "munlockall", "memfd_create", "membarrier", "pkey_alloc",
    "pkey_free", "pkey_mprotect", "map_shadow_stack", "mseal", "cacheflush", "riscv_flush_icache",
    /* Threads' waiting (futex) and the event loops of libuv, Go, tokio and Python's asyncio. */
    "futex", "futex_time64", "futex_waitv", "futex_wake", "futex_wait", "futex_requeue", "poll",
    "ppoll", "ppoll_time64", "select", "_newselect", "pselect6", "pselect6_time64", "epoll_create",
    "epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait", "epoll_pwait2", "eventfd",
    "eventfd2", "inotify_init", "inotify_init1", "inotify_add_watch", "inotify_rm_watch",
    /* Descriptors and their data. */
    "read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev", "preadv2",
    "pwritev2", "lseek", "_llseek", "close", "close_range", "dup", "dup2", "dup3", "pipe", "pipe2",
    "fcntl", "fcntl64", "ioctl", "flock", "fsync", "fdatasync", "sync", "syncfs", "sync_file_range",
    "sync_file_range2", "arm_sync_file_range", "fadvise64", "fadvise64_64", "arm_fadvise64_64",
    "readahead", "fallocate", "sendfile", "sendfile64", "splice", "tee", "vmsplice",
    "copy_file_range", "cachestat",
    /* AIO (libaio): io_uring is denied, below. */
    "io_setup", "io_destroy", "io_submit", "io_cancel", "io_getevents", "io_pgetevents",
    "io_pgetevents_time64",
    /* Files by path: the sandbox's mounts decide what they reach. mknod is checked by argument
     * under strict. */
    "open", "openat", "openat2", "creat", "stat", "fstat", "lstat", "newfstatat", "stat64",
    "fstat64", "lstat64", "fstatat64", "statx", "statfs", "fstatfs", "statfs64", "fstatfs64",
    "access", "faccessat", "faccessat2", "getdents", "getdents64", "getcwd", "chdir", "fchdir",
    "mkdir", "mkdirat", "rmdir", "unlink", "unlinkat", "rename", "renameat", "renameat2", "link",
    "linkat", "symlink", "symlinkat", "readlink", "readlinkat", "mknod", "mknodat", "truncate",
    "truncate64", "ftruncate", "ftruncate64", "chmod", "fchmod", "fchmodat", "fchmodat2", "chown",
    "fchown", "lchown", "fchownat", "chown32", "fchown32", "lchown32", "utime", "utimes",
    "futimesat", "utimensat", "utimensat_time64", "name_to_handle_at",
    /* Extended attributes. */
    "getxattr", "lgetxattr", "fgetxattr", "setxattr", "lsetxattr", "fsetxattr", "listxattr",
    "llistxattr", "flistxattr", "removexattr", "lremovexattr", "fremovexattr", "getxattrat",
    "setxattrat", "listxattrat", "removexattrat",
    /* Sockets: the families and i386's socketcall are checked by argument (below); libseccomp
     * writes i386's socketcall and ipc rules from these names. */
    "socket", "socketpair", "bind", "connect", "listen", "accept", "accept4", "getsockname",
    "getpeername", "getsockopt", "setsockopt", "shutdown", "sendto", "recvfrom", "send", "recv",
    "sendmsg", "recvmsg", "sendmmsg", "recvmmsg", "recvmmsg_time64",
    /* System V and POSIX IPC, the sandbox's own (its IPC namespace). */
    "semget", "semop", "semtimedop", "semtimedop_time64", "semctl", "shmget", "shmat", "shmdt",
    "shmctl", "msgget", "msgsnd", "msgrcv", "msgctl", "mq_open", "mq_unlink", "mq_timedsend",
    "mq_timedsend_time64", "mq_timedreceive", "mq_timedreceive_time64", "mq_notify",
    "mq_getsetattr",
    /* Other processes, as far as the kernel's own checks let (same user, the sandbox's pid
     * namespace): kcmp tells whether two descriptors are one file (Mesa, CRIU). */
    "kcmp", NULL};

/* Calls denied outright, with the policy's errno. default: what hostile code uses and builds do
 * not: keyrings (shared with the caller's session), the kernel's riskiest interfaces (bpf, perf,
 * userfaultfd, io_uring), the machine's state (modules, kexec, reboot, swap, acct, quotas, the
 * kernel log, the clock), mounts old and new (a payload rearranging its view could uncover what
 * sbox hid), ptrace, other processes' memory and descriptors (process_vm_*, pidfd_getfd), and
 * file handles, which open files by inode and skip the path checks. None is on the allow list:
 * these are named so that they fail with EPERM (a program is told no), not ENOSYS. */
const char *const sbox_seccomp_default_denied[] = {
    "add_key",
    "keyctl",
    "request_key",
    "bpf",
    "perf_event_open",
    "userfaultfd",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "init_module",
    "finit_module",
    "delete_module",
    "create_module",
    "query_module",
    "get_kernel_syms",
    "kexec_load",
    "kexec_file_load",
    "reboot",
    "swapon",
    "swapoff",
    "acct",
    "quotactl",
    "quotactl_fd",
    "syslog",
    "clock_settime",
    "clock_settime64",
    "settimeofday",
    "stime",
    "mount",
    "umount",
    "umount2",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "move_mount",
    "open_tree",
    "mount_setattr",
    "open_tree_attr", /* Linux 6.15: skipped while libseccomp does not know it */
    "pivot_root",
    "chroot",
    "setns",
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "pidfd_getfd",
    "open_by_handle_at",
    NULL,
};

/* nested = yes: what a sandbox inside needs and default refuses (allowed over the deny lists and
 * the namespace flags' rule, before the profile's own rules, which still win): its namespaces
 * (clone, unshare), joining them (setns: the fuse daemons' keeper, the network helper; the kernel
 * lets a process join only namespaces its own user namespace owns), its mounts and its root
 * (pivot_root), and its host name (strict). Nothing else: no ptrace, keyring, bpf, modules. */
const char *const sbox_seccomp_nested_allowed[] = {
    "clone",    "unshare", "setns",      "mount",     "umount2",       "pivot_root",  "fsopen",
    "fsconfig", "fsmount", "move_mount", "open_tree", "mount_setattr", "sethostname", NULL,
};

/* strict takes from the allow list, with the policy's errno, what a build of ordinary code never
 * needs. Each is on the allow list: strict is default and less. */
const char *const sbox_seccomp_strict_denied[] = {
    "kcmp",              /* whether two processes' descriptors are one file */
    "name_to_handle_at", /* file handles */
    "vmsplice",          /* pages of one's memory into a pipe: a history of kernel bugs */
    "unshare",           /* namespaces of any kind, and unsharing descriptors or files */
    "adjtimex",          /* the clock's adjustment, even to read it */
    "clock_adjtime",
    "clock_adjtime64",
    "sethostname", /* the sandbox's host name */
    "setdomainname",
    NULL,
};

/* The namespace flags of clone() and unshare(): a nested user namespace would give the payload
 * every capability again, over a new set of kernel interfaces. CLONE_NEWTIME shares its bit with
 * clone()'s exit signal, so it is checked for unshare() only; clone3() passes its flags in
 * memory, which a filter cannot read, so it answers ENOSYS and the C library falls back to
 * clone(). */
#define NS_FLAGS                                                                                   \
    (CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID |  \
     CLONE_NEWNET)

/* The arguments a call's number selects: clone's flags are its first argument everywhere sbox
 * builds but s390, where the stack comes first. */
#if defined(__s390__) || defined(__s390x__)
#define CLONE_FLAGS_ARG 1
#else
#define CLONE_FLAGS_ARG 0
#endif

const struct sbox_seccomp_when sbox_seccomp_conditional[] = {
    /* Any of the flags: (flags & NS_FLAGS) != 0. */
    {SBOX_SECCOMP_L_DEFAULT, "clone", 1, {{CLONE_FLAGS_ARG, NS_FLAGS, 0, true}}},
    {SBOX_SECCOMP_L_DEFAULT, "unshare", 1, {{0, NS_FLAGS | 0x80 /* CLONE_NEWTIME */, 0, true}}},
    /* What acts on a terminal's line rather than on the screen, a second wall behind the
     * pseudo-terminal sbox gives an interactive payload (terminal.c): the payload of a run with
     * terminal = none holds the caller's terminal itself. TIOCSTI pushes bytes into its input
     * queue and TIOCLINUX can read and paste the console's screen (commands typed into the
     * caller's shell after sbox exits); TIOCSETD changes its line discipline (N_NULL leaves it
     * dead); TIOCCONS takes the console's output; TIOCEXCL makes every later open of it fail
     * (the shell's /dev/tty, a password prompt); TIOCVHANGUP hangs it up; TIOCSCTTY with 1
     * steals it from another session. The kernel's ioctl command is 32 bits. */
    {SBOX_SECCOMP_L_DEFAULT, "ioctl", 1, {{1, SBOX_SECCOMP_LO32, TIOCSTI, false}}},
    {SBOX_SECCOMP_L_DEFAULT, "ioctl", 1, {{1, SBOX_SECCOMP_LO32, TIOCLINUX, false}}},
    {SBOX_SECCOMP_L_DEFAULT, "ioctl", 1, {{1, SBOX_SECCOMP_LO32, TIOCSETD, false}}},
    {SBOX_SECCOMP_L_DEFAULT, "ioctl", 1, {{1, SBOX_SECCOMP_LO32, TIOCCONS, false}}},
    {SBOX_SECCOMP_L_DEFAULT, "ioctl", 1, {{1, SBOX_SECCOMP_LO32, TIOCEXCL, false}}},
    {SBOX_SECCOMP_L_DEFAULT, "ioctl", 1, {{1, SBOX_SECCOMP_LO32, TIOCVHANGUP, false}}},
    {SBOX_SECCOMP_L_DEFAULT,
     "ioctl",
     2,
     {{1, SBOX_SECCOMP_LO32, TIOCSCTTY, false}, {2, SBOX_SECCOMP_LO32, 0, true}}},
    /* i386 programs reach socket() through socketcall(), whose arguments are in memory the
     * filter cannot read: its socket and socketpair are denied rather than left unchecked. */
    {SBOX_SECCOMP_L_DEFAULT,
     "socketcall",
     1,
     {{0, SBOX_SECCOMP_LO32, 1 /* SYS_SOCKET */, false}},
     "socket"},
    {SBOX_SECCOMP_L_DEFAULT,
     "socketcall",
     1,
     {{0, SBOX_SECCOMP_LO32, 8 /* SYS_SOCKETPAIR */, false}},
     "socketpair"},
    /* strict: raw IP sockets (and the old SOCK_PACKET), netlink beyond routing (netfilter, audit,
     * uevents, ...), and device nodes (a FIFO or a plain file from mknod stays possible). */
    {SBOX_SECCOMP_L_STRICT,
     "socket",
     2,
     {{0, SBOX_SECCOMP_LO32, AF_INET, false}, {1, 0xf, SOCK_RAW, false}}},
    {SBOX_SECCOMP_L_STRICT,
     "socket",
     2,
     {{0, SBOX_SECCOMP_LO32, AF_INET6, false}, {1, 0xf, SOCK_RAW, false}}},
    {SBOX_SECCOMP_L_STRICT,
     "socket",
     2,
     {{0, SBOX_SECCOMP_LO32, AF_INET, false}, {1, 0xf, SOCK_PACKET, false}}},
    {SBOX_SECCOMP_L_STRICT,
     "socket",
     2,
     {{0, SBOX_SECCOMP_LO32, AF_NETLINK, false}, {2, SBOX_SECCOMP_LO32, 0, true}}},
    {SBOX_SECCOMP_L_STRICT, "mknod", 1, {{1, S_IFMT, S_IFCHR, false}}},
    {SBOX_SECCOMP_L_STRICT, "mknod", 1, {{1, S_IFMT, S_IFBLK, false}}},
    {SBOX_SECCOMP_L_STRICT, "mknodat", 1, {{2, S_IFMT, S_IFCHR, false}}},
    {SBOX_SECCOMP_L_STRICT, "mknodat", 1, {{2, S_IFMT, S_IFBLK, false}}},
};
_Static_assert(sizeof sbox_seccomp_conditional / sizeof *sbox_seccomp_conditional ==
                   SBOX_SECCOMP_N_CONDITIONAL,
               "SBOX_SECCOMP_N_CONDITIONAL is the conditional table's length");

const uint32_t sbox_seccomp_families[] = {AF_UNIX, AF_INET, AF_INET6, AF_NETLINK};
/* PER_LINUX, PER_LINUX32, their UNAME26 variants, and the query (0xffffffff); not
 * ADDR_NO_RANDOMIZE, READ_IMPLIES_EXEC, MMAP_PAGE_ZERO and the rest. */
static const uint32_t personas[] = {0x0, 0x8, 0x20000, 0x20008, 0xffffffff};

const struct sbox_seccomp_only sbox_seccomp_only_rules[] = {
    {"socket", 0, sbox_seccomp_families,
     sizeof sbox_seccomp_families / sizeof *sbox_seccomp_families},
    {"socketpair", 0, sbox_seccomp_families,
     sizeof sbox_seccomp_families / sizeof *sbox_seccomp_families},
    {"personality", 0, personas, sizeof personas / sizeof *personas},
};
_Static_assert(sizeof sbox_seccomp_only_rules / sizeof *sbox_seccomp_only_rules ==
                   SBOX_SECCOMP_N_ONLY,
               "SBOX_SECCOMP_N_ONLY is the only_rules table's length");

/* --- what the policy says about one call --- */

int sbox_seccomp_profile_rule(const struct sbox_seccomp_policy *pol, const char *name)
{
    for (size_t i = pol->n_rules; i-- > 0;)
        if (strcmp(pol->rules[i].name, name) == 0)
            return pol->rules[i].allow;
    return -1;
}

bool sbox_seccomp_in_list(const char *const *list, const char *name)
{
    for (size_t i = 0; list[i]; i++)
        if (strcmp(list[i], name) == 0)
            return true;
    return false;
}

bool sbox_seccomp_base_has(const struct sbox_seccomp_policy *pol, enum sbox_seccomp_level level,
                           const char *name)
{
    if (pol->base == SBOX_SECCOMP_NONE ||
        (level == SBOX_SECCOMP_L_STRICT && pol->base != SBOX_SECCOMP_STRICT))
        return false;
    return sbox_seccomp_profile_rule(pol, name) < 0;
}

/* Denied whatever the arguments, by the base: argument rules for it are then moot. */
static bool base_denies(const struct sbox_seccomp_policy *pol, const char *name)
{
    return (sbox_seccomp_in_list(sbox_seccomp_default_denied, name) &&
            sbox_seccomp_base_has(pol, SBOX_SECCOMP_L_DEFAULT, name)) ||
           (sbox_seccomp_in_list(sbox_seccomp_strict_denied, name) &&
            sbox_seccomp_base_has(pol, SBOX_SECCOMP_L_STRICT, name));
}

bool sbox_seccomp_base_checks(const struct sbox_seccomp_policy *pol, enum sbox_seccomp_level level,
                              const char *name)
{
    return sbox_seccomp_base_has(pol, level, name) && !base_denies(pol, name);
}

enum sbox_seccomp_answer sbox_seccomp_answer(const struct sbox_seccomp_policy *pol,
                                             const char *name)
{
    int rule = sbox_seccomp_profile_rule(pol, name);
    if (rule == 1 || (rule < 0 && pol->base == SBOX_SECCOMP_NONE))
        return SBOX_SECCOMP_ALLOWED;
    /* clone3 denied is still ENOSYS: the C library falls back to clone on nothing else. */
    if (rule == 0)
        return strcmp(name, "clone3") == 0 ? SBOX_SECCOMP_ABSENT : SBOX_SECCOMP_DENIED;
    if (base_denies(pol, name))
        return SBOX_SECCOMP_DENIED;
    return sbox_seccomp_in_list(sbox_seccomp_allowed, name) ? SBOX_SECCOMP_ALLOWED
                                                            : SBOX_SECCOMP_ABSENT;
}

bool sbox_seccomp_decides(const struct sbox_seccomp_policy *pol, size_t i)
{
    for (size_t j = i + 1; j < pol->n_rules; j++)
        if (strcmp(pol->rules[j].name, pol->rules[i].name) == 0)
            return false;
    return true;
}

int sbox_seccomp_errnum(const struct sbox_seccomp_policy *pol)
{
    return pol->errnum > 0 ? pol->errnum : EPERM;
}

/* Every ABI numbers its calls from base; new calls get the next numbers, the same on all of them
 * since 424. Numbers at end and beyond are other kinds of calls: x32's own (512 on) and arm's
 * private ones (0xf0000 on). */
static const struct sbox_seccomp_abi abis[] = {
#if defined(__x86_64__)
    {SCMP_ARCH_X86_64, AUDIT_ARCH_X86_64, false, 0, 0x40000000},
    {SCMP_ARCH_X86, AUDIT_ARCH_I386, true, 0, 0x40000000},
    {SCMP_ARCH_X32, AUDIT_ARCH_X86_64, false, 0x40000000, 512},
#elif defined(__aarch64__)
    {SCMP_ARCH_AARCH64, AUDIT_ARCH_AARCH64, false, 0, 0x40000000},
    {SCMP_ARCH_ARM, AUDIT_ARCH_ARM, false, 0, 0xf0000},
#else
#define SBOX_NATIVE_ONLY /* the native ABI alone, its token read at run time (see                  \
                            sbox_seccomp_abis) */
#endif
    {0, 0, false, 0, 0},
};

const struct sbox_seccomp_abi *sbox_seccomp_abis(void)
{
#ifdef SBOX_NATIVE_ONLY
    static struct sbox_seccomp_abi native[2];
    native[0] =
        (struct sbox_seccomp_abi){seccomp_arch_native(), seccomp_arch_native(), false, 0, 0};
    return native;
#else
    return abis;
#endif
}

int sbox_seccomp_abi_nr(const struct sbox_seccomp_abi *a, const char *name)
{
    int nr = seccomp_syscall_resolve_name_arch(a->scmp, name);
    if (nr < 0 && a->i386 && strcmp(name, "socket") == 0)
        return 359;
    if (nr < 0 && a->i386 && strcmp(name, "socketpair") == 0)
        return 360;
    return nr < 0 ? -1 : nr;
}
