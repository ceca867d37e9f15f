#!/usr/bin/env python3
"""mkimage.py OUT.tar [--hostile] [--symlink-dests]: writes a busybox-static image tarball with
files of several owners, as an image build would make it, without any privilege.

The image: /bin/busybox and its applets as symlinks, /etc/passwd and /etc/group with root,
alice (1000) and bob (1001), /home/alice owned by alice, /home/bob by bob, /etc/shadow 0640
root:42, a setuid file, a FIFO, and /dev/null as a device node (which import skips).
--hostile adds entries that try to leave the target directory.
--tmp-link HOSTDIR makes /tmp an absolute symlink to HOSTDIR, --dev-link makes /dev a symlink
to ../.. (mount destinations sbox must never follow out of the image)."""
import io
import os
import shutil
import sys
import tarfile
import time

APPLETS = ("sh ls id cat echo touch chown chmod mkdir rm stat sync sleep grep wc dd seq "
           "head tail mount readlink test true false env ps kill tr cut uname hostname "
           "printf sed awk find mv cp ln date od xargs").split()


def add(tar, name, kind=tarfile.REGTYPE, data=b"", mode=0o644, uid=0, gid=0, link="",
        xattrs=None):
    info = tarfile.TarInfo(name)
    if xattrs:
        info.pax_headers = {"SCHILY.xattr." + k: v for k, v in xattrs.items()}
    info.type = kind
    info.mode = mode
    info.uid, info.gid = uid, gid
    info.uname = info.gname = ""
    info.mtime = int(time.time())
    info.linkname = link
    if kind == tarfile.REGTYPE:
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    else:
        tar.addfile(info)


def main():
    out = sys.argv[1]
    hostile = "--hostile" in sys.argv
    tmp_link = None
    if "--tmp-link" in sys.argv:
        tmp_link = sys.argv[sys.argv.index("--tmp-link") + 1]
    dev_link = "--dev-link" in sys.argv
    busybox = shutil.which("busybox") or "/bin/busybox"
    with open(busybox, "rb") as f:
        bb = f.read()
    with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as tar:
        add(tar, ".", tarfile.DIRTYPE, mode=0o755)
        for d in ("bin", "etc", "home", "root", "proc", "run", "var", "var/tmp"):
            add(tar, d, tarfile.DIRTYPE, mode=0o700 if d == "root" else 0o755)
        if tmp_link:
            add(tar, "tmp", tarfile.SYMTYPE, link=tmp_link)
        else:
            add(tar, "tmp", tarfile.DIRTYPE, mode=0o1777)
        if dev_link:
            add(tar, "dev", tarfile.SYMTYPE, link="../..")
        else:
            add(tar, "dev", tarfile.DIRTYPE, mode=0o755)
            add(tar, "dev/null", tarfile.CHRTYPE, mode=0o666)
        add(tar, "bin/busybox", data=bb, mode=0o755)
        for a in APPLETS:
            add(tar, "bin/" + a, tarfile.SYMTYPE, link="busybox")
        add(tar, "etc/passwd", data=b"root:x:0:0:root:/root:/bin/sh\n"
            b"alice:x:1000:1000::/home/alice:/bin/sh\nbob:x:1001:1001::/home/bob:/bin/sh\n"
            b"nobody:x:65534:65534::/nonexistent:/bin/false\n")
        add(tar, "etc/group", data=b"root:x:0:\nshadow:x:42:\nalice:x:1000:\nbob:x:1001:\n"
            b"nogroup:x:65534:\n")
        add(tar, "etc/shadow", data=b"root:*:1::::::\n", mode=0o640, gid=42)
        add(tar, "etc/image-release", data=b"busybox test image\n",
            xattrs={"user.sbox-test": "kept"})
        add(tar, "home/alice", tarfile.DIRTYPE, mode=0o750, uid=1000, gid=1000)
        add(tar, "home/alice/notes", data=b"alice's\n", mode=0o600, uid=1000, gid=1000)
        add(tar, "home/bob", tarfile.DIRTYPE, mode=0o750, uid=1001, gid=1001)
        add(tar, "home/bob/notes", data=b"bob's\n", mode=0o600, uid=1001, gid=1001)
        add(tar, "bin/setuid-file", data=b"#!/bin/sh\n", mode=0o4755, uid=1000, gid=1000)
        add(tar, "run/fifo", tarfile.FIFOTYPE, mode=0o600)
        if hostile:
            add(tar, "../escaped-dotdot", data=b"x\n")
            add(tar, "/tmp/escaped-absolute", data=b"x\n")
            add(tar, "out", tarfile.SYMTYPE, link=os.environ.get("HOSTILE_TARGET", "/tmp"))
            add(tar, "out/escaped-symlink", data=b"x\n")


if __name__ == "__main__":
    main()
