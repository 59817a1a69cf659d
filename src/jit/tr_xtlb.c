/* Generated lookups of the TLB's execute entries (mmu.h tlb_hit), as
 * the run loop makes them between blocks: the jump cache's inline lookup
 * (every exit through a register: RET, computed jumps, after a system
 * instruction) and a two-page translation's check, at its chained entry,
 * that its second page still maps as when it was built. */
#include "jit/tr.h"

#include <stddef.h>

/* idx = the byte offset from R_TLB of the execute entry for the page of
 * the linear address in `from`; then `la` (that page's address, bits
 * 0-11 clear; destroyed unless user) against its tag: NE where the entry
 * does not map it for this CPL (or is invalid, has no host page, or is
 * watched). */
static void tlb_x_compare(struct tr *t, struct xbuf *b, uint8_t from, uint8_t la, uint8_t idx)
{
    x_load(b, 4, idx, R(from));
    x_shift_imm(b, 5, 4, R(idx), 7);                            /* 32-byte TLB entries */
    x_alu_rm_imm(b, 4, 4, R(idx), (TLB_SIZE - 1) << 5);
    struct xrm tag = xr_mem(xmi(R_TLB, idx, 1, (int32_t)offsetof(struct tlb_entry, tag_x)));
    if (t->user) {
        x_alu_r_rm(b, 7, 4, la, tag);                           /* cmp */
    } else {
        x_alu_r_rm(b, 6, 4, la, tag);                           /* xor */
        x_test_rm_imm(b, 4, R(la), TLB_PAGE_MASK | TLB_T_INVALID | TLB_T_NOHOST |
                                       TLB_T_WATCHED);
    }
}

/* The jump cache's inline lookup (chainable translations only), with
 * cpu.eip written, the flags in the slot, the registers and the
 * instruction count written back, and eax the exit's return value: the
 * TLB gives the host address of CS:EIP's byte (as run_block's
 * block_across does), the cache the chained entry of the translation
 * there, which checks the rest (events, budget, its stamp, the CS limit,
 * its entry conditions, unless the slot says this translation guarantees
 * them); a miss goes to l_merge, back to the run loop. */
