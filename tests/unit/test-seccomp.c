/* Unit tests for seccomp*.c: policies compile (none to nothing), and once loaded in a forked
 * child deny what they say with the errno they say, including by argument (TIOCSTI with the
 * upper bits set, socket families, personality values, namespace flags), while the rest works;
 * profile rules override the base both ways; the description names what holds. */
#include "seccomp.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* The errno a raw call ends with: 0 on success. */
static int try(long nr, unsigned long a0, unsigned long a1, unsigned long a2)
{
    long r;
    errno = 0;
    r = syscall(nr, a0, a1, a2, 0, 0, 0);
    if (r == 0 && nr == SYS_clone)
        _exit(0);
    if (r > 0 && nr == SYS_clone)
        waitpid((pid_t)r, NULL, 0);
    if (r > 0 && nr == SYS_socket)
        close((int)r);
    return r < 0 ? errno : 0;
}

struct probe {
    long nr;
    unsigned long a0, a1, a2;
    int want; /* the errno expected, or 0 for "what the kernel answers without a filter" */
    const char *what;
};

/* Runs the probes in a child, with s loaded when given; the results are read from a pipe into
 * got (-1 for none). */
static void probe_child(const struct sbox_seccomp *s, const struct probe *p, size_t n, int *got)
{
    int fds[2];
    pid_t pid;
    for (size_t i = 0; i < n; i++)
        got[i] = -1;
    if (pipe(fds) < 0)
        return;
    pid = fork();
    if (pid == 0) {
        struct sbox_error err = {0};
        close(fds[0]);
        if (s && (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || sbox_seccomp_load(s, &err) < 0))
            _exit(1);
        for (size_t i = 0; i < n; i++) {
            int e = try(p[i].nr, p[i].a0, p[i].a1, p[i].a2);
            if (write(fds[1], &e, sizeof e) != sizeof e)
                _exit(1);
        }
        _exit(0);
    }
    close(fds[1]);
    for (size_t i = 0; i < n; i++)
        if (read(fds[0], &got[i], sizeof got[i]) != sizeof got[i])
            got[i] = -1;
    close(fds[0]);
    waitpid(pid, NULL, 0);
}

/* Loads s in a child and runs the probes there. A call the filter should let through must get
 * the kernel's own answer: the one a child without the filter gets (ENOSYS too, on a kernel
 * that lacks the call), never the filter's. */
static void run(const struct sbox_seccomp *s, const struct probe *p, size_t n, const char *label)
{
    int got[64], bare[64];
    if (n > 64) {
        ok(0, "%s: at most 64 probes", label);
        return;
    }
    probe_child(NULL, p, n, bare);
    probe_child(s, p, n, got);
    for (size_t i = 0; i < n; i++) {
        if (p[i].want)
            ok(got[i] == p[i].want, "%s: %s gets %s (got %d)", label, p[i].what,
               strerrorname_np(p[i].want), got[i]);
        else
            ok(got[i] == bare[i] && got[i] != -1, "%s: %s passes (got %d, the kernel's is %d)",
               label, p[i].what, got[i], bare[i]);
    }
}

/* A classic BPF interpreter for the instructions a seccomp filter may hold, so the filter's
 * answer for another ABI (i386, x32) can be computed even where the kernel runs no such
 * programs. Returns false for an instruction it does not know, so nothing passes by accident. */
static bool simulate(const struct sock_fprog *p, const struct seccomp_data *d, uint32_t *ret)
{
    uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = {0};
    const unsigned char *data = (const unsigned char *)d;
    for (unsigned pc = 0; pc < p->len; pc++) {
        const struct sock_filter *f = &p->filter[pc];
        uint32_t src = BPF_SRC(f->code) == BPF_X ? x : f->k;
        switch (f->code) {
        case BPF_LD | BPF_W | BPF_ABS:
            if (f->k > sizeof *d - 4 || f->k % 4)
                return false;
            memcpy(&a, data + f->k, 4);
            continue;
        case BPF_LD | BPF_IMM:
            a = f->k;
            continue;
        case BPF_LD | BPF_MEM:
            a = mem[f->k % BPF_MEMWORDS];
            continue;
        case BPF_ST:
            mem[f->k % BPF_MEMWORDS] = a;
            continue;
        case BPF_MISC | BPF_TAX:
            x = a;
            continue;
        case BPF_MISC | BPF_TXA:
            a = x;
            continue;
        case BPF_RET | BPF_K:
            *ret = f->k;
            return true;
        case BPF_RET | BPF_A:
            *ret = a;
            return true;
        case BPF_JMP | BPF_JA:
            pc += f->k;
            continue;
        }
        if (BPF_CLASS(f->code) == BPF_ALU) {
            switch (BPF_OP(f->code)) {
            case BPF_AND:
                a &= src;
                continue;
            case BPF_OR:
                a |= src;
                continue;
            case BPF_ADD:
                a += src;
                continue;
            case BPF_SUB:
                a -= src;
                continue;
            case BPF_RSH:
                a >>= (src & 31);
                continue;
            case BPF_LSH:
                a <<= (src & 31);
                continue;
            }
            return false;
        }
        if (BPF_CLASS(f->code) == BPF_JMP) {
            bool t;
            switch (BPF_OP(f->code)) {
            case BPF_JEQ:
                t = a == src;
                break;
            case BPF_JGT:
                t = a > src;
                break;
            case BPF_JGE:
                t = a >= src;
                break;
            case BPF_JSET:
                t = (a & src) != 0;
                break;
            default:
                return false;
            }
            pc += t ? f->jt : f->jf;
            continue;
        }
        return false;
    }
    return false; /* fell off the end: the kernel refuses such a program */
}

