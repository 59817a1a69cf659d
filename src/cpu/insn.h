/* A decoded instruction, ready for the interpreter (and, later, for the code
 * cache and the translator): everything Zydis told us, reduced to what
 * execution needs, in a small fixed-size struct.  See insn_table.def for the
 * table that gives each operation its handler and scanner attributes. */
#ifndef PLEX86_CPU_INSN_H
#define PLEX86_CPU_INSN_H

#include <stdint.h>

struct cpu;
struct insn;

typedef void (*op_handler)(struct cpu *c, const struct insn *i);

/* How control leaves an instruction (used by the scanner and code cache). */
enum flow_kind {
    FLOW_SEQ = 0,    /* falls through */
    FLOW_BRANCH,     /* table only: JMP/CALL, refined by the decoder into: */
    FLOW_JMP_REL,    /* direct near jump (static target) */
    FLOW_CALL_REL,   /* direct near call */
    FLOW_JMP_IND,    /* computed near jump */
    FLOW_CALL_IND,   /* computed near call */
    FLOW_FAR,        /* far JMP/CALL (direct or indirect) */
    FLOW_JCC,        /* conditional direct branch (Jcc, LOOPcc, JCXZ) */
    FLOW_RET,        /* RET (near or far) */
    FLOW_INT,        /* INT n, INT3, INTO, INT1 */
    FLOW_IRET,
    FLOW_HLT,
    FLOW_UD,         /* always raises #UD */
};

/* Why an instruction must be virtualized (seed 003, seed 000).  VIRT_NONE
 * instructions may run on any engine's fast path. */
enum virt_class {
    VIRT_NONE = 0,
    VIRT_DESC,       /* reads or loads GDTR/IDTR/LDTR/TR/MSW: SGDT, SIDT, ... */
    VIRT_FLAGS,      /* PUSHF/POPF/CLI/STI: IF and IOPL are the monitor's */
    VIRT_SEG,        /* segment register loads, and reads that reveal RPL */
    VIRT_CR,         /* control/debug registers, cache and TLB control */
    VIRT_IO,         /* port I/O */
    VIRT_BRANCH,     /* far transfers, INT/IRET, RET, computed branches */
    VIRT_HLT,
    VIRT_TIME,       /* CPUID, RDTSC: the monitor decides what a guest sees */
};

/* Sets of arithmetic flags for the table's flag columns, named by their
 * letters in the order O S Z A P C ("_": none).  The bits are EFLAGS's
 * (cpu.c checks them against F_*). */
#define FS__ 0u
#define FS_C 0x001u
#define FS_P 0x004u
#define FS_A 0x010u
#define FS_Z 0x040u
#define FS_S 0x080u
#define FS_O 0x800u
#define FS_AC (FS_A | FS_C)
#define FS_OA (FS_O | FS_A)
#define FS_OC (FS_O | FS_C)
#define FS_OS (FS_O | FS_S)
#define FS_ZC (FS_Z | FS_C)
#define FS_OSZ (FS_O | FS_S | FS_Z)
#define FS_OAC (FS_O | FS_A | FS_C)
#define FS_OSAP (FS_O | FS_S | FS_A | FS_P)
#define FS_OSZP (FS_O | FS_S | FS_Z | FS_P)
#define FS_SZAP (FS_S | FS_Z | FS_A | FS_P)
#define FS_OSAPC (FS_OSAP | FS_C)
#define FS_OSZAP (FS_OSZP | FS_A)
#define FS_SZAPC (FS_SZAP | FS_C)
#define FS_OSZAPC (FS_OSZAP | FS_C)

/* The translator's native recipe for an instruction (src/jit); the
 * translator still checks the operand forms and may fall back to the
 * interpreter.  TR_ADD..TR_CMP are the ALU group in the order of the
 * ModRM.reg field of opcodes 80-83 (op_alu_group). */
