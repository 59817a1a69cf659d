/* test_jit_diff: M_PAGEK (1ull << 38), 32-bit code: a loop's moving
 * operand through its page slot with the op's own addressing mode adding
 * the address (jit/tr_mem.c page_site_direct):
 *
 *       push edi ; mov ebp, n ; mov edi, r0
 *   L:  op [edi + d32] or [edi * 4 + d32] ; add edi, step ; dec ebp ; jnz L
 *       pop edi
 *
 * The address starts near a page end of the data area and moves by 1-4
 * bytes (or dwords) a pass, up or down, so it crosses into the next page
 * (with M_PAGING mapped far apart; dword accesses may straddle it), and
 * half the loops reach it by a sum that wraps past 4 GiB (r0 + d32 or
 * r0 * 4 + d32 above 2^32, which the host's 64-bit sum must not take for
 * the address). */
#include "jit_diff.h"

void pagek_item(struct prog *p)
{
    if (p->n + 64 > sizeof(p->b))
        return;
    uint32_t target = bias() + DATA + 0xF80u + (rnd() & 0x7Fu);
    bool idx = rnd() & 1, wrap = rnd() & 1;
    uint32_t disp, r0;
    if (idx) {
        disp = (wrap ? 0x10000000u + (rnd() & 0x0FFFFFFCu) : (rnd() & 0x7FCu)) | (target & 3u);
        /* r0 * 4 + disp = w * 2^32 + target (w 1-3 with a wrap, else 0) */
        int64_t w = wrap ? 1 + (int64_t)(rnd() % 3) : 0;
        r0 = (uint32_t)(((w << 32) + (int64_t)target - (int64_t)disp) / 4);
    } else {
        disp = wrap ? 0x10000000u + (rnd() & 0x6FFFFFFFu) : (rnd() & 0xFFFu);
        r0 = target - disp;
    }
    put(p, 0x57);                                                  /* push edi */
    put(p, 0xBD); put32(p, 2 + rnd() % 39);                        /* mov ebp, n */
    put(p, 0xBF); put32(p, r0);                                    /* mov edi, r0 */
    unsigned head = p->n;
    unsigned r = rnd() % 3;                                        /* eax, ecx, edx */
    switch (rnd() % 6) {
    case 0: put(p, 0x8B); break;                                   /* mov r32, m32 */
    case 1: put(p, 0x01); break;                                   /* add m32, r32 */
    case 2: put(p, 0x89); break;                                   /* mov m32, r32 */
    case 3: put(p, 0x0F); put(p, 0xB6); break;                     /* movzx r32, m8 */
    case 4: put(p, 0x88); break;                                   /* mov m8, r8 */
    default: put(p, 0x3A); break;                                  /* cmp r8, m8 */
    }
    if (idx) {
        put(p, (uint8_t)(0x04 | r << 3)); put(p, 0xBD);            /* [edi*4 + d32] */
    } else {
        put(p, (uint8_t)(0x87 | r << 3));                          /* [edi + d32] */
    }
    put32(p, disp);
    int step = (int)(1 + rnd() % 4) * ((rnd() & 3) ? 1 : -1);
    put(p, 0x83); put(p, 0xC7); put(p, (uint8_t)(int8_t)step);     /* add edi, step */
    count_down(p, false);                                          /* dec ebp */
    jnz_back(p, head);
    put(p, 0x5F);                                                  /* pop edi */
}
