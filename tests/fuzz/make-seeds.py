#!/usr/bin/env python3
"""Writes the fuzz harnesses' seed corpora into tests/fuzz/corpus/NAME/.

usage: make-seeds.py BUILD_DIR
       make-seeds.py - qcow2     (only the qcow2 seeds)

The seeds are committed; run this again only to change them.  It needs
GNU as/objcopy (for the instruction sequences) and a build directory where
moo-reader-test and the Multiboot test kernels have been built (for the
MOO samples and two real kernels).  Every seed is a small file in the input
format its harness reads (see the comment at the top of each harness).
"""
import os
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")

# Instruction sequences, assembled with as --32.  Real code a guest runs:
# BIOS-style real mode, protected-mode system code, string instructions,
# prefixes, x87 escapes, far transfers, I/O.
SNIPPETS16 = {
    "bios-start": """
        cli; cld; xor %ax,%ax; mov %ax,%ds; mov %ax,%es; mov %ax,%ss
        mov $0x7c00,%sp; mov $0x3f8+3,%dx; mov $0x80,%al; out %al,%dx
        mov $0x3f8,%dx; mov $1,%al; out %al,%dx; inc %dx; xor %al,%al; out %al,%dx
        mov $0x3f8+3,%dx; mov $3,%al; out %al,%dx; mov $0x55,%al; out %al,$0x80
        int $0x10; pushf; popf; sti; hlt
    """,
    "strings": """
        mov $0x1000,%si; mov $0x2000,%di; mov $100,%cx; rep movsb; rep stosw
        repne scasb; repe cmpsw; lodsl; outsb; insw; std; movsw; cld
        addr32 rep movsl; xlat; lea 4(%bx,%si),%ax; les (%bx),%di; lds 2(%bp),%si
    """,
    "arith": """
        add %ax,%bx; adc $5,%cl; sub (%bx,%di),%dx; sbb %ax,0x10(%bp)
        imul $7,%cx,%dx; mul %bl; div %cx; idivw (%si); aaa; das; aam; aad
        shl $3,%ax; rcr %cl,%bx; shld $4,%ax,%bx; bsf %ax,%dx; bt %cx,%ax
        xchg %ax,%bx; cmpxchg %cx,(%di); xadd %ax,%bx; bswap %eax
        movzbw %al,%ax; movsbl %bl,%ecx; setz %al; cmovne %bx,%ax
        lock incw (%bx); lock addw $1,(%si)
    """,
    "pmode-enter": """
        lgdtl gdtd; mov %cr0,%eax; or $1,%eax; mov %eax,%cr0
        ljmp $0x08,$1f; 1: mov $0x10,%ax; mov %ax,%ds; mov %ax,%ss
        lidt idtd; smsw %ax; lmsw %ax; sgdt (%bx); sidt (%si)
        gdtd: .word 0x17; .long 0x1000
        idtd: .word 0x3ff; .long 0
    """,
    "flow": """
        call 1f; jmp 2f; 1: ret; 2: loop 2b; jcxz 3f; 3: lcall $0x1000,$0
        lret; iret; int3; into; enter $8,$0; leave; bound %ax,(%bx)
        jmp *%ax; call *(%bx); ljmp *(%si); retw $4; hlt
    """,
    "fpu-sys": """
        fninit; fld1; fstp %st(1); fnstsw %ax; fwait; clts; invd; wbinvd
        cpuid; rdtsc; rdmsr; wrmsr; ud2; arpl %ax,%bx; verr %ax; lar %bx,%ax
        lsl %cx,%dx; str %ax; sldt %bx; ltr %ax; lldt %bx; mov %dr7,%eax
        mov %eax,%dr0; mov %cr3,%eax; mov %eax,%cr4; invlpg (%bx)
    """,
}

SNIPPETS32 = {
    "pm32-kernel": """
        mov $0x10,%ax; mov %ax,%ds; mov %ax,%es; mov %ax,%fs; mov %ax,%gs
        mov %ax,%ss; mov $0x9000,%esp; lidt idtd; sti; mov %cr0,%eax
        or $0x80000000,%eax; mov $0x4000,%ebx; mov %ebx,%cr3; mov %eax,%cr0
        movl $0x12345678,0x100000; mov 4(%esp,%ecx,4),%eax; lea 0x10(%eax,%ebx,8),%edx
        pushal; popal; pushfl; popfl; iret; lret $8; sysenter; hlt
        idtd: .word 0x7ff; .long 0x2000
    """,
    "pm32-user": """
        mov $0x23,%ax; mov %ax,%ds; int $0x80; lcall $0x7b,$0; call *%eax
        jmp *0x10(%ebx); rep movsl; rep stosb; cmpxchg8b (%esi); xchg %eax,(%edi)
        lock cmpxchg %ecx,(%ebx); bts %eax,(%edx); in $0x60,%al; out %eax,%dx
        cli; pushf; mov %ss,%ax; push %fs; pop %gs; leave; ret $12
    """,
    "pm32-prefixes": """
        mov %ax,%bx; addr16 mov (%bx),%eax; fs mov (%eax),%ebx
        gs rep movsw; data16 call 1f; 1: data16 ljmp *(%eax); data16 iret
        lock or %eax,(%ecx); repne cmpsb; mov %es:(%edi),%al; xlat %ds:(%ebx)
        .byte 0x66,0x67,0xf3,0x2e,0xa5; .byte 0x0f,0x0b; .byte 0xf0,0x90
    """,
}


def assemble(code16, source):
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "s.S")
        obj = os.path.join(tmp, "s.o")
        out = os.path.join(tmp, "s.bin")
        with open(src, "w") as f:
            f.write(".text\n" + (".code16\n" if code16 else ".code32\n") + source + "\n")
        subprocess.run(["as", "--32", "-o", obj, src], check=True)
        subprocess.run(["objcopy", "-O", "binary", "-j", ".text", obj, out], check=True)
        with open(out, "rb") as f:
            return f.read()


def write(name, fname, data):
    d = os.path.join(CORPUS, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, fname), "wb") as f:
        f.write(data)


def exec_header(mode, level, rng, cpl, cr0, cr4, segsel, eip, budget, dbg=0, irq=0,
                gprs=None, eflags=0x2, cache=True, full_esp=False):
    """The fixed part of an exec input (fuzz_exec.c reads it in this order)."""
    sel = mode | (level << 3) | (0 if cache else 0x20)
    h = bytes([sel]) + struct.pack("<I", rng) + bytes([0])        # TSS: no I/O bitmap
    gprs = gprs or [0x1234, 0x10, 0x3F8, 0x1000, 0x100, 0x8000, 0x1000, 0x2000]
    h += b"".join(struct.pack("<I", v) for v in gprs)
    h += bytes([1 if full_esp else 0]) + struct.pack("<I", eflags)
    h += bytes([cpl, cr0, cr4]) + bytes(segsel)
    h += struct.pack("<H", eip) + bytes([budget, dbg])
    h += b"".join(struct.pack("<H", 0x10 * k) for k in range(4))  # DR0-3
    h += bytes([irq, 0])                                           # no tweaks
    return h


