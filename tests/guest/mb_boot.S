# mb_boot: the machine state and boot information a Multiboot loader hands
# over (Multiboot 0.6.96, 3.2 and 3.3), checked with nothing but 32-bit
# moves, compares and I/O: no segment loads, no IDT.  Run with
#   -append "arg1 arg2" -initrd module.txt
# Checks:
#   EAX = 0x2BADB002; CR0.PE = 1, CR0.PG = 0; EFLAGS.IF = 0, VM = 0
#   info flags: memory (0), command line (2), modules (3), memory map (6)
#   mem_lower in [600, 640] KiB; mem_upper = RAM above 1 MiB, matching the
#     memory map's available entry at 1 MiB
#   memory map: entries of size 20; one available entry covers the kernel
#     [1 MiB, _end); low memory up to 0x9F000 available
#   command line ends in " arg1 arg2"
#   one module, page aligned, holding module.txt's "plex86 multiboot module"
#     with mod_end - mod_start = its size
# Built twice: as an ELF (mb_boot.elf) and, with AOUT=1, as a flat binary
# loaded through the header's a.out-kludge address fields (mb_aout.bin).

    .code32

    .set MB_MAGIC, 0x1BADB002
.ifdef AOUT
    .set MB_FLAGS, 0x00010003
.else
    .set MB_FLAGS, 0x00000003
.endif

    .section .multiboot, "a"
    .balign 4
mb_header:
    .long MB_MAGIC
    .long MB_FLAGS
    .long -(MB_MAGIC + MB_FLAGS)
.ifdef AOUT
    .long mb_header             # header_addr
    .long mb_header             # load_addr: the file starts with the header
    .long _edata                # load_end_addr
    .long _end                  # bss_end_addr
    .long _start                # entry_addr
.endif

# CHECK cond, msg: a failed condition prints msg and ends with status 35.
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
    .globl _start
_start:
    movl $stack_top, %esp
    movl %ebx, info
    movl $m_start, %esi
    call puts
    cmpl $0x2BADB002, %eax
    FAILIF ne, "EAX is not 0x2BADB002"
    movl %cr0, %eax
    testl $1, %eax
    FAILIF z, "CR0.PE is clear"
    testl $0x80000000, %eax
    FAILIF nz, "CR0.PG is set"
    pushfl
    popl %eax
    testl $0x00020200, %eax
    FAILIF nz, "EFLAGS.IF or VM is set"
    # BSS is zero (the loader clears it).
    cmpl $0, bss_word
    FAILIF ne, "BSS is not zeroed"

    movl info, %ebx
    movl (%ebx), %eax
    andl $0x4D, %eax
    cmpl $0x4D, %eax
    FAILIF ne, "info flags lack memory, cmdline, modules or mmap"
    movl 4(%ebx), %eax          # mem_lower
    cmpl $600, %eax
    FAILIF b, "mem_lower below 600 KiB"
    cmpl $640, %eax
    FAILIF a, "mem_lower above 640 KiB"

    # The memory map: walk it; find the entry that holds 1 MiB.
    movl 48(%ebx), %esi         # mmap_addr
    movl 44(%ebx), %ecx         # mmap_length
    addl %esi, %ecx             # end
    xorl %edi, %edi             # entry covering the kernel
    xorl %edx, %edx             # low memory found
3:  cmpl %ecx, %esi
    jae 5f
    cmpl $20, (%esi)
    FAILIF ne, "memory map entry size is not 20"
    cmpl $1, 20(%esi)           # type available?
    jne 4f
    cmpl $0, 8(%esi)            # base above 4 GiB: skip
    jne 4f
    cmpl $0, 4(%esi)            # base 0: low memory
    jne 6f
    cmpl $0x9F000, 12(%esi)
    jb 6f
    incl %edx
6:  cmpl $0x100000, 4(%esi)
    jne 4f
    movl %esi, %edi
4:  addl (%esi), %esi
    addl $4, %esi
    jmp 3b
5:  testl %edx, %edx
    FAILIF z, "no available memory map entry for 0-0x9F000"
    testl %edi, %edi
    FAILIF z, "no available memory map entry at 1 MiB"
    movl 12(%edi), %eax         # its length must hold the kernel
    addl $0x100000, %eax
    cmpl $_end, %eax
    FAILIF b, "the memory map entry at 1 MiB does not hold the kernel"
    # mem_upper (KiB above 1 MiB) is at least that entry's length.
    movl 12(%edi), %eax
    shrl $10, %eax
    cmpl 8(%ebx), %eax
    FAILIF a, "mem_upper is smaller than the memory map entry at 1 MiB"

    # The command line ends in " arg1 arg2".
    movl 16(%ebx), %esi
    movl %esi, %edi
7:  cmpb $0, (%edi)
    je 8f
    incl %edi
    jmp 7b
8:  subl $10, %edi
    cmpl %esi, %edi
    FAILIF b, "command line too short"
    movl $want_cmd, %esi
    movl $10, %ecx
    cld
    repe cmpsb
    FAILIF ne, "command line does not end in ' arg1 arg2'"

    # The module.
    cmpl $1, 20(%ebx)
    FAILIF ne, "mods_count is not 1"
    movl 24(%ebx), %esi         # mods_addr
    movl (%esi), %edi           # mod_start
    testl $0xFFF, %edi
    FAILIF nz, "the module is not page aligned"
    movl 4(%esi), %eax
    subl %edi, %eax
    cmpl $want_mod_len, %eax
    FAILIF ne, "module size differs from module.txt"
    cmpl $_end, %edi
    FAILIF b, "the module overlaps the kernel"
    movl $want_mod, %esi
    movl $want_mod_len, %ecx
    repe cmpsb
    FAILIF ne, "module contents differ from module.txt"

    movl $m_pass, %esi
    call puts
    movb $0x10, %al
    jmp exit_guest

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
want_cmd:
    .ascii " arg1 arg2"
want_mod:
    .ascii "plex86 multiboot module\n"
    .set want_mod_len, . - want_mod
.ifdef AOUT
m_start: .asciz "start mb_aout\r\n"
m_pass: .asciz "PASS mb_aout\r\n"
m_fail: .asciz "FAIL mb_aout: "
.else
m_start: .asciz "start mb_boot\r\n"
m_pass: .asciz "PASS mb_boot\r\n"
m_fail: .asciz "FAIL mb_boot: "
.endif

    .data
info: .long 0

    .bss
bss_word:
    .long 0
    .balign 16
    .skip 4096
stack_top:
