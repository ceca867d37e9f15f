#!/usr/bin/env python3
"""Runs a command under a filter like Docker's default seccomp profile for a process without
CAP_SYS_ADMIN: clone with a namespace flag and unshare fail with EPERM, clone3 with ENOSYS (its
flags are in memory, where a filter cannot look). x86_64 only; exits 77 elsewhere.

no-userns.py COMMAND [ARG...]"""
import ctypes
import os
import platform
import struct
import sys

if platform.machine() != "x86_64":
    sys.exit(77)

AUDIT_ARCH_X86_64 = 0xC000003E
NR_CLONE, NR_UNSHARE, NR_CLONE3 = 56, 272, 435
NS_FLAGS = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000
RET_ALLOW, RET_ERRNO, EPERM, ENOSYS = 0x7FFF0000, 0x00050000, 1, 38
LD_W_ABS, JEQ_K, JSET_K, RET_K = 0x20, 0x15, 0x45, 0x06


def insn(code, jt, jf, k):
    return struct.pack("HBBI", code, jt, jf, k)


prog = [
    insn(LD_W_ABS, 0, 0, 4),  # arch
    insn(JEQ_K, 1, 0, AUDIT_ARCH_X86_64),
    insn(RET_K, 0, 0, RET_ALLOW),
    insn(LD_W_ABS, 0, 0, 0),  # nr
    insn(JEQ_K, 0, 1, NR_UNSHARE),
    insn(RET_K, 0, 0, RET_ERRNO | EPERM),
    insn(JEQ_K, 0, 1, NR_CLONE3),
    insn(RET_K, 0, 0, RET_ERRNO | ENOSYS),
    insn(JEQ_K, 0, 3, NR_CLONE),
    insn(LD_W_ABS, 0, 0, 16),  # args[0], low half
    insn(JSET_K, 0, 1, NS_FLAGS),
    insn(RET_K, 0, 0, RET_ERRNO | EPERM),
    insn(RET_K, 0, 0, RET_ALLOW),
]
code = b"".join(prog)
buf = ctypes.create_string_buffer(code, len(code))
fprog = struct.pack("HxxxxxxQ", len(prog), ctypes.addressof(buf))
fbuf = ctypes.create_string_buffer(fprog, len(fprog))
libc = ctypes.CDLL(None, use_errno=True)
libc.prctl.argtypes = [ctypes.c_int] + [ctypes.c_ulong] * 4
PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2
if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 or \
        libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(fbuf), 0, 0) != 0:
    sys.exit("no-userns.py: loading the filter: " + os.strerror(ctypes.get_errno()))
os.execvp(sys.argv[1], sys.argv[1:])
