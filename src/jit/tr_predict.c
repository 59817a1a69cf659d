/* A computed JMP's prediction (jit.h struct jit_site; session 15, branch
 * `interp`).  A bytecode interpreter's dispatch (`jmp [table+eax*4]`,
 * copied by the translator into the end of every handler's translation)
 * goes through the jump cache's lookup once per bytecode: the TLB's
 * execute probe, the hash and the slot's compares, about 20 host
 * instructions.  Each handler's copy of the dispatch sees few targets (what
 * follows a LOAD, a STORE...), so the translation first compares the
 * target with the last two it went to, as distances from its own entry
 * EIP, and jumps straight to the successor's entry the lookup chose then.
 * Kept to the entry's page, whose linear mapping the translation knows
 * (the argument of jit_link's same-page links): the target is then the
 * same physical block whatever alias it runs by.  Invalidation is the
 * successor's own entry check (its map's stamp, as for a patched link);
 * the run loop forgets a prediction when its translation returns to C. */
#include "jit/tr.h"

#include <stddef.h>

/* A site for this translation, or NULL when all are in use (until the
 * next flush). */
static struct jit_site *site_new(struct tr *t)
{
    if (*t->npsites >= JIT_SITES)
        return NULL;
    struct jit_site *s = &t->psites[(*t->npsites)++];
    jit_site_forget(s);
    return s;
}

/* esi = the key of EIP in ecx (its distance from eip0, top bit flipped),
 * `idx` = its slot's byte offset (jit.h jit_site). */
static void site_key(struct tr *t, uint8_t idx)
{
    struct xbuf *b = t->cur;
    x_lea(b, false, XSI, xm(XCX, (int32_t)JIT_SITE_KEY));
    x_alu_r_rm(b, 5, 4, XSI, cpu_rm(CPU_OFF(eng.eip0)));         /* sub esi, eip0 */
    x_lea(b, false, idx, xmi(XSI, XSI, 1, 0));                    /* bits 3-8, times 16 */
    x_alu_rm_imm(b, 4, 4, R(idx), (JIT_SITE_SLOTS - 1) << 4);
}

/* With cpu.eip written, the registers and the count written back and eax
 * the exit's return value (tr_jc_lookup's state): the target's slot
 * compared, and a jump to the entry it holds when it matches; falls
 * through when not, ecx = EIP.  Returns the site (NULL: none, nothing
 * emitted but ecx's load). */
struct jit_site *tr_site_predict(struct tr *t)
{
    struct xbuf *b = t->cur;
    x_load(b, 4, XCX, cpu_rm(CPU_OFF(eip)));
    struct jit_site *s = t->psite ? t->psite : site_new(t);
    if (!s)
        return NULL;
    t->psite = s;
    site_key(t, XDX);
    x_mov_r64_imm(b, XDI, (uint64_t)(uintptr_t)s);
    unsigned l_no = x_label_new(&t->L);
    x_alu_r_rm(b, 7, 4, XSI, xr_mem(xmi(XDI, XDX, 1, (int32_t)offsetof(struct jit_site_slot, key))));
    x_jcc(&t->L, b, XCC_NE, l_no);
    tr_calm_restore(t); /* (r13, if a loop counted in it) */
    x_jmp_rm(b, xr_mem(xmi(XDI, XDX, 1, (int32_t)offsetof(struct jit_site_slot, entry))));
    x_bind(&t->L, l_no, b);
    return s;
}

/* After a hit in the jump cache, rdx the entry chosen, ecx = EIP: the
 * target's slot learns it when it lies in the entry's page; then the
 * jump.  rsi, rdi are free, eax is kept. */
void tr_site_learn(struct tr *t, struct jit_site *s)
{
    struct xbuf *b = t->cur;
    unsigned l_go = x_label_new(&t->L);
    site_key(t, XCX);
    /* The target's page offset, EIP - eip0 + the entry's: in [0, 4096) */
    x_lea(b, false, XDI, xm(XSI, (int32_t)(JIT_SITE_KEY + (t->b->pa & 0xFFFu))));
    x_alu_rm_imm(b, 7, 4, R(XDI), 0x1000);
    x_jcc(&t->L, b, XCC_AE, l_go);                               /* (below 0 too) */
    x_mov_r64_imm(b, XDI, (uint64_t)(uintptr_t)s);
    x_store(b, 4, xr_mem(xmi(XDI, XCX, 1, (int32_t)offsetof(struct jit_site_slot, key))), XSI);
    x_store(b, 8, xr_mem(xmi(XDI, XCX, 1, (int32_t)offsetof(struct jit_site_slot, entry))), XDX);
    x_bind(&t->L, l_go, b);
    x_load(b, 4, XCX, cpu_rm(CPU_OFF(eip)));                    /* as entries take it */
    x_jmp_rm(b, R(XDX));
}