def tiny_elf(code, entry_off=0, paddr=0x100000):
    """A minimal Multiboot ELF32 kernel: one PT_LOAD segment holding the
    Multiboot header (flags 3) followed by `code`."""
    ehsize, phsize = 52, 32
    mb_off = ehsize + phsize
    mb = struct.pack("<III", 0x1BADB002, 3, (-(0x1BADB002 + 3)) & 0xFFFFFFFF)
    body = mb + code
    entry = paddr + mb_off + 12 + entry_off
    eh = b"\x7fELF" + bytes([1, 1, 1, 0]) + bytes(8)
    eh += struct.pack("<HHIIIIIHHHHHH", 2, 3, 1, entry, ehsize, 0, 0, ehsize, phsize, 1, 40, 0, 0)
    ph = struct.pack("<IIIIIIII", 1, 0, paddr, paddr, mb_off + len(body), mb_off + len(body) + 64,
                     7, 0x1000)
    return eh + ph + body


def aout_kernel(code, load=0x100000):
    """A flat image that only the Multiboot header's address fields describe."""
    hdr_len = 32
    flags = 3 | (1 << 16)
    mb = struct.pack("<III", 0x1BADB002, flags, (-(0x1BADB002 + flags)) & 0xFFFFFFFF)
    end = load + hdr_len + len(code)
    mb += struct.pack("<IIIII", load, load, end, end + 0x100, load + hdr_len)
    return mb + code


def tiny_bzimage(code, version=0x020F, setup_sects=1):
    """A bzImage (Linux boot protocol): boot sector and setup sectors with a
    setup header as long as VERSION's, then CODE as the protected-mode part."""
    hdr_end = 0x26C if version >= 0x020A else 0x23C if version >= 0x0206 else 0x22C
    setup = bytearray(((setup_sects or 4) + 1) * 512)
    setup[0x1F1] = setup_sects
    struct.pack_into("<H", setup, 0x1FE, 0xAA55)
    setup[0x200:0x202] = bytes([0xEB, hdr_end - 0x202])
    setup[0x202:0x206] = b"HdrS"
    struct.pack_into("<H", setup, 0x206, version)
    setup[0x211] = 0x21                                  # LOADED_HIGH | QUIET_FLAG
    struct.pack_into("<I", setup, 0x214, 0x100000)       # code32_start
    struct.pack_into("<I", setup, 0x22C, 0x37FFFFFF)     # initrd_addr_max
    if version >= 0x0206:
        struct.pack_into("<I", setup, 0x238, 2047)       # cmdline_size
    if version >= 0x020A:
        struct.pack_into("<QI", setup, 0x258, 0x100000, 0x10000)  # pref_address, init_size
    return bytes(setup) + code


def ps2_seeds():
    """ps2: what SeaBIOS and Linux's i8042/atkbd/psmouse do (see fuzz_ps2.c)."""
    def d(v): return bytes([0, v])
    def c(v): return bytes([1, v])
    rd = bytes([3, 2])
    def key(code, down): return bytes([4 | (8 if down else 0)]) + struct.pack("<H", code)
    def ptr(dx, dy, dz, buttons, shift=0):
        return bytes([5]) + struct.pack("<bbbB", dx, dy, dz, buttons << 4 | shift)
    def wait(n): return bytes([6, n])
    snap = bytes([7])
    aux = lambda v: c(0xD4) + d(v) + rd
    s = c(0xAA) + rd + c(0x60) + d(0x47) + c(0xAB) + rd + d(0xFF) + rd + rd + d(0xF2) + rd * 3
    s += d(0xF0) + d(0x02) + rd + d(0xED) + d(0x02) + rd + rd + d(0xF3) + d(0x20) + rd + rd
    s += key(30, True) + rd + wait(130) + rd + wait(20) + snap + key(30, False) + rd + rd
    s += key(119, True) + rd * 6 + key(99, True) + key(99, False) + rd * 8
    write("ps2", "keyboard", s)
    s = c(0xA8) + c(0xA9) + rd + c(0x60) + d(0x47) + aux(0xFF) + rd + rd + aux(0xF2) + rd
    s += aux(0xF3) + d(200) + aux(0xF3) + d(100) + aux(0xF3) + d(80) + aux(0xF2) + rd
    s += aux(0xE8) + d(3) + aux(0xE6) + aux(0xF4) + ptr(5, -3, 1, 1) + rd * 4 + snap
    s += ptr(100, 100, -5, 3, 6) + rd * 12 + aux(0xE9) + rd * 3 + aux(0xF0) + ptr(1, 1, 0, 0)
    s += aux(0xEB) + rd * 4 + aux(0xEE) + aux(0x42) + aux(0xEC) + c(0xA7) + ptr(3, 3, 3, 7) + snap
    write("ps2", "mouse", s)
    s = c(0x60) + d(0x04) + d(0xF0) + d(0x01) + rd + b"".join(key(k, True) + key(k, False) for k in range(0, 130)) + snap
    write("ps2", "set1-all-keys", s)


