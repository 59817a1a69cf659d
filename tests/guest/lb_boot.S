# lb_boot: the machine state and zero page a Linux boot loader hands over
# by the 32-bit boot protocol (the kernel's Documentation/arch/x86/boot.rst,
# "32-bit BOOT PROTOCOL"; zero-page.rst), checked from a tiny bzImage: a
# setup header with no real-mode code (plex86 enters at 1 MiB directly).
# Run with
#   -append "console=ttyS0 lb_test" -initrd module.txt
# Checks:
#   EBP = EDI = EBX = 0, ESI = the zero page; CS = 0x10, DS = ES = SS =
#     0x18; CR0.PE = 1, CR0.PG = 0; EFLAGS.IF = 0
#   the GDT holds flat __BOOT_CS / __BOOT_DS descriptors, and reloading CS
#     and DS from it works
#   the zero page: the setup header copied ("HdrS", version 2.15),
#     type_of_loader 0xFF, LOADED_HIGH and CAN_USE_HEAP set, QUIET_FLAG
#     clear, code32_start 1 MiB
#   the command line is exactly the -append string
#   the initrd: page aligned, above the kernel, under initrd_addr_max, and
#     holding module.txt
#   e820: a usable entry at 0 that holds the zero page, a usable entry at
#     1 MiB that holds the initrd, alt_mem_k = that entry's length in KiB
# Not bootable under QEMU, whose -kernel runs the real-mode setup code.

    .code32

    .section .setup, "a"
    .org 0x1F1
    .byte 1                     # setup_sects: one sector after the boot sector
    .org 0x1FE
    .word 0xAA55                # boot_flag
    .byte 0xEB, hdr_end - hdr_start    # 0x200: jmp over the header
hdr_start:
    .ascii "HdrS"               # 0x202
    .word 0x020F                # 0x206 version 2.15
    .long 0                     # 0x208 realmode_swtch
    .word 0                     # 0x20C start_sys_seg
    .word 0                     # 0x20E kernel_version
    .byte 0                     # 0x210 type_of_loader
    .byte 0x21                  # 0x211 loadflags: LOADED_HIGH | QUIET_FLAG
    .word 0                     # 0x212 setup_move_size
    .long 0x100000              # 0x214 code32_start
    .long 0, 0                  # 0x218 ramdisk_image, ramdisk_size
    .long 0                     # 0x220 bootsect_kludge
    .word 0                     # 0x224 heap_end_ptr
    .byte 0, 0                  # 0x226 ext_loader_ver, ext_loader_type
    .long 0                     # 0x228 cmd_line_ptr
    .long 0x37FFFFFF            # 0x22C initrd_addr_max
    .long 0x1000                # 0x230 kernel_alignment
    .byte 0, 0                  # 0x234 relocatable_kernel, min_alignment
    .word 0                     # 0x236 xloadflags
    .long 2047                  # 0x238 cmdline_size
    .long 0                     # 0x23C hardware_subarch
    .quad 0                     # 0x240 hardware_subarch_data
    .long 0, 0                  # 0x248 payload_offset, payload_length
    .quad 0                     # 0x250 setup_data
    .quad 0x100000              # 0x258 pref_address
    .long 0x10000               # 0x260 init_size
    .long 0                     # 0x264 handover_offset
    .long 0                     # 0x268 kernel_info_offset
hdr_end:
    .org 0x400

# FAILIF cc, msg: a failed condition prints msg and ends with status 35.
.macro FAILIF cc, msg
    j\cc 1f
    jmp 2f
1:  movl $.Lmsg\@, %esi
    jmp fail
    .pushsection .rodata
.Lmsg\@: .asciz "\msg"
    .popsection
2:
.endm

    .text
    .globl startup_32
startup_32:
    # The registers first, before anything changes them.
    testl %ebp, %ebp
    jnz bad_regs
    testl %edi, %edi
    jnz bad_regs
    testl %ebx, %ebx
    jnz bad_regs
    movl %esi, zp
    movl $stack_top, %esp
    movl $m_start, %esi
    call puts

    movw %cs, %ax
    cmpw $0x10, %ax
    FAILIF ne, "CS is not __BOOT_CS (0x10)"
    movw %ds, %ax
    cmpw $0x18, %ax
    FAILIF ne, "DS is not __BOOT_DS (0x18)"
    movw %es, %ax
    cmpw $0x18, %ax
    FAILIF ne, "ES is not __BOOT_DS (0x18)"
    movw %ss, %ax
    cmpw $0x18, %ax
    FAILIF ne, "SS is not __BOOT_DS (0x18)"
    movl %cr0, %eax
    testl $1, %eax
    FAILIF z, "CR0.PE is clear"
    testl $0x80000000, %eax
    FAILIF nz, "CR0.PG is set"
    pushfl
    popl %eax
    testl $0x00020200, %eax
    FAILIF nz, "EFLAGS.IF or VM is set"

    # The GDT: flat code at 0x10, flat data at 0x18; reload from it.
    sgdt gdtr
    cmpw $0x1F, gdtr
    FAILIF b, "the GDT is shorter than 4 descriptors"
    movl gdtr + 2, %ebx
    cmpl $0x0000FFFF, 0x10(%ebx)
    FAILIF ne, "GDT entry 0x10 is not flat"
    movl 0x14(%ebx), %eax
    andl $0xFFFFFEFF, %eax      # the accessed bit may be either
    cmpl $0x00CF9A00, %eax
    FAILIF ne, "GDT entry 0x10 is not 32-bit ring-0 code"
    cmpl $0x0000FFFF, 0x18(%ebx)
    FAILIF ne, "GDT entry 0x18 is not flat"
    movl 0x1C(%ebx), %eax
    andl $0xFFFFFEFF, %eax
    cmpl $0x00CF9200, %eax
    FAILIF ne, "GDT entry 0x18 is not ring-0 data"
    ljmp $0x10, $3f
