/* IA-32 architectural state and the CPU's public interface.
 *
 * All of a CPU's state is in `struct cpu`; nothing is global, so several
 * VMs can run in one process.  Hot fields come first.  Field meanings follow
 * the Intel SDM vol. 3A, chapter 2 (system registers) and 3.4 (segment
 * registers with their hidden descriptor caches).
 */
#ifndef PLEX86_CPU_CPU_H
#define PLEX86_CPU_CPU_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpu/engine_ctx.h"
#include "cpu/exit_log.h"
#include "cpu/fpu_state.h"

struct vm;
struct cpu_model;
struct physmem;
struct iobus;
struct vm_clock;

/* General registers in encoding order (SDM vol. 2, table 2-2). */
enum gpr { R_EAX, R_ECX, R_EDX, R_EBX, R_ESP, R_EBP, R_ESI, R_EDI };

/* Segment registers in encoding order (the ModRM reg field of 8C/8E). */
enum sreg { S_ES, S_CS, S_SS, S_DS, S_FS, S_GS, S_COUNT };

/* EFLAGS bits (SDM vol. 1, 3.4.3). */
enum {
    F_CF = 1u << 0, F_1 = 1u << 1, F_PF = 1u << 2, F_AF = 1u << 4,
    F_ZF = 1u << 6, F_SF = 1u << 7, F_TF = 1u << 8, F_IF = 1u << 9,
    F_DF = 1u << 10, F_OF = 1u << 11, F_IOPL = 3u << 12, F_NT = 1u << 14,
    F_RF = 1u << 16, F_VM = 1u << 17, F_AC = 1u << 18, F_VIF = 1u << 19,
    F_VIP = 1u << 20, F_ID = 1u << 21,
};
#define F_ARITH (F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF)

/* CR0 bits (SDM vol. 3A, 2.5). */
enum {
    CR0_PE = 1u << 0, CR0_MP = 1u << 1, CR0_EM = 1u << 2, CR0_TS = 1u << 3,
    CR0_ET = 1u << 4, CR0_NE = 1u << 5, CR0_WP = 1u << 16, CR0_AM = 1u << 18,
    CR0_NW = 1u << 29, CR0_CD = 1u << 30, CR0_PG = 1u << 31,
};

/* CR4 bits (SDM vol. 3A, 2.5); which exist depends on the model
 * (cpu_cr4_valid, features.h). */
enum {
    CR4_VME = 1u << 0, CR4_PVI = 1u << 1, CR4_TSD = 1u << 2, CR4_DE = 1u << 3,
    CR4_PSE = 1u << 4, CR4_PAE = 1u << 5, CR4_MCE = 1u << 6, CR4_PGE = 1u << 7,
    CR4_PCE = 1u << 8, CR4_OSFXSR = 1u << 9, CR4_OSXMMEXCPT = 1u << 10,
};

/* Exception vectors (SDM vol. 3A, table 6-1). */
enum {
    EXC_DE = 0, EXC_DB = 1, EXC_NMI = 2, EXC_BP = 3, EXC_OF = 4, EXC_BR = 5,
    EXC_UD = 6, EXC_NM = 7, EXC_DF = 8, EXC_TS = 10, EXC_NP = 11, EXC_SS = 12,
    EXC_GP = 13, EXC_PF = 14, EXC_MF = 16, EXC_AC = 17, EXC_MC = 18, EXC_XM = 19,
};

/* A segment register: the visible selector plus the hidden descriptor cache
 * (SDM vol. 3A, 3.4.3).  The cache is loaded only by segment loads; writes to
 * descriptor tables, LGDT or CR3 never refresh it (seed 001).  In real mode a
 * load sets base = selector << 4 and leaves limit and attributes alone, which
 * is how "unreal" mode keeps a 4 GiB limit. */
struct seg {
    uint32_t base;   /* linear base address */
    uint32_t limit;  /* byte-granular limit (already scaled when G=1) */
    uint16_t sel;    /* visible selector */
    uint16_t attr;   /* descriptor bytes 5-6: type(0-3) S(4) DPL(5-6) P(7),
                        AVL(12) L(13) D/B(14) G(15); see SEG_ATTR_* */
    uint8_t check;   /* derived from attr and the CPU mode (seg_refresh):
                        SEGC_* bits that send an access to the slow path */
};

