#!/usr/bin/env python3
"""-smp 4, and -smp 6,sockets=2,cores=3, with SeaBIOS (issue 19).

usage: smp-seabios.py PLEX86

SeaBIOS (Debian's bios-256k.bin) with no drives, stopped at "No bootable
device", with -smp 4:
  - its debug log (isa-debugcon at 0x402) says it woke the APs with
    INIT-SIPI-SIPI ("handle_smp: apic_id=0x1".."0x3") and counted them
    ("Found 4 cpu(s) max supported 4 cpu(s)"), from fw_cfg's and CMOS's
    counts;
  - the MP table it built (the "_MP_" floating pointer in the F segment,
    MP spec 4.1-4.3) lists the first logical processor of each package
    (SeaBIOS's mptable_setup, from CPUID.1's HTT and EBX[23:16]): with
    -smp 4, QEMU 7.2's one socket of four cores, only the BSP, with the
    BSP flag;
  - the ACPI MADT (from the board, through etc/table-loader) lists four
    enabled local APICs;
  - with -smp 6,sockets=2,cores=3 the APIC IDs follow QEMU's layout
    (cpu/topo.h: the core field is 2 bits wide): SeaBIOS wakes 1, 2, 4,
    5 and 6, the MADT lists 0-2 and 4-6, the MP table 0 and 4;
  - the monitor's `info cpus` shows four CPUs with CPU 0 current, `cpu 2`
    selects another whose `info registers` shows it halted (the APs park
    in HLT), `cpu 4` is refused;
  - where QEMU is installed, QEMU with the same -smp gives the same
    "Found" line, the same MP table processors and the same MADT body.
Exit status: 0 pass, 1 fail, 77 skip (no SeaBIOS).
"""
import os
import re
import shutil
import struct
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import acpi  # noqa: E402  (Machine, walk, check)

check = acpi.check


def mp_processors(m, who):
    """(apic id, flags) of each processor entry of the MP table."""
    fseg = m.read_phys(0xF0000, 0x10000)
    fp = None
    for off in range(0, len(fseg) - 16, 16):
        if fseg[off:off + 4] == b"_MP_" and sum(fseg[off:off + 16]) & 0xFF == 0:
            fp = off
            break
    if not check(fp is not None, "%s: an MP floating pointer with a good checksum" % who):
        return None
    cfg = struct.unpack_from("<I", fseg, fp + 4)[0]
    head = m.read_phys(cfg, 44)
    if not check(head[:4] == b"PCMP", "%s: the MP configuration table at 0x%x" % (who, cfg)):
        return None
    length, = struct.unpack_from("<H", head, 4)
    count, = struct.unpack_from("<H", head, 34)
    t = m.read_phys(cfg, length)
    check(sum(t) & 0xFF == 0, "%s: the MP configuration table's checksum" % who)
    procs, off = [], 44
    for _ in range(count):
        kind = t[off]
        if kind == 0:
            procs.append((t[off + 1], t[off + 3]))
            off += 20
        else:
            off += 8
    return procs


def madt_lapics(madt):
    out, off = [], 44
    while off + 2 <= len(madt):
        kind, n = madt[off], madt[off + 1]
        if n < 2:
            break
        if kind == 0:
            _, apic_id, flags = struct.unpack_from("<BBI", madt, off + 2)
            out.append((apic_id, flags & 1))
        off += n
    return out


# -smp, then what SeaBIOS and the tables show: the APIC IDs of all CPUs,
# and of the first logical processor of each package.
TOPOLOGIES = [
    ("4", [0, 1, 2, 3], [0]),
    ("6,sockets=2,cores=3", [0, 1, 2, 4, 5, 6], [0, 4]),
]


def run(argv, tmp, who, smp, ids_all, ids_pkg):
    n = len(ids_all)
    log = os.path.join(tmp, who + ".debug")
    m = acpi.firmware_run(argv + ["-smp", smp, "-m", "128", "-chardev",
                                  "file,id=dbg,path=" + log, "-device",
                                  "isa-debugcon,iobase=0x402,chardev=dbg"], tmp, who)
    if not m:
        return None
    res = {}
    try:
        text = open(log, errors="replace").read()
        found = re.findall(r"Found \d+ cpu\(s\) max supported \d+ cpu\(s\)", text)
        res["found"] = found
        want = "Found %d cpu(s) max supported %d cpu(s)" % (n, ids_all[-1] + 1)
        check(found == [want], "%s -smp %s: SeaBIOS: %s, want %s" % (who, smp, found, want))
        ids = sorted(set(int(x, 16) for x in
                         re.findall(r"handle_smp: apic_id=(0x[0-9a-f]+)", text)))
        check(ids == ids_all[1:], "%s -smp %s: the APs ran SeaBIOS's trampoline: %s"
              % (who, smp, ids))
        procs = mp_processors(m, who)
        res["mp"] = procs
        if procs is not None:
            check([p[0] for p in procs] == ids_pkg and all(p[1] & 1 for p in procs) and
                  [p[1] & 2 for p in procs] == [2] + [0] * (len(ids_pkg) - 1),
                  "%s -smp %s: the MP table lists enabled processors %s, 0 the BSP: %s"
                  % (who, smp, ids_pkg, procs))
        t = acpi.walk(m, who)
        if t and check("APIC" in t, "%s: a MADT" % who):
            res["madt"] = t["APIC"]
            lap = madt_lapics(t["APIC"])
            check(lap == [(i, 1) for i in ids_all],
                  "%s -smp %s: the MADT lists enabled local APICs %s: %s"
                  % (who, smp, ids_all, lap))
        if who == "plex86" and n == 4:
            cpus = m.hmp("info cpus")
            lines = re.findall(r"^([ *]) CPU #(\d+): thread_id=\d+", cpus, re.M)
            check(lines == [("*", "0"), (" ", "1"), (" ", "2"), (" ", "3")],
                  "info cpus: 4 CPUs, #0 current: %r" % cpus)
            m.hmp("cpu 2")
            cpus = m.hmp("info cpus")
            check(re.search(r"^\* CPU #2:", cpus, re.M) is not None, "cpu 2 selects CPU 2")
            regs = m.hmp("info registers")
            check(re.search(r"HLT=1", regs) is not None,
                  "info registers of CPU 2: halted (parked by SeaBIOS)")
            check("invalid CPU index" in m.hmp("cpu 4"), "cpu 4 is refused")
    finally:
        m.stop()
    return res


def main():
    plex86 = sys.argv[1]
    if not os.path.exists(acpi.SEABIOS):
        print("SKIP: no SeaBIOS at " + acpi.SEABIOS)
        return 77
    tmp = tempfile.mkdtemp(prefix="plex86-smp-")
    try:
        for smp, ids_all, ids_pkg in TOPOLOGIES:
            mine = run([plex86], tmp, "plex86", smp, ids_all, ids_pkg)
            if not acpi.QEMU:
                print("note: qemu-system-i386 is not installed: no comparison")
            elif mine:
                q = run([acpi.QEMU, "-M", "pc", "-display", "none",
                         "-global", "apic-common.vapic=off"], tmp, "qemu", smp, ids_all,
                        ids_pkg)
                if q:
                    check(q["found"] == mine["found"], "the same 'Found' line as QEMU's")
                    check(q["mp"] == mine["mp"], "the same MP table processors as QEMU's")
                    if "madt" in q and "madt" in mine:
                        check(q["madt"][36:] == mine["madt"][36:], "the MADT body is QEMU's")
    finally:
        shutil.rmtree(tmp)
    return 1 if acpi.failures else 0


if __name__ == "__main__":
    sys.exit(main())
