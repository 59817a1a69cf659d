/* The differential test of the translator (test_jit_diff.c): what its
 * files share.  The programs' layout in their area, the modes (argument
 * 5), the program buffer and the generators, one file per family:
 * jit_diff_gen.c (the state and the encoding helpers), jit_diff_insn32.c
 * and jit_diff_insn16.c (random instructions), jit_diff_items.c
 * (stores into the code, interrupts, system instructions, tables, inner
 * loops), jit_diff_shapes.c (loop shapes and x87 loops). */
#ifndef PLEX86_TEST_JIT_DIFF_H
#define PLEX86_TEST_JIT_DIFF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cpu/exec.h"
#include "cpu/mmu.h"
#include "cpu/features.h"
#include "jit/jit.h"
#include "jit/tr.h" /* jit_jc_index: M_JCWAYS's stubs share a set */
#include "engine/cache.h"
#include "machine/vm.h"
#include "vm_pair.h"
#include "engine/engine.h"

#define BASE 0x100000u
#define LIMIT 0xFFFFu
#define CODE 0x0100u       /* program start, in CS */
#define STUBS 0x1000u      /* M_ACROSS: jump targets in the next page */
#define COUNTER 0x0F00u    /* loop counter (dword) */
#define COUNTER2 0x0F08u   /* M_LOOPS: an inner loop's counter (dword) */
#define DATA 0x2000u       /* data area: EBX and ESI point around here */
#define DATA_LEN 0x2000u
#define STACK 0x9000u
/* M_IRQ and the descriptor tables (offsets in the program's area). */
#define IRQS 0x0F10u       /* interrupts the handler ran (dword) */
#define CWSLOT 0x0F18u     /* M_X87LOOP: a control word for FLDCW (word) */
#define FILDSLOT 0x0F20u   /* M_FDP: a dword stored and loaded by FILD (in the
                              code's page: the store takes the slow path) */
#define FLAGSLOT 0x0F28u   /* M_SYSNAT: the sum of the PUSHFD images with DF set */
#define JCW_LO 0x140000u   /* M_JCWAYS: its stubs lie in [JCW_LO, JCW_HI) of */
#define JCW_HI 0x1F0000u   /* RAM, outside the area (flat programs reach them) */
#define GDT 0xA000u
#define IDT 0xA100u        /* vectors 0..0x40, only 0x40 present */
#define IRQ_VECTOR 0x40u
#define HANDLER 0xB000u
#define FAULT_STUB 0xC000u /* real mode: every other vector, a HLT */
#define AREA_REAL 0x10000u /* real mode's area: segment 0x1000 */
#define PD_PA 0x200000u    /* M_PAGING: page directory and table */
#define PT_PA 0x201000u
#define ALT_PA 0x130000u   /* M_XPAGE with M_PAGING: the other page behind the
                              program's second linear page */

/* What else the programs exercise (argument 5, a sum of these; 0 is
 * the original test, whose seeds make the programs they always made):
 *   M_SMC     stores into the program's own code (immediates and opcodes
 *             of instructions before and after the store, in its block
 *             and the next; with M_PAGING and flat segments also through
 *             a second linear alias of the code page)
 *   M_IRQ     external interrupts (the INTR line and an INTA answering
 *             vector 0x40) raised at random instruction counts between
 *             slices and by an OUT to port 0xE0 inside the loop, CLI/STI
 *             around instructions; an IDT (or, in real mode, the IVT)
 *             whose handler runs random instructions and returns
 *   M_PAGING  paging on: the program's 16 pages mapped in a random order,
 *             and again at AREA + 64 KiB (the alias); the page table's
 *             accessed and dirty bits are compared
 *   M_CODE16  16-bit protected mode (CS and SS 16-bit): 16-bit forms,
 *             16-bit addressing, prefixed 32-bit forms, REP strings
 *   M_REAL    real mode (segments 0x1000), as M_CODE16; no paging
 *   M_SKIPS   generated branches jump over the next instruction (skips)
 *   M_NEAR    EBX starts 64 bytes or less from a page end, so [ebx+d8]
 *             operands lie on both sides of it, and EBX moves by small
 *             constants (ADD/SUB imm8, LEA [ebx+d8], INC/DEC) around
 *             random instructions, ESI sometimes ANDed small (an index
 *             whose range is known): the translator's shared probes (tr.h
 *             share), whose groups must not span two pages (with
 *             M_PAGING, two pages far apart in RAM)
 *   M_ACROSS  control transfers into the next page and back (JMP, Jcc,
 *             CALL rel32 and CALL through a register to a stub at STUBS
 *             that jumps back or returns): direct jumps between pages,
 *             which the translator takes through its jump cache like RET;
 *             and CALL through a register or [esp] within the page
 *   M_MUL     one-operand MUL/IMUL of 8 and 16 bits (AX = AL * r/m8,
 *             DX:AX = AX * r/m16), registers (AH..BH too) and memory;
 *             shifts and rotates of a dword in memory by CL
 *   M_LOOPS   inner loops between the body's instructions (32-bit code):
 *             a few random instructions run 1-5 times, counted in EBP
 *             (which random instructions never write) or in a dword in
 *             memory, some with a loop nested inside, closed by a JNZ
 *             back to their head (which is not the block's start: the
 *             translator's back edges inside a superblock, jit/
 *             tr_block_end.c tr_back_edge)
 *   M_MORE    32-bit code: one instruction in four from more_insn (MUL,
 *             IMUL and DIV with register and memory operands and the
 *             flags they leave observed; string instructions, REP ones
 *             with a small or a wild ECX, pointers that may fault; stack
 *             frames left by LEAVE)
 *   M_FORMS   32-bit code: one instruction in four from forms_insn (PUSH
 *             m32, some with ESP as the base; BSWAP; shifts and rotates
 *             of bytes, words and dwords in registers and memory by an
 *             immediate or 1; MOVS CMPS STOS LODS SCAS once, of every
 *             size, with pointers that may fault and DF set at times;
 *             BT BTS BTR BTC of registers and memory), their flags
 *             observed by a SETcc at times
 *   M_X87LOOP 32-bit code: x87 loops (jit/tr_x87.c x87_join_ok): an
 *             accumulator pushed, then 1-5 passes of groups that push,
 *             compute and pop (memory operands that may fault or divide
 *             by zero, FXCH, register forms, stores) with some random
 *             instructions among them that may leave the stack
 *             unbalanced (the translator's back edge is then a side
 *             exit), some nested; before it sometimes an FLDCW of another
 *             precision, rounding or an unmasked exception, after it
 *             sometimes FNSTENV (the pointers the last pass left)
 *   M_SYS     32-bit code: system instructions between the body's, as a
 *             kernel has them (PUSHFD/CLI/POPFD, MOV from and to CR3 and
 *             CR0, INVLPG of a data page; with M_IRQ's GDT, a subroutine
 *             called right after POP DS of a flat and of a non-flat
 *             data segment), which end a block and after
 *             which the run loop goes on without going back to run_loop
 *             (engine/run.c goes_on_after); the interpreted VM runs
 *             every instruction through the slow path here, so that run
 *             loop is compared with a reference that does not share it
 *   M_SYSNAT  32-bit code: the system instructions after which a
 *             translation goes on into the next one (jit/tr_block_end.c
 *             tr_system_goes_on) between random ones: CLI/STI (STI with
 *             IF clear and, with M_IRQ, after an OUT raised INTR: the
 *             interrupt waits one instruction in the shadow), PUSHFD/
 *             POPFD (POPFD setting IF with INTR raised: the interrupt
 *             comes right after it; TF set by POPFD; PUSHFD with DF set,
 *             its image summed into a dword), RDTSC, CPUID, MOV
 *             from CR0, MOV from a segment register; with M_IRQ's GDT,
 *             loads of DS/ES/FS/GS by MOV and POP of a flat and a
 *             non-flat segment (selector 0x20) with random instructions
 *             using them.  The reference runs every instruction through
 *             the slow path, as M_SYS's;
 *   M_FDP     32-bit code: x87 loops whose memory operands move every pass
 *             ([ebx+ebp*8+d8] with EBP the count, [ebx+esi*4+d8] with ESI
 *             stepped in the loop), random instructions among them (whose
 *             memory operand may fault), a store and FILD of the same or
 *             the next dword (jit/tr_mem.c follows_store), sometimes all
 *             in an outer loop that moves the base of an inner operand
 *             (jit/tr_alloc.c loop_site_head), then FNSTENV, FNSAVE and
 *             FRSTOR, or nothing: FDP as the last pass left it, or as the
 *             op before a fault has it (jit/tr_x87.c x87_note_mem: stored
 *             lazily); with M_IRQ, the handler starts with FNSTENV;
 *   M_HINT    32-bit code: one instruction in eight a PAUSE, an LFENCE
 *             or a NOP (the translator runs PAUSE and LFENCE as nothing:
 *             jit/tr_plan.c TR_NOP); with seed & 1 the CPUs lack SSE2, so
 *             that LFENCE is #UD (h_fence), and with seed & 2 both CPUs
 *             have a pause pin (several CPUs end their slice there,
 *             h_pause), whose calls are counted and compared;
 *   M_BUDGET  the run goes in slices of 1-200 steps (a different size
 *             each, the same sequence in both VMs), and each slice that
 *             ends by its budget must have run exactly that many steps:
 *             a loop inside one translation leaves by its back edge's
 *             budget check (jit/tr_count.c tr_loop_checks), which must
 *             stop where the interpreter would;
 *   M_XPAGE   32-bit code: the program starts 16-112 bytes before the end
 *             of its page, so its loop's body spans two pages (the
 *             translator's two-page blocks, engine/cache.c), with a
 *             MOV r, imm32 placed across the boundary (its immediate in
 *             both pages), ending at it or starting right after it, and
 *             stores into the program as M_SMC's, most of them into the
 *             second page (byte stores into the crossing MOV's bytes there
 *             among them); with M_PAGING the run goes in slices of a few
 *             dozen instructions, and between two the second page's PTE
 *             switches between its page and another (ALT_PA) that holds
 *             the same code with other immediates, after an INVLPG or a
 *             whole TLB flush (a CR3 load); not with M_ACROSS (its stubs
 *             lie there)
 *   M_JCWAYS  flat programs without M_PAGING: CALL ECX, 2-6 in a row,
 *             each to one of three stubs (an ALU instruction at times,
 *             then RET) whose linear addresses index one slot of the jump
 *             cache (jit/tr.h jit_jc_index; direct-mapped: session 14's
 *             sets of two were reverted), in a random order: lookups that
 *             hit the slot or miss and refill it, which random code, whose
 *             targets spread over the whole cache, hardly ever makes (the
 *             multiplicative index puts no two addresses of an 8 KiB
 *             range in one set, and at most four of the 64 KiB area, most
 *             of it taken: the stubs lie in RAM above it)
 *   M_TABLE   32-bit code: table look-ups [esi*s + d32] right after
 *             ESI gets a known range (MOVZX r32 of a byte register or of
 *             memory, AND esi, imm8 or imm32; sometimes a random
 *             instruction in between): reads, stores and read-modify-
 *             writes of bytes and dwords, the table lying in the data
 *             area (often so that the range the index may reach straddles
 *             a page end: with M_PAGING two pages far apart), in the
 *             code's page after the program (a watched page: its stores
 *             go the slow way), or rarely at the end of what paging maps
 *             (a page fault past it): the translator's range sites, which
 *             keep base + disp's host address for a loop's passes after
 *             one probe of the whole range (jit/tr_mem.c range_site_probe)
 *   M_OVERLAP two loops that overlap (32-bit code): A's head writes EBX
 *             (XOR with a constant), B's head lies after it and reads or
 *             writes [EBX+d8], A's back edge lies inside B and B's after
 *             it, so B's head is entered by the linear way on every pass
 *             of A (the LZMA decoder's copy loop): the translator keeps
 *             B's host address across B's passes and must forget it at
 *             A's write of EBX (jit/tr_mem.c tr_sites_written)
 *   M_PREDICT 32-bit code, once per program: a threaded interpreter
 *             (each of 2-5 handlers ends with its own copy of the
 *             dispatch: a bytecode from an 8-byte sequence, JMP through a
 *             table) run 4-40 steps per pass; handlers change the table
 *             (other targets for the same bytecode) and the immediates
 *             of other handlers (stores into a target's code): a
 *             computed JMP's prediction (jit/tr_predict.c) must follow
 *             the table and never enter a dead translation
 *   M_SEQLOOP two nested loops entered at the inner one's head B (32-bit
 *             code), the outer one's JMP back to A above it, from where
 *             the code falls through into B again: the block built at B
 *             runs B..JMP, then A (a trace) and ends where it falls into
 *             its own start (jit/tr_block_end.c tr_seq_end loops there);
 *             spectral's mul_atv row loop.  Sometimes an x87 accumulator
 *             that A stores and pushes again (the ghost cell moved at the
 *             fall-through, with C1 known to be 0 after the push, or any
 *             after a group's pop: FNSTENV at B sees it; tr_x87.c
 *             x87_ghost_to), x87 groups and random instructions in both
 *             parts, the inner loop's count in EBP, the outer's at
 *             COUNTER2, its exit a Jcc forward (a side exit)
 *   M_JCCBACK with M_ACROSS: a stub that jumps back does so first by a
 *             Jcc of a random condition, then (not taken) runs an ALU
 *             instruction and jumps back by JMP: a conditional branch in
 *             a block's middle whose target lies in another page, behind
 *             it, which the scanner makes virtualize and the block goes
 *             on past (engine/cache.c continues_past: a side exit through
 *             the jump cache) */