void tr_jc_lookup(struct tr *t)
{
    struct xbuf *b = t->cur;
    /* (a computed JMP's prediction first: it leaves ecx = EIP) */
    struct jit_site *site = NULL;
    if (t->predict)
        site = tr_site_predict(t);
    else
        x_load(b, 4, XCX, cpu_rm(CPU_OFF(eip)));
    x_alu_r_rm(b, 0, 4, XCX, cpu_rm(CPU_OFF(seg[S_CS].base)));  /* la (wraps at 4 GiB) */
    x_load(b, 4, XDI, R(XCX));
    x_alu_rm_imm(b, 4, 4, R(XDI), TLB_PAGE_MASK);
    tlb_x_compare(t, b, XCX, XDI, XDX);
    unsigned l_miss = x_label_new(&t->L);
    x_jcc(&t->L, b, XCC_NE, l_miss);
    /* jit_jc_index(la) * 32: from the linear address, so that the slot's
     * load need not wait for the TLB's */
    struct xenc mul = XENC1(0x69);                              /* imul esi, ecx, imm32 */
    struct xrm la = R(XCX);
    x_insn(b, &mul, XSI, true, &la);
    x32(b, JIT_JC_MUL);
    x_shift_imm(b, 5, 4, R(XSI), 32 - JIT_JC_BITS - JIT_JC_SHIFT);
    x_alu_rm_imm(b, 4, 4, R(XSI), ((1u << JIT_JC_BITS) - 1) << JIT_JC_SHIFT);
    x_w(b, 0x8B, XDX, xr_mem(xmi(R_TLB, XDX, 1, (int32_t)offsetof(struct tlb_entry, addend))));
    x_w(b, 0x01, XCX, R(XDX));                                  /* rdx = host address */
    x_mov_r64_imm(b, XDI, (uint64_t)(uintptr_t)t->jc);
    x_alu_r_rm(b, 7, 8, XDX, xr_mem(xmi(XDI, XSI, 1, 0)));      /* cmp rdx, [key] */
    x_jcc(&t->L, b, XCC_NE, l_miss);
    tr_calm_restore(t); /* (r13, if a loop counted in it) */
    x_load(b, 4, XCX, cpu_rm(CPU_OFF(eip)));                    /* as entries take it */
    if (site) {
        /* The same choice, into rdx, which the site learns. */
        unsigned l_have = x_label_new(&t->L);
        if (!t->calls) {
            unsigned l_full = x_label_new(&t->L);
            uint32_t have = jit_jc_need(t->c->cpl, t->flat, t->uses_stack, t->cached);
            x_test_rm_imm(b, 4, xr_mem(xmi(XDI, XSI, 1, (int32_t)offsetof(struct jit_jc, need))),
                          ~have);
            x_jcc(&t->L, b, XCC_NE, l_full);
            x_load(b, 8, XDX, xr_mem(xmi(XDI, XSI, 1, (int32_t)offsetof(struct jit_jc, regs))));
            x_jmp(&t->L, b, l_have);
            x_bind(&t->L, l_full, b);
        }
        x_load(b, 8, XDX, xr_mem(xmi(XDI, XSI, 1, (int32_t)offsetof(struct jit_jc, entry))));
        x_bind(&t->L, l_have, b);
        tr_site_learn(t, site);
    } else if (!t->calls) {
        /* The successor's chain_regs when this translation guarantees
         * what it assumes (tr.h jit_jc_need; jit.h chain_regs): no
         * handler ran, so the entry conditions its own entry checked
         * hold, and its host registers hold every guest register it
         * caches (written back above, not clobbered since). */
        uint32_t have = jit_jc_need(t->c->cpl, t->flat, t->uses_stack, t->cached);
        unsigned l_full = x_label_new(&t->L);
        x_test_rm_imm(b, 4, xr_mem(xmi(XDI, XSI, 1, (int32_t)offsetof(struct jit_jc, need))),
                      ~have);
        x_jcc(&t->L, b, XCC_NE, l_full);
        x_jmp_rm(b, xr_mem(xmi(XDI, XSI, 1, (int32_t)offsetof(struct jit_jc, regs))));
        x_bind(&t->L, l_full, b);
    }
    if (!site)
        x_jmp_rm(b, xr_mem(xmi(XDI, XSI, 1, (int32_t)offsetof(struct jit_jc, entry))));
    /* A miss, counted (cold). */
    t->cur = &t->cold;
    x_bind(&t->L, l_miss, t->cur);
    x_load(t->cur, 4, XCX, cpu_rm(CPU_OFF(eip)));               /* (l_merge writes it) */
    x_unary(t->cur, 0xFE, 0xFF, 0, 8, cpu_rm(CPU_OFF(eng.jc_misses)));  /* inc qword */
    x_jmp(&t->L, t->cur, t->l_merge);
    t->cur = b;
}

/* A chained entry of a two-page translation (jit.h jit_source host2):
 * the second page's map is live, and the linear page after the entry's
 * (CS base + EIP in ecx, whose page offset is pa's) maps through the TLB's
 * execute entry (mmu.h tlb_hit) to the host page the block was built
 * from; else it leaves as the predecessor's exit (l_merge).  With rdx and
 * rdi, as the other checks. */
void tr_next_page_check(struct tr *t)
{
    const struct jit_source *b = t->b;
    struct xbuf *hb = t->cur;
    x_mov_r64_imm(hb, XDX, (uint64_t)(uintptr_t)b->stamp2_at);
    x_alu_rm_imm(hb, 7, 4, xr_mem(xm(XDX, 0)), b->stamp2);
    x_jcc(&t->L, hb, XCC_NE, t->l_merge);
    /* edx = the next page's linear address (wraps at 4 GiB) */
    int32_t to_next = (int32_t)(0x1000u - (b->pa & 0xFFFu));
    for (int pass = 0; pass < 2; pass++) {
        x_load(hb, 4, XDX, cpu_rm(CPU_OFF(seg[S_CS].base)));
        x_alu_rm_r(hb, 0, 4, R(XDX), XCX);                      /* add edx, ecx */
        x_alu_rm_imm(hb, 0, 4, R(XDX), to_next);
        if (pass)
            break;
        tlb_x_compare(t, hb, XDX, XDX, XDI);
        x_jcc(&t->L, hb, XCC_NE, t->l_merge);
    }
    x_w(hb, 0x8B, XDI, xr_mem(xmi(R_TLB, XDI, 1, (int32_t)offsetof(struct tlb_entry, addend))));
    x_w(hb, 0x01, XDX, R(XDI));                                 /* add rdi, rdx: host */
    x_mov_r64_imm(hb, XDX, (uint64_t)(uintptr_t)b->host2);
    x_alu_r_rm(hb, 7, 8, XDX, R(XDI));                          /* cmp rdx, rdi */
    x_jcc(&t->L, hb, XCC_NE, t->l_merge);
}
