# smc_imm: self-modifying code that patches instructions ahead of their
# execution, in the page it runs from (seed 003: a write to a scanned
# instruction discards the page's map and every block built from it; the
# next execution sees the new bytes).  Pentium and later processors notice
# a store to an instruction already fetched (SDM vol. 3A, 11.6), so no jump
# is needed between the store and the patched instruction.
#  1. Straight line: a store to the imm32 of a MOV two instructions ahead,
#     then one with no instruction in between (the very next one).
#  2. One 16-bit store that covers the last byte of one instruction's
#     immediate and the opcode of the next (found through the look-back).
#  3. A loop that patches the imm32 of an ADD a few instructions ahead on
#     every iteration (the ADD ran in the previous iteration, so its cached
#     block is stale), and its ModRM byte on every other one (ADD <-> SUB).
#  4. A loop whose last block patches the first instruction of the block it
#     jumps back to (the successor it would chain to).
#  5. The same as 3 with 8-bit immediates and a byte store, 1000 times.
#  6. Bytes that did not decode when the scanner first saw them (f0 40,
#     LOCK INC EAX: #UD), reached by the scan as the target of a JZ not
#     taken, then patched into LOCK INC (%eax) and run; then its ModRM
#     patched again (to (%ebx)) and run.  An undecodable instruction
#     claims all the bytes the decoder may have looked at, so both
#     patches count as writes to scanned code.
# The code lives in a page of its own (.data.smc: writable; paging is off).

    .include "rt.inc"

    .text
    .globl test_main
test_main:
    pushl %ebx
    pushl %esi
    call smc_part1
    call smc_part2
    call smc_part3
    call smc_part4
    call smc_part5
    call smc_part6
    popl %esi
    popl %ebx
    ret

    .section .data.smc, "aw", @progbits
    .balign 4096

# --- 1: straight line ---
smc_part1:
    movl $0x11223344, 1f + 1    # the imm32 of the MOV two instructions on
    nop
1:  movl $0xDEADBEEF, %eax
    CHECK %eax, $0x11223344, "part 1: MOV two instructions ahead saw the patch"
    movl $0x55667788, 2f + 1    # the very next instruction
2:  movl $0xDEADBEEF, %eax
    CHECK %eax, $0x55667788, "part 1: the next instruction saw the patch"
    # A function already run (scanned, with a cached block), patched
    # between calls.
    call p1_fn
    CHECK %eax, $0, "part 1: p1_fn before any patch"
    movl $0x99AABBCC, p1_fn + 1
    call p1_fn
    CHECK %eax, $0x99AABBCC, "part 1: p1_fn after the first patch"
    movl $0x12345678, p1_fn + 1
    call p1_fn
    CHECK %eax, $0x12345678, "part 1: p1_fn after the second patch"
    ret

p1_fn:
    movl $0, %eax               # b8 imm32
    ret

# --- 2: one store over two instructions ---
smc_part2:
    movw $0x497F, 3f + 4        # imm byte 3 of the MOV := 7F, INC := DEC
3:  movl $0x01020304, %ecx      # b9 04 03 02 01
    incl %ecx                   # 41 -> 49 (decl %ecx)
    CHECK %ecx, $0x7F020303, "part 2: one store patched an immediate and an opcode"
    ret

# --- 3: a loop patching an ADD ahead of it ---
# ECX from 100 down to 1; odd ECX adds ECX, even subtracts it: 2500 - 2550.
smc_part3:
    xorl %ebx, %ebx
    movl $100, %ecx
4:  movl %ecx, 5f + 2           # the imm32
    movb $0xC3, %al             # ModRM: add (/0), EBX
    testb $1, %cl
    jnz 6f
    movb $0xEB, %al             # ModRM: sub (/5), EBX
6:  movb %al, 5f + 1
    nop
5:  .byte 0x81, 0xC3            # addl $imm32, %ebx (patched)
    .long 0
    decl %ecx
    jnz 4b
    CHECK %ebx, $-50, "part 3: loop patching an ADD/SUB ahead"
    ret

# --- 4: patching the block we jump back to ---
# Iteration with ECX = c adds the value stored by the iteration before
# (c + 1), the first adds the initial 0: N(N+1)/2 - 1 for N = 100.
smc_part4:
    xorl %ebx, %ebx
    movl $100, %ecx
    movl $0, 7f + 2
7:  .byte 0x81, 0xC3            # addl $imm32, %ebx: the jump target
    .long 0
    movl %ecx, 7b + 2           # patch the block we are about to re-enter
    decl %ecx
    jnz 7b
    CHECK %ebx, $5049, "part 4: the re-entered block saw the patch"
    ret

# --- 5: byte immediates, 1000 iterations ---
# ESI counts 0..999; the ADD adds (ESI & 0x7F) each time:
# 7 * (0+..+127) + (0+..+103) = 7 * 8128 + 5356 = 62252.
smc_part5:
    xorl %ebx, %ebx
    xorl %esi, %esi
8:  movl %esi, %eax
    andl $0x7F, %eax
    movb %al, 9f + 2            # the imm8 of `addl $imm8, %ebx` (83 c3 ib)
9:  .byte 0x83, 0xC3, 0x00
    incl %esi
    cmpl $1000, %esi
    jb 8b
    CHECK %ebx, $62252, "part 5: 1000 byte patches"
    ret

# --- 6: undecodable bytes made valid ---
smc_part6:
    movl $u_var1, %eax
    movl $u_var2, %ebx
    testl %esp, %esp            # ZF=0: the JZ is not taken, but its target
    jz u_insn                   # is scanned (recursive descent)
    movb $0xFF, u_insn + 1      # f0 40 90 -> f0 ff 00: lock incl (%eax)
    movb $0x00, u_insn + 2
    call u_insn
    CHECK u_var1, $1, "part 6: the patched LOCK INC (%eax) ran"
    movb $0x03, u_insn + 2      # ModRM: (%ebx)
    call u_insn
    CHECK u_var1, $1, "part 6: LOCK INC (%ebx) left (%eax) alone"
    CHECK u_var2, $1, "part 6: the second patch (ModRM) was seen"
    ret
u_insn:
    .byte 0xF0, 0x40, 0x90      # lock incl %eax: #UD until patched
    ret
    .balign 4
u_var1: .long 0
u_var2: .long 0

    .section .rodata
    .globl test_name
test_name: .asciz "smc_imm"
