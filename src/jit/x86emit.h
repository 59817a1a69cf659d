/* A small x86-64 encoder for the translator (src/jit/translate.c): bytes
 * into a buffer, register and memory operands with REX/ModRM/SIB, and
 * labels with rel32 fixups across two buffers (hot code and the cold slow
 * paths, laid out one after the other when the block is installed).
 *
 * Only the encodings the translator needs are here; each follows the
 * Intel SDM vol. 2, chapter 2 (instruction format) and the opcode maps of
 * appendix A.  Nothing here knows about guests. */
#ifndef PLEX86_JIT_X86EMIT_H
#define PLEX86_JIT_X86EMIT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* Every emitter inlined, whatever the optimisation level: that halved the
 * translator's cost per guest instruction (bench/README.md, session 16).
 * Not in checked builds (sanitizers, Debug; CMakeLists.txt), which test
 * correctness rather than speed: there the forced inlining of every helper
 * into every caller cost about a minute of CI's compile time. */
#if defined(PLEX86_CHECKED) && PLEX86_CHECKED
#define XINLINE static inline
#else
#define XINLINE static inline __attribute__((always_inline))
#endif

enum xreg {
    XAX, XCX, XDX, XBX, XSP, XBP, XSI, XDI,
    X8, X9, X10, X11, X12, X13, X14, X15,
};

#define XNONE 0xFF

/* A memory operand [base + index * scale + disp]; base may be XNONE when
 * there is an index (an absolute disp32 alone is not used). */
struct xmem {
    uint8_t base, index, scale;
    int32_t disp;
};

XINLINE struct xmem xm(uint8_t base, int32_t disp)
{
    return (struct xmem){ base, XNONE, 1, disp };
}

XINLINE struct xmem xmi(uint8_t base, uint8_t index, uint8_t scale, int32_t disp)
{
    return (struct xmem){ base, index, scale, disp };
}

/* An r/m operand: a register or memory. */
struct xrm {
    bool is_reg;
    uint8_t reg;
    struct xmem m;
};

XINLINE struct xrm xr_reg(uint8_t r)
{
    return (struct xrm){ .is_reg = true, .reg = r };
}

XINLINE struct xrm xr_mem(struct xmem m)
{
    return (struct xrm){ .is_reg = false, .m = m };
}

/* (A translation's rare paths call shared stubs, a fixup each: a block
 * of 64 memory operands takes some 700.) */
#define XBUF_MAX_FIXUPS 1024
#define XBUF_MAX_LABELS 1024

struct xbuf {
    uint8_t *p;        /* next byte */
    uint8_t *start, *end;
    bool overflow;     /* ran out of room: the translation is abandoned */
    uint8_t id;        /* 0 hot, 1 cold */
};

/* Labels are positions in one of two buffers; fixups are rel32 fields
 * that point at labels.  Resolved when the buffers are placed. */
struct xlabel {
    uint8_t buf;
    bool bound;
    uint32_t off;
};

struct xfixup {
    uint8_t buf;
    uint32_t off;      /* of the rel32 field */
    uint16_t label;
};

struct xlabels {
    struct xlabel l[XBUF_MAX_LABELS];
    unsigned nl;
    struct xfixup f[XBUF_MAX_FIXUPS];
    unsigned nf;
    bool overflow;
};

XINLINE void xb(struct xbuf *b, uint8_t v)
{
    if (b->p < b->end)
        *b->p++ = v;
    else
        b->overflow = true;
}

XINLINE void x16(struct xbuf *b, uint16_t v)
{
    xb(b, (uint8_t)v);
    xb(b, (uint8_t)(v >> 8));
}

XINLINE void x32(struct xbuf *b, uint32_t v)
{
    if (b->end - b->p >= 4) { /* (one store: the host is little-endian) */
        memcpy(b->p, &v, 4);
        b->p += 4;
        return;
    }
    for (int i = 0; i < 4; i++)
        xb(b, (uint8_t)(v >> (8 * i)));
}

XINLINE void x64(struct xbuf *b, uint64_t v)
{
    x32(b, (uint32_t)v);
    x32(b, (uint32_t)(v >> 32));
}

XINLINE uint32_t xoff(const struct xbuf *b)
{
    return (uint32_t)(b->p - b->start);
}

/* Operand-size and REX prefixes, opcode bytes, ModRM/SIB/displacement.
 * `w`: REX.W; `o16`: 66H; `byte_regs`: the operation is on 8-bit host
 * registers (SPL..DIL need a REX, AH..BH are never used). */
