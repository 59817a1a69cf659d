/* MASKMOVQ mm1, mm2 (0F F7 /r, SSE) and MASKMOVDQU xmm1, xmm2 (66 0F F7 /r,
 * SSE2): the bytes of the first operand whose byte in the second operand
 * has its top bit set are stored to DS:(E)DI, the segment overridable, DI
 * or EDI by the address size (SDM vol. 2, MASKMOVQ and MASKMOVDQU).  The
 * memory form of ModRM does not exist: Zydis refuses it, which is #UD; the
 * decoder makes the implicit DS:(E)DI operand the instruction's memory
 * operand (decode.c), so ea_offset() gives (E)DI.
 *
 * Only the selected bytes are written, one byte store each: an unselected
 * byte of memory is never read or written, which matters for MMIO and for
 * the detection of writes to code.
 *
 * Faults.  The segment check (limit, writability, #AC, data breakpoints)
 * covers the whole 8 or 16 bytes whatever the mask: the SDM of the P6 era
 * (IA-32 SDM vol. 2, 1999, MASKMOVQ) says a zero mask does not prevent
 * addressing faults (#GP, #SS), and #AC is signalled irrespective of the
 * mask.  Paging is implementation-specific with a zero mask (same text;
 * today's SDM: "exceptions associated with addressing memory and page
 * faults may still be signaled (implementation dependent)").  plex86
 * translates, as writes, only the pages that hold selected bytes, all of
 * them before the first byte is stored (so a #PF leaves memory as it was):
 * a zero mask touches no page, so it raises no #PF and sets no accessed or
 * dirty flag, and a store whose selected bytes all lie in one page does not
 * fault on the next page.  A store that writes nothing cannot then fault
 * on memory it does not write.
 *
 * As for every MMX instruction, MASKMOVQ leaves TOP 0 and every tag valid
 * (SDM vol. 2, MASKMOVQ: whatever the mask), once it has completed. */
#define PLEX86_SIMD_INTERNAL
#include "cpu/simd.h"

#include "cpu/mmu.h"

void h_maskmov(struct cpu *c, const struct insn *i)
{
    bool mmx = simd_has_mmx(i);
    simd_begin(c, i, mmx ? CPUF_SSE : CPUF_SSE2);
    union xmmreg src, mask;
    simd_read(c, i, 0, &src, false);
    simd_read(c, i, 1, &mask, false);
    unsigned n = mmx ? 8 : 16;
    uint32_t la = seg_linear(c, i->seg, ea_offset(c, i), n, SEG_WRITE);

    int first = -1, last = -1;
    for (unsigned k = 0; k < n; k++) {
        if (mask.b[k] & 0x80) {
            if (first < 0)
                first = (int)k;
            last = (int)k;
        }
    }
    if (first >= 0) {
        /* The selected bytes span at most two pages: translate both before
         * any byte moves (a single page faults at its first store). */
        uint32_t lo = la + (uint32_t)first, hi = la + (uint32_t)last;
        if ((lo & TLB_PAGE_MASK) != (hi & TLB_PAGE_MASK))
            mmu_probe(c, lo, (uint32_t)(last - first + 1), MMU_WRITE);
        for (int k = first; k <= last; k++)
            if (mask.b[k] & 0x80)
                lin_write(c, la + (uint32_t)k, src.b[k], 1);
    }
    if (mmx)
        simd_mmx_done(c);
}
