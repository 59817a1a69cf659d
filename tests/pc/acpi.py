#!/usr/bin/env python3
"""ACPI on the plex86 board, end to end (issue 19).

usage: acpi.py MODE PLEX86 [FETCH_GUEST_SH]
  seabios  SeaBIOS with no drives, stopped at "No bootable device": the
           tables it installed from fw_cfg's etc/table-loader are read out
           of guest memory through the monitor's `xp` and walked as
           acpidump would (RSDP in the F segment, RSDT, every table's
           signature, length and checksum, the FADT's PM blocks at 0x600 as
           SeaBIOS moved them); then,
           where QEMU is installed, QEMU's tables are walked the same way
           and the FADT's PM, SCI and SMI fields compared.
  linux    the default guest (tools/fetch-guest.sh) booted with -kernel:
           the kernel finds the RSDP (no "A valid RSDP was not found"),
           lists the tables and the S5 state, routes PCI interrupts through
           the DSDT's links; the monitor's system_powerdown sets PWRBTN_STS
           (the guest's sysfs shows it); `poweroff -f` ends plex86 with
           status 0 through S5; a second boot's `reboot -f` (the FADT's
           reset register) ends it under -no-reboot.  Where QEMU is
           installed, the same kernel on QEMU: the kernel's lines about the
           RSDP, the PM timer and the PCI interrupt links are the same.

Exit status: 0 pass, 1 fail, 77 skip (no SeaBIOS, or no guest).
"""
import os
import re
import select
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

SEABIOS = "/usr/share/seabios/bios-256k.bin"
QEMU = shutil.which("qemu-system-i386")
TIMEOUT = 600
failures = []


def fail(msg):
    print("FAIL: " + msg)
    failures.append(msg)


def check(cond, msg):
    if cond:
        print("ok: " + msg)
    else:
        fail(msg)
    return cond


class Machine:
    """plex86 or QEMU with its serial console on a pipe and the human
    monitor on a Unix socket."""

    def __init__(self, argv, tmp):
        self.sock = os.path.join(tmp, "hmp.%d.sock" % len(os.listdir(tmp)))
        self.p = subprocess.Popen(argv + ["-monitor", "unix:%s,server,nowait" % self.sock],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT)
        self.out = b""
        self.mon = None

    def read_until(self, text, timeout=TIMEOUT):
        end = time.time() + timeout
        while text not in self.out:
            r, _, _ = select.select([self.p.stdout], [], [], 0.5)
            if r:
                d = os.read(self.p.stdout.fileno(), 65536)
                if not d:
                    return False
                self.out += d
            if time.time() > end:
                return False
        return True

    def send(self, line):
        self.p.stdin.write(line.encode() + b"\n")
        self.p.stdin.flush()

    def hmp(self, cmd):
        if self.mon is None:
            end = time.time() + 30
            while True:
                try:
                    self.mon = socket.socket(socket.AF_UNIX)
                    self.mon.connect(self.sock)
                    break
                except OSError:
                    if time.time() > end:
                        raise
                    time.sleep(0.2)
            self._reply()
        self.mon.sendall(cmd.encode() + b"\n")
        return self._reply()

    def _reply(self):
        buf = b""
        while not buf.endswith(b"(qemu) "):
            d = self.mon.recv(1 << 20)
            if not d:
                break
            buf += d
        text = buf.decode(errors="replace")
        # QEMU echoes the line with terminal escapes; keep what follows it.
        return text.rsplit("\r\n", 1)[0] if "\x1b" in text else text

    def read_phys(self, addr, n):
        """n bytes of guest-physical memory, through `xp /Nxw`."""
        base = addr & ~3
        words = (addr + n - base + 3) // 4
        data = b""
        while words > 0:
            k = min(words, 4096)
            text = self.hmp("xp /%dxw 0x%x" % (k, base + len(data)))
            vals = []
            for line in text.splitlines():
                m = re.match(r"^\s*([0-9a-fA-F]+):((?:\s+0x[0-9a-fA-F]+)+)\s*$", line)
                if m:
                    vals += [int(x, 16) for x in m.group(2).split()]
            if len(vals) != k:
                raise RuntimeError("xp gave %d words of %d: %r" % (len(vals), k, text[-300:]))
            data += b"".join(struct.pack("<I", v) for v in vals)
            words -= k
        off = addr - base
        return data[off:off + n]

    def stop(self):
        try:
            self.p.kill()
        except OSError:
            pass
        self.p.wait()


