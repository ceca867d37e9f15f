/* seccomp.c: the built-in policies and the payload's filter, built with libseccomp.
 * Never loads a filter in the parent; the compiled program is plain memory the child installs.
 * The policies are tables: what a call is denied for is written once, and both the compiler and
 * --dry-run's description read it. */
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

/* Calls denied outright. default: what hostile code uses and builds do not: keyrings (shared
 * with the caller's session), the kernel's riskiest interfaces (bpf, perf, userfaultfd, io_uring),
 * the machine's state (modules, kexec, reboot, swap, acct, quotas, the kernel log), mounts old
 * and new (a payload rearranging its view could uncover what sbox hid), ptrace, other
 * processes' memory and descriptors (process_vm_*, pidfd_getfd), and file handles, which open files
 * by inode and skip the path checks. */
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
    "open_tree_attr", /* Linux 6.15: skipped while libseccomp does not know it (see below) */
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

/* strict adds what a build of ordinary code never needs: other processes (kcmp,
 * process_madvise), memory placement, file handles and fanotify, vmsplice, namespaces of any
 * kind, the clocks and the host name, and calls kept only for old programs (vm86, modify_ldt,
 * iopl, uselib, sysfs, ustat, ...). */
static const char *const strict_denied[] = {
    "kcmp",
    "process_madvise",
    "process_mrelease",
    "move_pages",
    "migrate_pages",
    "name_to_handle_at",
    "fanotify_init",
    "fanotify_mark",
    "vmsplice",
    "unshare",
    "clock_settime",
    "clock_adjtime",
    "settimeofday",
    "adjtimex",
    "sethostname",
    "setdomainname",
    "vhangup",
    "uselib",
    "sysfs",
    "ustat",
    "_sysctl",
    "nfsservctl",
    "lookup_dcookie",
    "vm86",
    "vm86old",
    "modify_ldt",
    "iopl",
    "ioperm",
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
 * two, on different arguments: libseccomp compares each argument once per rule). A condition
 * is (arg & mask) == value, or != value when ne is set. */
struct cond {
    unsigned arg;
    uint64_t mask;
    uint64_t value;
    bool ne;
};

struct when {
    enum level level;
    const char *name;
    unsigned n;
    struct cond c[2];
    const char *lifted_by; /* a profile allowing this call lifts the rule too */
};

#define LO32 0xffffffffULL
#define BIT(flag)                                                                                  \
    {                                                                                              \
        0, (flag), (flag), false                                                                   \
    }

/* The arguments a call's number selects: clone's flags are its first argument everywhere sbox
 * builds but s390, where the stack comes first. */
#if defined(__s390__) || defined(__s390x__)
#define CLONE_FLAGS_ARG 1
#else
#define CLONE_FLAGS_ARG 0
#endif

