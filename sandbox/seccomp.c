/* seccomp.c: the built-in policies and the payload's filter, built with libseccomp.
 * Never loads a filter in the parent; the compiled program is plain memory the child installs.
 * The policies are tables: what a call is allowed or denied for is written once, and both the
 * compiler and --dry-run's description read it. */
#include "seccomp.h"
#include "cleanup.h"
#include "util.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

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
static const char *const default_denied[] = {
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

/* strict takes from the allow list, with the policy's errno, what a build of ordinary code never
 * needs. Each is on the allow list: strict is default and less. */
static const char *const strict_denied[] = {
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

enum level { L_DEFAULT, L_STRICT };

/* A denial that depends on arguments: the call is denied when every condition holds (at most
 * two). A condition is (arg & mask) == value, or != value when ne is set, on the argument's low
 * 32 bits: every argument compared here is an int or a 32-bit flag word to the kernel, and
 * comparing all 64 bits would let a payload set the upper ones to slip past (CVE-2017-5226). */
struct cond {
    unsigned arg;
    uint32_t mask;
    uint32_t value;
    bool ne;
};

struct when {
    enum level level;
    const char *name;
    unsigned n;
    struct cond c[2];
    const char *lifted_by; /* a profile allowing this call lifts the rule too */
};

#define LO32 0xffffffffU

/* The arguments a call's number selects: clone's flags are its first argument everywhere sbox
 * builds but s390, where the stack comes first. */
#if defined(__s390__) || defined(__s390x__)
#define CLONE_FLAGS_ARG 1
#else
#define CLONE_FLAGS_ARG 0
#endif

static const struct when conditional[] = {
    /* Any of the flags: (flags & NS_FLAGS) != 0. */
    {L_DEFAULT, "clone", 1, {{CLONE_FLAGS_ARG, NS_FLAGS, 0, true}}},
    {L_DEFAULT, "unshare", 1, {{0, NS_FLAGS | 0x80 /* CLONE_NEWTIME */, 0, true}}},
    /* TIOCSTI pushes bytes into a terminal's input queue and TIOCLINUX can read and paste the
     * console's screen: a payload holding the caller's terminal could type commands into the
     * caller's shell after sbox exits. The kernel's ioctl command is 32 bits. */
    {L_DEFAULT, "ioctl", 1, {{1, LO32, TIOCSTI, false}}},
    {L_DEFAULT, "ioctl", 1, {{1, LO32, TIOCLINUX, false}}},
    /* i386 programs reach socket() through socketcall(), whose arguments are in memory the
     * filter cannot read: its socket and socketpair are denied rather than left unchecked. */
    {L_DEFAULT, "socketcall", 1, {{0, LO32, 1 /* SYS_SOCKET */, false}}, "socket"},
    {L_DEFAULT, "socketcall", 1, {{0, LO32, 8 /* SYS_SOCKETPAIR */, false}}, "socketpair"},
    /* strict: raw IP sockets (and the old SOCK_PACKET), netlink beyond routing (netfilter, audit,
     * uevents, ...), and device nodes (a FIFO or a plain file from mknod stays possible). */
    {L_STRICT, "socket", 2, {{0, LO32, AF_INET, false}, {1, 0xf, SOCK_RAW, false}}},
    {L_STRICT, "socket", 2, {{0, LO32, AF_INET6, false}, {1, 0xf, SOCK_RAW, false}}},
    {L_STRICT, "socket", 2, {{0, LO32, AF_INET, false}, {1, 0xf, SOCK_PACKET, false}}},
    {L_STRICT, "socket", 2, {{0, LO32, AF_NETLINK, false}, {2, LO32, 0, true}}},
    {L_STRICT, "mknod", 1, {{1, S_IFMT, S_IFCHR, false}}},
    {L_STRICT, "mknod", 1, {{1, S_IFMT, S_IFBLK, false}}},
    {L_STRICT, "mknodat", 1, {{2, S_IFMT, S_IFCHR, false}}},
    {L_STRICT, "mknodat", 1, {{2, S_IFMT, S_IFBLK, false}}},
};
#define N_CONDITIONAL (sizeof conditional / sizeof *conditional)

/* Calls allowed only with one of a few values in the low 32 bits of one argument. */
static const uint32_t families[] = {AF_UNIX, AF_INET, AF_INET6, AF_NETLINK};
/* PER_LINUX, PER_LINUX32, their UNAME26 variants, and the query (0xffffffff); not
 * ADDR_NO_RANDOMIZE, READ_IMPLIES_EXEC, MMAP_PAGE_ZERO and the rest. */
static const uint32_t personas[] = {0x0, 0x8, 0x20000, 0x20008, 0xffffffff};

struct only {
    const char *name;
    unsigned arg;
    const uint32_t *values;
    size_t n;
};

static const struct only only_rules[] = {
    {"socket", 0, families, sizeof families / sizeof *families},
    {"socketpair", 0, families, sizeof families / sizeof *families},
    {"personality", 0, personas, sizeof personas / sizeof *personas},
};
#define N_ONLY (sizeof only_rules / sizeof *only_rules)

/* --- what the policy says about one call --- */

/* The last rule naming name: 1 allow, 0 deny, -1 none. */
static int profile_rule(const struct sbox_seccomp_policy *pol, const char *name)
{
    for (size_t i = pol->n_rules; i-- > 0;)
        if (strcmp(pol->rules[i].name, name) == 0)
            return pol->rules[i].allow;
    return -1;
}

static bool in_list(const char *const *list, const char *name)
{
    for (size_t i = 0; list[i]; i++)
        if (strcmp(list[i], name) == 0)
            return true;
    return false;
}

/* Whether the base's rules at level hold for name: the base reaches that level and no profile
 * rule names the call. */
static bool base_has(const struct sbox_seccomp_policy *pol, enum level level, const char *name)
{
    if (pol->base == SBOX_SECCOMP_NONE || (level == L_STRICT && pol->base != SBOX_SECCOMP_STRICT))
        return false;
    return profile_rule(pol, name) < 0;
}

/* Denied whatever the arguments, by the base: argument rules for it are then moot. */
static bool base_denies(const struct sbox_seccomp_policy *pol, const char *name)
{
    return (in_list(default_denied, name) && base_has(pol, L_DEFAULT, name)) ||
           (in_list(strict_denied, name) && base_has(pol, L_STRICT, name));
}

/* Whether an argument rule of the base applies: the call is the base's to decide, and allowed. */
static bool base_checks(const struct sbox_seccomp_policy *pol, enum level level, const char *name)
{
    return base_has(pol, level, name) && !base_denies(pol, name);
}

enum sbox_seccomp_answer sbox_seccomp_answer(const struct sbox_seccomp_policy *pol,
                                             const char *name)
{
    int rule = profile_rule(pol, name);
    if (rule == 1 || (rule < 0 && pol->base == SBOX_SECCOMP_NONE))
        return SBOX_SECCOMP_ALLOWED;
    /* clone3 denied is still ENOSYS: the C library falls back to clone on nothing else. */
    if (rule == 0)
        return strcmp(name, "clone3") == 0 ? SBOX_SECCOMP_ABSENT : SBOX_SECCOMP_DENIED;
    if (base_denies(pol, name))
        return SBOX_SECCOMP_DENIED;
    return in_list(sbox_seccomp_allowed, name) ? SBOX_SECCOMP_ALLOWED : SBOX_SECCOMP_ABSENT;
}

/* Whether rule i is the last naming its call: the one that counts. */
static bool decides(const struct sbox_seccomp_policy *pol, size_t i)
{
    for (size_t j = i + 1; j < pol->n_rules; j++)
        if (strcmp(pol->rules[j].name, pol->rules[i].name) == 0)
            return false;
    return true;
}

static int errnum(const struct sbox_seccomp_policy *pol)
{
    return pol->errnum > 0 ? pol->errnum : EPERM;
}

/* --- compiling --- */

static void ctx_release(scmp_filter_ctx *c)
{
    if (*c)
        seccomp_release(*c);
}

static uint32_t deny_action(const struct sbox_seccomp_policy *pol)
{
    switch (pol->action) {
    case SBOX_SECCOMP_KILL:
        return SCMP_ACT_KILL_PROCESS;
    case SBOX_SECCOMP_LOG:
        return SCMP_ACT_LOG;
    case SBOX_SECCOMP_ERRNO:
        break;
    }
    return SCMP_ACT_ERRNO((uint32_t)errnum(pol));
}

/* What calls answer that must look absent, so programs fall back: ENOSYS, whatever the action
 * (a kill would end every program starting a thread), but for log, which lets everything run. */
static uint32_t nosys_action(const struct sbox_seccomp_policy *pol)
{
    return pol->action == SBOX_SECCOMP_LOG ? SCMP_ACT_LOG : SCMP_ACT_ERRNO(ENOSYS);
}

/* What the program answers calls no rule names: ENOSYS under an allow list, so a call the kernel
 * adds later is refused; under none, everything runs. */
static uint32_t default_action(const struct sbox_seccomp_policy *pol)
{
    return pol->base == SBOX_SECCOMP_NONE ? SCMP_ACT_ALLOW : nosys_action(pol);
}

/* Adds libseccomp's rule for one call, whatever its arguments, unless the program's default
 * (ctx_default) answers the same (libseccomp refuses such a rule). Each call gets one rule at most:
 * of two for one call, libseccomp keeps the first. */
static int add_rule(scmp_filter_ctx ctx, uint32_t ctx_default,
                    const struct sbox_seccomp_policy *pol, const char *name, bool from_base,
                    struct sbox_error *err)
{
    enum sbox_seccomp_answer answer = sbox_seccomp_answer(pol, name);
    uint32_t action = answer == SBOX_SECCOMP_ALLOWED  ? SCMP_ACT_ALLOW
                      : answer == SBOX_SECCOMP_DENIED ? deny_action(pol)
                                                      : nosys_action(pol);
    int nr = seccomp_syscall_resolve_name(name);
    int r;
    if (nr == __NR_SCMP_ERROR) {
        /* A base entry for a call newer than this libseccomp: it answers ENOSYS like every call
         * the library does not know. */
        if (from_base)
            return 0;
        return sbox_error(err, 0, "seccomp: `%s` is not a known system call", name);
    }
    if (action == ctx_default)
        return 0;
    r = seccomp_rule_add(ctx, action, nr, 0);
    /* A pseudo call (socketcall, vm86 on x86_64) the native ABI lacks is added for the others
     * where libseccomp can; it refuses none here, but never fail a base rule on that. */
    if (r < 0 && !(from_base && nr < 0))
        return sbox_error(err, -r, "seccomp: add the rule for %s", name);
    return 0;
}

/* The ABIs the filter covers: the kernel runs their programs, so each gets the same rules (a
 * 32-bit program must not be a way around them). x32 shares x86_64's audit value; its calls are
 * told apart by the number's bit 30, which libseccomp's numbers carry. */
struct abi {
    uint32_t scmp;  /* libseccomp's token */
    uint32_t audit; /* what the kernel puts in seccomp_data.arch */
    bool i386;
    uint32_t base; /* the bit x32's numbers carry */
    uint32_t end;  /* where the ABI's numbering of ordinary calls ends (see below) */
};

/* Every ABI numbers its calls from base; new calls get the next numbers, the same on all of them
 * since 424. Numbers at end and beyond are other kinds of calls: x32's own (512 on) and arm's
 * private ones (0xf0000 on). */
static const struct abi abis[] = {
#if defined(__x86_64__)
    {SCMP_ARCH_X86_64, AUDIT_ARCH_X86_64, false, 0, 0x40000000},
    {SCMP_ARCH_X86, AUDIT_ARCH_I386, true, 0, 0x40000000},
    {SCMP_ARCH_X32, AUDIT_ARCH_X86_64, false, 0x40000000, 512},
#elif defined(__aarch64__)
    {SCMP_ARCH_AARCH64, AUDIT_ARCH_AARCH64, false, 0, 0x40000000},
    {SCMP_ARCH_ARM, AUDIT_ARCH_ARM, false, 0, 0xf0000},
#else
#define SBOX_NATIVE_ONLY /* the native ABI alone, its token read at run time (see covered) */
#endif
    {0, 0, false, 0, 0},
};

/* The ABIs to cover: the table, or elsewhere the native one alone (libseccomp's token is the
 * kernel's audit value), whose numbering sbox does not know (end == 0). */
static const struct abi *covered(void)
{
#ifdef SBOX_NATIVE_ONLY
    static struct abi native[2];
    native[0] = (struct abi){seccomp_arch_native(), seccomp_arch_native(), false, 0, 0};
    return native;
#else
    return abis;
#endif
}

/* The highest call number of abi that libseccomp knows (below end), for the description. */
static uint32_t last_known(const struct abi *a)
{
    /* From the top down, to the first number known: libseccomp looks each one up in a table. */
    for (uint32_t n = (a->end < 1024 ? a->end : 1024); n-- > 0;) {
        char *name = seccomp_syscall_resolve_num_arch(a->scmp, (int)(a->base + n));
        bool known = name != NULL;
        free(name);
        if (known)
            return n;
    }
    return 0;
}

/* A call's number on one ABI, or -1. libseccomp files i386's direct socket calls (Linux 4.3)
 * under socketcall, so the two the argument rules read are written out. */
static int abi_nr(const struct abi *a, const char *name)
{
    int nr = seccomp_syscall_resolve_name_arch(a->scmp, name);
    if (nr < 0 && a->i386 && strcmp(name, "socket") == 0)
        return 359;
    if (nr < 0 && a->i386 && strcmp(name, "socketpair") == 0)
        return 360;
    return nr < 0 ? -1 : nr;
}

/* --- the argument rules: sbox's own instructions before libseccomp's program ---
 *
 * libseccomp cannot deny some uses of a call and allow the rest under a default that refuses
 * (an unconditional rule for a call swallows its conditional ones), nor say "none of these
 * values". So the argument rules are instructions of sbox's own, placed before libseccomp's
 * program, which starts over with its own architecture check. One section per ABI: load the
 * architecture (another ABI jumps past the section), load the number, then per call with rules
 * "not this call: skip its body". A body tests the arguments' low 32 bits and returns deny, or
 * jumps out of the section: one call has one body, so no other can match. Every jump is forward. */

/* One call's rules on one ABI: argument rules (any holding denies) and allowed values. */
struct call_rules {
    uint32_t nr;
    const struct when *when[N_CONDITIONAL];
    size_t n_when;
    const struct only *only;
};

/* Where the low 32 bits of argument n are in struct seccomp_data. */
static uint32_t arg_low(unsigned n)
{
    uint32_t off = (uint32_t)(offsetof(struct seccomp_data, args) + 8 * n);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    off += 4;
#endif
    return off;
}

static size_t cond_size(const struct cond *c)
{
    return c->mask == LO32 ? 2 : 3; /* load, [and], compare */
}

static size_t when_size(const struct when *w)
{
    size_t n = 0;
    for (unsigned c = 0; c < w->n; c++)
        n += cond_size(&w->c[c]);
    return n;
}

/* The body's length: the argument rules, the allowed values (a load and a compare each), the
 * return and the jump out. */
static size_t body_size(const struct call_rules *c)
{
    size_t n = 2 + (c->only ? 1 + c->only->n : 0);
    for (size_t k = 0; k < c->n_when; k++)
        n += when_size(c->when[k]);
    return n;
}

#define STMT(code, k) ((struct sock_filter)BPF_STMT((code), (k)))
#define JEQ(k, jt, jf) ((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (k), (jt), (jf)))

/* Writes the body at b; its last instruction, the jump out, is left for the section to aim.
 * Offsets are relative to the instruction after the jump. */
static void emit_body(struct sock_filter *b, const struct call_rules *c, uint32_t deny)
{
    const size_t size = body_size(c), ret = size - 2, out = size - 1;
    const size_t only_at = ret - (c->only ? 1 + c->only->n : 0);
    size_t i = 0;
    for (size_t k = 0; k < c->n_when; k++) {
        const struct when *w = c->when[k];
        /* A rule that fails goes on to the next one, or after the last to the allowed values
         * (or out). */
        size_t fail_to = k + 1 < c->n_when ? i + when_size(w) : c->only ? only_at : out;
        for (unsigned n = 0; n < w->n; n++) {
            const struct cond *cd = &w->c[n];
            size_t at = i + cond_size(cd) - 1; /* the compare */
            /* A condition that holds goes on to the next, or after the last to the return. */
            uint8_t holds = (uint8_t)(n + 1 < w->n ? 0 : ret - at - 1);
            uint8_t fails = (uint8_t)(fail_to - at - 1);
            b[i++] = STMT(BPF_LD | BPF_W | BPF_ABS, arg_low(cd->arg));
            if (cd->mask != LO32)
                b[i++] = STMT(BPF_ALU | BPF_AND | BPF_K, cd->mask);
            b[i++] = cd->ne ? JEQ(cd->value, fails, holds) : JEQ(cd->value, holds, fails);
        }
    }
    if (c->only) {
        b[i++] = STMT(BPF_LD | BPF_W | BPF_ABS, arg_low(c->only->arg));
        for (size_t v = 0; v < c->only->n; v++, i++)
            b[i] = JEQ(c->only->values[v], (uint8_t)(out - i - 1), 0);
    }
    b[i] = STMT(BPF_RET | BPF_K, deny); /* i == ret */
}

static bool when_applies(const struct sbox_seccomp_policy *pol, const struct when *w)
{
    return base_checks(pol, w->level, w->name) &&
           !(w->lifted_by && profile_rule(pol, w->lifted_by) == 1);
}

/* The calls with rules on one ABI, each once, in the tables' order. Returns how many. */
static size_t collect(const struct sbox_seccomp_policy *pol, const struct abi *a,
                      struct call_rules *calls)
{
    size_t n = 0;
    for (size_t k = 0; k < N_CONDITIONAL + N_ONLY; k++) {
        const char *name =
            k < N_CONDITIONAL ? conditional[k].name : only_rules[k - N_CONDITIONAL].name;
        int nr = abi_nr(a, name);
        struct call_rules *c = NULL;
        if (nr < 0)
            continue;
        for (size_t j = 0; j < n; j++)
            if (calls[j].nr == (uint32_t)nr)
                c = &calls[j];
        if (k < N_CONDITIONAL ? !when_applies(pol, &conditional[k])
                              : !base_checks(pol, L_DEFAULT, name))
            continue;
        if (!c) {
            c = &calls[n++];
            *c = (struct call_rules){.nr = (uint32_t)nr};
        }
        if (k < N_CONDITIONAL)
            c->when[c->n_when++] = &conditional[k];
        else
            c->only = &only_rules[k - N_CONDITIONAL];
    }
    return n;
}

static int build_prefix(const struct sbox_seccomp_policy *pol, struct sock_filter **prog,
                        size_t *len, struct sbox_error *err)
{
    /* libseccomp's actions are the kernel's return values, errno included. */
    const uint32_t deny = deny_action(pol);
    for (const struct abi *a = covered(); a->scmp; a++) {
        struct call_rules calls[N_CONDITIONAL + N_ONLY];
        size_t n = collect(pol, a, calls), size = 4, at, end;
        struct sock_filter *b;
        if (n == 0)
            continue;
        for (size_t k = 0; k < n; k++) {
            size += 1 + body_size(&calls[k]);
            /* The jumps over a body hold 8 bits; the tables' bodies are a few dozen. */
            if (body_size(&calls[k]) > UINT8_MAX)
                return sbox_error(err, E2BIG,
                                  "seccomp: the argument rules of one call are too long");
        }
        *prog = sbox_xrealloc(*prog, (*len + size) * sizeof **prog);
        b = *prog + *len;
        end = size;
        b[0] = STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
        b[1] = JEQ(a->audit, 1, 0);
        b[2] = STMT(BPF_JMP | BPF_JA, (uint32_t)(end - 3));
        b[3] = STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
        at = 4;
        for (size_t k = 0; k < n; k++) {
            size_t body = body_size(&calls[k]);
            b[at] = JEQ(calls[k].nr, 0, (uint8_t)body);
            emit_body(b + at + 1, &calls[k], deny);
            at += 1 + body;
            b[at - 1] = STMT(BPF_JMP | BPF_JA, (uint32_t)(end - at));
        }
        *len += size;
    }
    return 0;
}
#undef STMT
#undef JEQ

/* libseccomp writes its program to a file descriptor: a memfd, read back into memory. */
static int export_bpf(scmp_filter_ctx ctx, struct sock_filter **prog, size_t *len,
                      struct sbox_error *err)
{
    _cleanup_close_ int fd = memfd_create("sbox-seccomp", MFD_CLOEXEC);
    struct stat st;
    size_t n;
    int r;
    if (fd < 0)
        return sbox_error(err, errno, "create a buffer for the seccomp filter");
    r = seccomp_export_bpf(ctx, fd);
    if (r < 0)
        return sbox_error(err, -r, "compile the seccomp filter");
    if (fstat(fd, &st) < 0 || st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) != 0)
        return sbox_error(err, EINVAL, "compile the seccomp filter: unexpected size");
    n = (size_t)st.st_size / sizeof(struct sock_filter);
    *prog = sbox_xrealloc(*prog, (*len + n) * sizeof **prog);
    if (pread(fd, *prog + *len, (size_t)st.st_size, 0) != st.st_size)
        return sbox_error(err, EIO, "read the compiled seccomp filter");
    *len += n;
    return 0;
}

/* A libseccomp context answering def to calls no rule names, for every ABI covered. */
static int new_ctx(scmp_filter_ctx *ret, uint32_t def, struct sbox_error *err)
{
    _cleanup_(ctx_release) scmp_filter_ctx ctx = seccomp_init(def);
    int r;
    if (!ctx)
        return sbox_error(err, ENOMEM, "create the seccomp filter");
    for (const struct abi *a = covered(); a->scmp; a++)
        if (a->scmp != seccomp_arch_native()) {
            r = seccomp_arch_add(ctx, a->scmp);
            if (r < 0 && r != -EEXIST)
                return sbox_error(err, -r, "seccomp: add an architecture");
        }
    /* A binary search over the call numbers rather than one comparison after another: the
     * allow list is a few hundred calls (libseccomp 2.5 on). */
    r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
    if (r < 0)
        return sbox_error(err, -r, "seccomp: ask for a binary search");
    *ret = ctx;
    ctx = NULL;
    return 0;
}

/* What the program of the profile's rules returns for a call they do not name: a value no rule
 * gives (sbox never traces), made a jump to the base's program once the two are joined. */
#define GO_ON SCMP_ACT_TRACE(0x5b0c)

/* The profile's rules alone, compiled by libseccomp at start and appended to *prog: a few rules
 * take it well under a millisecond, where the whole allow list on three ABIs takes it some
 * 20 ms. A rule names a call whatever its arguments, so its answer may come before the base's
 * program: the base's rules for that call, those on arguments too, then never run. */
static int compile_rules(const struct sbox_seccomp_policy *pol, struct sock_filter **prog,
                         size_t *len, struct sbox_error *err)
{
    _cleanup_(ctx_release) scmp_filter_ctx ctx = NULL;
    size_t start = *len;
    int r = new_ctx(&ctx, GO_ON, err);
    if (r < 0)
        return r;
    for (size_t i = 0; i < pol->n_rules; i++)
        if (decides(pol, i) && (r = add_rule(ctx, GO_ON, pol, pol->rules[i].name, false, err)) < 0)
            return r;
    r = export_bpf(ctx, prog, len, err);
    if (r < 0)
        return r;
    for (size_t i = start; i < *len; i++) {
        struct sock_filter *f = &(*prog)[i];
        if (f->code == (BPF_RET | BPF_K) && f->k == GO_ON)
            *f = (struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA, (uint32_t)(*len - i - 1));
    }
    return 0;
}

/* A built-in policy: the program gen-seccomp compiled for it, when sbox has one, with its
 * answers changed when the errno or the action is not the default, after the profile's rules.
 * The program's only returns are allow, errno EPERM (a denial), errno ENOSYS (a call not
 * allowed) and kill (a foreign architecture), so a denial is told by its value; test-seccomp
 * checks the result answers every call as the program libseccomp would make. Returns 1 when
 * it made the program, 0 when there is no build-time program for the base. */
static int from_prebuilt(struct sbox_seccomp *s, const struct sbox_seccomp_policy *pol,
                         struct sbox_error *err)
{
    const uint32_t eperm = SECCOMP_RET_ERRNO | EPERM, enosys = SECCOMP_RET_ERRNO | ENOSYS;
    const struct sbox_seccomp_prebuilt *b = sbox_seccomp_prebuilt;
    struct sock_filter *prog = NULL;
    size_t len = 0, start;
    int r;
    while (b && b->len && b->base != pol->base)
        b++;
    if (!b || !b->len)
        return 0;
    if (pol->n_rules > 0 && (r = compile_rules(pol, &prog, &len, err)) < 0) {
        free(prog);
        return r;
    }
    start = len;
    len += b->len;
    if (len > BPF_MAXINSNS) {
        free(prog);
        return sbox_error(err, E2BIG, "seccomp: the filter has %zu instructions", len);
    }
    prog = sbox_xrealloc(prog, len * sizeof *prog);
    memcpy(prog + start, b->filter, b->len * sizeof *b->filter);
    for (size_t i = start; i < len; i++) {
        struct sock_filter *f = &prog[i];
        if (f->code != (BPF_RET | BPF_K))
            continue;
        if (f->k == eperm)
            f->k = deny_action(pol);
        else if (f->k == enosys)
            f->k = nosys_action(pol);
    }
    s->prog.filter = prog;
    s->prog.len = (unsigned short)len;
    return 1;
}

int sbox_seccomp_compile(struct sbox_seccomp *s, const struct sbox_seccomp_policy *pol,
                         struct sbox_error *err)
{
    int r;
    memset(s, 0, sizeof *s);
    r = from_prebuilt(s, pol, err);
    if (r != 0)
        return r < 0 ? r : 0;
    return sbox_seccomp_compile_fresh(s, pol, err);
}

int sbox_seccomp_compile_fresh(struct sbox_seccomp *s, const struct sbox_seccomp_policy *pol,
                               struct sbox_error *err)
{
    _cleanup_(ctx_release) scmp_filter_ctx ctx = NULL;
    const uint32_t def = default_action(pol);
    struct sock_filter *prog = NULL;
    size_t len = 0;
    int r;

    memset(s, 0, sizeof *s);
    if (!sbox_seccomp_denies_any(pol))
        return 0; /* nothing denied: no filter at all */
    r = new_ctx(&ctx, def, err);
    if (r < 0)
        return r;
    /* Each call once: the tables do not overlap (test-seccomp checks), and a profile rule for a
     * call in them is read there. */
    if (pol->base != SBOX_SECCOMP_NONE) {
        for (size_t i = 0; sbox_seccomp_allowed[i]; i++)
            if ((r = add_rule(ctx, def, pol, sbox_seccomp_allowed[i], true, err)) < 0)
                return r;
        for (size_t i = 0; default_denied[i]; i++)
            if ((r = add_rule(ctx, def, pol, default_denied[i], true, err)) < 0)
                return r;
    }
    for (size_t i = 0; i < pol->n_rules; i++) {
        const char *name = pol->rules[i].name;
        if (!decides(pol, i) ||
            (pol->base != SBOX_SECCOMP_NONE &&
             (in_list(sbox_seccomp_allowed, name) || in_list(default_denied, name))))
            continue;
        if ((r = add_rule(ctx, def, pol, name, false, err)) < 0)
            return r;
    }

    r = build_prefix(pol, &prog, &len, err);
    if (r < 0)
        goto fail;
    r = export_bpf(ctx, &prog, &len, err);
    if (r < 0)
        goto fail;
    if (len > BPF_MAXINSNS) {
        r = sbox_error(err, E2BIG, "seccomp: the filter has %zu instructions", len);
        goto fail;
    }
    s->prog.filter = prog;
    s->prog.len = (unsigned short)len;
    return 0;
fail:
    free(prog);
    return r;
}

int sbox_seccomp_load(const struct sbox_seccomp *s, struct sbox_error *err)
{
    if (s->prog.len == 0)
        return 0;
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &s->prog, 0, 0) < 0)
        return sbox_error(err, errno, "load the seccomp filter");
    return 0;
}

void sbox_seccomp_free(struct sbox_seccomp *s)
{
    free(s->prog.filter);
    memset(s, 0, sizeof *s);
}

bool sbox_seccomp_denies_any(const struct sbox_seccomp_policy *pol)
{
    if (pol->base != SBOX_SECCOMP_NONE)
        return true;
    for (size_t i = 0; i < pol->n_rules; i++)
        if (!pol->rules[i].allow)
            return true;
    return false;
}

/* --- describing --- */

/* Writes words after a lead, wrapped into comment lines of at most width bytes. */
struct wrap {
    FILE *f;
    size_t width, col;
    const char *lead;
};

static void wrap_start(struct wrap *w, FILE *f, size_t width, const char *lead)
{
    *w = (struct wrap){.f = f, .width = width, .lead = lead};
    w->col = (size_t)fprintf(f, ";   %s", lead);
}

static void wrap_word(struct wrap *w, const char *word)
{
    size_t n = strlen(word);
    if (w->col + 1 + n > w->width) {
        fputc('\n', w->f);
        w->col = (size_t)fprintf(w->f, ";      ");
    }
    w->col += (size_t)fprintf(w->f, " %s", word);
}

static void wrap_end(struct wrap *w)
{
    fputc('\n', w->f);
}

static void describe_list(const struct sbox_seccomp_policy *pol, FILE *f, size_t width,
                          const char *lead, enum level level, const char *const *names)
{
    struct wrap w;
    bool any = false;
    for (size_t i = 0; names[i]; i++) {
        if (!base_has(pol, level, names[i]))
            continue;
        if (!any)
            wrap_start(&w, f, width, lead);
        any = true;
        wrap_word(&w, names[i]);
    }
    if (any)
        wrap_end(&w);
}

/* The calls the profile's rules allow (or deny): each call once, where its last rule stands. */
static void describe_rules(const struct sbox_seccomp_policy *pol, FILE *f, size_t width, bool allow,
                           const char *lead)
{
    struct wrap w;
    bool any = false;
    for (size_t i = 0; i < pol->n_rules; i++) {
        if (pol->rules[i].allow != allow || !decides(pol, i))
            continue;
        if (!any)
            wrap_start(&w, f, width, lead);
        any = true;
        wrap_word(&w, pol->rules[i].name);
    }
    if (any)
        wrap_end(&w);
}

/* Whether this machine's ABIs have the call: the allow list names calls of every ABI. */
static bool known_here(const char *name)
{
    for (const struct abi *a = covered(); a->scmp; a++)
        if (abi_nr(a, name) >= 0)
            return true;
    return false;
}

/* The base's allow list as it stands: calls this machine has, neither denied nor named by the
 * profile (its own allows are listed apart). */
static void describe_allowed(const struct sbox_seccomp_policy *pol, FILE *f, size_t width)
{
    struct wrap w;
    size_t n = 0;
    char lead[32];
    for (size_t i = 0; sbox_seccomp_allowed[i]; i++)
        n += base_checks(pol, L_DEFAULT, sbox_seccomp_allowed[i]) &&
             known_here(sbox_seccomp_allowed[i]);
    snprintf(lead, sizeof lead, "allowed (%zu):", n);
    wrap_start(&w, f, width, lead);
    for (size_t i = 0; sbox_seccomp_allowed[i]; i++)
        if (base_checks(pol, L_DEFAULT, sbox_seccomp_allowed[i]) &&
            known_here(sbox_seccomp_allowed[i]))
            wrap_word(&w, sbox_seccomp_allowed[i]);
    wrap_end(&w);
}