enum tr_kind {
    TR_NONE = 0, /* always the interpreter's handler */
    TR_ADD, TR_OR, TR_ADC, TR_SBB, TR_AND, TR_SUB, TR_XOR, TR_CMP,
    TR_TEST, TR_MOV, TR_MOVX /* MOVZX, MOVSX */, TR_LEA, TR_XCHG, TR_CDQ,
    TR_INCDEC, TR_NEG, TR_NOT, TR_IMUL /* and MUL */, TR_DIV /* DIV r/m32 */,
    TR_SHIFT /* SHL SHR SAR ROL ROR */,
    TR_PUSH, TR_POP, TR_LEAVE, TR_NOP, TR_SETCC, TR_CMOVCC,
    TR_BSWAP,   /* BSWAP r32 */
    TR_BT,      /* BT BTS BTR BTC of a dword: registers, or memory by imm8 */
    TR_STRING,  /* MOVS CMPS STOS LODS SCAS without REP, 32-bit addresses */
    TR_DSHIFT,  /* SHLD SHRD of a word or dword by imm8 or CL (jit/tr_bits.c) */
    TR_BSCAN,   /* BSF BSR of a word or dword (jit/tr_bits.c) */
    TR_XADD,    /* XADD r/m32, r32, LOCK too (jit/tr_bits.c) */
    TR_CMPXCHG, /* CMPXCHG r/m32, r32, LOCK too (jit/tr_bits.c) */
    TR_JCC,     /* Jcc rel32 (the condition is insn.cc) */
    TR_JMP,     /* JMP rel32 (the decoder's FLOW_JMP_REL) */
    TR_CALL,    /* CALL rel32 (FLOW_CALL_REL), as a block's last instruction */
    TR_X87,     /* an x87 op tr_x87.c may run on the host's x87 */
    TR_DFLAG,   /* CLD STD: DF in cpu.eflags (jit/tr_bits.c) */
};

enum op_id {
    OP_INVALID = 0,
#define X(mn, h, flow, virt, lvl, ...) OP_##mn,
#define P(nm, h, flow, virt, lvl, ...) OP_##nm,
#include "cpu/insn_table.def"
#undef X
#undef P
    OP_COUNT
};

/* One row of insn_table.def. */
struct op_info {
    const char *name;
    op_handler handler;
    uint8_t flow;     /* enum flow_kind */
    uint8_t virt;     /* enum virt_class */
    uint8_t level;    /* minimum enum cpu_level */
    uint8_t tr;       /* enum tr_kind */
    uint8_t fast;     /* ops_fast.c or fpu_fast.c may have a fast form */
    uint16_t rd;      /* arithmetic flags read (F_* bits) */
    uint16_t wr;      /* arithmetic flags it may write (undefined included) */
    uint16_t un;      /* of those, left undefined by the SDM (for some
                         operands or counts: see the row) */
    uint16_t uz;      /* of those, what the interpreter sets to 0; given
                         where a native form relies on it (TR_* rows) */
};

extern const struct op_info op_table[OP_COUNT];

/* The ALU group (ModRM.reg of 80-83: ADD OR ADC SBB AND SUB XOR CMP) of
 * an op, or -1. */
static inline int op_alu_group(unsigned op)
{
    unsigned g = (unsigned)op_table[op].tr - TR_ADD;
    return g < 8 ? (int)g : -1;
}

/* The flags condition code cc (the low opcode nibble of Jcc, SETcc and
 * CMOVcc) reads: the Jcc rows' column, which the table test checks
 * against SETcc's and CMOVcc's. */
static inline unsigned cc_flags_read(unsigned cc)
{
    return op_table[OP_JO + (cc & 15)].rd;
}