struct xenc {
    bool w, o16, byte_regs;
    uint8_t prefix;      /* an extra legacy prefix (F2/F3) or 0 */
    uint8_t op[3];
    uint8_t nop;
};

/* One host instruction is assembled in a local buffer (at most 15
 * bytes, SDM Vol. 2 2.3.11) and stored with one test of the room left:
 * the translator emits some 300,000 of them in the boot's first
 * translations, and a test and store per byte through `b` (whose
 * pointers a byte store may alias) was a third of its time
 * (bench/README.md, session 16, `coldt`). */
#define XINSN_MAX 16

/* Stores the n <= XINSN_MAX bytes at s: 16 at once where there is room
 * for them (the bytes past n are scratch that the next instruction
 * overwrites; the buffers are copied by length, jit.c translate), else
 * one at a time up to the end, as xb. */
XINLINE void x_put(struct xbuf *b, const uint8_t s[XINSN_MAX], unsigned n)
{
    if (b->end - b->p >= XINSN_MAX) {
        memcpy(b->p, s, XINSN_MAX);
        b->p += n;
        return;
    }
    for (unsigned i = 0; i < n; i++)
        xb(b, s[i]);
}

/* ModRM, SIB and displacement into s at *n. */
XINLINE void x_modrm_to(uint8_t *s, unsigned *np, uint8_t regf, const struct xrm *rm)
{
    unsigned n = *np;
    regf &= 7;
    if (rm->is_reg) {
        s[n++] = (uint8_t)(0xC0 | regf << 3 | (rm->reg & 7));
        *np = n;
        return;
    }
    const struct xmem *m = &rm->m;
    uint8_t ss = m->scale == 8 ? 3 : m->scale == 4 ? 2 : m->scale == 2 ? 1 : 0;
    if (m->base == XNONE) {
        /* [index * scale + disp32]: SIB with no base (mod 00, base 101) */
        s[n++] = (uint8_t)(regf << 3 | 4);
        s[n++] = (uint8_t)(ss << 6 | (m->index & 7) << 3 | 5);
        uint32_t d = (uint32_t)m->disp;
        memcpy(s + n, &d, 4); /* (little-endian, as the guest and host) */
        *np = n + 4;
        return;
    }
    uint8_t base = m->base & 7;
    bool need_sib = m->index != XNONE || base == XSP;
    uint8_t mod;
    if (m->disp == 0 && base != XBP)
        mod = 0;
    else if (m->disp >= -128 && m->disp <= 127)
        mod = 1;
    else
        mod = 2;
    if (need_sib) {
        s[n++] = (uint8_t)(mod << 6 | regf << 3 | 4);
        uint8_t idx = m->index == XNONE ? 4 : (m->index & 7);
        s[n++] = (uint8_t)(ss << 6 | idx << 3 | base);
    } else {
        s[n++] = (uint8_t)(mod << 6 | regf << 3 | base);
    }
    if (mod == 1) {
        s[n++] = (uint8_t)(int8_t)m->disp;
    } else if (mod == 2) {
        uint32_t d = (uint32_t)m->disp;
        memcpy(s + n, &d, 4);
        n += 4;
    }
    *np = n;
}

XINLINE void x_modrm(struct xbuf *b, uint8_t regf, const struct xrm *rm)
{
    uint8_t s[XINSN_MAX];
    unsigned n = 0;
    x_modrm_to(s, &n, regf, rm);
    x_put(b, s, n);
}

/* Emits prefixes + opcode + ModRM for `regf` (a register number or an
 * opcode extension /digit) and `rm`. */
XINLINE void x_insn(struct xbuf *b, const struct xenc *e, uint8_t regf, bool regf_is_reg,
                          const struct xrm *rm)
{
    uint8_t s[XINSN_MAX];
    unsigned n = 0;
    if (e->o16)
        s[n++] = 0x66;
    if (e->prefix)
        s[n++] = e->prefix;
    uint8_t rex = 0x40;
    if (e->w)
        rex |= 8;
    if (regf_is_reg && regf >= 8)
        rex |= 4;
    if (rm->is_reg) {
        if (rm->reg >= 8)
            rex |= 1;
    } else {
        if (rm->m.base != XNONE && rm->m.base >= 8)
            rex |= 1;
        if (rm->m.index != XNONE && rm->m.index >= 8)
            rex |= 2;
    }
    bool force = e->byte_regs && ((regf_is_reg && regf >= 4 && regf < 8) ||
                                  (rm->is_reg && rm->reg >= 4 && rm->reg < 8));
    if (rex != 0x40 || force)
        s[n++] = rex;
    for (unsigned i = 0; i < e->nop && i < 3; i++)
        s[n++] = e->op[i];
    x_modrm_to(s, &n, regf, rm);
    x_put(b, s, n);
}