static const struct when conditional[] = {
    {L_DEFAULT, "clone", 1, {{CLONE_FLAGS_ARG, CLONE_NEWNS, CLONE_NEWNS, false}}},
    {L_DEFAULT, "clone", 1, {{CLONE_FLAGS_ARG, CLONE_NEWCGROUP, CLONE_NEWCGROUP, false}}},
    {L_DEFAULT, "clone", 1, {{CLONE_FLAGS_ARG, CLONE_NEWUTS, CLONE_NEWUTS, false}}},
    {L_DEFAULT, "clone", 1, {{CLONE_FLAGS_ARG, CLONE_NEWIPC, CLONE_NEWIPC, false}}},
    {L_DEFAULT, "clone", 1, {{CLONE_FLAGS_ARG, CLONE_NEWUSER, CLONE_NEWUSER, false}}},
    {L_DEFAULT, "clone", 1, {{CLONE_FLAGS_ARG, CLONE_NEWPID, CLONE_NEWPID, false}}},
    {L_DEFAULT, "clone", 1, {{CLONE_FLAGS_ARG, CLONE_NEWNET, CLONE_NEWNET, false}}},
    {L_DEFAULT, "unshare", 1, {BIT(CLONE_NEWNS)}},
    {L_DEFAULT, "unshare", 1, {BIT(CLONE_NEWCGROUP)}},
    {L_DEFAULT, "unshare", 1, {BIT(CLONE_NEWUTS)}},
    {L_DEFAULT, "unshare", 1, {BIT(CLONE_NEWIPC)}},
    {L_DEFAULT, "unshare", 1, {BIT(CLONE_NEWUSER)}},
    {L_DEFAULT, "unshare", 1, {BIT(CLONE_NEWPID)}},
    {L_DEFAULT, "unshare", 1, {BIT(CLONE_NEWNET)}},
    {L_DEFAULT, "unshare", 1, {BIT(0x80) /* CLONE_NEWTIME */}},
    /* TIOCSTI pushes bytes into a terminal's input queue and TIOCLINUX can read and paste the
     * console's screen: a payload holding the caller's terminal could type commands into the
     * caller's shell after sbox exits. The kernel's ioctl command is 32 bits, so only those are
     * compared: a filter comparing all 64 is bypassed by setting the upper ones (CVE-2017-5226). */
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

/* Calls allowed only with one of a few values in the low 32 bits of one argument. libseccomp
 * cannot say "none of these" (one comparison per argument), so these are checked by a few
 * instructions of sbox's own placed before libseccomp's program: they deny, or fall through. */
static const uint32_t families[] = {AF_UNIX, AF_INET, AF_INET6, AF_NETLINK};
/* PER_LINUX, PER_LINUX32, their UNAME26 variants, and the query (0xffffffff); not
 * ADDR_NO_RANDOMIZE, READ_IMPLIES_EXEC, MMAP_PAGE_ZERO and the rest. */
static const uint32_t personas[] = {0x0, 0x8, 0x20000, 0x20008, 0xffffffff};

struct only {
    const char *name;
    unsigned arg;
    const uint32_t *values;
    size_t n;
    int i386_nr; /* the direct call's number on i386, which libseccomp files under socketcall */
};

static const struct only only_rules[] = {
    {"socket", 0, families, sizeof families / sizeof *families, 359},
    {"socketpair", 0, families, sizeof families / sizeof *families, 360},
    {"personality", 0, personas, sizeof personas / sizeof *personas, 0},
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

/* Denied whatever the arguments, by the base: conditional rules for it are then moot. */
static bool base_denies(const struct sbox_seccomp_policy *pol, const char *name)
{
    return (in_list(default_denied, name) && base_has(pol, L_DEFAULT, name)) ||
           (in_list(strict_denied, name) && base_has(pol, L_STRICT, name));
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

static int add_rule(scmp_filter_ctx ctx, uint32_t action, const char *name, unsigned n,
                    const struct cond *c, bool from_base, unsigned *added, struct sbox_error *err)
{
    struct scmp_arg_cmp cmp[2];
    int nr = seccomp_syscall_resolve_name(name);
    int r;
    if (nr == __NR_SCMP_ERROR) {
        /* A base rule for a call newer than this libseccomp: the kernel may lack it too. */
        if (from_base)
            return 0;
        return sbox_error(err, 0, "seccomp: `%s` is not a known system call", name);
    }
    for (unsigned i = 0; i < n; i++) {
        cmp[i] = (struct scmp_arg_cmp){.arg = c[i].arg,
                                       .op = c[i].ne ? SCMP_CMP_NE : SCMP_CMP_MASKED_EQ,
                                       .datum_a = c[i].ne ? c[i].value : c[i].mask,
                                       .datum_b = c[i].ne ? 0 : c[i].value};
        if (c[i].ne && c[i].mask != LO32 && c[i].mask != ~0ULL)
            return sbox_error(err, EINVAL, "seccomp: a != rule must compare a whole argument");
    }
    r = seccomp_rule_add_array(ctx, action, nr, n, cmp);
    /* A pseudo call (socketcall, vm86 on x86_64) the native ABI lacks is added for the others
     * where libseccomp can; it refuses none here, but never fail a base rule on that. */
    if (r < 0 && !(from_base && nr < 0))
        return sbox_error(err, -r, "seccomp: add the rule for %s", name);
    if (r == 0)
        (*added)++;
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
    uint32_t end;  /* the numbers after base the unknown-call rule covers (see below) */
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
 * kernel's audit value), without the unknown-call rule, whose numbering sbox knows only for the
 * ABIs above (end == 0). */
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

/* The highest call number of abi that libseccomp knows (below end). */
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

/* The prefix's blocks: each ends in a return or falls through to the next block (and at last
 * to libseccomp's program), so every jump is forward, to the end of its own block. */
#define TO_END(at) ((uint8_t)(size - (at)-1))

/* Reserves a block of size instructions at the end of *prog and writes its first three: load
 * the architecture, leave the block unless it is audit, load the call's number. */
static struct sock_filter *block_start(struct sock_filter **prog, size_t *len, size_t size,
                                       uint32_t audit)
{
    struct sock_filter *b;
    *prog = sbox_xrealloc(*prog, (*len + size) * sizeof **prog);
    b = *prog + *len;
    *len += size;
    b[0] =
        (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
    b[1] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, audit, 0, TO_END(1));
    b[2] =
        (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
    return b;
}

/* Calls newer than libseccomp: the policies cannot name them (a deny list over a kernel newer
 * than the library would let them through: open_tree_attr, a mount call, came in 6.15), so
 * they answer ENOSYS, as for a kernel without them, and programs fall back. One block per ABI:
 * "base + last < nr < base + end: ENOSYS". */
static void emit_unknown(struct sock_filter **prog, size_t *len, const struct abi *a,
                         uint32_t nosys)
{
    const size_t size = 6;
    struct sock_filter *b = block_start(prog, len, size, a->audit);
    b[3] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, a->base + last_known(a), 0,
                                        TO_END(3));
    b[4] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, a->base + a->end, TO_END(4), 0);
    b[5] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, nosys);
}

/* Where the low 32 bits of argument n are in struct seccomp_data. */
static uint32_t arg_low(unsigned n)
{
    uint32_t off = (uint32_t)(offsetof(struct seccomp_data, args) + 8 * n);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    off += 4;
#endif
    return off;
}

/* Appends, for one ABI and one call, "if this is the call and the argument is none of the
 * values, return deny". libseccomp's program, after the prefix, checks the architecture again
 * from scratch. */
static void emit_only(struct sock_filter **prog, size_t *len, uint32_t audit, uint32_t nr,
                      const struct only *o, uint32_t deny)
{
    const size_t size = 6 + o->n;
    struct sock_filter *b = block_start(prog, len, size, audit);
    size_t i = 3;
    b[i] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, TO_END(i));
    i++;
    b[i++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, arg_low(o->arg));
    for (size_t v = 0; v < o->n; v++, i++)
        b[i] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, o->values[v], TO_END(i), 0);
    b[i] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, deny);
}
#undef TO_END