def fdc_seeds():
    """fdc: what SeaBIOS and Linux's floppy driver do (see fuzz_fdc.c)."""
    def fo(reg, v):
        return bytes([0 | reg << 3, v])
    def fi(reg):
        return bytes([1 | reg << 3])
    def do(port, v):
        idx = port if port < 16 else port - 0xC0 + 16 if port >= 0xC0 else port - 0x81 + 48
        return bytes([2, idx, v])
    def c(k, *p):
        return bytes([4 | k << 3]) + bytes(p)
    def burst_in(n):
        return bytes([7, n])
    def dma(addr, n, mode):
        return (do(0x0A, 6) + do(0x0C, 0) + do(0x04, addr & 0xFF) + do(0x04, addr >> 8 & 0xFF)
                + do(0x0C, 0) + do(0x05, (n - 1) & 0xFF) + do(0x05, (n - 1) >> 8) + do(0x0B, mode)
                + do(0x81, addr >> 16) + do(0x0A, 2))
    SPECIFY, RECAL, SIS, SEEK = 17, 15, 16, 19
    prep = c(SPECIFY, 0xAF, 0x02) + c(RECAL, 0) + c(SIS) + burst_in(2)
    s = prep + c(SEEK, 4, 1) + c(SIS) + burst_in(2) + dma(0x1000, 2048, 0x46)
    s += c(3, 4, 1, 1, 17, 2, 20, 0x1B, 0xFF) + burst_in(7) + c(12, 0) + burst_in(7)
    write("fdc", "bios-read", bytes([0x20]) + s)
    s = prep + dma(0x2000, 1024, 0x4A) + c(5, 0, 0, 0, 1, 2, 18, 0x1B, 0xFF) + burst_in(7)
    s += dma(0x3000, 72, 0x4A) + c(14, 4, 2, 18, 0x6C, 0xF6) + burst_in(7)
    s += c(10, 0x80, 0, 0, 1, 2, 18, 0x1B, 3) + burst_in(7)
    write("fdc", "write-format-verify", bytes([0x20]) + s)
    s = c(SPECIFY, 0xAF, 0x03) + c(1, 0, 0, 0, 1, 2, 2, 0x1B, 0xFF) + burst_in(255) + burst_in(255)
    s += bytes([6, 77]) + burst_in(255) + burst_in(255) + burst_in(20)
    s += c(4, 0, 0, 0, 3, 2, 3, 0x1B, 0xFF) + bytes([15, 200]) + bytes(range(200))
    write("fdc", "pio-snapshot", bytes([0x21]) + s)
    s = fo(2, 0x00) + fo(2, 0x0C) + fi(4) + c(SIS) + burst_in(2) + fo(4, 0x80) + fi(0) + fi(1)
    s += c(27) + burst_in(1) + c(26) + burst_in(10) + c(22, 0, 0x57, 0x10) + c(25) + burst_in(1)
    s += fo(2, 0x08) + fo(2, 0x0C) + c(26) + burst_in(10) + c(28) + burst_in(1) + fi(7)
    write("fdc", "reset-config", bytes([0x00]) + s)
    s = fo(2, 0x2D) + fo(7, 2) + c(RECAL, 1) + c(SIS) + burst_in(2) + c(SEEK, 1, 39)
    s += c(SIS) + burst_in(2) + dma(0x4000, 1024, 0x46) + c(3, 5, 39, 1, 8, 2, 9, 0x1B, 0xFF)
    s += burst_in(7) + bytes([5 | 3 << 3]) + fi(7)
    write("fdc", "second-drive", bytes([0x33]) + s)
    s = prep + do(0x0A, 6) + c(4, 0, 0, 0, 1, 2, 18, 0x1B, 0xFF) + bytes([6, 3])
    s += bytes([5]) + burst_in(7) + bytes([5 | 1 << 3]) + fi(7) + c(SEEK, 0, 2) + fi(7)
    s += dma(0x0, 512, 0x46) + c(0, 0, 2, 0, 1, 2, 18, 0x1B, 0xFF) + burst_in(7)
    write("fdc", "readonly-media", bytes([0x28]) + s)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    build = sys.argv[1]
    if os.path.isdir(CORPUS):
        shutil.rmtree(CORPUS)

    code16 = {k: assemble(True, v) for k, v in SNIPPETS16.items()}
    code32 = {k: assemble(False, v) for k, v in SNIPPETS32.items()}

    # decode: raw instruction bytes.
    for k, v in list(code16.items()) + list(code32.items()):
        write("decode", k, v)

    # exec: every mode with fitting code.  Modes: 0 real, 1 pm16, 2 pm32,
    # 3 v86, 4 pm32+paging, 5 pm16+paging, 6 v86+paging.
    real_segs = [0x10, 0x00, 0x00, 0x01, 0x02, 0x03]   # ES CS SS DS FS GS
    pm_segs = [2, 1, 2, 2, 6, 6]                      # GDT indexes (data32 / code32)
    n = 0
    for name, code in code16.items():
        write("exec", "real-%s" % name, exec_header(0, 1, 0x1234 + n, 0, 0, 0, real_segs, 0, 60) + code)
        write("exec", "v86-%s" % name, exec_header(3, 2, 0x777 + n, 3, 0, 0x01, real_segs, 0, 60,
                                                   eflags=0x3202) + code)
        write("exec", "pm16-%s" % name, exec_header(1, 2, 0x99 + n, 0, 0x10, 0, pm_segs, 0, 60) + code)
        n += 1
    for name, code in code32.items():
        write("exec", "pm32-%s" % name, exec_header(2, 1, 0x4242 + n, 0, 0, 0, pm_segs, 0, 60) + code)
        write("exec", "pm32pg-%s" % name, exec_header(4, 2, 0x5151 + n, 0, 0x10, 0x90, pm_segs, 0, 60,
                                                      dbg=0x81) + code)
        write("exec", "ring3-%s" % name, exec_header(4, 0, 0x6161 + n, 3, 0x10, 0x10, [6] * 6, 0, 60,
                                                     eflags=0x202, irq=0x45) + code)
        n += 1
    write("exec", "v86pg-io", exec_header(6, 2, 0xABC, 3, 0, 0x03, real_segs, 0, 60, eflags=0x20202)
          + code16["bios-start"])
    write("exec", "pm16pg-flow", exec_header(5, 1, 0xDEF, 0, 0, 0x10, pm_segs, 0, 60)
          + code16["flow"])

    # sbe: a seed, a page flavour, then commands (scan, block, store, note,
    # flush), see fuzz_sbe.c.
    def cmd(kind, page, off, code32=False, extra=b""):
        return bytes([kind | (page << 3) | (0x80 if code32 else 0)]) + struct.pack("<H", off) + extra
    seq = struct.pack("<I", 7) + bytes([0x55])
    seq += cmd(0, 0, 0) + cmd(2, 0, 0) + cmd(4, 0, 2, extra=bytes([3, 0x90, 0x90, 0x90, 0x90]))
    seq += cmd(2, 0, 0) + cmd(0, 3, 0xFF8, True) + cmd(2, 3, 0xFF8, True) + cmd(6, 4, 0, extra=b"\x07")
    seq += cmd(0, 5, 0xFFC) + cmd(0, 6, 0x10) + cmd(2, 7, 0xFF0, True) + cmd(7, 0, 0)
    write("sbe", "mixed", seq)
    for name, code in list(code16.items())[:3] + list(code32.items())[:2]:
        s = struct.pack("<I", len(code)) + bytes([0xAA])
        s += cmd(4, 1, 0x100, extra=bytes([min(len(code), 64) - 1]) + code[:64])
        s += cmd(0, 1, 0x100, name in code32) + cmd(2, 1, 0x100, name in code32)
        s += cmd(4, 1, 0x104, extra=b"\x00\xCC") + cmd(2, 1, 0x100, name in code32)
        write("sbe", "code-" + name, s)

    # ports: COM1 set up and used, the debug console, POST codes, a debug
    # exit, reads of ports nobody owns.
    def out(port, val, size=1):
        sz = {1: 0, 2: 1, 4: 2}[size]
        return bytes([1 | (sz << 1)]) + struct.pack("<HI", port, val)
    def inp(port, size=1):
        sz = {1: 0, 2: 1, 4: 2}[size]
        return bytes([sz << 1]) + struct.pack("<H", port)
    s = out(0x3FB, 0x80) + out(0x3F8, 1) + out(0x3F9, 0) + out(0x3FB, 3) + out(0x3FC, 0x13)
    s += out(0x3F8, 0x41) + inp(0x3FD) + inp(0x3F8) + inp(0x3FE) + out(0x3FC, 3)
    s += out(0x3F8, 0x0A) + inp(0x3FA) + inp(0x3F8, 4) + out(0x3FF, 0x5A) + inp(0x3FF)
    write("ports", "serial", s)
    s = out(0xE9, 0x48) + out(0xE9, 0x6948, 2) + inp(0xE9) + out(0x80, 0x12) + out(0x80, 0x3456, 2)
    s += inp(0x80) + inp(0x7F, 4) + inp(0x1234, 2) + out(0xF4, 0x10) + inp(0xF4, 4) + out(0xF6, 1, 2)
    write("ports", "debug-ports", s)
    s = b"".join(inp(p, 4) + out(p, 0xFFFFFFFF, 4) for p in (0x20, 0x40, 0x60, 0x64, 0x70, 0x92, 0xCF8, 0x3F6))
    write("ports", "pc-ports", s)

    # uart: a Linux-like driver setup, host input, timeouts, loopback.
    def u(op, reg=0, *rest):
        return bytes([op | reg << 3]) + bytes(rest)
    s = u(0, 3, 0x80) + u(0, 0, 1) + u(0, 1, 0) + u(0, 3, 3) + u(0, 2, 0x87)
    s += u(0, 4, 0x0B) + u(0, 1, 0x0F) + u(1, 2, 0) + u(2, 0, 5) + b"hello"
    s += u(1, 2, 0) + u(4, 0, 8, 0) + u(7, 0, 0) + u(1, 2, 0) + u(1, 0, 0) + u(1, 5, 0)
    s += u(3, 0, 0) + u(1, 5, 0) + u(1, 0, 0) + u(0, 0, 0x41) + u(1, 2, 0) + u(1, 6, 0)
    write("uart", "driver", s)
    s = u(0, 2, 0xC1) + u(0, 4, 0x1F) + b"".join(u(0, 0, 0x30 + i) for i in range(18))
    s += u(1, 5, 0) + u(1, 2, 0) + u(0, 3, 0x43) + u(1, 5, 0) + u(6, 4, 0) + u(5, 0, 0x12, 0x34)
    s += u(0, 4, 0x08) + u(1, 6, 0) + u(0, 2, 0x00) + u(2, 0, 3) + b"xyz" + u(7, 0, 0)
    write("uart", "loopback", s)

    fdc_seeds()
    ps2_seeds()

    # moo: the sample files moo-reader-test writes, and sst-run's side files.
    samples = tempfile.mkdtemp()
    try:
        subprocess.run([os.path.join(build, "tools", "moo-reader-test"), "--write-samples", samples],
                       check=True, stdout=subprocess.DEVNULL)
        for rel in ("386.MOO", "good.MOO", "good.MOO.gz", "masked/40.MOO", "masked/metadata.json",
                    "skips.txt", "revocation_list.txt", "corrupt/trunc-test.MOO"):
            with open(os.path.join(samples, rel), "rb") as f:
                write("moo", rel.replace("/", "-"), f.read())
    finally:
        shutil.rmtree(samples)

    # multiboot: the loader's two real test kernels, and tiny ones.
    for rel in ("tests/guest/mb_boot.elf", "tests/guest/mb_aout.bin"):
        with open(os.path.join(build, rel), "rb") as f:
            write("multiboot", os.path.basename(rel), f.read())
    exit_code = bytes([0xB0, 0x10, 0xE6, 0xF4, 0xF4])   # mov $0x10,%al; out %al,$0xf4; hlt
    write("multiboot", "tiny.elf", tiny_elf(exit_code))
    write("multiboot", "tiny-pm.elf", tiny_elf(code32["pm32-kernel"][:200]))
    write("multiboot", "tiny-aout.bin", aout_kernel(exit_code))

    # bzimage: the loader's test kernel, and tiny ones of three protocol
    # versions (2.02 has no initrd_addr_max or cmdline_size; setup_sects 0
    # means 4).
    with open(os.path.join(build, "tests/guest/lb_boot.bzImage"), "rb") as f:
        write("bzimage", "lb_boot.bzImage", f.read())
    write("bzimage", "tiny-215.bz", tiny_bzimage(exit_code))
    write("bzimage", "tiny-206.bz", tiny_bzimage(exit_code, 0x0206, 0))
    write("bzimage", "tiny-202.bz", tiny_bzimage(code32["pm32-kernel"][:200], 0x0202, 2))

    # cli: argument lists, NUL-separated.
    for i, args in enumerate([
        ["-bios", "x.rom", "-m", "64M", "-nographic", "-serial", "file:s.txt", "-debugcon", "stdio"],
        ["-kernel", "k.elf", "-append", "console=ttyS0 a=b", "-initrd", "i.img", "-m", "1G"],
        ["--bios=b.rom", "--m", "16", "-cpu", "386", "-no-reboot", "-max-insns", "1000"],
        ["-bios", "b", "-d", "post,exit", "-D", "log.txt", "-sbe-depth", "0", "-no-code-cache"],
        ["-bios", "b", "-name", "vm1", "--stats", "s.json", "--metrics", "m.prom",
         "--metrics-interval", "0.5"],
        ["-cpu", "help"], ["-d", "help"], ["--help"], ["-version"],
        ["-bios", "x", "-m", "0"], ["-bios", "x", "-m", "4G"], ["-frobnicate"],
        ["-bios", "b", "-S", "-qmp", "unix:/tmp/q.sock,server,nowait", "-monitor",
         "unix:/tmp/m.sock,server=on,wait=off"],
        ["-bios", "b", "-serial", "null", "-monitor", "stdio", "-qmp", "unix:x,server"],
        ["-bios", "b", "-hda", "a.img", "-cdrom", "c.iso", "-fda", "f.img", "-snapshot",
         "-drive", "file=x,,y.img,if=ide,index=3,media=disk,format=raw,cache=none,id=d1"],
        ["-kernel", "k", "-drive", "if=ide,index=2,media=cdrom", "-drive",
         "file=q.qcow2,format=qcow2,readonly=on,bus=0,unit=1,snapshot=off,cache=unsafe",
         "-drive", "if=floppy,file=f2,unit=1,read-only=yes"],
        ["-kernel", "k", "-display", "sdl", "-vnc", "localhost:3,websocket=on"],
        ["-bios", "b", "-display", "vnc=:1", "-vnc", "[::1]:2,websocket=5999", "-nographic"],
        ["-bios", "b", "-display", "curses", "-serial", "stdio"],
        ["-bios", "b", "-smp", "6,sockets=2,cores=3", "-smp", "cpus=8,threads=2,maxcpus=8"],
        ["-bios", "b", "-smp", "4,dies=1,clusters=1,sockets=0", "-smp", "2,cores=4"],
    ]):
        write("cli", "args-%02d" % i, b"\0".join(a.encode() for a in args))

    # qmp: byte 0 picks QMP (bit 0), negotiation (bit 1) and the piece
    # size (bits 4-7); then a client's bytes.
    for fname, data in [
        ("caps-status-hmp", b'\x03{"execute":"query-status","id":1}{"execute":'
         b'"human-monitor-command","arguments":{"command-line":"info registers"}}\n'),
        ("bad-json", b'\x01{"execute": }\n[1,2]\n42 "str" {"execute":"qmp_capabilities"}'
         b'{"execute":"stop"}{"execute":"cont"}{"execute":"nope","id":[1]}'),
        ("split-pieces", b'\x33{"execute":"human-monitor-command","arguments":{"command-line":'
         b'"xp /16xb 0xfffff000"}}{"execute":"system_reset"}{"execute":"quit"}'),
        ("hmp-commands", b"\x00help\ninfo\ninfo status\nstop\ninfo status\nc\n"
         b"x /4xw 0xffff0\nxp /8cb 0xfffffff0\nx /2ug $eip\nxp /3oh 0\nsavevm /tmp/x\n"
         b"info sbe\ninfo stats\nbogus\n"),
        ("hmp-bad", b"\x20x /99999999xw 0\nx /0x 0\nx /4i 0\nx /4xw\nxp /4xw $foo\n"
         b"system_powerdown\nq\n"),
        ("hmp-drives", b'\x00info block\ninfo block ide1-cd0\nqemu-io ide0-hd0 "write -P 0x41 '
         b'0 512"\nqemu-io ide0-hd0 "read -P 0x41 0 1k"\nqemu-io ide0-hd0 "read -P 0x42 '
         b'510 4"\nqemu-io ide1-cd0 "write 0 1"\nqemu-io ide1-cd1 "read 0 1"\n'
         b'qemu-io ide0-hd0 "flush"\nqemu-io ide0-hd0 "read 0x10000 1"\ncommit all\n'
         b'commit ide0-hd0\ncommit\nqemu-io nothing "read 0 1"\n'),
        ("qmp-query-block", b'\x03{"execute":"query-block"}{"execute":"human-monitor-command",'
         b'"arguments":{"command-line":"qemu-io ide0-hd0 \\"write 0 64k\\""}}'),
    ]:
        write("qmp", fname, data)

    chipset_seeds()
    vga_seeds()
    ide_seeds()
    qcow2_seeds()
    apic_seeds()