#define XENC1(o) ((struct xenc){ .op = { (o) }, .nop = 1 })
#define XENC2(o1, o2) ((struct xenc){ .op = { (o1), (o2) }, .nop = 2 })

/* Width of a guest-sized operation on the host: 1, 2, 4 or 8 bytes. */
XINLINE struct xenc x_sized(uint8_t op8, uint8_t op, unsigned size)
{
    struct xenc e = XENC1(size == 1 ? op8 : op);
    e.o16 = size == 2;
    e.w = size == 8;
    e.byte_regs = size == 1;
    return e;
}

/* --- common instructions --------------------------------------------- */

/* mov r, r/m (8B) and mov r/m, r (89), by size. */
XINLINE void x_load(struct xbuf *b, unsigned size, uint8_t r, struct xrm rm)
{
    struct xenc e = x_sized(0x8A, 0x8B, size);
    x_insn(b, &e, r, true, &rm);
}

XINLINE void x_store(struct xbuf *b, unsigned size, struct xrm rm, uint8_t r)
{
    struct xenc e = x_sized(0x88, 0x89, size);
    x_insn(b, &e, r, true, &rm);
}

/* mov r32, imm32 (zero-extends); mov r64, imm64. */
XINLINE void x_mov_r32_imm(struct xbuf *b, uint8_t r, uint32_t imm)
{
    if (r >= 8)
        xb(b, 0x41);
    xb(b, (uint8_t)(0xB8 + (r & 7)));
    x32(b, imm);
}

XINLINE void x_mov_r64_imm(struct xbuf *b, uint8_t r, uint64_t imm)
{
    xb(b, (uint8_t)(0x48 | (r >= 8 ? 1 : 0)));
    xb(b, (uint8_t)(0xB8 + (r & 7)));
    x64(b, imm);
}

/* An immediate of an operation of `size` bytes (8: a sign-extended imm32). */
XINLINE void x_imm(struct xbuf *b, unsigned size, uint32_t imm)
{
    if (size == 1)
        xb(b, (uint8_t)imm);
    else if (size == 2)
        x16(b, (uint16_t)imm);
    else
        x32(b, imm);
}

/* A 64-bit operation `op r64, r/m64` (REX.W): MOV 8B, CMP 3B/39, ADD 01. */
XINLINE void x_w(struct xbuf *b, uint8_t op, uint8_t r, struct xrm rm)
{
    struct xenc e = XENC1(op);
    e.w = true;
    x_insn(b, &e, r, true, &rm);
}

/* mov r/m, imm (C7 /0, C6 /0), by size (imm truncated). */
XINLINE void x_store_imm(struct xbuf *b, unsigned size, struct xrm rm, uint32_t imm)
{
    struct xenc e = x_sized(0xC6, 0xC7, size);
    x_insn(b, &e, 0, false, &rm);
    x_imm(b, size, imm);
}

/* ALU group 1 (ADD OR ADC SBB AND SUB XOR CMP = 0..7):
 * op r/m, r (00+8g / 01+8g); op r, r/m (02/03); op r/m, imm (80/81/83). */
XINLINE void x_alu_rm_r(struct xbuf *b, unsigned grp, unsigned size, struct xrm rm, uint8_t r)
{
    struct xenc e = x_sized((uint8_t)(grp * 8), (uint8_t)(grp * 8 + 1), size);
    x_insn(b, &e, r, true, &rm);
}

XINLINE void x_alu_r_rm(struct xbuf *b, unsigned grp, unsigned size, uint8_t r, struct xrm rm)
{
    struct xenc e = x_sized((uint8_t)(grp * 8 + 2), (uint8_t)(grp * 8 + 3), size);
    x_insn(b, &e, r, true, &rm);
}

XINLINE void x_alu_rm_imm(struct xbuf *b, unsigned grp, unsigned size, struct xrm rm,
                                uint32_t imm)
{
    bool small = size != 1 && (int32_t)imm >= -128 && (int32_t)imm <= 127;
    struct xenc e = x_sized(0x80, small ? 0x83 : 0x81, size);
    x_insn(b, &e, (uint8_t)grp, false, &rm);
    x_imm(b, small ? 1 : size, imm);
}

/* test r/m, r (84/85); test r/m, imm (F6/F7 /0). */
XINLINE void x_test_rm_r(struct xbuf *b, unsigned size, struct xrm rm, uint8_t r)
{
    struct xenc e = x_sized(0x84, 0x85, size);
    x_insn(b, &e, r, true, &rm);
}