/* struct seg.check: what the fast path may not assume.  All clear in real
 * and V86 mode, where only the limit applies (SDM vol. 3A, 20.1.1). */
enum {
    SEGC_NO_READ = 1,   /* null selector, or execute-only code */
    SEGC_NO_WRITE = 2,  /* null selector, code, or read-only data */
    SEGC_EXPDOWN = 4,   /* expand-down data: offsets above the limit */
    SEGC_ALIGN = 8,     /* alignment checking is on (CR0.AM, EFLAGS.AC, CPL 3) */
    SEGC_WATCH = 16,    /* a data breakpoint is armed (DR7) */
};

enum {
    SEG_ATTR_TYPE = 0x000f, SEG_ATTR_S = 0x0010, SEG_ATTR_DPL = 0x0060,
    SEG_ATTR_P = 0x0080, SEG_ATTR_AVL = 0x1000, SEG_ATTR_DB = 0x4000,
    SEG_ATTR_G = 0x8000,
    /* type bits for code/data segments (S=1) */
    SEG_TYPE_ACCESSED = 0x1, SEG_TYPE_WRITABLE = 0x2, /* data */
    SEG_TYPE_READABLE = 0x2, SEG_TYPE_EXPDOWN = 0x4,  /* code / data */
    SEG_TYPE_CONFORMING = 0x4, SEG_TYPE_CODE = 0x8,
};

/* GDTR and IDTR: a linear base and a 16-bit limit (SDM vol. 3A, 2.4). */
struct dtr {
    uint32_t base;
    uint16_t limit;
};

/* Model-specific registers we keep.  Which ones a model has, and the
 * checks on writes, are in msr.c. */
struct msrs {
    uint64_t apic_base;     /* unused since issue 19: the local APIC
                               (cpu_pins.apic_*) owns IA32_APIC_BASE; kept
                               for the snapshot layout */
    uint32_t sysenter_cs, sysenter_esp, sysenter_eip;
    uint64_t efer;             /* only NXE (bit 11) can be set */
    uint64_t tsc_offset;       /* cpu_read_tsc() = guest time in TSC ticks
                                  + tsc_offset (msr.c) */
    uint64_t bios_sign_id;     /* microcode revision in 63:32 after CPUID.1 */
    uint64_t misc_enable;
    uint64_t pat;
    uint64_t mtrr_def_type;
    uint64_t mtrr_fixed[11];   /* 250H, 258H, 259H, 268H-26FH */
    uint64_t mtrr_var[16];     /* PhysBase0, PhysMask0, ... (200H-20FH) */
    uint64_t perfevtsel[2];    /* P6 PerfEvtSel0/1 (186H, 187H) */
    uint64_t perfctr[2];       /* P6 PerfCtr0/1 (C1H, C2H): 40 bits, never
                                  advanced (msr.c) */
};

/* Why a run of the CPU (engine_run, src/engine/engine.h) returned. */
enum cpu_stop {
    CPU_STOP_NONE = 0,
    CPU_STOP_HLT,        /* executed HLT; EIP is past it, cpu->halted set */
    CPU_STOP_LIMIT,      /* the instruction budget ran out */
    CPU_STOP_REQUEST,    /* a device asked the VM to stop (cpu->stop_request) */
    CPU_STOP_SHUTDOWN,   /* triple fault: the processor shut down */
};

/* The instruction-set level of the CPU model (cpu_model.h): which opcodes
 * exist (insn_table.def) and e.g. what PUSH SP pushes.  Everything CPUID
 * reports comes from the model and features.h. */
enum cpu_level { CPU_386 = 3, CPU_486 = 4, CPU_586 = 5, CPU_P6 = 6 };

/* The board's wires into the CPU.  The CPU learns of interrupts through
 * INTR (cpu.irq_line, set by the board) and takes the vector with an INTA
 * cycle (irq_ack); it reports x87 errors on FERR#.  These belong to the
 * board, not to the CPU's state: cpu_reset keeps them. */
