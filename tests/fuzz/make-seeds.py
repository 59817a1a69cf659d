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

    qcow2_seeds()


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


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[2] == "qcow2":
        qcow2_seeds()   # only these (they need no build directory)
    else:
        main()
