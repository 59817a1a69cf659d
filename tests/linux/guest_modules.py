"""What the Linux guest tests share to add kernel modules to the default
guest (tools/fetch-guest.sh): the guest's files, the modules from the
kernel .deb in its cache with their "depends=" (transitively, in load
order; .ko.xz decompressed), and a second cpio archive appended to the
default initramfs (the kernel unpacks concatenated archives, each may be
compressed on its own) holding them and an init of the test's, run with
rdinit=.  Used by bochs-drm.py and psmouse.py."""
import gzip
import lzma
import os
import re
import subprocess
import sys


def fail(msg, log=None):
    print("FAIL: " + msg)
    if log is not None:
        print("--- serial (last 40 lines) ---")
        print("\n".join(log.splitlines()[-40:]))
    sys.exit(1)


def skip(msg):
    print("SKIP: " + msg)
    sys.exit(77)


def default_guest(fetch, tmp):
    r = subprocess.run(["bash", fetch], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if r.returncode == 77:
        skip("the default guest cannot be had: " + r.stderr.decode(errors="replace").strip()[-200:])
    if r.returncode != 0:
        fail("fetch-guest.sh exited with status %d: %s" % (r.returncode, r.stderr.decode(errors="replace")))
    paths = dict(line.split("=", 1) for line in r.stdout.decode().splitlines() if "=" in line)
    return paths["kernel"], paths["initrd"]


def kernel_deb(kernel):
    """The kernel .deb that fetch-guest.sh recorded in its cache."""
    gdir = os.path.dirname(kernel)
    try:
        with open(os.path.join(gdir, "guest.txt")) as f:
            stamp = dict(l.strip().split("=", 1) for l in f if "=" in l)
    except OSError:
        skip("no guest.txt next to " + kernel)
    deb = os.path.join(gdir, "debs", stamp.get("kernel_deb", ""))
    if not os.path.isfile(deb):
        skip("the kernel .deb is not in the guest's cache (%s)" % deb)
    return deb


def extract_modules(deb, dest):
    """Unpacks the .deb's modules tree; returns {module name: path}."""
    tar = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", deb], stdout=subprocess.PIPE)
    subprocess.run(["tar", "-x", "-C", dest, "--wildcards", "./lib/modules/*/kernel/drivers/*"],
                   stdin=tar.stdout, check=True)
    if tar.wait() != 0:
        fail("dpkg-deb --fsys-tarfile %s failed" % deb)
    mods = {}
    for root, _, files in os.walk(os.path.join(dest, "lib", "modules")):
        for f in files:
            m = re.match(r"(.*)\.ko(\.xz)?$", f)
            if m:
                # Module names use '_' where file names may have '-'.
                mods[m.group(1).replace("-", "_")] = os.path.join(root, f)
    return mods


def module_bytes(path):
    with open(path, "rb") as f:
        data = f.read()
    return lzma.decompress(data) if path.endswith(".xz") else data


def depends(data):
    """The "depends=" entry of a module's .modinfo section."""
    m = re.search(rb"(?:^|\0)depends=([^\0]*)\0", data)
    return [d.decode().replace("-", "_") for d in m.group(1).split(b",") if d] if m else []


def load_order(mods, *tops):
    """The modules `tops` and their dependencies, each after what it
    depends on."""
    order, seen = [], set()

    def visit(name):
        if name in seen:
            return
        seen.add(name)
        if name not in mods:
            fail("module %s (a dependency) is not in the .deb" % name)
        for d in depends(module_bytes(mods[name])):
            visit(d)
        order.append(name)

    for top in tops:
        visit(top)
    return order


def newc(entries):
    """A cpio "newc" archive of (name, mode, data) entries."""
    out = bytearray()
    ino = 0
    for name, mode, data in entries + [("TRAILER!!!", 0, b"")]:
        ino = ino + 1 if name != "TRAILER!!!" else 0
        nb = name.encode() + b"\0"
        nlink = 2 if mode & 0o170000 == 0o040000 else 1
        fields = [ino, mode, 0, 0, nlink, 0, len(data), 0, 0, 0, 0, len(nb), 0]
        out += b"070701" + b"".join(b"%08X" % v for v in fields) + nb
        out += b"\0" * (-len(out) % 4)
        out += data
        out += b"\0" * (-len(out) % 4)
    return bytes(out)


def initrd_with(initrd, entries, dest):
    """Writes the default initramfs `initrd` with a second archive of
    (name, mode, data) `entries` appended, to `dest`."""
    with open(initrd, "rb") as f:
        base = f.read()
    with open(dest, "wb") as f:
        f.write(base)
        f.write(gzip.compress(newc(entries), mtime=0))


def module_entries(mods, order, folder):
    """Archive entries for the modules in `order` under `folder`/, with
    their load order in `folder`/order."""
    entries = [(folder, 0o040755, b""),
               (folder + "/order", 0o100644, ("\n".join(order) + "\n").encode())]
    entries += [("%s/%s.ko" % (folder, m), 0o100644, module_bytes(mods[m])) for m in order]
    return entries


def init_script(folder, body):
    """An init for rdinit=: mounts /proc, /sys and /dev, installs busybox's
    applets, loads the modules of module_entries(..., folder) in their
    order (saying "FOLDER-init: insmod M failed" for one that fails), then
    runs the shell `body`."""
    return r"""#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox --install -s
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
for m in $(cat /@F@/order); do
    insmod /@F@/$m.ko || echo "@F@-init: insmod $m failed"
done
""".replace("@F@", folder) + body