XINLINE void x_test_rm_imm(struct xbuf *b, unsigned size, struct xrm rm, uint32_t imm)
{
    struct xenc e = x_sized(0xF6, 0xF7, size);
    x_insn(b, &e, 0, false, &rm);
    x_imm(b, size, imm);
}

/* Group 3 unary (F6/F7): NOT /2, NEG /3; group 4/5 (FE/FF): INC /0, DEC /1. */
XINLINE void x_unary(struct xbuf *b, uint8_t op8, uint8_t op, unsigned ext, unsigned size,
                           struct xrm rm)
{
    struct xenc e = x_sized(op8, op, size);
    x_insn(b, &e, (uint8_t)ext, false, &rm);
}

/* Shift group 2 by imm8 (C0/C1 /ext ib). */
XINLINE void x_shift_imm(struct xbuf *b, unsigned ext, unsigned size, struct xrm rm,
                               uint8_t count)
{
    struct xenc e = x_sized(0xC0, 0xC1, size);
    x_insn(b, &e, (uint8_t)ext, false, &rm);
    xb(b, count);
}

/* shl/shr/sar r/m, cl (D3 /ext). */
XINLINE void x_shift_cl(struct xbuf *b, unsigned ext, unsigned size, struct xrm rm)
{
    struct xenc e = x_sized(0xD2, 0xD3, size);
    x_insn(b, &e, (uint8_t)ext, false, &rm);
}

/* lea r, [m] (64-bit address arithmetic; a 32-bit destination truncates). */
XINLINE void x_lea(struct xbuf *b, bool wide, uint8_t r, struct xmem m)
{
    struct xenc e = XENC1(0x8D);
    e.w = wide;
    struct xrm rm = xr_mem(m);
    x_insn(b, &e, r, true, &rm);
}

/* Two-byte 0F opcodes with a register and an r/m: MOVZX (B6/B7), MOVSX
 * (BE/BF), IMUL (AF), CMOVcc (40+cc), BT (A3). */
XINLINE void x_0f(struct xbuf *b, uint8_t op2, bool o16, bool w, uint8_t r, struct xrm rm)
{
    struct xenc e = XENC2(0x0F, op2);
    e.o16 = o16;
    e.w = w;
    x_insn(b, &e, r, true, &rm);
}

/* MOVZX/MOVSX (0F B6/B7/BE/BF) into a 32-bit host register: the byte
 * registers SPL..DIL need a REX, as in x_insn's byte_regs. */
XINLINE void x_movx(struct xbuf *b, bool sx, unsigned src_size, uint8_t dst, struct xrm src)
{
    struct xenc e = XENC2(0x0F, (uint8_t)((sx ? 0xBE : 0xB6) | (src_size == 2 ? 1 : 0)));
    e.byte_regs = src_size == 1;
    x_insn(b, &e, dst, true, &src);
}

/* setcc r/m8 (0F 90+cc /0). */
XINLINE void x_setcc(struct xbuf *b, unsigned cc, struct xrm rm)
{
    struct xenc e = XENC2(0x0F, (uint8_t)(0x90 + cc));
    e.byte_regs = true;
    x_insn(b, &e, 0, false, &rm);
}

XINLINE void x_push_r(struct xbuf *b, uint8_t r)
{
    if (r >= 8)
        xb(b, 0x41);
    xb(b, (uint8_t)(0x50 + (r & 7)));
}

XINLINE void x_pop_r(struct xbuf *b, uint8_t r)
{
    if (r >= 8)
        xb(b, 0x41);
    xb(b, (uint8_t)(0x58 + (r & 7)));
}

/* bswap r32 (0F C8+r). */
XINLINE void x_bswap(struct xbuf *b, uint8_t r)
{
    if (r >= 8)
        xb(b, 0x41);
    xb(b, 0x0F);
    xb(b, (uint8_t)(0xC8 + (r & 7)));
}

/* pushfq / popfq. */
XINLINE void x_pushf(struct xbuf *b)
{
    xb(b, 0x9C);
}

XINLINE void x_popf(struct xbuf *b)
{
    xb(b, 0x9D);
}

/* lahf (9F): AH = SF ZF 0 AF 0 PF 1 CF, the low byte of RFLAGS.  Valid
 * in 64-bit mode when CPUID.80000001H:ECX.LAHF-SAHF[0] (jit_create). */
XINLINE void x_lahf(struct xbuf *b)
{
    xb(b, 0x9F);
}

XINLINE void x_call_abs(struct xbuf *b, const void *fn)
{
    x_mov_r64_imm(b, XAX, (uint64_t)(uintptr_t)fn);
    xb(b, 0xFF);
    xb(b, 0xD0); /* call rax */
}