struct cpu_pins {
    int (*irq_ack)(void *opaque); /* INTA cycle: returns the vector, or -1 */
    void *irq_opaque;
    /* FERR# (x87 error with CR0.NE=0, fpu.h): the board routes it to IRQ13
     * and owns IGNNE# (port 0xF0).  Called when the level changes. */
    void (*ferr)(void *opaque, bool asserted);
    void *ferr_opaque;
    /* The local APIC (issue 19), when the board has one: it owns
     * IA32_APIC_BASE and IA32_TSC_DEADLINE (returning false for #GP(0)),
     * and CPUID.1:EDX[9] shows while the MSR's global enable is set (SDM
     * vol. 3A, 10.4.3).  NULL: no APIC; those MSRs are #GP and CPUID
     * hides the feature whatever the model says.  (The APIC also answers
     * irq_ack: the board points both at it.) */
    bool (*apic_rdmsr)(void *opaque, uint32_t index, uint64_t *value);
    bool (*apic_wrmsr)(void *opaque, uint32_t index, uint64_t value);
    void *apic_opaque;
    /* Not a real pin: PAUSE was executed (a spin-wait); NULL: a NOP.  The
     * VM ends the CPU's slice when other CPUs take turns with it. */
    void (*pause)(void *opaque);
    void *pause_opaque;
    /* Not a real pin: plex86 met something it does not implement
     * (cpu_internal_error); the VM stops with the message. */
    void (*internal_error)(void *opaque, const char *msg);
    void *error_opaque;
};

#define CPU_MAX_INSN_LEN 15
#define DELIVERING_EXTERNAL 256  /* struct cpu.delivering: an interrupt */

struct cpu {
    /* --- hot state --------------------------------------------------- */
    uint32_t gpr[8];        /* EAX..EDI in encoding order */
    uint32_t eip;           /* offset of the next instruction in CS */
    uint32_t eflags;        /* all flags, materialised (bit 1 reads as 1) */
    struct seg seg[S_COUNT];/* ES CS SS DS FS GS with hidden caches */
    bool code32;            /* CS.D: default operand/address size is 32 */
    bool stack32;           /* SS.B: stack pointer is ESP, else SP */
    uint8_t cpl;            /* current privilege level (0 in real mode) */
    bool halted;            /* in HLT, waiting for an interrupt */
    uint8_t shadow;         /* interrupts inhibited for one instruction after
                               STI, MOV SS, POP SS (SDM vol. 3A, 6.8.3) */
    /* What ends a run of native instructions from outside them, in one
     * word so that run_block tests it all with one compare per
     * instruction (cpu_async_word). */
    union {
        struct {
            bool irq_line;      /* INTR: the interrupt controller has a request */
            bool nmi_pending;   /* NMI edge latched */
            bool stop_request;  /* set by a device callback; ends engine_run() */
            bool db_trap;       /* a data breakpoint hit: #DB after the insn */
            uint32_t code_epoch;/* bumped when scanned code is discarded: the
                                   block being executed stops (SBE, seed 003) */
        };
        uint64_t async;         /* all of the above */
    };

    /* --- the board's wires into the CPU (cpu_pins), kept by cpu_reset - */
    struct cpu_pins pins;

    /* --- system state ------------------------------------------------ */
    uint32_t cr0;           /* PE MP EM TS ET NE WP AM NW CD PG */
    uint32_t cr2;           /* last page-fault linear address */
    uint32_t cr3;           /* page directory base (PWT/PCD in bits 3-4) */
    uint32_t cr4;           /* VME PVI TSD DE PSE PAE MCE PGE PCE OSFXSR ... */
    uint32_t dr[8];         /* DR0-3 breakpoints, DR6 status, DR7 control;
                               DR4/5 alias DR6/7 when CR4.DE is clear */
    struct dtr gdtr, idtr;
    struct seg ldtr;        /* LDTR: selector + cached LDT descriptor */
    struct seg tr;          /* TR: selector + cached TSS descriptor */
    struct msrs msr;
    uint64_t pdpte[4];      /* PAE PDPTE registers, loaded from CR3 by MOV
                               to CR0/CR3/CR4 and task switches (mmu.c) */
    struct fpu fpu;         /* x87 state (fpu_state.h) */
    struct sse sse;         /* XMM registers and MXCSR (fpu_state.h) */