/*   M_ROTATED 32-bit code: gcc's rotated loops, `jmp T; junk; H: body;
 *             T: test; jnz H` (the JMP rel8 or rel32, 0-15 bytes of junk
 *             that never runs, a body of random instructions with a
 *             forward Jcc at times, stores into the code with M_SMC and
 *             interrupts with M_IRQ, 0-1 random instructions in the test),
 *             which a block goes on into at H, in address order, the JMP
 *             a jump ahead inside the translation (engine/cache.c
 *             rotated_head, jit/tr_block_end.c tr_jmp_ahead); and at times
 *             `jmp X; L: body; dec; jz out; X: 0-2 random; jmp L; out:`,
 *             whose block at X ends with the JZ falling through to its own
 *             start (jit/tr.h loop_nt) */
/*   M_XLINK   with M_ACROSS (32-bit code): every stub loads a register
 *             with a MOV r, imm32 before it goes back, M_SMC's ADD
 *             and ADC of an imm8 (a new value each pass) aim at those
 *             immediates (in the stubs' page, through
 *             the alias at times), and with M_PAGING the run goes in
 *             slices whose boundaries switch the stubs' PTE between their
 *             page and ALT_PA (the same stubs, other immediates) after an
 *             INVLPG or a CR3 load, as M_XPAGE's: the translator's links
 *             across a page boundary (jit/jit_xlink.c), which must fail
 *             their check when the mapping changed and their successor's
 *             entry when its page was written */