/* jmp r/m64 (FF /4). */
XINLINE void x_jmp_rm(struct xbuf *b, struct xrm rm)
{
    struct xenc e = XENC1(0xFF);
    x_insn(b, &e, 4, false, &rm);
}

/* mov r64, r64 (89 /r with REX.W). */
XINLINE void x_mov_rr64(struct xbuf *b, uint8_t dst, uint8_t src)
{
    x_w(b, 0x89, src, xr_reg(dst));
}

/* x87 instruction with a memory operand [m]: escape byte D8..DF and the
 * ModRM reg field (SDM vol. 2, appendix A.4). */
XINLINE void x_x87_mem(struct xbuf *b, uint8_t esc, unsigned regf, struct xmem m)
{
    struct xenc e = XENC1(esc);
    struct xrm rm = xr_mem(m);
    x_insn(b, &e, (uint8_t)regf, false, &rm);
}

/* --- labels ------------------------------------------------------------ */

/* NOPs up to the next multiple of `align` (a power of two, at most 16) of
 * the buffer's offset, in the fewest instructions: the multi-byte forms
 * of 0F 1F /0 the Intel SDM recommends (vol. 2B, NOP, table 4-12). */
XINLINE void x_nop_align(struct xbuf *b, unsigned align)
{
    static const uint8_t nops[9][9] = {
        { 0x90 },
        { 0x66, 0x90 },
        { 0x0F, 0x1F, 0x00 },
        { 0x0F, 0x1F, 0x40, 0x00 },
        { 0x0F, 0x1F, 0x44, 0x00, 0x00 },
        { 0x66, 0x0F, 0x1F, 0x44, 0x00, 0x00 },
        { 0x0F, 0x1F, 0x80, 0x00, 0x00, 0x00, 0x00 },
        { 0x0F, 0x1F, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00 },
        { 0x66, 0x0F, 0x1F, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00 },
    };
    unsigned pad = (0u - xoff(b)) & (align - 1);
    while (pad) {
        unsigned n = pad > 9 ? 9 : pad;
        for (unsigned i = 0; i < n; i++)
            xb(b, nops[n - 1][i]);
        pad -= n;
    }
}

XINLINE unsigned x_label_new(struct xlabels *L)
{
    if (L->nl >= XBUF_MAX_LABELS) {
        L->overflow = true;
        return 0;
    }
    L->l[L->nl] = (struct xlabel){ 0, false, 0 };
    return L->nl++;
}

XINLINE void x_bind(struct xlabels *L, unsigned label, const struct xbuf *b)
{
    L->l[label] = (struct xlabel){ b->id, true, xoff(b) };
}

XINLINE void x_rel32_to(struct xlabels *L, struct xbuf *b, unsigned label)
{
    if (L->nf >= XBUF_MAX_FIXUPS) {
        L->overflow = true;
        return;
    }
    L->f[L->nf++] = (struct xfixup){ b->id, xoff(b), (uint16_t)label };
    x32(b, 0);
}

/* jcc rel32 (0F 80+cc) and jmp rel32 (E9) to a label. */
XINLINE void x_jcc(struct xlabels *L, struct xbuf *b, unsigned cc, unsigned label)
{
    xb(b, 0x0F);
    xb(b, (uint8_t)(0x80 + cc));
    x_rel32_to(L, b, label);
}

XINLINE void x_jmp(struct xlabels *L, struct xbuf *b, unsigned label)
{
    xb(b, 0xE9);
    x_rel32_to(L, b, label);
}

/* jcc to a label: rel8 (70+cc) when it is bound already, in the same
 * buffer and within reach, else rel32.  Only where nothing assumes the
 * jump's length (a jrcxz over it) or patches it. */
XINLINE void x_jcc_near(struct xlabels *L, struct xbuf *b, unsigned cc, unsigned label)
{
    if (label < L->nl && L->l[label].bound && L->l[label].buf == b->id) {
        int64_t d = (int64_t)L->l[label].off - ((int64_t)xoff(b) + 2);
        if (d >= -128) {
            xb(b, (uint8_t)(0x70 + cc));
            xb(b, (uint8_t)(int8_t)d);
            return;
        }
    }
    x_jcc(L, b, cc, label);
}

/* Host condition codes (tttn). */
enum { XCC_O, XCC_NO, XCC_B, XCC_AE, XCC_E, XCC_NE, XCC_BE, XCC_A,
       XCC_S, XCC_NS, XCC_P, XCC_NP, XCC_L, XCC_GE, XCC_LE, XCC_G };

#endif