def vga_seeds():
    """fuzz_vga.c's operations: mode 13h set up and drawn, hostile VBE
    values, a text mode through BAR2."""
    def port(p, v):
        return bytes([0, p - 0x3B0, v])

    def vbe(i, v):
        return bytes([2, i]) + struct.pack("<H", v)

    upd = bytes([7])
    m13 = port(0x3C2, 0x63)
    for i, v in enumerate([0x03, 0x01, 0x0F, 0x00, 0x0E]):
        m13 += port(0x3C4, i) + port(0x3C5, v)
    crtc = [0x5F, 0x4F, 0x50, 0x82, 0x54, 0x80, 0xBF, 0x1F, 0x00, 0x41, 0, 0, 0, 0, 0, 0,
            0x9C, 0x0E, 0x8F, 0x28, 0x40, 0x96, 0xB9, 0xA3, 0xFF]
    for i, v in enumerate(crtc):
        m13 += port(0x3D4, i) + port(0x3D5, v)
    for i, v in enumerate([0, 0, 0, 0, 0, 0x40, 0x05, 0x0F, 0xFF]):
        m13 += port(0x3CE, i) + port(0x3CF, v)
    m13 += bytes([1, 0x3DA - 0x3B0])
    for i in range(16):
        m13 += port(0x3C0, i) + port(0x3C0, i)
    m13 += port(0x3C0, 0x10) + port(0x3C0, 0x41) + port(0x3C0, 0x20)
    for k in range(8):
        m13 += bytes([3]) + struct.pack("<II", k * 321, 0x01020304)
    write("vga", "mode13", m13 + upd)
    v = (vbe(1, 1024) + vbe(2, 768) + vbe(3, 32) + vbe(4, 0x41) + bytes([5 | 0x10]) +
         struct.pack("<II", 4 * 1024 * 10, 0xFFFFFF) + upd)
    v += (vbe(8, 0xFFFF) + vbe(9, 0xFFFF) + vbe(6, 3) + vbe(5, 0x1FF) + bytes([3 | 0x10]) +
          struct.pack("<II", 0xFFFF, 7) + upd)
    write("vga", "vbe-hostile", v)
    t = (port(0x3C2, 0x67) + port(0x3C4, 4) + port(0x3C5, 2) + port(0x3D4, 9) +
         port(0x3D5, 0x0F) + port(0x3CE, 6) + port(0x3CF, 0x0E))
    t += bytes([1, 0x3DA - 0x3B0]) + port(0x3C0, 0x20)
    t += (bytes([3 | 0x08]) + struct.pack("<II", 0x18000, 0x0741) + upd +
          bytes([6 | 0x08]) + struct.pack("<HIH", 0x504, 0x1234, 0x502) + upd)
    write("vga", "text-bar2", t)
    # The framebuffer's RAM-speed pages: writes to several pages (below and
    # above 256 KiB, one past the end), pictures between them, the same
    # pages again after a picture.
    f = vbe(1, 640) + vbe(2, 480) + vbe(3, 32) + vbe(4, 0x41)
    f += bytes([1, 0x3DA - 0x3B0]) + port(0x3C0, 0x20)
    for off in (0x10, 0x1000, 0x3FFFE, 0x40000, 0x12BFFC, 0x1000000 + 4):
        f += bytes([5 | 0x10]) + struct.pack("<II", off, 0x00A0B0C0 ^ off)
    f += upd + upd
    for off in (0x1004, 0x40008):
        f += bytes([5 | 0x08]) + struct.pack("<II", off, 0x1234)
    f += upd
    write("vga", "lfb-pages", f)


