# Several CPUs at once on shared memory (issue 19): run with -smp 4, on
# one host thread (the default) or one per CPU (-accel tcg,thread=multi),
# and on QEMU.  The BSP starts the application processors with INIT-SIPI-
# SIPI as smp.S does; then every CPU runs two stress tests and the BSP
# checks the results when all are done.
#
#   (a) LOCK-ed counters: LOCK INC on one counter, LOCK XADD on another
#       (each return value must be a multiple of the addend), and a spin
#       lock taken with LOCK CMPXCHG and released by a plain MOV around a
#       plain load, increment and store of a third (SDM vol. 3A, 8.1.2 and
#       8.2.3: the lock orders them).  The totals must be exact.
#   (b) Cross-modifying code (8.1.3): the CPU with APIC ID 1 rewrites, one
#       after another, the aligned immediate of `movl $imm32, %eax; ret`
#       with k * 0x10001 for k = 1..WRITES, then sets a flag.  Every other
#       CPU calls the routine over and over, executing CPUID, serializing,
#       before each call as 8.1.3 asks, until it saw the flag set before
#       its CPUID.  Each value it gets must be one the writer wrote (both
#       halves equal: no torn immediate, and k at most WRITES), k never
#       goes backwards, and after the flag it must be the last one.
#
# The CPU count is the firmware's (CMOS 0x5F, QEMU's layout), 2 to 8; the
# last line says it.

    .include "rt.inc"
    .include "apic.inc"
    .include "ap.inc"

    .set ADDS, 3000             # iterations of (a) per CPU
    .set WRITES, 1000           # values the writer of (b) stores
    .set SPIN, 200000000        # PAUSE loops before the BSP's wait fails
    # (b)'s per-CPU outcome, xmc_err[id]
    .set E_TORN, 1              # the halves of the immediate differ
    .set E_BACK, 2              # k went backwards
    .set E_RANGE, 3             # k beyond WRITES
    .set E_FINAL, 4             # not the last value after the flag
    .set E_XADD, 5              # (a): XADD returned a value not even

    .text
    .globl test_main
test_main:
    AP_COUNT ADDS
    movl $0x1FF, A_SVR

    START_APS

    xorl %esi, %esi             # the BSP's APIC ID
    call work

    movl $SPIN, %ecx
1:  movl naps, %eax
    cmpl %eax, ap_done
    je 2f
    pause
    decl %ecx
    jnz 1b
2:  CHECK ap_done, naps, "APs that finished"
    CHECK cnt_inc, total, "LOCK INC counter"
    movl total, %eax
    addl %eax, %eax
    CHECK cnt_xadd, %eax, "LOCK XADD counter"
    CHECK cnt_plain, total, "counter under the LOCK CMPXCHG spin lock"
    CHECK lockword, $0, "the spin lock is free"
    xorl %ebx, %ebx
3:  movl xmc_err(,%ebx,4), %eax
    CHECK %eax, $0, "CPU's result (1 torn, 2 backwards, 3 range, 4 not final, 5 xadd)"
    incl %ebx
    cmpl ncpus, %ebx
    jb 3b
    movl ncpus, %eax
    decl %eax
    CHECK xmc_final, %eax, "callers that saw the last value"

    movl $m_cpus, %esi
    call puts
    movl ncpus, %eax
    call puthex
    movl $m_calls, %esi
    call puts
    movl xmc_calls, %eax
    call puthex
    call newline
    ret

# --- what every CPU runs (esi: its APIC ID) -------------------------------

work:
    # (a) the counters
    movl $ADDS, %ecx
1:  lock incl cnt_inc
    movl $2, %eax
    lock xaddl %eax, cnt_xadd
    testl $1, %eax
    jz 2f
    movl $E_XADD, xmc_err(,%esi,4)
2:  xorl %eax, %eax
    movl $1, %edx
    lock cmpxchgl %edx, lockword
    jz 3f
    pause
    jmp 2b
3:  movl cnt_plain, %eax
    incl %eax
    movl %eax, cnt_plain
    movl $0, lockword           # released by a plain store
    decl %ecx
    jnz 1b

    # (b) cross-modifying code
    cmpl $1, %esi
    je writer
    xorl %edi, %edi             # the last k seen
4:  movl xmc_done, %ebp         # the flag, read before serializing
    xorl %eax, %eax
    cpuid
    call xmc_routine
    lock incl xmc_calls
    movl %eax, %edx
    shrl $16, %edx
    movzwl %ax, %eax
    cmpl %eax, %edx
    jne 5f
    cmpl %edi, %eax
    jb 6f
    cmpl $WRITES, %eax
    ja 7f
    movl %eax, %edi
    testl %ebp, %ebp
    jnz 9f
    pause                       # on one host thread: the writer's turn
    jmp 4b
9:
    cmpl $WRITES, %edi
    jne 8f
    lock incl xmc_final
    ret
5:  movl $E_TORN, xmc_err(,%esi,4)
    ret
6:  movl $E_BACK, xmc_err(,%esi,4)
    ret
7:  movl $E_RANGE, xmc_err(,%esi,4)
    ret
8:  movl $E_FINAL, xmc_err(,%esi,4)
    ret

writer:
    movl $1, %ecx
1:  movl %ecx, %eax
    imull $0x10001, %eax
    movl %eax, xmc_imm          # one aligned store
    pause                       # let the callers run
    incl %ecx
    cmpl $WRITES, %ecx
    jbe 1b
    movl $1, xmc_done           # after the last store (8.2.2: in order)
    ret

# --- the APs --------------------------------------------------------------

    AP_TRAMPOLINE ap32
    movl A_ID, %esi
    shrl $24, %esi
    andl $7, %esi
    movl %esi, %esp             # a stack of its own, by APIC ID
    incl %esp
    shll $10, %esp
    addl $ap_stacks, %esp
    movl $0x1FF, A_SVR
    call work
    lock incl ap_done
1:  cli
    hlt
    jmp 1b

    .section .rodata
test_name: .asciz "smp_stress"
    .globl test_name
m_cpus: .asciz "smp_stress: CPUs "
m_calls: .asciz " calls "

# The routine the writer rewrites, alone on its page so that the writes
# invalidate no other code.  Its immediate is 4-byte aligned.
    .section .data.page, "aw"
    .balign 4096
    .skip 3
xmc_routine:
    movl $0, %eax
    ret
    .set xmc_imm, xmc_routine + 1
    .balign 4096

    .data
    .balign 64
cnt_inc: .long 0
    .balign 64
cnt_xadd: .long 0
    .balign 64
lockword: .long 0
cnt_plain: .long 0
    .balign 64
xmc_done: .long 0
xmc_calls: .long 0
xmc_final: .long 0
xmc_err: .fill 8, 4, 0
ncpus: .long 0
naps: .long 0
total: .long 0
ap_done: .long 0

    .bss
    .balign 16
ap_stacks: .fill 1024 * 9, 1, 0