/* Operand kinds. */
enum opnd_kind {
    OPK_NONE = 0,
    OPK_GPR,         /* reg: 0-7; size 1 uses AL CL DL BL AH CH DH BH */
    OPK_SREG,        /* reg: enum sreg */
    OPK_CREG,        /* reg: control register number */
    OPK_DREG,        /* reg: debug register number */
    OPK_MEM,         /* the instruction's memory operand (insn.m*) */
    OPK_IMM,         /* insn.imm (sign-extended to 32 bits when signed) */
    OPK_REL,         /* relative branch: insn.imm is the displacement */
    OPK_PTR,         /* far pointer immediate: imm = offset, imm2 = selector */
    OPK_X87,         /* x87 stack register (reg = i) */
    OPK_MMX,         /* MMX register MM0-7 (simd.h) */
    OPK_XMM,         /* XMM register XMM0-7 */
};

#define NOREG 0xFF

struct opnd {
    uint8_t kind;    /* enum opnd_kind */
    uint8_t size;    /* bytes (memory operands of far pointers: 4 or 6) */
    uint8_t reg;
};

enum rep_kind { REP_NONE = 0, REP_E = 1 /* F3 */, REP_NE = 2 /* F2 */ };

struct insn {
    op_handler fn;      /* op_table[op].handler, copied for the dispatch */
    uint16_t op;        /* enum op_id */
    uint8_t len;        /* bytes, 1..15 */
    uint8_t osize;      /* operand size: 2 or 4, or 1 for byte forms (string
                           element size; other handlers use opnd.size) */
    uint8_t asize;      /* address size: 2 or 4 */
    uint8_t seg;        /* segment of the memory operand / string source */
    uint8_t rep;        /* enum rep_kind, only for string instructions */
    uint8_t cc;         /* condition code (Jcc/SETcc/CMOVcc), low opcode nibble */
    uint8_t flow;       /* enum flow_kind, refined */
    uint8_t virt;       /* enum virt_class, refined */
    uint8_t nops;       /* visible operands */
    uint8_t lock;       /* LOCK prefix present (validated by the decoder) */
    uint8_t far;        /* far JMP/CALL/RET */
    struct opnd o[3];
    uint8_t mbase;      /* GPR index or NOREG */
    uint8_t mindex;     /* GPR index or NOREG */
    uint8_t mscale;     /* 1, 2, 4, 8 */
    uint8_t opcode;     /* last opcode byte */
    uint8_t modrm_reg;  /* ModRM.reg (group extension) */
    uint8_t modrm;      /* the whole ModRM byte (x87: FOP, register forms) */
    int32_t disp;
    uint32_t imm;
    uint32_t imm2;
};

/* Result of decoding one instruction's bytes. */
enum decode_status {
    DECODE_OK = 0,
    DECODE_MORE,        /* the bytes given end before the instruction does */
    DECODE_UD,          /* undefined encoding: #UD */
    DECODE_BAD_LOCK,    /* LOCK on an instruction that cannot take it: #UD
                           on the 386 and later (SDM vol. 2, LOCK); the
                           286 ignored it */
    DECODE_TOO_LONG,    /* longer than 15 bytes: #GP(0) (SDM vol. 2, 2.3.11) */
};

/* Decoder state (two Zydis decoders); no global state. */
struct decoder;
struct decoder *decoder_create(void);
void decoder_destroy(struct decoder *d);

/* Decodes the instruction at `bytes` (n available) for a 16- or 32-bit code
 * segment.  Does not look at the CPU level: the caller checks
 * op_table[i->op].level. */
enum decode_status decode_insn(const struct decoder *d, int code32, const uint8_t *bytes,
                               unsigned n, struct insn *out);

/* decode_insn, remembering its last few results by their input (the mode
 * and the n bytes): a decode is a function of them alone.  For the CPU's
 * slow path, which decodes the same bytes again each time it runs an
 * instruction the code cache cannot hold (one that crosses a page, in a
 * loop).  Not for a decoder shared between threads. */
enum decode_status decode_insn_memo(struct decoder *d, int code32, const uint8_t *bytes,
                                    unsigned n, struct insn *out);

/* Human-readable text for traces and diagnostics (Zydis's formatter). */
void decode_format(const struct decoder *d, int code32, const uint8_t *bytes, unsigned n,
                   uint32_t eip, char *buf, unsigned buflen);

#endif