def walk(m, who):
    """acpidump's walk: returns {signature: bytes} or None."""
    fseg = m.read_phys(0xF0000, 0x10000)
    rsdp = None
    for off in range(0, len(fseg) - 20, 16):
        if fseg[off:off + 8] == b"RSD PTR " and sum(fseg[off:off + 20]) & 0xFF == 0:
            rsdp = 0xF0000 + off
            break
    if not check(rsdp is not None, "%s: an RSDP with a good checksum in the F segment" % who):
        return None
    head = m.read_phys(rsdp, 20)
    check(head[15] == 0, "%s: RSDP revision 0 (ACPI 1.0, RSDT only)" % who)
    tables = {}

    def table(addr, sig=None):
        h = m.read_phys(addr, 8)
        length = struct.unpack_from("<I", h, 4)[0]
        if not (36 <= length < 0x20000):
            fail("%s: table at 0x%x: length %d" % (who, addr, length))
            return None
        t = m.read_phys(addr, length)
        name = t[:4].decode(errors="replace")
        ok = (sig is None or name == sig) and sum(t) & 0xFF == 0
        check(ok, "%s: %s at 0x%x, %d bytes, checksum right" % (who, name, addr, length))
        tables[name] = t
        return t

    rsdt = table(struct.unpack_from("<I", head, 16)[0], "RSDT")
    if rsdt is None:
        return None
    for i in range((len(rsdt) - 36) // 4):
        t = table(struct.unpack_from("<I", rsdt, 36 + 4 * i)[0])
        if t is not None and t[:4] == b"FACP":
            facs, dsdt = struct.unpack_from("<II", t, 36)
            f = m.read_phys(facs, 64)
            check(f[:4] == b"FACS" and facs % 64 == 0, "%s: FACS at 0x%x" % (who, facs))
            table(dsdt, "DSDT")
    return tables


def fadt_fields(f):
    sci, smi, en, dis = struct.unpack_from("<HIBB", f, 46)
    evt, _, cnt, _, _, tmr, gpe0 = struct.unpack_from("<7I", f, 56)
    return {"sci": sci, "smi_cmd": smi, "acpi_enable": en, "acpi_disable": dis,
            "pm1a_evt": evt, "pm1a_cnt": cnt, "pm_tmr": tmr, "gpe0": gpe0,
            "century": f[108]}


def firmware_run(argv, tmp, who):
    m = Machine(argv + ["-nographic", "-no-reboot", "-boot", "reboot-timeout=60000"], tmp)
    ok = m.read_until(b"No bootable device", 300)
    check(ok, "%s: SeaBIOS runs to 'No bootable device'" % who)
    return m if ok else (m.stop() or None)


def seabios(plex86):
    if not os.path.exists(SEABIOS):
        print("SKIP: no SeaBIOS at " + SEABIOS)
        return 77
    tmp = tempfile.mkdtemp(prefix="plex86-acpi-")
    try:
        mine = {}
        # With the APICs (the default) the MADT and HPET tables are there
        # too; without them (-cpu MODEL,-apic) they are not.
        for extra, who, want in (([], "plex86", ["APIC", "DSDT", "FACP", "HPET", "RSDT", "WAET"]),
                                 (["-cpu", "pentium-m,-apic"], "plex86 -apic",
                                  ["DSDT", "FACP", "RSDT", "WAET"])):
            m = firmware_run([plex86, "-m", "128"] + extra, tmp, who)
            if not m:
                continue
            try:
                t = walk(m, who)
            finally:
                m.stop()
            if not t:
                continue
            mine[who] = t
            check(sorted(t) == want, "%s: the tables are %s: %s" % (who, want, sorted(t)))
            f = fadt_fields(t["FACP"])
            check(f["pm1a_evt"] == 0x600 and f["pm_tmr"] == 0x608,
                  "%s: the FADT's PM blocks are where SeaBIOS put PMBA (0x600)" % who)
        if not QEMU:
            print("note: qemu-system-i386 is not installed: no comparison")
            return 0
        q = firmware_run([QEMU, "-M", "pc", "-m", "128", "-display", "none",
                          "-global", "apic-common.vapic=off"], tmp, "qemu")
        if not q:
            return 0
        try:
            qt = walk(q, "qemu")
        finally:
            q.stop()
        if qt and "plex86" in mine:
            a, b = fadt_fields(mine["plex86"]["FACP"]), fadt_fields(qt["FACP"])
            check(a == b, "the FADT's PM, SCI, SMI and century fields are QEMU's: %s" % a)
            if a != b:
                print("  qemu: %s" % b)
            check(sorted(qt) == sorted(mine["plex86"]),
                  "the same tables as QEMU's: %s" % sorted(qt))
            for sig in ("APIC", "HPET"):
                if sig in qt and sig in mine["plex86"]:
                    check(qt[sig][36:] == mine["plex86"][sig][36:],
                          "%s: the body is QEMU's byte for byte" % sig)
    finally:
        shutil.rmtree(tmp)
    return 0


def default_guest(fetch):
    r = subprocess.run(["bash", fetch], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if r.returncode == 77:
        print("SKIP: the default guest cannot be had")
        sys.exit(77)
    if r.returncode != 0:
        print(r.stderr.decode(errors="replace"))
        print("FAIL: fetch-guest.sh exited with status %d" % r.returncode)
        sys.exit(1)
    paths = dict(l.split("=", 1) for l in r.stdout.decode().splitlines() if "=" in l)
    return paths["kernel"], paths["initrd"]


def acpi_lines(out):
    """What the kernel says of the tables that should not depend on where
    the firmware put them."""
    text = out.decode(errors="replace")
    keep = []
    for pat in (r"ACPI: RSDP 0x[0-9A-F]+ (.*\))", r"(ACPI: PM-Timer IO Port: 0x[0-9a-f]+)",
                r"(ACPI: PCI: Interrupt link LNK\w configured for IRQ \d+)",
                r"(PCI: Using ACPI for IRQ routing)", r"(ACPI: Interpreter enabled)"):
        keep += re.findall(pat, text)
    return keep


def linux(plex86, fetch):
    kernel, initrd = default_guest(fetch)
    tmp = tempfile.mkdtemp(prefix="plex86-acpi-")
    append = "console=ttyS0 panic=-1 cryptomgr.notests noisapnp"
    argv = [plex86, "-kernel", kernel, "-initrd", initrd, "-m", "256", "-nographic",
            "-no-reboot", "-append", append]
    try:
        m = Machine(argv, tmp)
        try:
            if not check(m.read_until(b"plex86 guest ready"), "the guest's shell"):
                print(m.out.decode(errors="replace")[-3000:])
                return 1
            log = m.out.decode(errors="replace")
            check("A valid RSDP was not found" not in log, "no 'A valid RSDP was not found'")
            for want in ["ACPI: RSDP 0x00000000000F0000 000014 (v00 BOCHS )",
                         "ACPI: FACP ", "ACPI: DSDT ", "ACPI: FACS ",
                         "ACPI: PM-Timer IO Port: 0x608", "ACPI: Interpreter enabled",
                         "ACPI: PM: (supports S0 S5)", "ACPI: PCI Root Bridge [PCI0]",
                         "Interrupt link LNKA", "PCI: Using ACPI for IRQ routing",
                         "i8042: PNP: PS/2 Controller", "clocksource: acpi_pm"]:
                check(want in log, "the kernel log has '%s'" % want)
            # The markers are computed, so that the echo of the typed line does
            # not match them.
            m.send("cat /sys/firmware/acpi/interrupts/ff_pwr_btn; echo btn-$((1+1))before")
            check(m.read_until(b"btn-2before\r\n", 60), "sysfs before the press")
            before = m.out.decode(errors="replace")
            check(not re.search(r"\d+\s+STS", before.rsplit("btn-$((1+1))before", 1)[-1]),
                  "PWRBTN_STS clear before system_powerdown")
            m.hmp("system_powerdown")
            stats = m.hmp("info stats")
            if "built without accounting" in stats:
                print("note: built without accounting: the press is not counted")
            else:
                check(re.search(r"^acpi_power_button_presses 1\s*$", stats, re.M) is not None,
                      "the press is counted (acpi_power_button_presses 1)")
            m.send("cat /sys/firmware/acpi/interrupts/ff_pwr_btn; echo btn-$((1+1))after")
            check(m.read_until(b"btn-2after\r\n", 60), "sysfs after the press")
            after = m.out.decode(errors="replace").rsplit("btn-2before", 1)[-1]
            check(re.search(r"\d+\s+STS", after) is not None,
                  "the guest sees PWRBTN_STS set (sysfs ff_pwr_btn 'STS')")
            m.send("poweroff -f")
            try:
                status = m.p.wait(120)
            except subprocess.TimeoutExpired:
                status = None
            rest = m.p.stdout.read() if status is not None else b""
            m.out += rest
            check(status == 0, "poweroff -f ends plex86 with status 0 (status %s)" % status)
            check(b"reboot: Power down" in m.out, "the kernel powered down")
        finally:
            m.stop()
        mine = acpi_lines(m.out)
        # The FADT's reset register: Linux's first choice (reboot=acpi).
        m = Machine(argv + ["-d", "exit"], tmp)
        try:
            if check(m.read_until(b"plex86 guest ready"), "the guest's shell, again"):
                m.send("reboot -f")
                try:
                    status = m.p.wait(120)
                except subprocess.TimeoutExpired:
                    status = None
                check(status == 0, "reboot -f ends plex86 under -no-reboot (status %s)" % status)
        finally:
            m.stop()
        if not QEMU:
            print("note: qemu-system-i386 is not installed: no comparison")
            return 0
        # The same kernel on QEMU 7.2 (SeaBIOS and QEMU's tables): the same
        # RSDP, PM timer and PCI interrupt links, and poweroff -f.
        q = Machine([QEMU, "-M", "pc", "-display", "none", "-serial", "stdio", "-kernel",
                     kernel, "-initrd", initrd, "-m", "256", "-no-reboot", "-append", append],
                    tmp)
        try:
            if check(q.read_until(b"plex86 guest ready"), "qemu: the guest's shell"):
                theirs = acpi_lines(q.out)
                check(mine == theirs, "the kernel's RSDP, PM timer and link lines are QEMU's "
                      "(%d lines)" % len(mine))
                if mine != theirs:
                    print("  plex86: %s\n  qemu:   %s" % (mine, theirs))
                q.send("poweroff -f")
                try:
                    status = q.p.wait(120)
                except subprocess.TimeoutExpired:
                    status = None
                check(status == 0, "qemu: poweroff -f, status %s" % status)
        finally:
            q.stop()
    finally:
        shutil.rmtree(tmp)
    return 0


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("seabios", "linux"):
        sys.exit(__doc__)
    if sys.argv[1] == "seabios":
        rc = seabios(sys.argv[2])
    else:
        if len(sys.argv) != 4:
            sys.exit(__doc__)
        rc = linux(sys.argv[2], sys.argv[3])
    if rc == 77:
        sys.exit(77)
    if failures:
        print("%d check(s) failed" % len(failures))
        sys.exit(1)
    sys.exit(rc)


if __name__ == "__main__":
    main()