static uint32_t verdict3(const struct sbox_seccomp *s, uint32_t arch, int nr, uint64_t a0,
                         uint64_t a1, uint64_t a2)
{
    struct seccomp_data d = {.nr = nr, .arch = arch, .args = {a0, a1, a2}};
    uint32_t r = 0xdead;
    if (!simulate(&s->prog, &d, &r))
        return 0xdead;
    return r;
}

static uint32_t verdict(const struct sbox_seccomp *s, uint32_t arch, int nr, uint64_t a0,
                        uint64_t a1)
{
    return verdict3(s, arch, nr, a0, a1, 0);
}

#if defined(__x86_64__)
/* The same call, through each ABI: i386 and x32 must get the native answer. */
static void same_for_other_abis(const struct sbox_seccomp *s)
{
    static const struct {
        const char *name;
        uint64_t a0, a1;
        bool denied;
    } calls[] = {
        {"add_key", 0, 0, true},
        {"keyctl", 0, 0, true},
        {"request_key", 0, 0, true},
        {"bpf", 0, 0, true},
        {"perf_event_open", 0, 0, true},
        {"userfaultfd", 0, 0, true},
        {"io_uring_setup", 0, 0, true},
        {"init_module", 0, 0, true},
        {"finit_module", 0, 0, true},
        {"kexec_load", 0, 0, true},
        {"reboot", 0, 0, true},
        {"swapon", 0, 0, true},
        {"acct", 0, 0, true},
        {"quotactl", 0, 0, true},
        {"syslog", 0, 0, true},
        {"mount", 0, 0, true},
        {"umount2", 0, 0, true},
        {"fsopen", 0, 0, true},
        {"fsmount", 0, 0, true},
        {"move_mount", 0, 0, true},
        {"open_tree", 0, 0, true},
        {"mount_setattr", 0, 0, true},
        {"pivot_root", 0, 0, true},
        {"chroot", 0, 0, true},
        {"setns", 0, 0, true},
        {"ptrace", 0, 0, true},
        {"process_vm_readv", 0, 0, true},
        {"process_vm_writev", 0, 0, true},
        {"open_by_handle_at", 0, 0, true},
        {"clone", CLONE_NEWUSER | SIGCHLD, 0, true},
        {"clone", CLONE_NEWNS | SIGCHLD, 0, true},
        {"unshare", CLONE_NEWUSER, 0, true},
        {"unshare", CLONE_NEWNET, 0, true},
        {"ioctl", 0, TIOCSTI, true},
        {"ioctl", 0, TIOCLINUX, true},
        {"ioctl", 0, TIOCSETD, true},
        {"ioctl", 0, TIOCCONS, true},
        {"ioctl", 0, TIOCEXCL, true},
        {"ioctl", 0, TIOCVHANGUP, true},
        {"ioctl", 0, TIOCSCTTY, false},
        {"socket", AF_PACKET, 0, true},
        {"socket", AF_VSOCK, 0, true},
        {"socketpair", AF_PACKET, 0, true},
        {"personality", 0x40000, 0, true},
        {"getpid", 0, 0, false},
        {"clone", SIGCHLD, 0, false},
        {"unshare", CLONE_FILES, 0, false},
        {"ioctl", 0, TIOCGWINSZ, false},
        {"socket", AF_INET, 0, false},
        {"socket", AF_UNIX, 0, false},
        {"personality", 0xffffffff, 0, false},
        {"read", 0, 0, false},
    };
    for (size_t i = 0; i < sizeof calls / sizeof *calls; i++) {
        int native = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, calls[i].name);
        int i386 = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86, calls[i].name);
        int x32 = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X32, calls[i].name);
        uint32_t want = verdict(s, AUDIT_ARCH_X86_64, native, calls[i].a0, calls[i].a1);
        /* libseccomp files i386's direct socket calls under socketcall. */
        if (strcmp(calls[i].name, "socket") == 0)
            i386 = 359;
        if (strcmp(calls[i].name, "socketpair") == 0)
            i386 = 360;
        ok(want == (calls[i].denied ? SECCOMP_RET_ERRNO | 4000 : SECCOMP_RET_ALLOW),
           "x86_64: %s(%#llx, %#llx) is %s", calls[i].name, (unsigned long long)calls[i].a0,
           (unsigned long long)calls[i].a1, calls[i].denied ? "denied" : "allowed");
        ok(i386 >= 0 && verdict(s, AUDIT_ARCH_I386, i386, calls[i].a0, calls[i].a1) == want,
           "i386 (%d): %s gets the same answer", i386, calls[i].name);
        ok(x32 >= 0 && verdict(s, AUDIT_ARCH_X86_64, x32, calls[i].a0, calls[i].a1) == want,
           "x32 (%#x): %s gets the same answer", (unsigned)x32, calls[i].name);
    }
    ok(verdict(s, AUDIT_ARCH_I386, 102 /* socketcall */, 1 /* SYS_SOCKET */, 0) ==
           (SECCOMP_RET_ERRNO | 4000),
       "i386: socketcall's socket, whose arguments are unreadable, is denied");
    ok(verdict(s, AUDIT_ARCH_I386, 102, 3 /* SYS_CONNECT */, 0) == SECCOMP_RET_ALLOW,
       "i386: socketcall's connect is allowed");
    ok(verdict(s, AUDIT_ARCH_I386, 435 /* clone3 */, 0, 0) == (SECCOMP_RET_ERRNO | ENOSYS),
       "i386: clone3 answers ENOSYS");
    /* Calls newer than libseccomp (467 is open_tree_attr, a mount call of Linux 6.15). */
    ok(verdict(s, AUDIT_ARCH_X86_64, 467, 0, 0) == (SECCOMP_RET_ERRNO | ENOSYS) &&
           verdict(s, AUDIT_ARCH_I386, 467, 0, 0) == (SECCOMP_RET_ERRNO | ENOSYS) &&
           verdict(s, AUDIT_ARCH_X86_64, 0x40000000 | 467, 0, 0) == (SECCOMP_RET_ERRNO | ENOSYS),
       "x86_64, i386, x32: a call newer than libseccomp answers ENOSYS");
    ok(verdict(s, AUDIT_ARCH_X86_64, 456, 0, 0) == SECCOMP_RET_ALLOW &&
           verdict(s, AUDIT_ARCH_X86_64, 0x40000000 | 520, 0, 0) == SECCOMP_RET_ALLOW,
       "the newest known call, and x32's own calls (512 on), still run");
    ok((verdict(s, AUDIT_ARCH_AARCH64, 0, 0, 0) & SECCOMP_RET_ACTION_FULL) ==
               SECCOMP_RET_KILL_PROCESS ||
           (verdict(s, AUDIT_ARCH_AARCH64, 0, 0, 0) & SECCOMP_RET_ACTION_FULL) ==
               SECCOMP_RET_KILL_THREAD,
       "an ABI the filter does not know is killed");
}
#endif