/*   M_BITS    32-bit code: one instruction in three from bits_insn: SHLD/
 *             SHRD of words and dwords, registers and memory, by an
 *             immediate or CL of any count (0, 1, 16 and above 16 among
 *             them), BSF/BSR of words and dwords (with REP: TZCNT's bytes)
 *             from registers and memory, with zero sources, XADD and
 *             CMPXCHG of dwords, registers and memory, with LOCK or DS
 *             prefixes, CMPXCHG after a load of EAX from its operand (an
 *             equal compare), BT/BTS/BTR/BTC of memory by a register
 *             (a bit string: the offset moves the access, -2048..2047
 *             bits mostly, else whatever the register holds), their
 *             flags observed by a SETcc (the translator's jit/tr_bits.c),
 *             and RDTSC under -icount (both VMs), its EAX and EDX kept
 *             or stored (jit/tr_block_end.c op_rdtsc) */
/*   M_BOOTC   32-bit code: one instruction in three from bootc_insn: MUL
 *             and IMUL of one operand (8, 16 and 32 bits, registers and
 *             memory) whose SF ZF PF are then observed (SETcc, PUSHFD:
 *             the interpreter's from the low half, AF clear, ops_alu.c
 *             mul_flags), SHLD/SHRD of words and dwords by an immediate
 *             or CL (registers and memory) whose OF is observed (SETO,
 *             PUSHFD: MSB(result) XOR MSB(dest) for every count), and
 *             CLD/STD with a string instruction or PUSHFD after (DF in
 *             cpu.eflags: jit/tr_bits.c) */
enum { M_SMC = 1, M_IRQ = 2, M_PAGING = 4, M_CODE16 = 8, M_REAL = 16, M_SKIPS = 32, M_NEAR = 64,
       M_ACROSS = 128, M_MUL = 256, M_LOOPS = 512, M_MORE = 1024, M_XPAGE = 2048, M_FORMS = 4096,
       M_SYS = 8192, M_SYSNAT = 16384, M_X87LOOP = 32768, M_BUDGET = 65536,
       M_FDP = 131072, M_HINT = 262144, M_BITS = 524288, M_JCWAYS = 1048576, M_JCCBACK = 2097152,
       M_TABLE = 16777216, M_OVERLAP = 33554432, M_ROTATED = 4194304, M_BOOTC = 67108864,
       M_PREDICT = 268435456, M_SEQLOOP = 134217728, M_XLINK = 536870912 };