def chipset_seeds():
    """chipset (fuzz_chipset.c): what SeaBIOS does with fw_cfg, PAM, the
    PIIX3 and the PM function, as operations: kind, then operands."""
    ports = [0x510, 0x511, 0x512, 0x514, 0x515, 0x516, 0x517, 0x518, 0x519, 0x51B,
             0xCF8, 0xCF9, 0xCFC, 0xCFD, 0xCFE, 0xCFF, 0x4D0, 0x4D1, 0xB2, 0xB3,
             0xAFE0, 0xAFE1, 0xAFE2, 0xAFE3, 0xB000, 0xB004, 0xB008, 0xB100, 0xB102]
    size = {1: 0, 2: 1, 4: 2}
    # A port of the list, or an offset in the PM block ("pm", 0-63) or
    # the SMBus ("smb", 0-15) wherever the guest put them.
    def sel(port):
        if isinstance(port, tuple):
            return len(ports) + (0x80 if port[0] == "smb" else 0) + port[1]
        return ports.index(port)
    def out(port, val, sz=1):
        return bytes([0, sel(port), size[sz]]) + struct.pack("<I", val)
    def inp(port, sz=1):
        return bytes([1, sel(port), size[sz]])
    def cfg(fn, reg, val, sz=1):
        return bytes([2, fn, reg, size[sz]]) + struct.pack("<I", val)
    def ram(pa, b16):
        return bytes([3]) + struct.pack("<I", pa)[:3] + b16.ljust(16, b"\0")[:16]
    def dma(at):
        return bytes([4]) + struct.pack("<I", at)
    def run(n):                                  # n * 4096 instructions
        return bytes([5, n])
    s = out(0x510, 0, 2) + b"".join(inp(0x511) for _ in range(5))
    s += out(0x510, 0x19, 2) + b"".join(inp(0x511) for _ in range(12)) + inp(0x514, 4)
    write("chipset", "fw-cfg-traditional", s)
    # SeaBIOS's DMA reads: ID, then the file directory's count.
    s = ram(0x7000, struct.pack(">IIQ", 0x0001000A, 4, 0x7100)) + dma(0x7000)
    s += ram(0x7000, struct.pack(">IIQ", 0x0019000A, 4, 0x7100)) + dma(0x7000)
    s += ram(0x7000, struct.pack(">IIQ", 0x4, 100, 0)) + dma(0x7000)
    s += ram(0x7000, struct.pack(">IIQ", 0x0020001A, 0xFFFFFFFF, 0x7100)) + dma(0x7000)
    s += ram(0x7000, struct.pack(">IIQ", 0x00200010, 4, 0x7100)) + dma(0x1FFFF8) + dma(0xFFFFFFF0)
    write("chipset", "fw-cfg-dma", s)
    # make_bios_writable, then make_bios_readonly; the PIRQs; the PM setup.
    s = cfg(0, 0x59, 0x30) + cfg(0, 0x5A, 0x33333333, 4) + cfg(0, 0x5E, 0x3333, 2)
    s += cfg(0, 0x59, 0x10) + cfg(0, 0x5A, 0x11, 1) + cfg(0, 0x72, 0x4A)
    s += cfg(1, 0x60, 0x0B0B0A0A, 4) + out(0x4D0, 0) + out(0x4D1, 0x0C) + cfg(1, 0x61, 0x80)
    write("chipset", "pam-pirq", s)
    s = cfg(2, 0x3C, 9) + cfg(2, 0x40, 0xB001, 4) + cfg(2, 0x80, 1) + cfg(2, 0x90, 0xB101, 4)
    s += cfg(2, 0xD2, 0x09) + inp(0xB008, 4) + out(0xB2, 0xF1) + out(("pm", 2), 0x21, 2)
    s += inp(("pm", 0), 2) + out(("pm", 0), 0xFFFF, 2) + out(("smb", 2), 0x48)
    s += inp(("smb", 0)) + cfg(2, 0x40, 0x601, 4) + inp(("pm", 8), 4)
    s += out(("pm", 4), 0x2000, 2) + out(0xCF9, 0x02)
    write("chipset", "pm", s)
    # The PM timer's status and the SCI as guest time passes.
    s = cfg(2, 0x40, 0xB001, 4) + cfg(2, 0x80, 1) + out(0xB2, 0xF1) + out(("pm", 2), 1, 2)
    s += run(63) + run(63) + inp(("pm", 0), 2) + run(63) + run(63) + inp(("pm", 8), 4)
    s += run(63) + inp(("pm", 0), 2) + out(("pm", 0), 1, 2) + run(40) + out(0x4D1, 0x02)
    s += inp(("pm", 0), 2) + out(0xB2, 0xF0) + run(63)
    write("chipset", "pm-timer", s)
    # The ACPI power button (issue 19): pressed before the guest enables it,
    # then in ACPI mode with PWRBTN_EN (the SCI on IRQ 9 until the guest
    # clears PWRBTN_STS), then S5 as the DSDT's \_S5 gives it.
    def press_and_run(n):
        return bytes([5, 64 | n])
    s = cfg(2, 0x40, 0x601, 4) + cfg(2, 0x80, 1) + press_and_run(0) + inp(("pm", 0), 2)
    s += out(("pm", 0), 0x100, 2) + out(0xB2, 0xF1) + out(("pm", 2), 0x100, 2)
    s += press_and_run(1) + inp(("pm", 0), 2) + out(0x4D1, 0x02) + out(("pm", 0), 0x100, 2)
    s += press_and_run(0) + out(("pm", 4), 0x2001, 2)
    write("chipset", "power-button", s)