/* The ABIs the filter covers here, as libseccomp and the kernel name them, with the first call
 * number of each (x32's carry bit 30). */
static const struct {
    uint32_t scmp, audit, base;
    const char *name;
} abis[] = {
#if defined(__x86_64__)
    {SCMP_ARCH_X86_64, AUDIT_ARCH_X86_64, 0, "x86_64"},
    {SCMP_ARCH_X86, AUDIT_ARCH_I386, 0, "i386"},
    {SCMP_ARCH_X32, AUDIT_ARCH_X86_64, 0x40000000, "x32"},
#elif defined(__aarch64__)
    {SCMP_ARCH_AARCH64, AUDIT_ARCH_AARCH64, 0, "aarch64"},
    {SCMP_ARCH_ARM, AUDIT_ARCH_ARM, 0, "arm"},
#endif
    {0, 0, 0, NULL},
};

/* What the program must return for a call the tables answer so, with every argument 0 and the
 * policy's errno 4000. socket and socketpair with family 0 (AF_UNSPEC) are denied by argument. */
static uint32_t expected(const struct sbox_seccomp_policy *pol, const char *name)
{
    switch (sbox_seccomp_answer(pol, name)) {
    case SBOX_SECCOMP_ALLOWED:
        if (strcmp(name, "socket") == 0 || strcmp(name, "socketpair") == 0)
            return SECCOMP_RET_ERRNO | 4000;
        return SECCOMP_RET_ALLOW;
    case SBOX_SECCOMP_DENIED:
        return SECCOMP_RET_ERRNO | 4000;
    case SBOX_SECCOMP_ABSENT:
        break;
    }
    return SECCOMP_RET_ERRNO | ENOSYS;
}

/* Every call number libseccomp knows on every ABI the filter covers gets from the compiled
 * program the answer sbox_seccomp_answer gives by name: the program is the tables. */
static void program_is_tables(const struct sbox_seccomp *s, const struct sbox_seccomp_policy *pol,
                              const char *label)
{
    for (size_t a = 0; abis[a].name; a++) {
        unsigned n_calls = 0, allowed = 0, wrong = 0;
        for (uint32_t n = 0; n < 1024; n++) {
            char *name = seccomp_syscall_resolve_num_arch(abis[a].scmp, (int)(abis[a].base + n));
            uint32_t want, got;
            if (!name)
                continue;
            want = expected(pol, name);
            got = verdict(s, abis[a].audit, (int)(abis[a].base + n), 0, 0);
            n_calls++;
            allowed += want == SECCOMP_RET_ALLOW;
            if (got != want && wrong++ < 5)
                printf("# %s %s: %s (%u) gets %#x, the tables say %#x\n", label, abis[a].name, name,
                       n, got, want);
            free(name);
        }
        ok(n_calls > 300 && wrong == 0,
           "%s, %s: each of the %u calls libseccomp knows gets the tables' answer (%u allowed)",
           label, abis[a].name, n_calls, allowed);
    }
}

/* Whether two programs answer alike every call number below 1024 on every ABI covered, with
 * arguments that reach each argument rule (namespace flags, TIOCSTI, socket families and types,
 * netlink protocols, device nodes, socketcall's calls, personalities). */
static bool same_answers(const struct sbox_seccomp *a, const struct sbox_seccomp *b,
                         const char *label)
{
    static const uint64_t args[][3] = {
        {0, 0, 0},
        {CLONE_NEWUSER | SIGCHLD, TIOCSTI, 0},
        {CLONE_NEWNET, TIOCLINUX, 0},
        {AF_PACKET, SOCK_RAW, 0},
        {AF_INET, SOCK_RAW, 0},
        {AF_NETLINK, SOCK_RAW, 9},
        {AF_UNIX, S_IFCHR, S_IFCHR},
        {1 /* SYS_SOCKET */, 0, 0},
        {3 /* SYS_CONNECT */, 0, 0},
        {8 /* SYS_SOCKETPAIR */, 0, 0},
        {0x40000 /* ADDR_NO_RANDOMIZE */, 0, 0},
    };
    unsigned wrong = 0;
    for (size_t k = 0; abis[k].name; k++)
        for (uint32_t n = 0; n < 1024; n++)
            for (size_t v = 0; v < sizeof args / sizeof *args; v++) {
                int nr = (int)(abis[k].base + n);
                uint32_t x = verdict3(a, abis[k].audit, nr, args[v][0], args[v][1], args[v][2]);
                uint32_t y = verdict3(b, abis[k].audit, nr, args[v][0], args[v][1], args[v][2]);
                if (x != y && wrong++ < 3)
                    printf("# %s: %s call %u, arguments %#llx %#llx: %#x, and %#x\n", label,
                           abis[k].name, n, (unsigned long long)args[v][0],
                           (unsigned long long)args[v][1], x, y);
            }
    return wrong == 0 && a->prog.len > 0 && b->prog.len > 0;
}

