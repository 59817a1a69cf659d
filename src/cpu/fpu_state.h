/* x87 FPU architectural state (SDM vol. 1, chapter 8), kept inside struct
 * cpu.  No dependencies, so cpu.h can embed it; the FPU's internal interface
 * is fpu.h.
 *
 * Registers are stored as the processor stores them, 80-bit double
 * extended values (64-bit significand with explicit integer bit, 15-bit
 * biased exponent, sign), in 16-byte slots so the host's FLD/FSTP m80 can
 * load and store them directly.  They are indexed physically (R0-R7); ST(i)
 * is R((TOP + i) mod 8).  The tag word is kept abridged, one "not empty" bit
 * per physical register: the full two-bit tags that FSTENV/FSAVE store are
 * computed from the register contents, as P6-family processors do. */
#ifndef PLEX86_CPU_FPU_STATE_H
#define PLEX86_CPU_FPU_STATE_H

#include <stdint.h>

/* One 80-bit register: bytes 0-7 significand, 8-9 sign and exponent. */
struct fpreg {
    uint64_t sig;
    uint16_t se;
    uint16_t pad[3];
} __attribute__((aligned(16)));

/* Status word bits (SDM vol. 1, 8.1.3). */
enum {
    FSW_IE = 1u << 0, FSW_DE = 1u << 1, FSW_ZE = 1u << 2, FSW_OE = 1u << 3,
    FSW_UE = 1u << 4, FSW_PE = 1u << 5, FSW_SF = 1u << 6, FSW_ES = 1u << 7,
    FSW_C0 = 1u << 8, FSW_C1 = 1u << 9, FSW_C2 = 1u << 10, FSW_TOP = 7u << 11,
    FSW_C3 = 1u << 14, FSW_B = 1u << 15,
    FSW_EXC = 0x3F,                              /* IE..PE */
    FSW_CC = FSW_C0 | FSW_C1 | FSW_C2 | FSW_C3,
};

/* Control word bits (SDM vol. 1, 8.1.5). */
enum {
    FCW_MASKS = 0x3F,                            /* IM DM ZM OM UM PM */
    FCW_PC = 3u << 8, FCW_RC = 3u << 10, FCW_X = 1u << 12,
    FCW_INIT = 0x037F,                           /* after FINIT */
};

struct fpu {
    struct fpreg r[8];   /* physical registers R0-R7 */
    uint16_t cw;         /* control word (bit 6 reads as 1) */
    uint16_t sw;         /* status word without TOP (bits 11-13 zero) */
    uint8_t top;         /* TOP, 0-7 */
    uint8_t full;        /* bit n: R(n) is not empty (abridged tag word) */
    uint16_t fop;        /* last non-control opcode: 11 bits */
    uint32_t fip;        /* last non-control instruction: offset in CS */
    uint32_t fdp;        /* its memory operand's offset */
    uint16_t fcs;        /* its CS selector */
    uint16_t fds;        /* its memory operand's segment selector */
    /* FERR# as last driven (CR0.NE=0 error reporting; see fpu.h). */
    uint8_t ferr;
};

/* SSE/SSE2 state (SDM vol. 1, 10.2): eight 128-bit XMM registers and
 * MXCSR, in struct cpu beside the x87 (simd.h is its interface).  The MMX
 * registers are no separate state: MMi is the significand of the physical
 * x87 register Ri (SDM vol. 1, 9.5). */
union xmmreg {
    uint8_t b[16];
    uint16_t w[8];
    uint32_t d[4];
    uint64_t q[2];
    float s[4];
    double f[2];
} __attribute__((aligned(16)));

/* MXCSR bits (SDM vol. 1, 10.2.3). */
enum {
    MXCSR_IE = 1u << 0, MXCSR_DE = 1u << 1, MXCSR_ZE = 1u << 2, MXCSR_OE = 1u << 3,
    MXCSR_UE = 1u << 4, MXCSR_PE = 1u << 5, MXCSR_DAZ = 1u << 6,
    MXCSR_FLAGS = 0x3F, MXCSR_MASKS = 0x3Fu << 7, MXCSR_RC = 3u << 13, MXCSR_FZ = 1u << 15,
    MXCSR_INIT = 0x1F80,   /* after RESET: all masked, round to nearest */
    MXCSR_VALID = 0xFFFF,  /* MXCSR_MASK as FXSAVE stores it: DAZ supported */
};

struct sse {
    union xmmreg xmm[8];
    uint32_t mxcsr;
};

#endif