def ide_seeds():
    """ide: a disk driven by PIO and DMA, a CD by packets (fuzz_ide.c)."""
    def cmd(ch, feat, count, lba, dev, command, packet=b""):
        return bytes([15 | ch << 4, feat, count, lba & 0xFF, (lba >> 8) & 0xFF,
                      (lba >> 16) & 0xFF, dev, command]) + packet
    def reads(ch, n, dwords=False):
        return bytes([2 | (ch | (2 if dwords else 0)) << 4, n])
    def writes(ch, n):
        return bytes([3 | ch << 4, n])
    def bm(ch, reg, val, size=1):
        return bytes([6 | (ch | reg << 1) << 4, {1: 0, 2: 1, 4: 2}[size]]) + struct.pack("<I", val)
    def prd(idx, addr, count, eot):
        return bytes([9 | (1 if eot else 0) << 4, idx]) + struct.pack("<HH", addr, count)
    snap = b"\x0c"
    def srst(ch):
        return bytes([4 | ch << 4, 0x04, 4 | ch << 4, 0x00])

    # A disk at 0 (64 sectors), a CD at 2: PIO.
    hdr = bytes([0x21, 64, 0, 40, 0, 0, 0, 7])
    s = hdr + cmd(0, 0, 0, 0, 0xA0, 0xEC) + reads(0, 63) + snap
    s += cmd(0, 0, 4, 3, 0xE0, 0x20) + reads(0, 100) + reads(0, 100) + reads(0, 120)
    s += cmd(0, 0, 1, 9, 0xE0, 0x30) + writes(0, 63) + cmd(0, 0, 4, 0, 0xA0, 0xC6)
    s += cmd(0, 0, 8, 1, 0xE0, 0xC4) + reads(0, 200) + snap + reads(0, 255)
    s += cmd(0, 0, 2, 60, 0xE0, 0xC5) + writes(0, 255) + cmd(0, 0, 0, 0, 0xE0, 0xE7)
    s += cmd(0, 3, 0x45, 0, 0xA0, 0xEF) + cmd(0, 0, 17, 0, 0xA3, 0x91) + srst(0)
    s += cmd(0, 0, 1, 70, 0xE0, 0x20) + cmd(0, 0, 0, 0, 0xA0, 0xE6) + cmd(0, 0, 0, 0, 0xA0, 0xE5)
    write("ide", "ata-pio", s)

    # DMA: a PRD table of three entries, reads and writes, a short table.
    s = bytes([0x01, 128, 0, 0, 0, 0, 0, 9])
    s += prd(0, 0x2000, 1000, False) + prd(1, 0x4000, 2000, False) + prd(2, 0x8000, 1096, True)
    s += bm(0, 4, 0x1000, 4) + bm(0, 0, 0x08) + cmd(0, 0, 8, 5, 0xE0, 0xC8) + bm(0, 0, 0x09)
    s += bytes([7, 2]) + bm(0, 2, 0x04) + bm(0, 0, 0x00) + snap
    s += bm(0, 0, 0x01) + cmd(0, 0, 8, 20, 0xE0, 0xCA) + bm(0, 0, 0x00)
    s += prd(0, 0x2000, 0, True) + bm(0, 0, 0x09) + cmd(0, 0, 128, 0, 0xE0, 0xC8) + bm(0, 0, 0)
    s += prd(0, 0x2000, 512, True) + bm(0, 0, 0x09) + cmd(0, 0, 4, 0, 0xE0, 0xC8) + snap
    s += bytes([0x0E]) + cmd(0, 0, 1, 0, 0xE0, 0xC8) + bm(0, 0, 0)
    write("ide", "ata-dma", s)

    # A CD at index 2 (20 sectors): packets by PIO and DMA, media changes.
    def pkt(cdb, bcl=0x800, dma=False):
        cdb = bytes(cdb) + bytes(12 - len(cdb))
        return cmd(1, 1 if dma else 0, 0, (bcl & 0xFFFF) << 8, 0xA0, 0xA0, cdb)
    s = bytes([0x20, 0, 0, 40, 0, 0, 0, 3]) + srst(1) + cmd(1, 0, 0, 0, 0xA0, 0xA1) + reads(1, 63)
    s += pkt([0x00]) + pkt([0x12, 0, 0, 0, 36]) + reads(1, 8) + pkt([0x25]) + reads(1, 1)
    s += pkt([0x28, 0, 0, 0, 0, 2, 0, 0, 3]) + reads(1, 200) + snap + reads(1, 255) + reads(1, 255)
    s += pkt([0x43, 2, 0, 0, 0, 0, 0, 0, 64]) + reads(1, 10) + pkt([0x43, 0, 2, 0, 0, 0, 1, 0, 64])
    s += reads(1, 12) + pkt([0x5A, 0, 0x3F, 0, 0, 0, 0, 0, 255]) + reads(1, 16)
    s += pkt([0x46, 0, 0, 0, 0, 0, 0, 0, 255]) + reads(1, 16) + pkt([0x4A, 1, 0, 0, 0x10, 0, 0, 0, 8])
    s += reads(1, 2) + bytes([0x2B, 30]) + pkt([0x00]) + pkt([0x03, 0, 0, 0, 18]) + reads(1, 4)
    s += pkt([0x1E, 0, 0, 0, 1]) + pkt([0x1B, 0, 0, 0, 2]) + bytes([0x2B, 0xC0])
    s += pkt([0x1E, 0, 0, 0, 0]) + pkt([0x1B, 0, 0, 0, 2]) + pkt([0x1B, 0, 0, 0, 3])
    s += pkt([0xBE, 0, 0, 0, 0, 1, 0, 0, 2, 0xF8]) + reads(1, 255) + reads(1, 255) + reads(1, 255)
    s += prd(0, 0x3000, 8192, True) + bm(1, 4, 0x1000, 4) + bm(1, 0, 0x09)
    s += pkt([0x28, 0, 0, 0, 0, 4, 0, 0, 2], 0, True) + snap + bm(1, 0, 0) + pkt([0xBD, 0, 0, 0, 0, 0, 0, 0, 0, 8])
    s += reads(1, 2) + bytes([0x2E]) + pkt([0x28, 0, 0, 0, 0, 0, 0, 0, 1]) + reads(1, 255)
    write("ide", "atapi", s)

    # A disk with a partition table (255 heads: a translated geometry),
    # LBA48, CHS, hostile sizes, a failing backend.
    table = bytes([0x80, 1, 1, 0, 0x83, 254, 0xFF, 0xFF]) + struct.pack("<II", 63, 1000) + bytes(48)
    s = bytes([0x05, 200, 77, 0, 0, 0x02, 1, 5]) + table
    s += cmd(0, 0, 1, 0, 0xA0, 0xEC) + reads(0, 63) + cmd(0, 0, 0, 0, 0x40, 0x27)
    s += bytes([0x00 | (1 << 1) << 4, 0]) + bytes([0x00 | (2 << 1) << 4, 1]) + cmd(0, 0, 1, 2, 0x40, 0x24)
    s += reads(0, 127) + cmd(0, 0, 1, 5, 0xA1, 0x20) + reads(0, 127) + cmd(0, 0, 1, 0, 0xB0, 0x30)
    s += writes(1, 127) + bytes([0x0E]) + cmd(0, 0, 1, 0, 0xB0, 0xC8)
    s += cmd(0, 0, 2, 0, 0xE0, 0x40) + bytes([0x0E]) + cmd(0, 0, 2, 0, 0xE0, 0x40) + cmd(0, 0, 1, 0, 0xE0, 0x90)
    s += snap + bytes([0x0D]) + cmd(0, 0, 1, 0, 0xE0, 0x20) + reads(0, 5) + snap
    write("ide", "mbr-lba48", s)