/* The program sbox makes at start (the profile's rules before the build-time program, its
 * answers changed) answers every call as the one libseccomp compiles for the whole policy. */
static void start_is_fresh(const struct sbox_seccomp_policy *pol, const char *label)
{
    for (int x32 = 1; x32 >= 0; x32--) {
        struct sbox_seccomp s, fresh;
        struct sbox_error err = {0};
        bool made = sbox_seccomp_compile_abis(&s, pol, x32, &err) == 0;
        made &= sbox_seccomp_compile_fresh(&fresh, pol, x32, &err) == 0;
        ok(made && same_answers(&s, &fresh, label),
           "%s%s: the program made at start answers as the one libseccomp compiles (%u and %u "
           "instructions)",
           label, x32 ? "" : ", without x32", s.prog.len, fresh.prog.len);
        if (made) {
            sbox_seccomp_free(&s);
            sbox_seccomp_free(&fresh);
        }
    }
}

/* A program without x32 answers every x86_64 and i386 call, whatever its arguments, as the one
 * with it, and every x32 call as absent (ENOSYS; logged and run under action log), in a third
 * fewer instructions. */
static void x32_left_out(const struct sbox_seccomp_policy *pol, const char *label)
{
    static const uint64_t args[][2] = {
        {0, 0}, {CLONE_NEWUSER | SIGCHLD, TIOCSTI}, {AF_PACKET, SOCK_RAW}, {AF_UNIX, 0}};
    const uint32_t absent =
        pol->action == SBOX_SECCOMP_LOG ? SECCOMP_RET_LOG : SECCOMP_RET_ERRNO | ENOSYS;
    struct sbox_seccomp full, part;
    struct sbox_error err = {0};
    unsigned wrong = 0, x32_wrong = 0, x32s = 0;
    bool made = sbox_seccomp_compile_abis(&full, pol, true, &err) == 0;
    made &= sbox_seccomp_compile_abis(&part, pol, false, &err) == 0;
    for (size_t k = 0; made && abis[k].name; k++)
        for (uint32_t n = 0; n < 1024; n++)
            for (size_t v = 0; v < sizeof args / sizeof *args; v++) {
                int nr = (int)(abis[k].base + n);
                uint32_t x = verdict(&full, abis[k].audit, nr, args[v][0], args[v][1]);
                uint32_t y = verdict(&part, abis[k].audit, nr, args[v][0], args[v][1]);
                if (abis[k].base) {
                    x32s++;
                    x32_wrong += y != absent;
                } else if (x != y && wrong++ < 3) {
                    printf("# %s: %s call %u: %#x with x32, %#x without\n", label, abis[k].name, n,
                           x, y);
                }
            }
    ok(made && wrong == 0 && x32_wrong == 0 && (x32s > 0) == (abis[2].name != NULL) &&
           (x32s == 0 || part.prog.len * 5 < full.prog.len * 4),
       "%s: without x32, every other ABI's call answers the same, x32's %u answer ENOSYS "
       "(%u instructions, against %u)",
       label, x32s, part.prog.len, full.prog.len);
    if (made) {
        sbox_seccomp_free(&full);
        sbox_seccomp_free(&part);
    }
}

/* Calls on the allow list that libseccomp 2.5.4 does not know yet: skipped until it does. */
static const char *const newer_than_libseccomp[] = {
    "mseal", "getxattrat", "setxattrat", "listxattrat", "removexattrat", NULL,
};

/* The tables are consistent: each allowed name once, known to libseccomp (a typo would be
 * skipped silently), allowed by default (never on a deny table too); strict never allows what
 * default does not, and denies (EPERM) only what default allows or denies. */
static void tables_hold(void)
{
    const struct sbox_seccomp_policy def = {.base = SBOX_SECCOMP_DEFAULT};
    const struct sbox_seccomp_policy strict = {.base = SBOX_SECCOMP_STRICT};
    size_t n = 0, dups = 0, unknown = 0, not_allowed = 0, looser = 0;
    for (size_t i = 0; sbox_seccomp_allowed[i]; i++, n++) {
        const char *name = sbox_seccomp_allowed[i];
        bool newer = false;
        for (size_t j = 0; j < i; j++)
            dups += strcmp(sbox_seccomp_allowed[j], name) == 0;
        for (size_t j = 0; newer_than_libseccomp[j]; j++)
            newer |= strcmp(newer_than_libseccomp[j], name) == 0;
        if (seccomp_syscall_resolve_name(name) == __NR_SCMP_ERROR && !newer) {
            printf("# not a call libseccomp knows: %s\n", name);
            unknown++;
        }
        if (sbox_seccomp_answer(&def, name) != SBOX_SECCOMP_ALLOWED) {
            printf("# on the allow list, but not allowed by default: %s\n", name);
            not_allowed++;
        }
    }
    ok(n > 300 && dups == 0, "the allow list names %zu calls, each once", n);
    ok(unknown == 0, "every name on the allow list is a call (or one newer than libseccomp)");
    ok(not_allowed == 0, "default allows every call on the allow list");
    for (size_t a = 0; abis[a].name; a++)
        for (uint32_t k = 0; k < 1024; k++) {
            char *name = seccomp_syscall_resolve_num_arch(abis[a].scmp, (int)(abis[a].base + k));
            enum sbox_seccomp_answer d, st;
            if (!name)
                continue;
            d = sbox_seccomp_answer(&def, name);
            st = sbox_seccomp_answer(&strict, name);
            if ((st == SBOX_SECCOMP_ALLOWED && d != SBOX_SECCOMP_ALLOWED) ||
                (st == SBOX_SECCOMP_DENIED && d == SBOX_SECCOMP_ABSENT)) {
                printf("# strict answers %s differently: %d, default %d\n", name, st, d);
                looser++;
            }
            free(name);
        }
    ok(looser == 0, "strict allows nothing default does not, and denies only what default names");
}

