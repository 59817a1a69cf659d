/* test_jit_diff: M_HOIST (1ull << 34, session 18, branch mpih), 32-bit
 * code: loops whose flags live across a kept address whose test
 * jit/tr_hoist.c moves before the flag writer (the kernel's mpihelp
 * multiply: compares and ADDs, an ADC chain, accesses through [reg+d8]
 * in between):
 *
 *       push edi ; mov edi, A ; mov dword [COUNTER2], n
 *   L:  (writer ; 0-2 register instructions ; access [edi+d8] ; reader) x 1-2
 *       dec dword [COUNTER2] ; jnz L ; pop edi
 *
 * The register instructions between the writer and the access include
 * those the test must not move above (INC/DEC keep CF, ADC/SBB read it,
 * SETcc/CMOVcc read flags, MOV/LEA/SHL), so a test placed before a
 * partial writer or a reader loses a live flag.  A is in the data area,
 * in the code's page after the program (watched: a store misses the
 * fill's probe, which hands the writer to the interpreter), or with flat
 * segments near the end of the map (reads only: the fill misses, the
 * access then faults in the interpreter, with the flags of the writer).
 * Stores into the code (M_SMC) and interrupts (M_IRQ) come from the
 * driver between items. */
#include "jit_diff.h"

/* A writer of every flag that reads none, of EAX, ECX or EDX. */
static void writer(struct prog *p)
{
    unsigned d = rnd() % 3, s = rnd() % 3;
    switch (rnd() % 7) {
    case 0: put(p, 0x39); modrm_reg(p, s, d); break;                        /* cmp */
    case 1: put(p, 0x01); modrm_reg(p, s, d); break;                        /* add */
    case 2: put(p, 0x85); modrm_reg(p, s, d); break;                        /* test */
    case 3: put(p, 0x29); modrm_reg(p, s, d); break;                        /* sub */
    case 4: put(p, 0x83); put(p, (uint8_t)(0xE0 + d)); put(p, (uint8_t)rnd()); break; /* and */
    case 5: put(p, 0x83); put(p, (uint8_t)(0xC0 + d)); put(p, (uint8_t)rnd()); break; /* add */
    default: put(p, 0xF7); put(p, (uint8_t)(0xD8 + d)); break;               /* neg */
    }
}

/* A register instruction between the writer and the access (EDI not
 * written): moves, and flag readers and partial writers. */
static void between(struct prog *p)
{
    unsigned d = rnd() % 3, s = rnd() % 3, cc = rnd() & 15;
    switch (rnd() % 9) {
    case 0: put(p, 0x89); modrm_reg(p, s, d); break;                        /* mov */
    case 1: put(p, 0x8D); put(p, (uint8_t)(0x04 | d << 3));                 /* lea d, [s+s*2] */
        put(p, (uint8_t)(0x40 | s << 3 | s)); break;
    case 2: put(p, (uint8_t)((rnd() & 1 ? 0x40 : 0x48) + d)); break;         /* inc/dec */
    case 3: put(p, rnd() & 1 ? 0x11 : 0x19); modrm_reg(p, s, d); break;      /* adc/sbb */
    case 4: put(p, 0x83); put(p, (uint8_t)(0xD0 + d)); put(p, 0); break;     /* adc r, 0 */
    case 5: put(p, 0x0F); put(p, (uint8_t)(0x90 + cc)); modrm_reg(p, 0, d); break; /* setcc */
    case 6: put(p, 0x0F); put(p, (uint8_t)(0x40 + cc)); modrm_reg(p, d, s); break; /* cmovcc */
    case 7: put(p, 0x0F); put(p, 0xB7); modrm_reg(p, d, s); break;           /* movzx r, r16 */
    default: put(p, 0xC1); put(p, (uint8_t)(0xE8 + d)); put(p, 16); break;   /* shr r, 16 */
    }
}

/* The access through [EDI+d8] (a kept address), of EAX, ECX or EDX: loads,
 * ALU ops that read or write memory (ADC/SBB take the carry), CMOVcc, and
 * stores unless `reads`. */
static void access(struct prog *p, bool reads)
{
    unsigned r = rnd() % 3, cc = rnd() & 15;
    uint8_t d8 = (uint8_t)(rnd() % 4 ? rnd() & 0x7C : rnd() & 0x7F);
    switch (rnd() % (reads ? 6 : 10)) {
    case 0: put(p, 0x8B); break;                                            /* mov r32, m32 */
    case 1: put(p, 0x13); break;                                            /* adc r32, m32 */
    case 2: put(p, 0x1B); break;                                            /* sbb r32, m32 */
    case 3: put(p, 0x0F); put(p, (uint8_t)(0x40 + cc)); break;              /* cmovcc r32, m32 */
    case 4: put(p, 0x0F); put(p, 0xB6); break;                              /* movzx r32, m8 */
    case 5: put(p, 0x03); break;                                            /* add r32, m32 */
    case 6: put(p, 0x11); break;                                            /* adc m32, r32 */
    case 7: put(p, 0x19); break;                                            /* sbb m32, r32 */
    case 8: put(p, 0x89); break;                                            /* mov m32, r32 */
    default: put(p, 0x01); break;                                           /* add m32, r32 */
    }
    put(p, (uint8_t)(0x47 | r << 3));
    put(p, d8);
}

/* What reads the flags after the access: SETcc, ADC or SBB, CMOVcc, a Jcc
 * over a MOV r, imm32. */
static void reader(struct prog *p)
{
    unsigned d = rnd() % 3, s = rnd() % 3, cc = rnd() & 15;
    switch (rnd() % 4) {
    case 0: put(p, 0x0F); put(p, (uint8_t)(0x90 + cc)); modrm_reg(p, 0, d); break;
    case 1: put(p, rnd() & 1 ? 0x11 : 0x19); modrm_reg(p, s, d); break;
    case 2: put(p, 0x0F); put(p, (uint8_t)(0x40 + cc)); modrm_reg(p, d, s); break;
    default:
        put(p, (uint8_t)(0x70 + cc)); put(p, 5);
        put(p, (uint8_t)(0xB8 + d)); put32(p, rnd());
        break;
    }
}

void hoist_item(struct prog *p)
{
    if (p->n + 96 > sizeof(p->b))
        return;
    uint32_t at;
    bool reads = false;
    switch (rnd() % 8) {
    case 0:
        at = 0x0A00 + (rnd() & 0x7C);
        break;
    case 1:
        if (flat) {
            at = 0x1FF80 + (rnd() & 0x3C);
            reads = true;
            break;
        }
        /* fall through */
    default:
        at = DATA + (rnd() & 0xF7C);
        break;
    }
    put(p, 0x57);                                                            /* push edi */
    put(p, 0xBF); put32(p, bias() + at);                                     /* mov edi, A */
    put(p, 0xC7); put(p, 0x05); put32(p, bias() + COUNTER2); put32(p, 2 + rnd() % 4);
    unsigned head = p->n;
    for (unsigned n = 1 + rnd() % 2; n-- > 0;) {
        writer(p);
        for (unsigned m = rnd() % 3; m-- > 0;)
            between(p);
        access(p, reads);
        reader(p);
    }
    put(p, 0xFF); put(p, 0x0D); put32(p, bias() + COUNTER2);                 /* dec dword [COUNTER2] */
    jnz_back(p, head);
    put(p, 0x5F);                                                            /* pop edi */
}