    /* --- execution bookkeeping (not architectural) -------------------- */
    uint32_t insn_eip;      /* EIP of the instruction being executed: faults
                               restart there (SDM vol. 3A, 6.5) */
    uint32_t insn_esp;      /* ESP at its start, restored when it faults */
    uint64_t icount;        /* instructions retired */
    uint64_t interrupts;    /* external interrupts delivered */
    uint64_t exceptions;    /* exceptions delivered (faults and traps raised
                               by the CPU, not INT n); with icount they make
                               up engine_run()'s budget, so an exception storm
                               still returns */
    int exc_vector;         /* exception being raised (cpu_fault) */
    uint32_t exc_error;     /* its error code */
    int delivering;         /* exception whose delivery is in progress,
                               DELIVERING_EXTERNAL for an interrupt, or -1:
                               decides #DF/shutdown and the EXT bit */
    uint8_t dr7_exec;       /* DR0-3 armed as instruction breakpoints (bits) */
    uint8_t dr7_data;       /* DR0-3 armed as data breakpoints (bits) */
    enum cpu_level level;
    jmp_buf fault_jmp;      /* exceptions unwind here (engine_run) */
    void *decoder;          /* Zydis decoders, owned (decode.c) */
    /* The machine around the CPU, set by its creator after cpu_init
     * (vm/physmem.h, vm/iobus.h, vm/clock.h); kept by cpu_reset. */
    struct physmem *mem;    /* the physical memory map */
    struct iobus *io;       /* the port bus */
    struct vm_clock *clock; /* guest time (RDTSC); NULL: time stands still */
    struct vm *vm;          /* the VM that owns the CPU: opaque to cpu/ */
    bool sys_access;        /* set around implicit supervisor accesses
                               (descriptor tables, IDT, TSS): paging checks
                               them as CPL 0 whatever the CPL */

    /* --- configuration, kept by cpu_reset ----------------------------- */
    const struct cpu_model *model; /* what -cpu chose (cpu_model.h) */
    uint32_t features[4];   /* the model's CPUID feature words ANDed with
                               what plex86 implements; read with cpu_has()
                               (features.h) */
    uint8_t apic_id;        /* the initial APIC ID CPUID.1:EBX[31:24]
                               reports (the VM's: cpu/topo.h lays them out
                               as QEMU does; 0 for the BSP) */
    uint8_t pkg_lps;        /* logical processors per package, CPUID.1:
                               EBX[23:16] (cpu_topo_pkg_lps); HTT when
                               above 1; 0 or 1: one */

    /* --- paging (mmu.c) ------------------------------------------------ */
    struct tlb *tlb;        /* software TLB, owned (mmu.c) */

    /* --- accounting (vm/count.h); after fault_jmp, so cpu_reset keeps
     * them, as it keeps icount ------------------------------------------- */
    uint64_t hlt_exits;         /* HLT instructions executed */
    struct exit_log exits;      /* the last few exits (exit_log.h) */
    uint64_t exc_by_vector[32]; /* exceptions delivered, by vector: they
                                   add up to `exceptions` */

    /* --- not the CPU's: the engine's context (engine_ctx.h), here for
     * translated code's fixed offsets ------------------------------------ */
    struct engine_ctx eng;

    /* --- several CPUs on several host threads (issue 19); the VM sets
     * these, cpu_reset keeps them.  A LOCK-prefixed read-modify-write (and
     * XCHG with memory, locked without the prefix, SDM vol. 3A, 8.1.2.2)
     * of RAM within one page and aligned to its size is a host atomic
     * (ops_locked.c) and needs nothing from the VM.  One the host cannot
     * do atomically (crossing a page or misaligned, MMIO, ROM) runs as a
     * plain read and write between exclusive_begin and exclusive_end:
     * begin returns once every other CPU of the VM is outside any
     * instruction and keeps them there until end (QEMU's start_exclusive).
     * The calling CPU is itself inside an instruction: begin must count
     * it as stopped while it waits, so that two CPUs asking at once cannot
     * deadlock.  Both are called once per such instruction, in pairs, end
     * also when the instruction faults (the fault then unwinds as usual);
     * between them the CPU may call MMIO callbacks.  NULL (one host
     * thread, the default): nothing to do. */
    void (*exclusive_begin)(void *opaque);
    void (*exclusive_end)(void *opaque);
    void *exclusive_opaque;
};

