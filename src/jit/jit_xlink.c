/* Links across a page boundary (jit.h jit_link_across).
 *
 * An exit to a fixed target in another page (a JMP/Jcc/CALL rel32 or a
 * fall-through past the page's end) cannot be patched as jit_link patches
 * one within the page: the translation knows its own page's mapping, not
 * the other page's, and one physical page may run at several linear
 * addresses (aliases, another CS base) whose next pages differ.  Such an
 * exit went through the jump cache's hashed lookup every time (lz's
 * generator crosses its page boundary twice per word: bench/README.md,
 * session 14 `region`).  Now its jmp goes back to C until linked, as an
 * in-page exit's does (had it gone to the lookup, which hits once the
 * successor was entered from C, the run loop would hardly ever see it),
 * and is pointed at a stub written when the run loop saw the exit lead
 * to a translated successor (engine/run.c run_translated, link_across):
 *
 *     mov edx, [cs.base]; add edx, ecx; cmp edx, la     CS:EIP as then
 *     jne lookup
 *     cmp dword [r12 + i*32 + tag_x], tag               the TLB's execute
 *     jne lookup                                        entry for la's
 *     mov rdx, addend; cmp [r12 + i*32 + addend], rdx   page as then
 *     jne lookup
 *     (loads of the registers `to` caches and `from` does not)
 *     jmp to's chained entry (jit_link_entry's)
 *   lookup:
 *     jmp the exit's own jump-cache lookup (translate.c emit_exit, cold)
 *
 * The same linear address through the same execute entry (its tag: the
 * page, valid, host RAM, not watched, and the CPL's access, which is
 * `from`'s, constant while it runs; its addend: the host page) reaches
 * the same host byte, so the same physical page, whose successor `to`
 * is: what the lookup would have found by the host address, without the
 * hash.  A CR3 load, INVLPG or any other change of that mapping rewrites
 * or invalidates the entry (mmu.c), so the stub then falls to the lookup,
 * which finds the right translation or goes back to C.  Nothing else is
 * assumed: `to`'s chained entry checks events, the budget, its map's
 * stamp (a write to a scanned instruction of its page, or a discard, kills
 * the jump: the SBE rule across pages and aliases, seed 003), the CS
 * limit and, where the level needs them, the entry conditions, as for a
 * jump-cache hit; a write to `from`'s own page while it runs bumps the
 * code epoch, which that entry's event check sees.  The stub lives in
 * the arena and goes with it (jit_reset). */
#include "jit/jit_link.h"

#include <stddef.h>
#include <string.h>

#include "jit/tr.h"

/* A stub is at most this long: 26 bytes of checks, seven loads of 7 bytes
 * and two jmps. */
#define XLINK_STUB_MAX 96

static size_t xlink_stub(uint8_t *buf, const uint8_t *at, uint32_t la, uint32_t tlb_index,
                         uint32_t tag, uintptr_t addend, uint8_t missing, const uint8_t *entry,
                         const uint8_t *lookup)
{
    static const uint8_t host[8] = GUEST_HOST_REGS;
    struct xbuf b = { buf, buf, buf + XLINK_STUB_MAX, false, 0 };
    _Static_assert(offsetof(struct tlb, e) == 0, "r12 points at the TLB's entries");
    int32_t te = (int32_t)(tlb_index * sizeof(struct tlb_entry));
    size_t jne[3];
    x_load(&b, 4, XDX, cpu_rm(CPU_OFF(seg[S_CS].base)));
    x_alu_rm_r(&b, 0, 4, R(XDX), XCX);                          /* add edx, ecx */
    x_alu_rm_imm(&b, 7, 4, R(XDX), la);                         /* cmp edx, la */
    xb(&b, 0x0F), xb(&b, 0x85), x32(&b, 0);
    jne[0] = (size_t)(b.p - buf);
    x_alu_rm_imm(&b, 7, 4, xr_mem(xm(R_TLB, te + (int32_t)offsetof(struct tlb_entry, tag_x))), tag);
    xb(&b, 0x0F), xb(&b, 0x85), x32(&b, 0);
    jne[1] = (size_t)(b.p - buf);
    x_mov_r64_imm(&b, XDX, (uint64_t)addend);
    x_alu_r_rm(&b, 7, 8, XDX, xr_mem(xm(R_TLB, te + (int32_t)offsetof(struct tlb_entry, addend))));
    xb(&b, 0x0F), xb(&b, 0x85), x32(&b, 0);
    jne[2] = (size_t)(b.p - buf);
    for (unsigned r = 0; r < 8; r++)
        if (missing & (1u << r))
            x_load(&b, 4, host[r], cpu_rm(GPR_OFF(r)));
    xb(&b, 0xE9);
    x32(&b, (uint32_t)(int32_t)(entry - (at + (b.p - buf) + 4)));
    size_t fail = (size_t)(b.p - buf);
    xb(&b, 0xE9);
    x32(&b, (uint32_t)(int32_t)(lookup - (at + (b.p - buf) + 4)));
    if (b.overflow)
        return 0;
    for (unsigned i = 0; i < 3; i++) {
        int32_t d = (int32_t)(fail - jne[i]);
        memcpy(buf + jne[i] - 4, &d, 4);
    }
    return (size_t)(b.p - buf);
}

bool jit_link_across(struct jit *j, struct jit_code *from, int32_t target, const struct jit_code *to,
                     uint32_t la, uint32_t tlb_index, uint32_t tag, uintptr_t addend)
{
    if (!to->chain_entry)
        return false;
    uint8_t missing;
    const uint8_t *entry = jit_link_entry(from, to, &missing);
    uint8_t buf[XLINK_STUB_MAX];
    bool patched = false;
    for (unsigned i = 0; i < from->nexits; i++) {
        if (!from->exit[i].across || from->exit[i].target != target)
            continue;
        uint8_t *rel = from->exit[i].rel;
        const uint8_t *lookup = from->exit[i].lookup;
        int32_t now;
        memcpy(&now, rel, 4);
        const uint8_t *dest = rel + 4 + now;
        /* Already on a stub for this successor and mapping (a chained
         * entry's check failed, say the budget): keep it. */
        if (jit_arena_holds(j, dest, XLINK_STUB_MAX)) {
            size_t len = xlink_stub(buf, dest, la, tlb_index, tag, addend, missing, entry, lookup);
            if (len && memcmp(buf, dest, len) == 0)
                continue;
        }
        uint8_t *at = jit_arena_take(j, XLINK_STUB_MAX);
        if (!at)
            return patched;
        size_t len = xlink_stub(buf, at, la, tlb_index, tag, addend, missing, entry, lookup);
        if (!len)
            return patched;
        memcpy(at, buf, len);
        int32_t d = (int32_t)(at - (rel + 4));
        /* One thread runs and patches its translations: a plain store. */
        memcpy(rel, &d, 4);
        patched = true;
    }
    return patched;
}