def qcow2_image(cb=9, version=3, compressed=True, backing=None, extra_incompat=0):
    """A small qcow2 image built here: 2^cb-byte clusters, 8 guest
    clusters; header in cluster 0, L1 in 1, L2 in 2, guest cluster 0 as
    data at cluster 3, 1 compressed (raw deflate) at cluster 4, 2 a zero
    cluster (version 3), the rest unallocated."""
    import struct
    import zlib
    c = 1 << cb
    img = bytearray(6 * c)
    hdr = struct.pack(">IIQIIQIIQQIIQ", 0x514649fb, version, 0, 0, cb, 8 * c, 0, 1, c, 0, 0, 0, 0)
    img[0:len(hdr)] = hdr
    if version == 3:
        img[72:104] = struct.pack(">QQQII", extra_incompat, 0, 0, 4, 104)
    if backing:
        name = backing.encode()
        img[200:200 + len(name)] = name
        img[8:20] = struct.pack(">QI", 200, len(name))
    img[c:c + 8] = struct.pack(">Q", 2 * c)
    l2 = 2 * c
    img[l2:l2 + 8] = struct.pack(">Q", (1 << 63) | 3 * c)
    img[3 * c:4 * c] = bytes([0xA0]) * c
    if compressed:
        z = zlib.compressobj(9, zlib.DEFLATED, -12)
        packed = z.compress(bytes([0xC1]) * c) + z.flush()
        img[4 * c:4 * c + len(packed)] = packed
        img[l2 + 8:l2 + 16] = struct.pack(">Q", (1 << 62) | 4 * c)
    if version == 3:
        img[l2 + 16:l2 + 24] = struct.pack(">Q", 1)
    return bytes(img[:5 * c])