/* The value of cpu.async while no event is pending and the code epoch is
 * `epoch`: run_block compares against it after each instruction. */
static inline uint64_t cpu_async_word(uint32_t epoch)
{
    union {
        struct {
            bool b[4];
            uint32_t epoch;
        } s;
        uint64_t w;
    } u = { .s = { .epoch = epoch } };
    return u.w;
}
_Static_assert(offsetof(struct cpu, code_epoch) == offsetof(struct cpu, async) + 4 &&
                   offsetof(struct cpu, db_trap) == offsetof(struct cpu, async) + 3,
               "cpu_async_word mirrors the layout of cpu.async");

/* Whether cpu.async differs from `calm` (cpu_async_word): an event is
 * pending or the code changed.  Relaxed: other CPUs' threads set its
 * bytes (machine/vm_mt.c stop_cpu). */
static inline bool cpu_async_changed(struct cpu *c, uint64_t calm)
{
    return __atomic_load_n(&c->async, __ATOMIC_RELAXED) != calm;
}

/* Lifecycle. */
int cpu_init(struct cpu *c, struct vm *vm, const struct cpu_model *model);
/* Switches the model (tests; the CLI picks one at cpu_init).  Takes effect
 * for CPUID and feature checks at once; call cpu_reset after. */
void cpu_set_model(struct cpu *c, const struct cpu_model *model);
void cpu_destroy(struct cpu *c);
/* Power-on / RESET state (SDM vol. 3A, 9.1.1, table 9-1): real mode,
 * CS=F000 base FFFF0000, EIP=FFF0, EDX = family/model/stepping. */
void cpu_reset(struct cpu *c);

/* Work done so far in units of engine_run()'s budget: instructions retired
 * plus exceptions and interrupts delivered (an interrupt storm into a
 * faulting or trapping handler must still end the slice). */
static inline uint64_t cpu_steps(const struct cpu *c)
{
    return c->icount + c->exceptions + c->interrupts;
}

/* Loads a segment register in real-mode fashion (base = sel << 4). */
void cpu_load_seg_real(struct cpu *c, int sreg, uint16_t sel);

/* Recomputes the derived fields (struct seg.check, code32, stack32, CPL in
 * V86) after anything changes the mode: CR0.PE, CR0.AM, EFLAGS.VM/AC, CPL,
 * DR7, or a cache that was written directly (loaders, tests). */
void cpu_mode_changed(struct cpu *c);

/* DR7 was written: re-arm the breakpoints (SDM vol. 3A, 17.2.4). */
void cpu_dr7_changed(struct cpu *c);

/* One line for diagnostics: mode, CPL, CS:EIP, the instruction bytes
 * there, the last exception (diag.c).  Never faults. */
void cpu_describe(struct cpu *c, char *buf, size_t len);

/* Drops cached translations after CR3, CR0.PG/WP, CR4.PSE/PGE or A20
 * changes (include_global: also the global ones). */
void cpu_tlb_flush(struct cpu *c, bool include_global);
/* Drops the write translations of guest-physical [pa, pa+len) (mmu.h's
 * mmu_drop_writes). */
void cpu_tlb_drop_writes(struct cpu *c, uint32_t pa, uint32_t len);

/* The time-stamp counter as RDTSC and RDMSR read it (msr.c): the one
 * place that decides what the guest's TSC is. */
/* The time-stamp counter: guest time (vm/clock.h) at CPU_TSC_HZ, the same
 * for every model (a documented rate, not the model's clock: guests
 * calibrate it against the PIT, as Linux does).  RESET starts it at 0. */
#define CPU_TSC_HZ 1000000000u
uint64_t cpu_read_tsc(const struct cpu *c);

/* EFLAGS as software reads it (fixed bits applied). */
uint32_t cpu_get_eflags(const struct cpu *c);
/* The EFLAGS bits this CPU model has (cpu_get_eflags' mask; the
 * translator's PUSHFD, jit/tr_block_end.c). */
uint32_t cpu_eflags_writable(const struct cpu *c);

/* Writes the whole EFLAGS image, honouring reserved bits.  No privilege
 * checks: that is the caller's job (POPF/IRET). */
void cpu_set_eflags(struct cpu *c, uint32_t value);

#endif
