/* The host's x87 as the guest FPU's arithmetic unit: see fpu_host.h.
 *
 * Every sequence has the same frame (X87 below): save the host control
 * word, load the guest's, load operands, run the one operation, read the
 * status word and clear the flags if any is up (FNSTSW, FNCLEX: never
 * waiting, so an unmasked exception is never delivered on the host), store
 * the results, and restore the control word.  The operation's encoding is
 * spelled as bytes where GNU as's AT&T operand order for non-commutative
 * register forms would be ambiguous. */
#include "cpu/fpu_host.h"

#if !defined(__x86_64__) && !defined(__i386__)
#error "plex86's FPU computes on the host's x87: an x86 host is required"
#endif

/* Every sequence here takes the operation's flags from the host's status
 * word, so it starts with none up.  The fast forms (fpu_fast.c) leave the
 * host's sticky flags up on purpose, and x87 code outside the guest FPU
 * (a library) could too; such a flag would also become a pending exception
 * once FLDCW unmasks it.  FNSTSW is cheap, FNCLEX is not: clear only when
 * needed. */
static inline void host_prepare(void)
{
    uint16_t sw;
    __asm__ volatile("fnstsw %0" : "=a"(sw));
    if (sw & FSW_EXC)
        __asm__ volatile("fnclex");
}

#define X87(LOADS, OP, STORES)                                                 \
    __asm__ volatile("fnstcw %[save]\n\t"                                      \
                     "fldcw %[cw]\n\t" LOADS OP "\n\t"                         \
                     "fnstsw %%ax\n\t"                                         \
                     "testb $0x7f, %%al\n\t"                                   \
                     "jz 1f\n\t"                                               \
                     "fnclex\n"                                                \
                     "1:\n\t" STORES "fldcw %[save]"                           \
                     : "=&a"(sw), [save] "=m"(save), [r0] "+m"(*a), [r1] "+m"(*b), \
                       [m] "+m"(*m)                                            \
                     : [cw] "m"(cw)                                            \
                     : "st", "st(1)", "st(2)", "cc")

#define LOAD_A "fldt %[r0]\n\t"
#define LOAD_BA "fldt %[r1]\n\tfldt %[r0]\n\t"
#define STORE_A "fstpt %[r0]\n\t"
#define STORE_AB "fstpt %[r0]\n\tfstpt %[r1]\n\t"
/* One or no entry left: store it if there, empty the stack (FFREE of an
 * empty register does nothing; TOP of an empty stack is of no account). */
#define STORE_A_FREE "fstpt %[r0]\n\tffree %%st(0)\n\t"
#define FREE "ffree %%st(0)\n\t"

uint16_t fpu_host_rr(unsigned sel, struct fpreg *a, struct fpreg *b, uint16_t cw)
{
    uint16_t sw = 0, save;
    struct fpmem dummy, *m = &dummy;
    host_prepare();
#define RR(bytes) X87(LOAD_BA, ".byte " bytes, STORE_AB); break
    switch (sel) {
    case 0: RR("0xd8, 0xc1");       /* FADD ST0, ST1 */
    case 1: RR("0xd8, 0xc9");       /* FMUL */
    case 2: RR("0xd8, 0xd1");       /* FCOM */
    case 3: RR("0xd8, 0xd1");       /* FCOMP: compared here, popped by the caller */
    case 4: RR("0xd8, 0xe1");       /* FSUB ST0, ST1: ST0 - ST1 */
    case 5: RR("0xd8, 0xe9");       /* FSUBR: ST1 - ST0 */
    case 6: RR("0xd8, 0xf1");       /* FDIV: ST0 / ST1 */
    case 7: RR("0xd8, 0xf9");       /* FDIVR: ST1 / ST0 */
    case 8: RR("0xdc, 0xc1");       /* FADD ST1, ST0 */
    case 9: RR("0xdc, 0xc9");       /* FMUL ST1, ST0 */
    case 10: RR("0xd8, 0xd1");
    case 11: RR("0xd8, 0xd1");
    case 12: RR("0xdc, 0xe1");      /* FSUBR ST1, ST0: ST1 = ST0 - ST1 */
    case 13: RR("0xdc, 0xe9");      /* FSUB ST1, ST0: ST1 = ST1 - ST0 */
    case 14: RR("0xdc, 0xf1");      /* FDIVR ST1, ST0: ST1 = ST0 / ST1 */
    case 15: RR("0xdc, 0xf9");      /* FDIV ST1, ST0: ST1 = ST1 / ST0 */
    case FHOST_FUCOM: RR("0xdd, 0xe1");
    default: break;
    }
#undef RR
    return sw;
}

uint16_t fpu_host_rm(unsigned sel, struct fpreg *a, const struct fpmem *mc, uint16_t cw)
{
    uint16_t sw = 0, save;
    struct fpreg dummy, *b = &dummy;
    struct fpmem *m = (struct fpmem *)mc; /* only read */
    host_prepare();
#define RM(insn) X87(LOAD_A, insn " %[m]", STORE_A); break
    switch (sel) {
    case 0: RM("fadds");
    case 1: RM("fmuls");
    case 2: case 3: RM("fcoms");
    case 4: RM("fsubs");
    case 5: RM("fsubrs");
    case 6: RM("fdivs");
    case 7: RM("fdivrs");
    case 8: RM("fiaddl");
    case 9: RM("fimull");
    case 10: case 11: RM("ficoml");
    case 12: RM("fisubl");
    case 13: RM("fisubrl");
    case 14: RM("fidivl");
    case 15: RM("fidivrl");
    case 16: RM("faddl");
    case 17: RM("fmull");
    case 18: case 19: RM("fcoml");
    case 20: RM("fsubl");
    case 21: RM("fsubrl");
    case 22: RM("fdivl");
    case 23: RM("fdivrl");
    case 24: RM("fiadds");
    case 25: RM("fimuls");
    case 26: case 27: RM("ficoms");
    case 28: RM("fisubs");
    case 29: RM("fisubrs");
    case 30: RM("fidivs");
    case 31: RM("fidivrs");
    default: break;
    }
#undef RM
    return sw;
}