static int compile(struct sbox_seccomp *s, const struct sbox_seccomp_policy *pol)
{
    struct sbox_error err = {0};
    /* x32 included, whatever this kernel runs, so its answers are checked too. */
    int r = sbox_seccomp_compile_abis(s, pol, true, &err);
    if (r < 0)
        printf("# %s\n", err.msg);
    return r;
}

int main(void)
{
    struct sbox_seccomp s;
    struct sbox_seccomp_policy pol = {.base = SBOX_SECCOMP_DEFAULT, .errnum = 4000};
    unsigned strict_len;
    char *text = NULL;
    size_t len = 0;
    FILE *f;
    int pty;

    tables_hold();
    ok(compile(&s, &pol) == 0 && s.prog.len > 0, "default compiles (%u instructions)", s.prog.len);
    pty = posix_openpt(O_RDWR | O_NOCTTY);
    if (pty < 0 || grantpt(pty) < 0 || unlockpt(pty) < 0)
        pty = 0;
    {
        const struct probe p[] = {
            {SYS_bpf, 0, 0, 0, 4000, "bpf"},
            {SYS_keyctl, 0, 0, 0, 4000, "keyctl"},
            {SYS_ptrace, 2, 1, 0, 4000, "ptrace"},
            {SYS_mount, 0, 0, 0, 4000, "mount"},
            {SYS_fsopen, 0, 0, 0, 4000, "fsopen"},
            {SYS_clone3, 0, 0, 0, ENOSYS, "clone3"},
            {SYS_ioctl, (unsigned long)pty, TIOCSTI, 0, 4000, "TIOCSTI"},
            {SYS_ioctl, (unsigned long)pty, 0xffffffff00000000UL | TIOCSTI, 0, 4000,
             "TIOCSTI with the upper bits set"},
            {SYS_ioctl, (unsigned long)pty, TIOCLINUX, 0, 4000, "TIOCLINUX"},
            {SYS_ioctl, (unsigned long)pty, TIOCSETD, 0, 4000, "TIOCSETD"},
            {SYS_ioctl, (unsigned long)pty, TIOCEXCL, 0, 4000, "TIOCEXCL"},
            {SYS_ioctl, (unsigned long)pty, TIOCSCTTY, 1, 4000, "TIOCSCTTY stealing"},
            {SYS_ioctl, (unsigned long)pty, TIOCGWINSZ, 0, 0, "TIOCGWINSZ"},
            {SYS_socket, AF_PACKET, SOCK_RAW, 0, 4000, "socket(AF_PACKET)"},
            {SYS_socket, 0x100000000UL | AF_PACKET, SOCK_RAW, 0, 4000,
             "socket(AF_PACKET) with the upper bits set"},
            {SYS_socket, AF_VSOCK, SOCK_STREAM, 0, 4000, "socket(AF_VSOCK)"},
            {SYS_socket, AF_UNIX, SOCK_STREAM, 0, 0, "socket(AF_UNIX)"},
            {SYS_socket, AF_INET6, SOCK_DGRAM, 0, 0, "socket(AF_INET6)"},
            {SYS_personality, 0x0040000, 0, 0, 4000, "personality(ADDR_NO_RANDOMIZE)"},
            {SYS_personality, 0xffffffff, 0, 0, 0, "personality(query)"},
            {SYS_unshare, CLONE_NEWUSER, 0, 0, 4000, "unshare(CLONE_NEWUSER)"},
            {SYS_unshare, 0x80, 0, 0, 4000, "unshare(CLONE_NEWTIME)"},
            {SYS_unshare, CLONE_FILES, 0, 0, 0, "unshare(CLONE_FILES)"},
            {SYS_clone, CLONE_NEWNET | SIGCHLD, 0, 0, 4000, "clone(CLONE_NEWNET)"},
            {SYS_clone, SIGCHLD, 0, 0, 0, "clone(SIGCHLD)"},
            {SYS_kcmp, 0, 0, 0, 0, "kcmp"},
            {SYS_getpid, 0, 0, 0, 0, "getpid"},
            /* Not on the allow list: absent, as on a kernel without them (no NUMA, no fanotify),
             * whatever errno the policy gives its denials. */
            {SYS_move_pages, 0, 0, 0, ENOSYS, "move_pages"},
            {SYS_mbind, 0, 0, 0, ENOSYS, "mbind"},
            {SYS_migrate_pages, 0, 0, 0, ENOSYS, "migrate_pages"},
            {SYS_fanotify_init, 0, 0, 0, ENOSYS, "fanotify_init"},
            {SYS_process_madvise, -1UL, 0, 0, ENOSYS, "process_madvise"},
            {SYS_remap_file_pages, 0, 0, 0, ENOSYS, "remap_file_pages"},
            {SYS_clock_settime, 0, 0, 0, 4000, "clock_settime"},
            /* What glibc and the runtimes call, new ones included, is the kernel's to answer. */
            {SYS_statx, -1UL, 0, 0, 0, "statx"},
            {SYS_faccessat2, -1UL, 0, 0, 0, "faccessat2"},
            {SYS_openat2, -1UL, 0, 0, 0, "openat2"},
            {SYS_close_range, ~0U, ~0U, 0, 0, "close_range"},
            {SYS_rseq, 0, 0, 0, 0, "rseq"},
            {SYS_pidfd_open, 0, 0, 0, 0, "pidfd_open"},
            {SYS_epoll_pwait2, -1UL, 0, 0, 0, "epoll_pwait2"},
            {SYS_futex_waitv, 0, 0, 0, 0, "futex_waitv"},
            {SYS_getrandom, 0, 0, 0, 0, "getrandom"},
            {SYS_memfd_create, 0, 0, 0, 0, "memfd_create"},
            {452 /* fchmodat2 */, -1UL, 0, 0, 0, "fchmodat2"},
            {451 /* cachestat */, -1UL, 0, 0, 0, "cachestat"},
        };
        run(&s, p, sizeof p / sizeof *p, "default");
    }
#if defined(__x86_64__)
    same_for_other_abis(&s);
#endif
    program_is_tables(&s, &pol, "default");
    sbox_seccomp_free(&s);
    ok(s.prog.filter == NULL && s.prog.len == 0, "free releases the program");

    pol.base = SBOX_SECCOMP_STRICT;
    ok(compile(&s, &pol) == 0 && s.prog.len > 0, "strict compiles (%u instructions)", s.prog.len);
    strict_len = s.prog.len;
    {
        const struct probe p[] = {
            {SYS_kcmp, 0, 0, 0, 4000, "kcmp"},
            {SYS_unshare, CLONE_FILES, 0, 0, 4000, "unshare(CLONE_FILES)"},
            {SYS_socket, AF_INET, SOCK_RAW, 1, 4000, "socket(AF_INET, SOCK_RAW)"},
            {SYS_socket, AF_INET6, SOCK_RAW | SOCK_CLOEXEC, 1, 4000, "socket(AF_INET6, SOCK_RAW)"},
            {SYS_socket, AF_NETLINK, SOCK_RAW, 9, 4000, "socket(NETLINK_AUDIT)"},
            {SYS_socket, AF_NETLINK, SOCK_RAW, 0, 0, "socket(NETLINK_ROUTE)"},
            {SYS_bpf, 0, 0, 0, 4000, "bpf"},
            {SYS_move_pages, 0, 0, 0, ENOSYS, "move_pages"},
            {SYS_fanotify_init, 0, 0, 0, ENOSYS, "fanotify_init"},
            {SYS_getpid, 0, 0, 0, 0, "getpid"},
        };
        run(&s, p, sizeof p / sizeof *p, "strict");
    }
    program_is_tables(&s, &pol, "strict");
    sbox_seccomp_free(&s);

    /* With the default errno: denied calls fail with EPERM, absent ones with ENOSYS. */
    pol = (struct sbox_seccomp_policy){.base = SBOX_SECCOMP_DEFAULT};
    ok(compile(&s, &pol) == 0, "default with EPERM compiles");
    {
        const struct probe p[] = {
            {SYS_bpf, 0, 0, 0, EPERM, "bpf (denied)"},
            {SYS_mount, 0, 0, 0, EPERM, "mount (denied)"},
            {SYS_move_pages, 0, 0, 0, ENOSYS, "move_pages (not allowed)"},
            {SYS_fanotify_init, 0, 0, 0, ENOSYS, "fanotify_init (not allowed)"},
            {SYS_mbind, 0, 0, 0, ENOSYS, "mbind (not allowed)"},
            {SYS_clone3, 0, 0, 0, ENOSYS, "clone3"},
            {SYS_getppid, 0, 0, 0, 0, "getppid"},
        };
        run(&s, p, sizeof p / sizeof *p, "default, EPERM");
    }
    sbox_seccomp_free(&s);

    pol.base = SBOX_SECCOMP_NONE;
    ok(compile(&s, &pol) == 0 && s.prog.len == 0 && !sbox_seccomp_denies_any(&pol),
       "none compiles to no filter at all");
    {
        struct sbox_error err = {0};
        ok(sbox_seccomp_load(&s, &err) == 0, "loading no filter does nothing");
    }

    {
        const struct sbox_seccomp_rule rules[] = {
            {"getppid", false}, {"setns", true}, {"personality", true}, {"clone", true},
            {"mount", false},   {"mount", true}, {"ptrace", true},      {"ptrace", false},
        };
        pol = (struct sbox_seccomp_policy){.base = SBOX_SECCOMP_DEFAULT,
                                           .rules = rules,
                                           .n_rules = sizeof rules / sizeof *rules,
                                           .errnum = EACCES};
        ok(compile(&s, &pol) == 0, "default with profile rules compiles");
#if defined(__x86_64__)
        ok(verdict(&s, AUDIT_ARCH_I386, 102, 1, 0) == (SECCOMP_RET_ERRNO | EACCES),
           "i386 socketcall's socket stays denied while socket is not allowed");
#endif
        {
            const struct probe p[] = {
                {SYS_getppid, 0, 0, 0, EACCES, "denied getppid"},
                {SYS_setns, -1UL, 0, 0, 0, "allowed setns"},
                {SYS_personality, 0x0040000, 0, 0, 0, "allowed personality(ADDR_NO_RANDOMIZE)"},
                {SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, "allowed clone(CLONE_NEWUSER)"},
                {SYS_mount, 0, 0, 0, 0, "mount denied, then allowed"},
                {SYS_ptrace, 2, 1, 0, EACCES, "ptrace allowed, then denied"},
                {SYS_keyctl, 0, 0, 0, EACCES, "keyctl, still denied with EACCES"},
            };
            run(&s, p, sizeof p / sizeof *p, "rules");
        }
        sbox_seccomp_free(&s);

        f = open_memstream(&text, &len);
        sbox_seccomp_describe(&pol, f, 100);
        fclose(f);
        ok(strstr(text, "base policy default; denied calls fail with EACCES") != NULL,
           "describe: base and errno");
        ok(strstr(text, "allowed by the profile: setns personality clone mount") != NULL,
           "describe: the profile's allows, in order, once each");
        ok(strstr(text, "denied by the profile: getppid ptrace") != NULL,
           "describe: the profile's denies");
        ok(strstr(text, "chroot setns") == NULL && strstr(text, "personality: values") == NULL &&
               strstr(text, "clone: denied") == NULL,
           "describe: allowed calls leave the base's lists");
        {
            int longest = 0;
            for (char *l = strtok(text, "\n"); l; l = strtok(NULL, "\n"))
                if ((int)strlen(l) > longest)
                    longest = (int)strlen(l);
            ok(longest <= 100, "describe: lines are wrapped (longest %d)", longest);
        }
        free(text);
    }

#if defined(__x86_64__)
    {
        const struct sbox_seccomp_rule rules[] = {{"socket", true}, {"clone3", false}};
        pol = (struct sbox_seccomp_policy){
            .base = SBOX_SECCOMP_DEFAULT, .rules = rules, .n_rules = 2, .errnum = 4000};
        ok(compile(&s, &pol) == 0, "allow socket, deny clone3: compiles");
        ok(verdict(&s, AUDIT_ARCH_I386, 102, 1, 0) == SECCOMP_RET_ALLOW &&
               verdict(&s, AUDIT_ARCH_I386, 102, 8, 0) == (SECCOMP_RET_ERRNO | 4000),
           "allow = socket lifts i386 socketcall's socket (not its socketpair)");
        ok(verdict(&s, AUDIT_ARCH_X86_64, 435, 0, 0) == (SECCOMP_RET_ERRNO | ENOSYS),
           "deny = clone3 still answers ENOSYS");
        sbox_seccomp_free(&s);
    }
#endif
    {
        const struct sbox_seccomp_rule rules[] = {{"getpid", false}};
        pol = (struct sbox_seccomp_policy){
            .base = SBOX_SECCOMP_NONE, .rules = rules, .n_rules = 1, .errnum = 4000};
        ok(compile(&s, &pol) == 0 && s.prog.len > 0 && s.prog.len < strict_len,
           "none with a deny rule: a small filter (%u)", s.prog.len);
        {
            const struct probe p[] = {
                {SYS_getpid, 0, 0, 0, 4000, "getpid"},
                {SYS_setns, -1UL, 0, 0, 0, "setns"},
            };
            run(&s, p, sizeof p / sizeof *p, "none+deny");
        }
        sbox_seccomp_free(&s);
    }
    {
        /* allow = NAME adds a call the list leaves out; deny = NAME of one makes it EPERM-like. */
        const struct sbox_seccomp_rule rules[] = {
            {"move_pages", true}, {"fanotify_init", true}, {"mbind", false}};
        pol = (struct sbox_seccomp_policy){
            .base = SBOX_SECCOMP_DEFAULT, .rules = rules, .n_rules = 3, .errnum = 4000};
        ok(compile(&s, &pol) == 0, "allow move_pages, fanotify_init, deny mbind: compiles");
        {
            const struct probe p[] = {
                {SYS_move_pages, 0, 0, 0, 0, "allowed move_pages"},
                {SYS_fanotify_init, 0, 0, 0, 0, "allowed fanotify_init"},
                {SYS_mbind, 0, 0, 0, 4000, "denied mbind"},
                {SYS_migrate_pages, 0, 0, 0, ENOSYS, "migrate_pages, still not allowed"},
                {SYS_bpf, 0, 0, 0, 4000, "bpf, still denied"},
            };
            run(&s, p, sizeof p / sizeof *p, "allow absent calls");
        }
        program_is_tables(&s, &pol, "allow absent calls");
        sbox_seccomp_free(&s);
        pol.base = SBOX_SECCOMP_STRICT;
        ok(compile(&s, &pol) == 0, "strict with the same rules compiles");
        program_is_tables(&s, &pol, "strict, allow absent calls");
        ok(verdict(&s, abis[0].audit, SYS_move_pages, 0, 0) == SECCOMP_RET_ALLOW,
           "strict: the profile's allow = move_pages holds over strict too");
        sbox_seccomp_free(&s);
        f = open_memstream(&text, &len);
        sbox_seccomp_describe(&pol, f, 100);
        fclose(f);
        ok(strstr(text, "allowed by the profile: move_pages fanotify_init") != NULL &&
               strstr(text, "denied by the profile: mbind") != NULL,
           "describe: the profile's rules over the allow list");
        {
            char *allowed = strstr(text, "allowed (");
            char *end = allowed ? strstr(allowed, ";   denied:") : NULL;
            if (end)
                *end = '\0';
            ok(end && strstr(allowed, " read ") && !strstr(allowed, " kcmp") &&
                   !strstr(allowed, " move_pages") && end[1] == ' ' &&
                   strstr(end + 1, "any other call") && strstr(end + 1, "ENOSYS"),
               "describe: strict's allow list, without what strict denies, and ENOSYS for the "
               "rest");
        }
        free(text);
        text = NULL;
    }
    {
        const struct sbox_seccomp_rule rules[] = {{"nosuchcall", false}};
        struct sbox_error err = {0};
        pol = (struct sbox_seccomp_policy){
            .base = SBOX_SECCOMP_DEFAULT, .rules = rules, .n_rules = 1};
        ok(sbox_seccomp_compile(&s, &pol, &err) < 0 && strstr(err.msg, "nosuchcall"),
           "an unknown call in a rule is an error (%s)", err.msg);
    }
    ok(sbox_seccomp_prebuilt != NULL, "the policies compiled at build time are linked in");
    for (int b = SBOX_SECCOMP_DEFAULT; b <= SBOX_SECCOMP_STRICT; b++) {
        struct sbox_seccomp_policy plain = {.base = (enum sbox_seccomp_base)b};
        for (int x32 = 1; x32 >= 0 && (x32 || abis[2].name); x32--) {
            struct sbox_seccomp fresh;
            struct sbox_error err = {0};
            bool found = false;
            for (const struct sbox_seccomp_prebuilt *p = sbox_seccomp_prebuilt; p && p->len; p++)
                found |= p->base == plain.base && p->x32 == x32;
            ok(found && sbox_seccomp_compile_abis(&s, &plain, x32, &err) == 0 &&
                   sbox_seccomp_compile_fresh(&fresh, &plain, x32, &err) == 0 &&
                   s.prog.len == fresh.prog.len &&
                   memcmp(s.prog.filter, fresh.prog.filter, s.prog.len * sizeof *s.prog.filter) ==
                       0,
               "%s%s: the program compiled at build time is the one libseccomp compiles now",
               sbox_seccomp_base_names[b], x32 ? "" : ", without x32");
            sbox_seccomp_free(&s);
            sbox_seccomp_free(&fresh);
        }
        x32_left_out(&plain, sbox_seccomp_base_names[b]);
        if (b == SBOX_SECCOMP_STRICT) {
            /* The comparison sees a difference where there is one. */
            struct sbox_seccomp_policy def = {.base = SBOX_SECCOMP_DEFAULT};
            struct sbox_seccomp d;
            ok(compile(&d, &def) == 0 && compile(&s, &plain) == 0 &&
                   !same_answers(&d, &s, "default beside strict"),
               "the comparison tells default from strict");
            sbox_seccomp_free(&d);
            sbox_seccomp_free(&s);
        }
        for (int a = SBOX_SECCOMP_ERRNO; a <= SBOX_SECCOMP_LOG; a++) {
            static const struct sbox_seccomp_rule rules[] = {
                {"ptrace", true},     {"personality", true}, {"socket", true},  {"getpid", false},
                {"move_pages", true}, {"connect", false},    {"clone3", false}, {"kcmp", true},
                {"mount", false},     {"mount", true},       {"read", true},
            };
            char label[64];
            plain.action = (enum sbox_seccomp_action)a;
            plain.errnum = a == SBOX_SECCOMP_ERRNO ? EACCES : 0;
            plain.rules = NULL;
            plain.n_rules = 0;
            snprintf(label, sizeof label, "%s, action %s", sbox_seccomp_base_names[b],
                     sbox_seccomp_action_names[a]);
            start_is_fresh(&plain, label);
            plain.rules = rules;
            plain.n_rules = sizeof rules / sizeof *rules;
            snprintf(label, sizeof label, "%s, action %s, profile rules",
                     sbox_seccomp_base_names[b], sbox_seccomp_action_names[a]);
            start_is_fresh(&plain, label);
            x32_left_out(&plain, label);
        }
    }
#if defined(__x86_64__)
    {
        /* Whether this kernel runs x32 calls, asked of a child with no filter, as sbox asks. */
        const struct probe x32_getpid[] = {{0x40000000 | SYS_getpid, 0, 0, 0, 0, "x32's getpid"}};
        int bare = -1;
        bool filtered = prctl(PR_GET_SECCOMP, 0, 0, 0, 0) != 0;
        probe_child(NULL, x32_getpid, 1, &bare);
        ok(bare != -1 && sbox_seccomp_x32_needed() == (filtered || bare != ENOSYS),
           "x32 is covered exactly when this kernel runs its calls (%s) or a filter holds the "
           "caller (%s)",
           bare == 0 ? "it does" : "it does not", filtered ? "one does" : "none does");
        if (bare == ENOSYS) {
            /* Here the program without x32 runs: x32's calls answer ENOSYS, the rest as ever. */
            const struct probe p[] = {
                {0x40000000 | SYS_getpid, 0, 0, 0, ENOSYS, "x32's getpid"},
                {0x40000000 | SYS_bpf, 0, 0, 0, ENOSYS, "x32's bpf"},
                {SYS_getpid, 0, 0, 0, 0, "getpid"},
                {SYS_bpf, 0, 0, 0, EPERM, "bpf"},
            };
            struct sbox_seccomp_policy def = {.base = SBOX_SECCOMP_DEFAULT};
            struct sbox_error e = {0};
            ok(sbox_seccomp_compile_abis(&s, &def, false, &e) == 0, "default without x32");
            run(&s, p, sizeof p / sizeof *p, "without x32, loaded");
            sbox_seccomp_free(&s);
        } else {
            printf("# this kernel runs x32 calls: the program without them is not loaded here\n");
        }
    }
#endif
    if (pty > 0)
        close(pty);
    return tap_done();
}