/* Bits above 31 (an enum constant must fit an int): M_NAME (1ull << 32) on. */
/*   M_EXCURSION 32-bit code: sort's partition loop shape, a loop (closed
 *             by a JMP back, or entered at its middle so that a block
 *             ends with a Jcc falling into its own start) whose side exit
 *             goes ahead to a short line that branches back into it
 *             (engine/cache.c excursion, jit/tr_excursion.c;
 *             jit_diff_sortp.c) */
#define M_EXCURSION (1ull << 32)

/* The generators' state (jit_diff_gen.c); main sets it for each program. */
extern uint64_t rng;
/* Flat programs: segments with base 0 and a 4 GiB limit (as Linux has
 * them), so addresses carry BASE; else base BASE and limit LIMIT. */
extern bool flat;
/* M_SKIPS (below): a Jcc or JMP rel32 generated by random_insn jumps
 * over the next random instruction, so the translator's superblocks
 * (engine/cache.c continues_past) take side exits and inner jumps that
 * skip code, and follow JMPs; without it the programs stay as they were
 * for the same seed. */
extern bool skips;
/* The modes (argument 5). */
extern uint64_t mode;
/* Where the code being generated will sit in CS (the computed JMP's
 * target): the program's CODE, or the interrupt handler's. */
extern uint32_t code_at;
/* Where the program starts in CS: CODE, or with M_XPAGE just before the
 * next page. */
extern uint32_t code_org;
/* Area offsets of MOV r, imm32 immediates. */
struct sites {
    unsigned n;
    uint16_t at[64];
};
/* M_XPAGE: those in the second page, which ALT_PA's copy of it has
 * changed. */
extern struct sites xsites;
/* M_XLINK: the stubs' (the M_SMC stores' second aim). */
extern struct sites xlsites;

static inline uint32_t bias(void)
{
    return flat ? BASE : 0;
}

struct prog {
    uint8_t b[1024];
    unsigned n;
};

/* M_SMC: patch sites (instructions whose bytes a store may change into
 * another valid instruction) and the stores that aim at them, resolved
 * once the body is complete so that they go forwards and backwards. */
enum { SITE_IMM, SITE_OP };
struct smc {
    unsigned nsite, nfix;
    uint16_t site[64], fix[64];
    uint8_t skind[64], fkind[64], fadd[64];
    uint8_t fbyte[64];      /* a byte store (M_XPAGE aims some at the crosser) */
    int cross;              /* M_XPAGE: the site of the immediate across the
                               page boundary, or -1 */
};

/* M_ACROSS: the stubs the programs (and the handler) jump to, at STUBS. */
extern struct prog stubs;
/* M_JCWAYS: three stubs at linear (= physical) addresses of one
 * jump-cache set (jit_diff_items.c jcw_find), their code and lengths. */
struct jcw_stubs {
    uint32_t off[3];
    uint8_t b[3][3];
    unsigned n[3];
};
extern struct jcw_stubs jcw;

/* jit_diff_gen.c: random numbers and encodings. */
uint32_t rnd(void);
void put(struct prog *p, uint8_t v);
void put32(struct prog *p, uint32_t v);
unsigned dreg(void);
void modrm_mem(struct prog *p, unsigned reg);
void modrm_reg(struct prog *p, unsigned reg, unsigned rm);
void far_transfer(struct prog *p);
void mul_narrow(struct prog *p);
void observe_flags(struct prog *p);
void string_pointer(struct prog *p, unsigned reg);

/* jit_diff_insn32.c: random 32-bit instructions, and the mode families' forms. */
void more_insn(struct prog *p);
void forms_insn(struct prog *p);
uint8_t dshift_count(void);
void bits_insn(struct prog *p);
void bootc_observe(struct prog *p, unsigned cc);
void bootc_insn(struct prog *p);
void hint_insn(struct prog *p);
void random_insn(struct prog *p);

/* jit_diff_insn16.c: random 16-bit instructions. */
void put16(struct prog *p, uint16_t v);
void modrm_mem16(struct prog *p, unsigned reg);
void random_insn16(struct prog *p);

