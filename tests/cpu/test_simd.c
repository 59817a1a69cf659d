/* MMX, SSE, SSE2 and FXSAVE/FXRSTOR.
 *
 * Part 1 (differential): every 0F-map SIMD opcode under each mandatory
 * prefix (none, 66, F2, F3), in register and [EAX] memory forms, runs in
 * plex86 (32-bit flat protected mode) and on the host, from the same
 * random state: FXRSTOR of a random image, the same instruction bytes,
 * FXSAVE.  An encoding plex86 answers with #UD is not implemented and is
 * skipped (the list of those that must work is checked at the end);
 * everything else must give the host's x87/MMX state, XMM registers,
 * MXCSR, GPRs, arithmetic flags and memory.  The guest's own FXRSTOR and
 * FXSAVE load and store the state, so the image layout is checked too.
 * MXCSR keeps every exception masked (an unmasked one would trap on the
 * host) under random rounding, DAZ and FZ.
 *
 * Part 2 (rules): #UD/#NM/#GP/#XM/#MF entry checks, alignment, LDMXCSR,
 * unmasked exceptions, CPUID gating.
 *
 * Usage: test_simd [states-per-encoding [seed]]. */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "check.h"
#include "host_stub.h"
#include "cpu/cpu_model.h"
#include "cpu/features.h"
#include "cpu/insn.h"
#include "machine/vm.h"
#include "engine/engine.h"

#if defined(__x86_64__) && defined(__GNUC__)

#define CODE_PA 0x1000u
#define IMG_PA 0x2000u          /* FXSAVE image (512) */
#define MEM_PA 0x2400u          /* memory operand (64) */
#define GDT_PA 0x3000u
#define IDT_PA 0x3400u
#define EXC_PA 0x3C00u          /* vector v -> HLT at EXC_PA + v */
#define MEMLEN 64

static struct vm *vm;
static struct decoder *dec;

static void put(uint32_t pa, const void *p, size_t n) { phys_copy_in(&vm->mem, pa, p, n); }
static const uint8_t *get(uint32_t pa) { return physmem_ptr(&vm->mem, pa, false); }

static void flat(struct seg *s, uint16_t sel, uint16_t attr)
{
    s->sel = sel;
    s->base = 0;
    s->limit = 0xFFFFFFFFu;
    s->attr = attr;
}

/* Flat 32-bit protected mode, CPL 0, with a GDT and an IDT whose gates
 * lead to HLT at EXC_PA + vector; CR4.OSFXSR and OSXMMEXCPT set. */
static struct cpu *flat_cpu(const char *model)
{
    cpu_set_model(&vm->cpu, cpu_model_find(model));
    struct cpu *c = &vm->cpu;
    cpu_reset(c);
    static const uint64_t gdt[3] = { 0, 0x00CF9B000000FFFFull, 0x00CF93000000FFFFull };
    put(GDT_PA, gdt, sizeof(gdt));
    for (uint32_t v = 0; v < 32; v++) {
        uint32_t h = EXC_PA + v;
        uint64_t g = (h & 0xFFFF) | (uint64_t)0x08 << 16 | (uint64_t)0x8E00 << 32 |
                     (uint64_t)(h >> 16) << 48;
        put(IDT_PA + 8 * v, &g, 8);
        uint8_t hlt = 0xF4;
        put(EXC_PA + v, &hlt, 1);
    }
    c->gdtr.base = GDT_PA;
    c->gdtr.limit = sizeof(gdt) - 1;
    c->idtr.base = IDT_PA;
    c->idtr.limit = 32 * 8 - 1;
    c->cr0 |= CR0_PE | CR0_NE;
    c->cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT;
    flat(&c->seg[S_CS], 0x08, 0xC09B);
    for (int s = 0; s < S_COUNT; s++)
        if (s != S_CS)
            flat(&c->seg[s], 0x10, 0xC093);
    c->cpl = 0;
    cpu_mode_changed(c);
    c->eip = CODE_PA;
    c->gpr[R_ESP] = 0x800;
    return c;
}