static void build_prefix(const struct sbox_seccomp_policy *pol, struct sock_filter **prog,
                         size_t *len)
{
    if (pol->base != SBOX_SECCOMP_NONE)
        for (const struct abi *a = covered(); a->scmp; a++)
            if (a->end)
                emit_unknown(prog, len, a, nosys_action(pol));
    for (size_t k = 0; k < N_ONLY; k++) {
        const struct only *o = &only_rules[k];
        if (!base_has(pol, L_DEFAULT, o->name) || base_denies(pol, o->name))
            continue;
        for (const struct abi *a = covered(); a->scmp; a++) {
            int nr = seccomp_syscall_resolve_name_arch(a->scmp, o->name);
            if (nr < 0 && a->i386 && o->i386_nr)
                nr = o->i386_nr;
            if (nr >= 0)
                /* libseccomp's actions are the kernel's return values, errno included. */
                emit_only(prog, len, a->audit, (uint32_t)nr, o, deny_action(pol));
        }
    }
}

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

/* A built-in policy with no profile rule: the program gen-seccomp compiled for it, when sbox has
 * one, with its denials' answer changed when the errno or the action (kill) is not the default.
 * The program's only returns are allow, errno EPERM (a denial), errno ENOSYS (clone3) and kill (a
 * foreign architecture), so a denial is told by its value; test-seccomp checks the result is the
 * program libseccomp would make. */
static bool use_prebuilt(struct sbox_seccomp *s, const struct sbox_seccomp_policy *pol)
{
    const uint32_t eperm = SECCOMP_RET_ERRNO | EPERM;
    /* log also lets clone3 run, which libseccomp lays out differently: compiled afresh. */
    if (!sbox_seccomp_prebuilt || pol->n_rules > 0 || pol->action == SBOX_SECCOMP_LOG)
        return false;
    for (const struct sbox_seccomp_prebuilt *b = sbox_seccomp_prebuilt; b->len; b++) {
        if (b->base != pol->base)
            continue;
        s->prog.filter = sbox_xmalloc(b->len * sizeof *b->filter);
        memcpy(s->prog.filter, b->filter, b->len * sizeof *b->filter);
        s->prog.len = b->len;
        for (unsigned i = 0; i < b->len; i++) {
            struct sock_filter *f = &s->prog.filter[i];
            if (f->code != (BPF_RET | BPF_K))
                continue;
            if (f->k == eperm)
                f->k = deny_action(pol);
        }
        return true;
    }
    return false;
}

int sbox_seccomp_compile(struct sbox_seccomp *s, const struct sbox_seccomp_policy *pol,
                         struct sbox_error *err)
{
    memset(s, 0, sizeof *s);
    if (use_prebuilt(s, pol))
        return 0;
    return sbox_seccomp_compile_fresh(s, pol, err);
}

int sbox_seccomp_compile_fresh(struct sbox_seccomp *s, const struct sbox_seccomp_policy *pol,
                               struct sbox_error *err)
{
    _cleanup_(ctx_release) scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    const uint32_t deny = deny_action(pol);
    struct sock_filter *prog = NULL;
    size_t len = 0;
    unsigned added = 0;
    int r;