def qcow2_seeds():
    """qcow2: images built here, and by qemu-img when it is installed
    (small clusters keep them small)."""
    write("qcow2", "v3-512", qcow2_image())
    write("qcow2", "v2-512", qcow2_image(version=2))
    write("qcow2", "v3-1k", qcow2_image(cb=10))
    write("qcow2", "v3-backing", qcow2_image(backing="base.img"))
    write("qcow2", "v3-dirty", qcow2_image(extra_incompat=1))
    if not shutil.which("qemu-img"):
        print("qemu-img not found: qcow2 seeds from QEMU left out")
        return
    with tempfile.TemporaryDirectory() as tmp:
        raw = os.path.join(tmp, "src.raw")
        data = bytearray(48 * 1024)
        for i in range(len(data)):
            data[i] = (i * 7 + (i >> 9)) & 0xFF if (i // 4096) % 3 else 0
        with open(raw, "wb") as f:
            f.write(data)
        for fname, opts in [("qemu-512", ["-o", "cluster_size=512"]),
                            ("qemu-512-c", ["-c", "-o", "cluster_size=512"]),
                            ("qemu-v2-1k-c", ["-c", "-o", "compat=0.10,cluster_size=1024"])]:
            out = os.path.join(tmp, fname)
            subprocess.run(["qemu-img", "convert", "-f", "raw", "-O", "qcow2"] + opts
                           + [raw, out], check=True)
            with open(out, "rb") as f:
                write("qcow2", fname, f.read())


def apic_seeds():
    """apic (fuzz_apic.c): what Linux and the guest tests do with the local
    APIC, the IOAPIC and the HPET, as operations: kind, then operands."""
    LAPIC, IOAPIC, HPET = 0, 1, 2
    def mw(dev, off, val, sz=4):
        return bytes([0, dev]) + struct.pack("<H", off) + bytes([{1: 0, 2: 1, 4: 2}[sz]]) \
            + struct.pack("<I", val)
    def mr(dev, off, sz=4):
        return bytes([1, dev]) + struct.pack("<H", off) + bytes([{1: 0, 2: 1, 4: 2}[sz]])
    def msr(index, val):
        return bytes([2, 1 if index == 0x6E0 else 0]) + struct.pack("<Q", val)
    def line(irq, level):
        return bytes([3, irq, level])
    def inta():
        return bytes([4])
    def run(n):
        return bytes([5, n])
    def io(reg, val):
        return mw(IOAPIC, 0, reg) + mw(IOAPIC, 0x10, val)
    # Self-IPIs, TPR, EOI, ESR; the timer one-shot and periodic.
    s = mw(LAPIC, 0xF0, 0x1FF) + mw(LAPIC, 0x300, 0x40061) + mw(LAPIC, 0x300, 0x40092)
    s += inta() + mr(LAPIC, 0xA0) + mw(LAPIC, 0xB0, 0) + mw(LAPIC, 0x80, 0x70) + inta()
    s += mw(LAPIC, 0x300, 0x40003) + mw(LAPIC, 0x280, 0) + mr(LAPIC, 0x280)
    s += mw(LAPIC, 0x3E0, 0xB) + mw(LAPIC, 0x320, 0x20070) + mw(LAPIC, 0x380, 5000)
    s += run(2) + mr(LAPIC, 0x390) + inta() + mw(LAPIC, 0xB0, 0)
    write("apic", "lapic", s)
    # TSC deadline, relocation, global disable and back.
    s = mw(LAPIC, 0xF0, 0x1FF) + mw(LAPIC, 0x320, 0x40072) + msr(0x6E0, 100000) + run(4)
    s += inta() + msr(0x1B, 0xFED00900) + mr(LAPIC, 0x30) + msr(0x1B, 0xFEE00000)
    s += line(0, 1) + inta() + line(0, 0) + msr(0x1B, 0xFEE00900) + mr(LAPIC, 0xF0)
    write("apic", "lapic-msr", s)
    # The PIT's line on pin 2, a level pin with EOI, masking.
    s = mw(LAPIC, 0xF0, 0x1FF) + io(0x14, 0x40) + line(0, 1) + inta() + mw(LAPIC, 0xB0, 0)
    s += line(0, 0) + io(0x12, 0x8041) + line(1, 1) + inta() + mw(LAPIC, 0xB0, 0) + inta()
    s += line(1, 0) + mw(LAPIC, 0xB0, 0) + io(0x12, 0x18041) + line(1, 1) + io(0x12, 0x8041)
    s += mr(IOAPIC, 0x10) + io(1, 0)
    write("apic", "ioapic", s)
    # HPET: legacy mode, periodic timer 0, one-shot timer 1, level timer 2.
    s = mw(LAPIC, 0xF0, 0x1FF) + io(0x14, 0x50) + io(0x20, 0x51)
    s += mw(HPET, 0x100, 0x14C) + mw(HPET, 0x108, 1000) + mw(HPET, 0x108, 1000)
    s += mw(HPET, 0x120, 0x4) + mw(HPET, 0x128, 3500) + mw(HPET, 0x12C, 0)
    s += mw(HPET, 0x140, (2 << 9) | 0x6) + mw(HPET, 0x148, 500) + mw(HPET, 0x10, 3)
    s += run(3) + inta() + mw(LAPIC, 0xB0, 0) + mr(HPET, 0xF0) + mr(HPET, 0x20)
    s += mw(HPET, 0x20, 7) + mw(HPET, 0x10, 0) + mr(HPET, 0x0) + mr(HPET, 0x4)
    write("apic", "hpet", s)
    # Two CPUs (-smp 2; the device byte's bit 2 names CPU 1): INIT and a
    # Start-up IPI to APIC ID 1, which then runs RAM; a fixed IPI to it,
    # taken by its INTA and ended by its EOI; INIT to all but self.
    AP = 4
    s = mw(LAPIC, 0xF0, 0x1FF) + mw(LAPIC, 0x310, 1 << 24) + mw(LAPIC, 0x300, 0x4500)
    s += mw(LAPIC, 0x300, 0x4610) + run(1) + mw(AP | LAPIC, 0xF0, 0x1FF) + mr(AP | LAPIC, 0x20)
    s += mw(LAPIC, 0x300, 0x4041) + mr(AP | LAPIC, 0x200 + 0x20) + inta()
    s += mw(AP | LAPIC, 0xB0, 0) + run(1) + mw(LAPIC, 0x300, 0xC4500) + run(1)
    write("apic", "smp", s)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[2] == "qcow2":
        qcow2_seeds()   # only these (they need no build directory)
    else:
        main()
