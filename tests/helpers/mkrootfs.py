#!/usr/bin/env python3
"""mkrootfs.py (--tar OUT.tar | --dir DIR) [--debian] [--node]: a small root file system made
from the host's own programs, for the documents' image examples (tests/integration/examples.sh),
without any privilege.

Always busybox (its applets as symlinks in /bin and /usr/bin/env), /etc/passwd and /etc/group,
and the usual empty directories. --debian adds bash with the libraries it loads and the host's
/etc/debian_version (what `sbox --rootfs ~/images/debian -- cat /etc/debian_version` shows).
--node adds the host's node with its libraries and npm (/usr/bin/npm). A tarball's entries
belong to root; a directory's to the caller (umoci repacks it)."""
import os
import shutil
import subprocess
import sys
import tarfile

APPLETS = ("sh ls id cat echo touch mkdir rm true false env test printf sed grep head tail "
           "wc uname hostname stat seq").split()


def libraries(prog):
    """The shared objects PROG loads, as ldd names them (the dynamic loader included)."""
    out = subprocess.run(["ldd", prog], capture_output=True, text=True, check=True).stdout
    libs = []
    for line in out.splitlines():
        parts = line.split()
        for p in parts:
            if p.startswith("/") and os.path.exists(p):
                libs.append(p)
    return libs


def plan(debian, node):
    """(path in the image, host path or None for a directory, symlink target or None)."""
    items = [(d, None, None) for d in ("bin", "etc", "root", "tmp", "proc", "dev", "home",
                                       "usr", "usr/bin", "run", "var", "var/tmp")]
    busybox = shutil.which("busybox") or "/bin/busybox"
    items.append(("bin/busybox", busybox, None))
    items += [("bin/" + a, None, "busybox") for a in APPLETS]
    items.append(("usr/bin/env", None, "../../bin/busybox"))
    progs = []
    if debian:
        items.append(("bin/bash", shutil.which("bash"), None))
        items.append(("etc/debian_version", "/etc/debian_version", None))
        progs.append(shutil.which("bash"))
    if node:
        nodebin = os.path.realpath(shutil.which("node"))
        items.append(("usr/bin/node", nodebin, None))
        progs.append(nodebin)
        cli = os.path.realpath(shutil.which("npm"))
        top = cli
        while os.path.basename(top) != "npm":
            top = os.path.dirname(top)
        items.append(("usr/lib/node_modules/npm", top, None))
        items.append(("usr/bin/npm", None,
                      os.path.relpath(cli.replace(top, "/usr/lib/node_modules/npm"), "/usr/bin")))
    seen = set()
    for p in progs:
        for lib in libraries(p):
            dst = lib.lstrip("/")
            if dst not in seen:
                seen.add(dst)
                items.append((dst, os.path.realpath(lib), None))
    return items


def parents(path):
    out = []
    d = os.path.dirname(path)
    while d:
        out.append(d)
        d = os.path.dirname(d)
    return reversed(out)


def write_tar(out, items):
    made = set()

    def owned(info):
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        return info

    with tarfile.open(out, "w") as tar:
        for path, src, link in items:
            for d in parents(path):
                if d not in made:
                    made.add(d)
                    ti = tarfile.TarInfo(d)
                    ti.type, ti.mode = tarfile.DIRTYPE, 0o755
                    tar.addfile(owned(ti))
            if link is not None:
                ti = tarfile.TarInfo(path)
                ti.type, ti.linkname = tarfile.SYMTYPE, link
                tar.addfile(owned(ti))
            elif src is None:
                if path not in made:
                    made.add(path)
                    ti = tarfile.TarInfo(path)
                    ti.type = tarfile.DIRTYPE
                    ti.mode = 0o1777 if path in ("tmp", "var/tmp") else 0o755
                    tar.addfile(owned(ti))
            else:
                tar.add(src, arcname=path, filter=owned)
        for name, data in etc_files():
            ti = tarfile.TarInfo(name)
            ti.size, ti.mode = len(data), 0o644
            tar.addfile(owned(ti), __import__("io").BytesIO(data))


def write_dir(root, items):
    for path, src, link in items:
        dst = os.path.join(root, path)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if link is not None:
            if not os.path.lexists(dst):
                os.symlink(link, dst)
        elif src is None:
            os.makedirs(dst, exist_ok=True)
        elif os.path.isdir(src):
            shutil.copytree(src, dst, symlinks=True, dirs_exist_ok=True)
        else:
            shutil.copy2(src, dst)
    for name, data in etc_files():
        with open(os.path.join(root, name), "wb") as f:
            f.write(data)


def etc_files():
    return [("etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n"
             b"nobody:x:65534:65534::/nonexistent:/bin/false\n"),
            ("etc/group", b"root:x:0:\nnogroup:x:65534:\n")]


def main():
    args = sys.argv[1:]
    items = plan("--debian" in args, "--node" in args)
    if "--tar" in args:
        write_tar(args[args.index("--tar") + 1], items)
    elif "--dir" in args:
        write_dir(args[args.index("--dir") + 1], items)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