void sbox_seccomp_describe(const struct sbox_seccomp_policy *pol, FILE *f, size_t width)
{
    const char *e = strerrorname_np(errnum(pol));
    char what[64];

    if (pol->base == SBOX_SECCOMP_NONE && !sbox_seccomp_denies_any(pol)) {
        fprintf(f, "; seccomp: none: no filter at all, not even against TIOCSTI\n");
        return;
    }
    if (pol->action == SBOX_SECCOMP_ERRNO && e)
        snprintf(what, sizeof what, "fail with %s", e);
    else if (pol->action == SBOX_SECCOMP_ERRNO)
        snprintf(what, sizeof what, "fail with errno %d", errnum(pol));
    else
        snprintf(what, sizeof what, "%s",
                 pol->action == SBOX_SECCOMP_KILL ? "kill the process"
                                                  : "run, and the kernel logs them");
    fprintf(f, "; seccomp: base policy %s; denied calls %s\n", sbox_seccomp_base_names[pol->base],
            what);
    if (pol->base != SBOX_SECCOMP_NONE)
        describe_allowed(pol, f, width);
    describe_list(pol, f, width, "denied:", L_DEFAULT, default_denied);
    describe_list(pol, f, width, "strict also denies:", L_STRICT, strict_denied);
    if (pol->base != SBOX_SECCOMP_NONE)
        fprintf(
            f, ";   any other call, and those newer than libseccomp %u.%u.%u (above %u here): %s\n",
            seccomp_version()->major, seccomp_version()->minor, seccomp_version()->micro,
            last_known(covered()), pol->action == SBOX_SECCOMP_LOG ? "run, logged" : "ENOSYS");
    if (base_has(pol, L_DEFAULT, "clone3") && pol->action != SBOX_SECCOMP_LOG)
        fprintf(f, ";   clone3: ENOSYS too (the C library then uses clone)\n");
    if (base_checks(pol, L_DEFAULT, "clone"))
        fprintf(f, ";   clone: denied with a namespace flag (CLONE_NEWUSER, CLONE_NEWNS, ...)\n");
    if (base_checks(pol, L_DEFAULT, "unshare"))
        fprintf(f, ";   unshare: denied with a namespace flag\n");
    if (base_checks(pol, L_DEFAULT, "ioctl"))
        fprintf(f, ";   ioctl: TIOCSTI and TIOCLINUX denied (the low 32 bits compared)\n");
    for (size_t k = 0; k < N_ONLY; k++) {
        const struct only *o = &only_rules[k];
        if (!base_checks(pol, L_DEFAULT, o->name))
            continue;
        if (o->values == families)
            fprintf(f, ";   %s: families other than AF_UNIX AF_INET AF_INET6 AF_NETLINK denied\n",
                    o->name);
        else
            fprintf(f, ";   %s: values other than 0 0x8 0x20000 0x20008 0xffffffff denied\n",
                    o->name);
    }
    if (base_checks(pol, L_DEFAULT, "socketcall") &&
        (profile_rule(pol, "socket") != 1 || profile_rule(pol, "socketpair") != 1))
        fprintf(f, ";   socketcall (i386): its socket and socketpair denied\n");
    if (base_checks(pol, L_STRICT, "socket"))
        fprintf(
            f, ";   socket: raw IP and SOCK_PACKET, and netlink other than NETLINK_ROUTE denied\n");
    if (base_checks(pol, L_STRICT, "mknod") || base_checks(pol, L_STRICT, "mknodat"))
        fprintf(f, ";   mknod, mknodat: device nodes denied\n");
    describe_rules(pol, f, width, true, "allowed by the profile:");
    describe_rules(pol, f, width, false, "denied by the profile:");
#if defined(__x86_64__)
    fprintf(f, ";   the same rules hold for i386 and x32 programs\n");
#elif defined(__aarch64__)
    fprintf(f, ";   the same rules hold for 32-bit arm programs\n");
#else
    fprintf(f, ";   programs of other ABIs than the native one are killed\n");
#endif
}