    memset(s, 0, sizeof *s);
    if (!ctx)
        return sbox_error(err, ENOMEM, "create the seccomp filter");
    for (const struct abi *a = covered(); a->scmp; a++)
        if (a->scmp != seccomp_arch_native()) {
            r = seccomp_arch_add(ctx, a->scmp);
            if (r < 0 && r != -EEXIST)
                return sbox_error(err, -r, "seccomp: add an architecture");
        }

    for (size_t i = 0; default_denied[i]; i++)
        if (base_has(pol, L_DEFAULT, default_denied[i]) &&
            (r = add_rule(ctx, deny, default_denied[i], 0, NULL, true, &added, err)) < 0)
            goto fail;
    for (size_t i = 0; strict_denied[i]; i++)
        if (base_has(pol, L_STRICT, strict_denied[i]) &&
            (r = add_rule(ctx, deny, strict_denied[i], 0, NULL, true, &added, err)) < 0)
            goto fail;
    if (base_has(pol, L_DEFAULT, "clone3") &&
        (r = add_rule(ctx, nosys_action(pol), "clone3", 0, NULL, true, &added, err)) < 0)
        goto fail;
    for (size_t i = 0; i < N_CONDITIONAL; i++) {
        const struct when *w = &conditional[i];
        if (base_has(pol, w->level, w->name) && !base_denies(pol, w->name) &&
            !(w->lifted_by && profile_rule(pol, w->lifted_by) == 1) &&
            (r = add_rule(ctx, deny, w->name, w->n, w->c, true, &added, err)) < 0)
            goto fail;
    }
    for (size_t i = 0; i < pol->n_rules; i++) {
        /* clone3 denied is still ENOSYS: the C library falls back to clone on nothing else. */
        bool is_clone3 = strcmp(pol->rules[i].name, "clone3") == 0;
        if (!pol->rules[i].allow && decides(pol, i) &&
            (r = add_rule(ctx, is_clone3 ? nosys_action(pol) : deny, pol->rules[i].name, 0, NULL,
                          false, &added, err)) < 0)
            goto fail;
    }

    build_prefix(pol, &prog, &len);
    if (added == 0 && len == 0)
        return 0; /* nothing denied: no filter at all */
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

static bool conditional_holds(const struct sbox_seccomp_policy *pol, const char *name,
                              enum level level)
{
    return base_has(pol, level, name) && !base_denies(pol, name);
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
    describe_list(pol, f, width, "denied:", L_DEFAULT, default_denied);
    describe_list(pol, f, width, "strict also denies:", L_STRICT, strict_denied);
    if (base_has(pol, L_DEFAULT, "clone3"))
        fprintf(f, ";   clone3: %s\n",
                pol->action == SBOX_SECCOMP_LOG ? "runs, logged"
                                                : "ENOSYS (the C library then uses clone)");
    if (conditional_holds(pol, "clone", L_DEFAULT))
        fprintf(f, ";   clone: denied with a namespace flag (CLONE_NEWUSER, CLONE_NEWNS, ...)\n");
    if (conditional_holds(pol, "unshare", L_DEFAULT))
        fprintf(f, ";   unshare: denied with a namespace flag\n");
    if (conditional_holds(pol, "ioctl", L_DEFAULT))
        fprintf(f, ";   ioctl: TIOCSTI and TIOCLINUX denied (the low 32 bits compared)\n");
    for (size_t k = 0; k < N_ONLY; k++) {
        const struct only *o = &only_rules[k];
        if (!conditional_holds(pol, o->name, L_DEFAULT))
            continue;
        if (o->values == families)
            fprintf(f, ";   %s: families other than AF_UNIX AF_INET AF_INET6 AF_NETLINK denied\n",
                    o->name);
        else
            fprintf(f, ";   %s: values other than 0 0x8 0x20000 0x20008 0xffffffff denied\n",
                    o->name);
    }
    if (conditional_holds(pol, "socketcall", L_DEFAULT) &&
        (profile_rule(pol, "socket") != 1 || profile_rule(pol, "socketpair") != 1))
        fprintf(f, ";   socketcall (i386): its socket and socketpair denied\n");
    if (pol->base != SBOX_SECCOMP_NONE && covered()->end)
        fprintf(f, ";   calls newer than libseccomp %u.%u.%u knows (above number %u here): %s\n",
                seccomp_version()->major, seccomp_version()->minor, seccomp_version()->micro,
                last_known(covered()), pol->action == SBOX_SECCOMP_LOG ? "run, logged" : "ENOSYS");
    if (conditional_holds(pol, "socket", L_STRICT))
        fprintf(
            f, ";   socket: raw IP and SOCK_PACKET, and netlink other than NETLINK_ROUTE denied\n");
    if (conditional_holds(pol, "mknod", L_STRICT) || conditional_holds(pol, "mknodat", L_STRICT))
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