/* Runs `code` (n bytes) + HLT; returns the exception vector or -1. */
static int run_code(struct cpu *c, const uint8_t *code, size_t n)
{
    uint8_t buf[64];
    memcpy(buf, code, n);
    buf[n] = 0xF4;
    put(CODE_PA, buf, n + 1);
    c->eip = CODE_PA;
    c->halted = false;
    enum cpu_stop s = engine_run(c->vm->engine, 20);
    CHECK_EQ(s, CPU_STOP_HLT);
    if (c->eip - 1 >= EXC_PA && c->eip - 1 < EXC_PA + 32)
        return (int)(c->eip - 1 - EXC_PA);
    return -1;
}

static int run_hex(struct cpu *c, const char *hex)
{
    uint8_t code[32];
    size_t n = 0;
    for (const char *p = hex; *p;) {
        if (*p == ' ') {
            p++;
            continue;
        }
        unsigned v;
        sscanf(p, "%2x", &v);
        code[n++] = (uint8_t)v;
        p += 2;
    }
    return run_code(c, code, n);
}

/* ------------------------------------------------------------------------
 * Random state. */

static uint64_t rng;

static uint64_t rnd64(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* A 32- or 64-bit lane: random bits, or a float/double edge case. */
static void rnd_lanes(uint8_t *p, unsigned len)
{
    static const uint32_t f32[] = { 0, 0x80000000u, 0x3F800000u, 0xBF800000u, 0x7F800000u,
                                    0xFF800000u, 0x7FC00000u, 0x7FA00000u, 0x00000001u,
                                    0x807FFFFFu, 0x4B000000u, 0x4F000000u, 0xCF000000u,
                                    0x3EAAAAABu, 0x00800000u, 0x7F7FFFFFu };
    static const uint64_t f64[] = { 0, 0x8000000000000000ull, 0x3FF0000000000000ull,
                                    0xC000000000000000ull, 0x7FF0000000000000ull,
                                    0x7FF8000000000000ull, 0x7FF4000000000000ull,
                                    0x0000000000000001ull, 0x000FFFFFFFFFFFFFull,
                                    0x41E0000000000000ull, 0xC1E0000000000000ull,
                                    0x3FD5555555555555ull, 0x7FEFFFFFFFFFFFFFull,
                                    0x4330000000000000ull, 0x3FF8000000000000ull,
                                    0x41DFFFFFFFC00000ull };
    for (unsigned k = 0; k < len; k += 8) {
        uint64_t r = rnd64();
        uint64_t v;
        switch (r % 8) {
        case 0: case 1: case 2:
            v = rnd64();
            break;
        case 3: { /* two small floats */
            float a = (float)((int)(r >> 8) % 200) / 8.0f, b = (float)((int)(r >> 24) % 50);
            uint32_t x, y;
            memcpy(&x, &a, 4);
            memcpy(&y, &b, 4);
            v = x | (uint64_t)y << 32;
            break;
        }
        case 4: {
            double d = (double)((int64_t)(r >> 8) % 100000) / 16.0;
            memcpy(&v, &d, 8);
            break;
        }
        case 5:
            v = f32[(r >> 8) % 16] | (uint64_t)f32[(r >> 12) % 16] << 32;
            break;
        case 6:
            v = f64[(r >> 8) % 16];
            break;
        default: /* small integers in words */
            v = (r >> 8) & 0x00FF00FF00FF00FFull;
            break;
        }
        memcpy(p + k, &v, len - k < 8 ? len - k : 8);
    }
}

struct hstate {
    uint8_t fx[512];
    uint32_t gpr[8];
    uint64_t rflags;
} __attribute__((aligned(64)));

static void rnd_state(struct hstate *s, uint8_t *mem)
{
    memset(s, 0, sizeof(*s));
    uint16_t fcw = 0x037F, fsw = (uint16_t)((rnd64() & 7) << 11);
    memcpy(s->fx, &fcw, 2);
    memcpy(s->fx + 2, &fsw, 2);
    s->fx[4] = (uint8_t)rnd64();
    for (unsigned k = 0; k < 8; k++)
        rnd_lanes(s->fx + 32 + 16 * k, 10);
    rnd_lanes(s->fx + 160, 128);
    uint32_t mxcsr = 0x1F80 | (uint32_t)(rnd64() & 0x3F);
    uint64_t r = rnd64();
    if (r & 1)
        mxcsr |= (uint32_t)((r >> 1) & 3) << 13;
    if ((r & 0x18) == 0x18)
        mxcsr |= 0x8000;
    if ((r & 0x60) == 0x60)
        mxcsr |= 0x40;
    memcpy(s->fx + 24, &mxcsr, 4);
    for (unsigned k = 0; k < 8; k++)
        s->gpr[k] = (uint32_t)rnd64();
    s->rflags = 0x202 | (rnd64() & 0x8D5);
    rnd_lanes(mem, MEMLEN);
}

/* ------------------------------------------------------------------------
 * Host and guest runs. */

static uint8_t *jit;

static void host_exec(const uint8_t *insn, size_t n, struct hstate *s, uint8_t *mem)
{
    static const uint8_t pre[] = {
        0x53, 0x49, 0x89, 0xF8, 0x48, 0x89, 0xF0, 0x41, 0x0F, 0xAE, 0x08,
        0x41, 0x8B, 0x88, 0x04, 0x02, 0, 0, 0x41, 0x8B, 0x90, 0x08, 0x02, 0, 0,
        0x41, 0x8B, 0x98, 0x0C, 0x02, 0, 0, 0x41, 0x8B, 0xB0, 0x18, 0x02, 0, 0,
        0x41, 0x8B, 0xB8, 0x1C, 0x02, 0, 0, 0x41, 0xFF, 0xB0, 0x20, 0x02, 0, 0, 0x9D,
    };
    static const uint8_t post[] = {
        0x9C, 0x41, 0x8F, 0x80, 0x20, 0x02, 0, 0,
        0x41, 0x89, 0x88, 0x04, 0x02, 0, 0, 0x41, 0x89, 0x90, 0x08, 0x02, 0, 0,
        0x41, 0x89, 0x98, 0x0C, 0x02, 0, 0, 0x41, 0x89, 0xB0, 0x18, 0x02, 0, 0,
        0x41, 0x89, 0xB8, 0x1C, 0x02, 0, 0, 0x41, 0x0F, 0xAE, 0x00, 0x5B, 0xC3,
    };
    void (*fn)(struct hstate *, uint8_t *) = (void (*)(struct hstate *, uint8_t *))
        host_stub_build(jit, pre, sizeof(pre), insn, n, post, sizeof(post));
    fn(s, mem);
}

/* Returns the exception vector, or -1 with *s and mem updated. */
static int guest_exec(const uint8_t *insn, size_t n, struct hstate *s, uint8_t *mem)
{
    struct cpu *c = flat_cpu("pentium-m");
    put(IMG_PA, s->fx, 512);
    put(MEM_PA, mem, MEMLEN);
    for (unsigned k = 0; k < 8; k++)
        if (k != R_ESP && k != R_EBP)
            c->gpr[k] = s->gpr[k];
    c->gpr[R_EAX] = MEM_PA;
    cpu_set_eflags(c, (uint32_t)s->rflags);
    uint8_t code[40];
    size_t k = 0;
    const uint8_t rst[] = { 0x0F, 0xAE, 0x0D, IMG_PA & 0xFF, IMG_PA >> 8, 0, 0 };
    const uint8_t sav[] = { 0x0F, 0xAE, 0x05, IMG_PA & 0xFF, IMG_PA >> 8, 0, 0 };
    memcpy(code, rst, 7);
    k = 7;
    memcpy(code + k, insn, n);
    k += n;
    memcpy(code + k, sav, 7);
    k += 7;
    int v = run_code(c, code, k);
    if (v >= 0)
        return v;
    memcpy(s->fx, get(IMG_PA), 512);
    memcpy(mem, get(MEM_PA), MEMLEN);
    for (unsigned r = 0; r < 8; r++)
        s->gpr[r] = c->gpr[r];
    s->rflags = cpu_get_eflags(c);
    return -1;
}

/* The architectural parts of two runs' results. */
static bool same(const struct hstate *g, const uint8_t *gm, const struct hstate *h,
                 const uint8_t *hm, char *why, size_t wl)
{
    if (memcmp(g->fx, h->fx, 6)) /* FCW FSW FTW (+ reserved byte) */
        return snprintf(why, wl, "x87 cw/sw/tags %02x%02x %02x%02x %02x vs host %02x%02x %02x%02x %02x",
                        g->fx[1], g->fx[0], g->fx[3], g->fx[2], g->fx[4], h->fx[1], h->fx[0],
                        h->fx[3], h->fx[2], h->fx[4]), false;
    if (memcmp(g->fx + 24, h->fx + 24, 4))
        return snprintf(why, wl, "MXCSR %08x vs host %08x", *(const uint32_t *)(g->fx + 24),
                        *(const uint32_t *)(h->fx + 24)), false;
    for (unsigned k = 0; k < 8; k++)
        if (memcmp(g->fx + 32 + 16 * k, h->fx + 32 + 16 * k, 10))
            return snprintf(why, wl, "ST%u/MM", k), false;
    for (unsigned k = 0; k < 8; k++)
        if (memcmp(g->fx + 160 + 16 * k, h->fx + 160 + 16 * k, 16))
            return snprintf(why, wl, "XMM%u", k), false;
    static const unsigned regs[] = { R_ECX, R_EDX, R_EBX, R_ESI, R_EDI };
    for (unsigned k = 0; k < 5; k++)
        if (g->gpr[regs[k]] != h->gpr[regs[k]])
            return snprintf(why, wl, "GPR %u: %08x vs host %08x", regs[k], g->gpr[regs[k]],
                            h->gpr[regs[k]]), false;
    if ((g->rflags ^ h->rflags) & 0x8D5)
        return snprintf(why, wl, "EFLAGS %03x vs host %03x", (unsigned)g->rflags & 0x8D5,
                        (unsigned)h->rflags & 0x8D5), false;
    if (memcmp(gm, hm, MEMLEN))
        return snprintf(why, wl, "memory"), false;
    return true;
}

/* Opcodes (second byte after 0F) that are SIMD and safe to run on the
 * host from random state.  Not here: 0F 77 group of its own (EMMS is
 * below), 0F AE (FXSAVE..., tested in part 2), 0F F7 (MASKMOVQ and
 * MASKMOVDQU store to [EDI]: test_maskmov_differential), 0F 78/79
 * (SSE4a/VMX). */
static bool simd_opcode(unsigned op)
{
    return (op >= 0x10 && op <= 0x17) || (op >= 0x28 && op <= 0x2F) ||
           (op >= 0x50 && op <= 0x7F && op != 0x78 && op != 0x79) ||
           (op >= 0xC2 && op <= 0xC6) || (op >= 0xD0 && op <= 0xFF && op != 0xF7 && op != 0xFF);
}

static bool needs_imm(unsigned op)
{
    return op == 0x70 || op == 0x71 || op == 0x72 || op == 0x73 || op == 0xC2 || op == 0xC4 ||
           op == 0xC5 || op == 0xC6;
}

static unsigned executed[4][256]; /* by prefix index and opcode */

static void test_differential(unsigned states)
{
    static const uint8_t prefixes[4] = { 0, 0x66, 0xF2, 0xF3 };
    uint8_t *hmem = aligned_alloc(64, MEMLEN);
    unsigned ran = 0, failed = 0;
    for (unsigned p = 0; p < 4; p++) {
        for (unsigned op = 0; op < 256; op++) {
            if (!simd_opcode(op) && op != 0x77)
                continue;
            /* ModRM forms: [EAX] and registers, avoiding EAX/ESP/EBP (the
             * harness's) where a GPR could be meant; the shift groups
             * 71-73 select the operation with reg. */
            static const uint8_t safe[5] = { 1, 2, 3, 6, 7 };
            for (unsigned form = 0; form < 13; form++) {
                unsigned reg, modrm;
                bool grp = op >= 0x71 && op <= 0x73;
                if (op == 0x77 && form > 0)
                    break; /* EMMS: no ModRM */
                if (form < 5) {
                    if (grp)
                        continue;
                    modrm = (unsigned)safe[form] << 3;
                } else {
                    reg = grp ? form - 5 : safe[(form - 5) % 5];
                    if (!grp && form >= 10)
                        continue;
                    modrm = 0xC0 | reg << 3 | safe[(form + 2) % 5];
                }
                uint8_t insn[8];
                unsigned n = 0;
                if (prefixes[p])
                    insn[n++] = prefixes[p];
                insn[n++] = 0x0F;
                insn[n++] = (uint8_t)op;
                if (op != 0x77)
                    insn[n++] = (uint8_t)modrm;
                unsigned imm_at = n;
                if (needs_imm(op))
                    n++;
                for (unsigned st = 0; st < states; st++) {
                    if (needs_imm(op))
                        insn[imm_at] = (uint8_t)(op == 0xC2 ? rnd64() & 7
                                                 : (st & 1) ? rnd64() & 0x47 : rnd64());
                    struct hstate hs, gs;
                    uint8_t gmem[MEMLEN];
                    rnd_state(&hs, hmem);
                    gs = hs;
                    memcpy(gmem, hmem, MEMLEN);
                    int v = guest_exec(insn, n, &gs, gmem);
                    if (v == 6)
                        break; /* not implemented: #UD */
                    if (st == 0)
                        executed[p][op]++;
                    ran++;
                    char why[120] = "guest exception";
                    bool ok = v < 0;
                    if (ok) {
                        host_exec(insn, n, &hs, hmem);
                        ok = same(&gs, gmem, &hs, hmem, why, sizeof(why));
                    }
                    if (!ok) {
                        if (failed++ < 20) {
                            char txt[80];
                            decode_format(dec, 1, insn, n, 0, txt, sizeof(txt));
                            fprintf(stderr, "mismatch:");
                            for (unsigned b = 0; b < n; b++)
                                fprintf(stderr, " %02x", insn[b]);
                            fprintf(stderr, " (%s) vector %d: %s\n", txt, v, why);
                        }
                        CHECK(ok);
                        break;
                    }
                }
            }
        }
    }
    printf("test_simd: %u runs, %u mismatches\n", ran, failed);
    free(hmem);
}

/* MASKMOVQ and MASKMOVDQU store through EDI, so they get their own
 * differential run: EDI points at a random offset in the memory operand on
 * both sides.  The host's copy of that memory is mapped below 4 GiB, so
 * the 32-bit EDI the stub loads is the whole of RDI, the 64-bit address
 * the host's MASKMOV uses.  One state in four has a mask of all ones, one
 * of all zeros; the rest are random bytes. */
static void test_maskmov_differential(unsigned states)
{
    uint8_t *hmem = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
    CHECK(hmem != MAP_FAILED);
    if (hmem == MAP_FAILED)
        return;
    unsigned ran = 0, failed = 0;
    for (unsigned xmm = 0; xmm < 2; xmm++) {
        for (unsigned form = 0; form < 8; form++) {
            unsigned reg = form, rm = (form * 3 + 1) & 7; /* form 4: rm = reg */
            uint8_t insn[4];
            unsigned n = 0;
            if (xmm)
                insn[n++] = 0x66;
            insn[n++] = 0x0F;
            insn[n++] = 0xF7;
            insn[n++] = (uint8_t)(0xC0 | reg << 3 | rm);
            for (unsigned st = 0; st < states; st++) {
                struct hstate hs, gs;
                uint8_t gmem[MEMLEN];
                rnd_state(&hs, hmem);
                /* FXSAVE keeps ST(i) in slot i, and MMk is R(k) = ST(k - TOP). */
                unsigned top = (hs.fx[3] >> 3) & 7;
                uint8_t *mask = xmm ? hs.fx + 160 + 16 * rm : hs.fx + 32 + 16 * ((rm - top) & 7);
                if (st % 4 < 2)
                    memset(mask, st % 4 == 0 ? 0xFF : 0, xmm ? 16 : 8);
                uint32_t off = (uint32_t)(rnd64() % (MEMLEN - 16 + 1));
                gs = hs;
                memcpy(gmem, hmem, MEMLEN);
                uint8_t orig[MEMLEN];
                memcpy(orig, hmem, MEMLEN);
                gs.gpr[R_EDI] = MEM_PA + off;
                hs.gpr[R_EDI] = (uint32_t)(uintptr_t)hmem + off;
                int v = guest_exec(insn, n, &gs, gmem);
                ran++;
                char why[120] = "guest exception";
                bool ok = v < 0;
                if (ok) {
                    host_exec(insn, n, &hs, hmem);
                    ok = hs.gpr[R_EDI] == (uint32_t)(uintptr_t)hmem + off &&
                         gs.gpr[R_EDI] == MEM_PA + off;
                    hs.gpr[R_EDI] = gs.gpr[R_EDI];
                    ok = ok && same(&gs, gmem, &hs, hmem, why, sizeof(why));
                }
                /* The zero mask landed in the mask register: nothing moved. */
                if (ok && st % 4 == 1 && memcmp(gmem, orig, MEMLEN))
                    ok = !snprintf(why, sizeof(why), "a zero mask stored");
                if (!ok && failed++ < 10) {
                    fprintf(stderr, "MASKMOV mismatch:");
                    for (unsigned b = 0; b < n; b++)
                        fprintf(stderr, " %02x", insn[b]);
                    fprintf(stderr, " EDI+%u vector %d: %s\n", off, v, why);
                }
                CHECK(ok);
            }
        }
    }
    printf("test_simd: %u MASKMOVQ/MASKMOVDQU runs, %u mismatches\n", ran, failed);
    munmap(hmem, 4096);
}

/* Encodings that must be implemented (checked against `executed`). */
static void test_coverage(void)
{
    static const struct { uint8_t p, op; } must[] = {
        /* MMX */ { 0, 0x6E }, { 0, 0x7E }, { 0, 0x6F }, { 0, 0x7F }, { 0, 0xFC }, { 0, 0xEF },
        { 0, 0x60 }, { 0, 0x63 }, { 0, 0x71 }, { 0, 0x72 }, { 0, 0x73 }, { 0, 0xF5 }, { 0, 0x77 },
        /* SSE */ { 0, 0x28 }, { 0, 0x10 }, { 0, 0x58 }, { 0, 0x59 }, { 0, 0x5E }, { 0, 0x51 },
        { 0, 0xC2 }, { 0, 0x2E }, { 0, 0x2F }, { 0, 0x57 }, { 0, 0xC6 }, { 0, 0x14 }, { 0, 0x50 },
        { 0, 0xD7 }, { 0, 0x70 }, { 0, 0xDA }, { 0, 0xE0 }, { 0, 0xC5 }, { 0, 0xC4 }, { 0, 0xE7 },
        { 3, 0x10 }, { 3, 0x58 }, { 3, 0x2A }, { 3, 0x2C }, { 3, 0x2D }, { 3, 0x5A },
        /* SSE2 */ { 1, 0x6F }, { 1, 0x7F }, { 3, 0x6F }, { 3, 0x7F }, { 1, 0x6E }, { 1, 0x7E },
        { 3, 0x7E }, { 1, 0xD6 }, { 1, 0xEF }, { 1, 0xEB }, { 1, 0xDB }, { 1, 0xDF },
        { 1, 0x74 }, { 1, 0x75 }, { 1, 0x76 }, { 1, 0xD7 }, { 1, 0xDA }, { 1, 0xF8 },
        { 1, 0xFC }, { 1, 0xFE }, { 1, 0xD4 }, { 1, 0x70 }, { 1, 0x60 }, { 1, 0x6C }, { 1, 0x73 },
        { 1, 0x71 }, { 1, 0x72 }, { 2, 0x10 }, { 2, 0x11 }, { 2, 0x58 }, { 2, 0x5C },
        { 2, 0x59 }, { 2, 0x5E }, { 2, 0x51 }, { 2, 0x2A }, { 2, 0x2C }, { 2, 0x2D },
        { 2, 0x5A }, { 1, 0x2E }, { 1, 0x2F }, { 1, 0x54 }, { 1, 0x57 }, { 1, 0x50 },
        { 1, 0x28 }, { 1, 0x58 }, { 1, 0xE7 }, { 1, 0x5B }, { 3, 0xE6 }, { 2, 0xC2 },
        { 1, 0xF4 }, { 2, 0x70 }, { 3, 0x70 }, { 1, 0xC6 }, { 1, 0x14 }, { 1, 0x12 },
        { 1, 0x16 }, { 0, 0x12 }, { 0, 0x16 }, { 0, 0x2A }, { 1, 0x2D }, { 3, 0xD6 }, { 2, 0xD6 },
    };
    for (unsigned k = 0; k < sizeof(must) / sizeof(must[0]); k++) {
        if (!executed[must[k].p][must[k].op])
            fprintf(stderr, "not implemented: prefix %u 0F %02X\n", must[k].p, must[k].op);
        CHECK(executed[must[k].p][must[k].op] != 0);
    }
}

/* ------------------------------------------------------------------------
 * Part 2: the rules. */

static void test_rules(void)
{
    struct cpu *c = flat_cpu("pentium-m");
    /* CPUID.1:EDX reports MMX, FXSR, SSE, SSE2. */
    CHECK(cpu_has(c, CPUF_MMX) && cpu_has(c, CPUF_FXSR) && cpu_has(c, CPUF_SSE) &&
          cpu_has(c, CPUF_SSE2));
    CHECK_EQ(c->sse.mxcsr, 0x1F80u);

    /* PXOR xmm1, xmm2: fine; without OSFXSR #UD; with TS #NM; EM #UD. */
    CHECK_EQ(run_hex(c, "660FEFCA"), -1);
    c->cr4 &= ~(uint32_t)CR4_OSFXSR;
    CHECK_EQ(run_hex(c, "660FEFCA"), EXC_UD);
    CHECK_EQ(run_hex(c, "0FEFCA"), -1); /* MMX does not need OSFXSR */
    c->cr4 |= CR4_OSFXSR;
    c->cr0 |= CR0_TS;
    CHECK_EQ(run_hex(c, "660FEFCA"), EXC_NM);
    CHECK_EQ(run_hex(c, "0FEFCA"), EXC_NM);
    CHECK_EQ(run_hex(c, "0FAE0500200000"), EXC_NM); /* FXSAVE */
    c->cr0 &= ~(uint32_t)CR0_TS;
    c->cr0 |= CR0_EM;
    CHECK_EQ(run_hex(c, "660FEFCA"), EXC_UD);
    CHECK_EQ(run_hex(c, "0FEFCA"), EXC_UD);
    CHECK_EQ(run_hex(c, "0FAE0500200000"), EXC_NM);
    c->cr0 &= ~(uint32_t)CR0_EM;

    /* MOVDQA xmm0, [EAX] misaligned: #GP(0); MOVDQU fine; MOVQ (8 bytes)
     * and scalar loads need no alignment. */
    c->gpr[R_EAX] = MEM_PA + 4;
    CHECK_EQ(run_hex(c, "660F6F00"), EXC_GP);
    CHECK_EQ(run_hex(c, "0F2800"), EXC_GP);     /* MOVAPS */
    CHECK_EQ(run_hex(c, "660FEF00"), EXC_GP);   /* PXOR m128 */
    CHECK_EQ(run_hex(c, "F30F6F00"), -1);
    CHECK_EQ(run_hex(c, "F20F1000"), -1);
    CHECK_EQ(run_hex(c, "0FAE00"), EXC_GP);     /* FXSAVE misaligned */

    /* LDMXCSR: reserved bits #GP(0); STMXCSR reads back. */
    uint32_t v = 0x12345678;
    put(MEM_PA, &v, 4);
    c->gpr[R_EAX] = MEM_PA;
    CHECK_EQ(run_hex(c, "0FAE10"), EXC_GP);
    v = 0x7F80 | MXCSR_DAZ;
    put(MEM_PA, &v, 4);
    CHECK_EQ(run_hex(c, "0FAE10"), -1);
    CHECK_EQ(c->sse.mxcsr, 0x7FC0u);
    CHECK_EQ(run_hex(c, "0FAE5804"), -1); /* STMXCSR [EAX+4] */
    CHECK_EQ(*(const uint32_t *)get(MEM_PA + 4), 0x7FC0u);

    /* DIVSD by zero with ZE unmasked: #XM with OSXMMEXCPT, else #UD; the
     * flag is set, the destination kept. */
    c->sse.mxcsr = 0x1F80 & ~(1u << 9);
    c->sse.xmm[1].f[0] = 1.0;
    c->sse.xmm[2].f[0] = 0.0;
    CHECK_EQ(run_hex(c, "F20F5ECA"), EXC_XM);
    CHECK_EQ(c->sse.mxcsr & MXCSR_FLAGS, (unsigned)MXCSR_ZE);
    CHECK(c->sse.xmm[1].f[0] == 1.0);
    c->cr4 &= ~(uint32_t)CR4_OSXMMEXCPT;
    CHECK_EQ(run_hex(c, "F20F5ECA"), EXC_UD);
    c->sse.mxcsr = 0x1F80;
    CHECK_EQ(run_hex(c, "F20F5ECA"), -1);
    CHECK(c->sse.xmm[1].f[0] > 1e308);
    CHECK_EQ(c->sse.mxcsr, 0x1F80u | MXCSR_ZE);

    /* MMX with an x87 exception pending: #MF (CR0.NE=1).  MMX sets TOP 0
     * and all tags valid; EMMS empties them. */
    c->fpu.sw = FSW_ES | FSW_ZE;
    CHECK_EQ(run_hex(c, "0FEFCA"), EXC_MF);
    CHECK_EQ(run_hex(c, "660FEFCA"), -1); /* XMM forms do not look */
    c->fpu.sw = 0;
    c->fpu.top = 5;
    c->fpu.full = 0;
    CHECK_EQ(run_hex(c, "0F6FCA"), -1);
    CHECK_EQ(c->fpu.top, 0);
    CHECK_EQ(c->fpu.full, 0xFF);
    CHECK_EQ(c->fpu.r[1].se, 0xFFFF);
    CHECK_EQ(run_hex(c, "0F77"), -1);
    CHECK_EQ(c->fpu.full, 0);

    /* FXRSTOR with reserved MXCSR bits: #GP(0). */
    uint8_t img[512];
    memset(img, 0, sizeof(img));
    uint32_t bad = 0x10000;
    memcpy(img + 24, &bad, 4);
    put(IMG_PA, img, 512);
    c->gpr[R_EAX] = IMG_PA;
    CHECK_EQ(run_hex(c, "0FAE08"), EXC_GP);

    /* Models without the features: #UD. */
    c = flat_cpu("pentium");
    CHECK_EQ(run_hex(c, "0FEFCA"), EXC_UD);
    CHECK_EQ(run_hex(c, "0FAE0500200000"), EXC_UD);
    c = flat_cpu("pentium2");
    CHECK_EQ(run_hex(c, "0FEFCA"), -1);
    CHECK_EQ(run_hex(c, "0F57CA"), EXC_UD);   /* XORPS */
    CHECK_EQ(run_hex(c, "0FDACA"), EXC_UD);   /* PMINUB mm: SSE */
    c = flat_cpu("pentium3");
    CHECK_EQ(run_hex(c, "0F57CA"), -1);
    CHECK_EQ(run_hex(c, "0FDACA"), -1);
    CHECK_EQ(run_hex(c, "660F57CA"), EXC_UD); /* XORPD: SSE2 */
    CHECK_EQ(run_hex(c, "0FD4CA"), EXC_UD);   /* PADDQ mm: SSE2 */
}

int main(int argc, char **argv)
{
    unsigned states = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0) : 12;
    rng = argc > 2 ? strtoull(argv[2], NULL, 0) : 0x5EED5E;
    char err[256];
    vm = vm_create(&(struct vm_config){ .ram_mb = 1, .cpu_level = CPU_P6 }, err, sizeof(err));
    CHECK(vm != NULL);
    if (!vm) {
        fprintf(stderr, "vm_create: %s\n", err);
        return check_report();
    }
    dec = decoder_create();
    jit = host_stub_alloc();
    CHECK(jit != NULL);
    test_rules();
    test_differential(states);
    test_maskmov_differential(states * 4);
    test_coverage();
    host_stub_free(jit);
    decoder_destroy(dec);
    vm_destroy(vm);
    return check_report();
}

#else

int main(void)
{
    printf("test_simd: needs an x86-64 host, skipped\n");
    return check_report();
}

#endif