3:  movl $0x18, %eax
    movl %eax, %ds
    movl %eax, %es
    movl %eax, %ss

    # The zero page.
    movl zp, %ebx
    cmpl $0x53726448, 0x202(%ebx)
    FAILIF ne, "no HdrS in the zero page's setup header"
    cmpw $0x020F, 0x206(%ebx)
    FAILIF ne, "the header's version was not copied"
    cmpl $0x37FFFFFF, 0x22C(%ebx)
    FAILIF ne, "initrd_addr_max was not copied"
    cmpb $0xFF, 0x210(%ebx)
    FAILIF ne, "type_of_loader is not 0xFF"
    movb 0x211(%ebx), %al
    andb $0xA1, %al
    cmpb $0x81, %al
    FAILIF ne, "loadflags: want LOADED_HIGH and CAN_USE_HEAP, not QUIET_FLAG"
    cmpl $0x100000, 0x214(%ebx)
    FAILIF ne, "code32_start is not 1 MiB"

    # The command line.
    movl 0x228(%ebx), %esi
    testl %esi, %esi
    FAILIF z, "cmd_line_ptr is 0"
    movl $want_cmd, %edi
    movl $want_cmd_len, %ecx
    cld
    repe cmpsb
    FAILIF ne, "the command line is not the -append string"

    # The initrd.
    movl 0x218(%ebx), %edi
    testl $0xFFF, %edi
    FAILIF nz, "the initrd is not page aligned"
    cmpl $_end, %edi
    FAILIF b, "the initrd overlaps the kernel"
    cmpl $want_mod_len, 0x21C(%ebx)
    FAILIF ne, "ramdisk_size differs from module.txt's size"
    movl %edi, %eax
    addl 0x21C(%ebx), %eax
    decl %eax
    cmpl 0x22C(%ebx), %eax
    FAILIF a, "the initrd ends above initrd_addr_max"
    movl $want_mod, %esi
    movl $want_mod_len, %ecx
    repe cmpsb
    FAILIF ne, "the initrd's contents differ from module.txt"

    # The e820 map.
    movzbl 0x1E8(%ebx), %ecx
    cmpl $2, %ecx
    FAILIF b, "fewer than 2 e820 entries"
    cmpl $128, %ecx
    FAILIF a, "more than 128 e820 entries"
    leal 0x2D0(%ebx), %esi
    xorl %edx, %edx             # the usable entry at 0 holds the zero page
    xorl %edi, %edi             # the usable entry at 1 MiB
4:  cmpl $1, 16(%esi)
    jne 5f
    cmpl $0, 4(%esi)            # base above 4 GiB: skip
    jne 5f
    cmpl $0, (%esi)
    jne 6f
    movl zp, %eax
    addl $0x1000, %eax
    cmpl %eax, 8(%esi)
    jb 6f
    incl %edx
6:  cmpl $0x100000, (%esi)
    jne 5f
    movl %esi, %edi
5:  addl $20, %esi
    loop 4b
    testl %edx, %edx
    FAILIF z, "no usable e820 entry at 0 holds the zero page"
    testl %edi, %edi
    FAILIF z, "no usable e820 entry at 1 MiB"
    movl 0x218(%ebx), %eax      # it holds the initrd
    addl 0x21C(%ebx), %eax
    subl $0x100000, %eax
    cmpl %eax, 8(%edi)
    FAILIF b, "the e820 entry at 1 MiB does not hold the initrd"
    movl 8(%edi), %eax
    shrl $10, %eax
    cmpl 0x1E0(%ebx), %eax
    FAILIF ne, "alt_mem_k differs from the e820 entry at 1 MiB"

    movl $m_pass, %esi
    call puts
    movb $0x10, %al
    jmp exit_guest

bad_regs:
    movl $.Lbad_regs, %esi
fail:
    pushl %esi
    movl $m_fail, %esi
    call puts
    popl %esi
    call puts
    call newline
    movb $0x11, %al
    jmp exit_guest

    .section .rodata
.Lbad_regs: .asciz "EBP, EDI or EBX is not 0 at the entry"
want_cmd:
    .asciz "console=ttyS0 lb_test"
    .set want_cmd_len, . - want_cmd     # the NUL included
want_mod:
    .ascii "plex86 multiboot module\n"
    .set want_mod_len, . - want_mod
m_start: .asciz "start lb_boot\r\n"
m_pass: .asciz "PASS lb_boot\r\n"
m_fail: .asciz "FAIL lb_boot: "

    .data
    .balign 4
zp: .long 0
gdtr: .word 0
    .long 0
    .balign 16
    .skip 4096
stack_top:
