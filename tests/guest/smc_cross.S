# smc_cross: instructions that cross a page boundary, with the bytes in
# the second page rewritten between executions.  Seed 003 makes a crossing
# instruction a terminal of the scan and has both pages watch it: a write
# to the first bytes of the next page must discard the map of the page it
# starts in, although no instruction of the next page's own map is hit.
#  1. xc_mov: `movl $imm32, %eax` at page offset 0xFFD, two immediate
#     bytes in each page, then RET in the second page.  The second page's
#     two bytes rewritten by a 16-bit store, and then 300 times in a loop.
#  2. One 32-bit store over the whole immediate (itself crossing pages).
#  3. A data write further into the second page changes nothing.
#  4. The opcode, in the first page, rewritten: MOV EDX instead of EAX.
#  5. xc_movx: 0f b6 c3 (movzbl %bl, %eax) with 0f at offset 0xFFF: the
#     second page's first byte turns it into 0f be c3 (movsbl) and back.
# The code lives in .data.smc (writable; paging is off).

    .include "rt.inc"

    .text
    .globl test_main
test_main:
    pushl %ebx
    pushl %esi
    pushl %edi

    # --- 1 ---
    call xc_mov
    CHECK %eax, $0x44332211, "part 1: the crossing MOV as built"
    movw $0x6655, xc_hi
    call xc_mov
    CHECK %eax, $0x66552211, "part 1: after rewriting its bytes in the second page"
    # 300 times: EBX sums what the MOV returns, EDI what it should.
    xorl %ebx, %ebx
    xorl %edi, %edi
    xorl %esi, %esi
1:  movw %si, xc_hi
    call xc_mov
    addl %eax, %ebx
    movl %esi, %eax
    shll $16, %eax
    orl $0x2211, %eax
    addl %eax, %edi
    incl %esi
    cmpl $300, %esi
    jb 1b
    CHECK %ebx, %edi, "part 1: 300 rewrites of the second page"

    # --- 2 ---
    movl $0xCAFEBABE, xc_mov + 1
    call xc_mov
    CHECK %eax, $0xCAFEBABE, "part 2: a crossing store over the immediate"

    # --- 3 ---
    movl $0x12345678, xc_data
    call xc_mov
    CHECK %eax, $0xCAFEBABE, "part 3: a data write in the second page"

    # --- 4 ---
    movb $0xBA, xc_mov          # movl $imm32, %edx
    movl $0x77777777, %eax
    xorl %edx, %edx
    call xc_mov
    CHECK %edx, $0xCAFEBABE, "part 4: the opcode rewritten: MOV EDX"
    CHECK %eax, $0x77777777, "part 4: EAX untouched"
    movb $0xB8, xc_mov

    # --- 5 ---
    movl $0x80, %ebx
    call xc_movx
    CHECK %eax, $0x80, "part 5: MOVZX across the boundary"
    movb $0xBE, xc_movx + 1
    call xc_movx
    CHECK %eax, $0xFFFFFF80, "part 5: the second page made it MOVSX"
    movb $0xB6, xc_movx + 1
    call xc_movx
    CHECK %eax, $0x80, "part 5: and MOVZX again"

    popl %edi
    popl %esi
    popl %ebx
    ret

    .section .data.smc, "aw", @progbits
    .balign 4096
    .org 0xFFD
xc_mov:
    .byte 0xB8, 0x11, 0x22      # movl $0x44332211, %eax: 0xFFD-0xFFF
xc_hi:
    .byte 0x33, 0x44            # 0x1000-0x1001: the next page
    ret
    .org 0x1100
xc_data:
    .long 0
    .org 0x1FFF
xc_movx:
    .byte 0x0F                  # 0x1FFF
    .byte 0xB6, 0xC3            # 0x2000-0x2001
    ret

    .section .rodata
    .globl test_name
test_name: .asciz "smc_cross"