uint16_t fpu_host_load(enum fhost_load k, struct fpreg *out, const struct fpmem *mc,
                       uint16_t cw)
{
    uint16_t sw = 0, save;
    struct fpreg dummy, *a = out, *b = &dummy;
    struct fpmem *m = (struct fpmem *)mc; /* only read */
    cw |= FCW_MASKS; /* pre-computation exceptions only: the caller decides */
    host_prepare();
#define LD(op) X87("", op, STORE_A); break
    switch (k) {
    case FHL_M32: LD("flds %[m]");
    case FHL_M64: LD("fldl %[m]");
    case FHL_BCD: LD("fbld %[m]");
    case FHL_ONE: LD("fld1");
    case FHL_L2T: LD("fldl2t");
    case FHL_L2E: LD("fldl2e");
    case FHL_PI: LD("fldpi");
    case FHL_LG2: LD("fldlg2");
    case FHL_LN2: LD("fldln2");
    case FHL_Z: LD("fldz");
    }
#undef LD
    return sw;
}

uint16_t fpu_host_store(enum fhost_store k, struct fpreg *a, struct fpmem *m, uint16_t cw)
{
    uint16_t sw = 0, save;
    struct fpreg dummy, *b = &dummy;
    host_prepare();
    /* Non-popping forms where they exist; FISTP m64 and FBSTP do not pop
     * after an unmasked invalid operation, so the stack is emptied with
     * FFREE rather than FSTP. */
#define ST(op) X87(LOAD_A, op " %[m]", FREE); break
    switch (k) {
    case FHS_M32: ST("fsts");
    case FHS_M64: ST("fstl");
    case FHS_I16: ST("fists");
    case FHS_I32: ST("fistl");
    case FHS_I64: ST("fistpll");
    case FHS_BCD: ST("fbstp");
    }
#undef ST
    return sw;
}

uint16_t fpu_host_op(enum fhost_op k, struct fpreg *a, struct fpreg *b, uint16_t cw)
{
    uint16_t sw = 0, save;
    struct fpmem dummy, *m = &dummy;
    host_prepare();
#define U(op) X87(LOAD_A, op, STORE_A); break
#define B(op) X87(LOAD_BA, op, STORE_AB); break
#define P(op) X87(LOAD_BA, op, STORE_A_FREE); break
    switch (k) {
    case FHO_SQRT: U("fsqrt");
    case FHO_RNDINT: U("frndint");
    case FHO_TST: U("ftst");
    case FHO_F2XM1: U("f2xm1");
    case FHO_SIN: U("fsin");
    case FHO_COS: U("fcos");
    case FHO_SCALE: B("fscale");
    case FHO_PREM: B("fprem");
    case FHO_PREM1: B("fprem1");
    case FHO_PATAN: P("fpatan");
    case FHO_YL2X: P("fyl2x");
    case FHO_YL2XP1: P("fyl2xp1");
    }
#undef U
#undef B
#undef P
    return sw;
}

/* The host's FNSAVE image (32-bit protected-mode layout, 108 bytes). */
struct host_save {
    uint32_t cw, sw, tw, fip, fcs, fdp, fds;
    uint8_t st[8][10];
};

uint16_t fpu_host_push(enum fhost_push k, const struct fpreg *a, struct fpreg out[2],
                       unsigned *n, uint16_t cw)
{
    struct host_save s;
    uint16_t save;
    host_prepare();
    /* FNSAVE right after the operation: it is non-waiting, stores the
     * whole stack whatever was pushed, and reinitializes the host FPU. */
#define PUSH(op)                                                               \
    __asm__ volatile("fnstcw %[save]\n\t"                                      \
                     "fldcw %[cw]\n\t"                                         \
                     "fldt %[a]\n\t" op "\n\t"                                 \
                     "fnsave %[s]\n\t"                                         \
                     "fldcw %[save]"                                           \
                     : [save] "=m"(save), [s] "=m"(s)                          \
                     : [a] "m"(*a), [cw] "m"(cw)                               \
                     : "st", "st(1)", "st(2)");                                \
    break
    switch (k) {
    case FHP_PTAN: PUSH("fptan");
    case FHP_SINCOS: PUSH("fsincos");
    case FHP_XTRACT: PUSH("fxtract");
    }
#undef PUSH
    unsigned full = 0;
    for (unsigned r = 0; r < 8; r++)
        full += ((s.tw >> (2 * r)) & 3) != 3;
    *n = full > 2 ? 2 : full;
    for (unsigned k2 = 0; k2 < *n; k2++) {
        __builtin_memcpy(&out[k2].sig, s.st[k2], 8);
        __builtin_memcpy(&out[k2].se, s.st[k2] + 8, 2);
    }
    return (uint16_t)s.sw;
}