/* jit_diff_items.c: items between the body's instructions. */
void smc_site(struct smc *m, unsigned at, unsigned kind);
void smc_item(struct prog *p, struct smc *m, bool code16);
void smc_resolve(struct prog *p, struct smc *m, bool code16);
void near_item(struct prog *p);
void pred_store(struct prog *p, uint32_t at, uint32_t v);
void pred_dispatch(struct prog *p, unsigned *outs, unsigned *nouts);
void pred_item(struct prog *p);
void table_item(struct prog *p);
void irq_item(struct prog *p, bool code16);
void sys_item(struct prog *p);
void sysnat_item(struct prog *p);
bool jcw_find(void);
void jcw_stubs(void);
void jcw_item(struct prog *p);
void jnz_back(struct prog *p, unsigned head);
bool loop_count(struct prog *p, bool nested);
void loop_item(struct prog *p, bool nested);

/* jit_diff_shapes.c: loop shapes and x87 loops. */
void overlap_item(struct prog *p);
void jmp_patch(struct prog *p, unsigned at, unsigned to);
void rotated_body(struct prog *p, struct smc *m, bool smc, unsigned n);
void count_down(struct prog *p, bool mem);
void rotated_item(struct prog *p, struct smc *m, bool smc);
void seqloop_item(struct prog *p);
void x87_group(struct prog *p);
void x87_loop_item(struct prog *p, bool nested);
void fdp_item(struct prog *p);

/* jit_diff_sortp.c: M_EXCURSION's loops. */
void excursion_item(struct prog *p, struct smc *m, bool smc);
/* jit_diff_lzc.c: M_LZC (1ull << 33), 32-bit code: a loop whose block
 * starts at its head, with a Jcc back to a tail just before the head and
 * later branches back into the body, which the block goes on past
 * (engine/cache_spec.c); stores into the code with M_SMC, interrupts
 * with M_IRQ. */
#define M_LZC (1ull << 33)
void lzc_item(struct prog *p, struct smc *m, bool smc);
/* jit_diff_fill.c: M_FILL (1ull << 39), 32-bit code: loops of a table
 * look-up [esi + esi * s + d32] after ESI is given a known range. */
#define M_FILL (1ull << 39)
void fill_item(struct prog *p);
/* jit_diff_lzm.c: M_LZM (1ull << 36), 32-bit code: a loop whose block
 * goes on after its closing Jcc at an earlier side exit's target, whose
 * path comes back into the loop (engine/cache_loopx.c); stores into the
 * code with M_SMC, interrupts with M_IRQ. */
#define M_LZM (1ull << 36)
void lzm_item(struct prog *p, struct smc *m, bool smc);

/* jit_diff_sortr.c: M_PEEL (1ull << 35), 32-bit code: loops whose back
 * edge runs a peel (jit/translate.c peel_end): flags from an ADD/SUB
 * before a JMP back, and a rotated loop entered past a forward Jcc, with
 * interrupts (M_IRQ) for their ways out. */
#define M_PEEL (1ull << 35)
void peel_item(struct prog *p, struct smc *m, bool smc);

/* jit_diff_fill2.c: M_FILL2 (1ull << 37), 32-bit code: an inner loop
 * that is not its block's first instruction, with kept stack addresses
 * filled where the loop is entered (jit/tr_prefill.c, session 18), one
 * that faults outside the stack; stores into the code with M_SMC,
 * interrupts with M_IRQ. */
#define M_FILL2 (1ull << 37)
void fill2_item(struct prog *p, struct smc *m, bool smc);

/* jit_diff_genw.c: M_HOME (1ull << 41), 32-bit code: cpubench's word
 * loop, whose block goes on at branches back out of it on the way back
 * to its start (engine/cache_home.c); stores into the code with M_SMC,
 * interrupts with M_IRQ. */
#define M_HOME (1ull << 41)
void home_item(struct prog *p, struct smc *m, bool smc);

/* jit_diff_pagek.c: M_PAGEK (1ull << 38), 32-bit code: loops of an access
 * [edi + d32] or [edi * 4 + d32] moving across a page end, the sum
 * wrapping past 4 GiB in half of them (jit/tr_mem.c page_site_direct). */
#define M_PAGEK (1ull << 38)
void pagek_item(struct prog *p);

/* jit_diff_mpih.c: M_HOIST (1ull << 34), 32-bit code: loops whose flags
 * live across a kept address (jit/tr_hoist.c tests it before the flag
 * writer), with register instructions that read or partly write the
 * flags in between. */
#define M_HOIST (1ull << 34)
void hoist_item(struct prog *p);

#endif
