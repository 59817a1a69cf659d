# Console output on COM1 and the end of a test through the debug-exit port.
# Ring 0 only (I/O instructions).  Every routine preserves all registers
# but the ones it documents, and EFLAGS' condition codes may change.
#
#   putc      AL = character
#   puts      ESI = NUL-terminated string
#   puthex    EAX = value, printed as 8 hex digits
#   newline   CR LF
#   exit_guest AL = V: the VM ends with status (V << 1) | 1; never returns

    .code32
    .text

    .globl putc
putc:
    pushl %ecx
    pushl %edx
    pushl %eax
    movw $0x3FD, %dx            # LSR: wait (boundedly) for THR empty
    movl $100000, %ecx
1:  inb %dx, %al
    testb $0x20, %al
    jnz 2f
    loop 1b
2:  popl %eax
    movw $0x3F8, %dx
    outb %al, %dx
    popl %edx
    popl %ecx
    ret

    .globl puts
puts:
    pushl %esi
    pushl %eax
1:  movb (%esi), %al
    testb %al, %al
    jz 2f
    call putc
    incl %esi
    jmp 1b
2:  popl %eax
    popl %esi
    ret

    .globl puthex
puthex:
    pushl %ecx
    pushl %edx
    pushl %eax
    movl %eax, %edx
    movb $'0', %al
    call putc
    movb $'x', %al
    call putc
    movl $8, %ecx
1:  roll $4, %edx
    movl %edx, %eax
    andl $15, %eax
    movb hexdigits(%eax), %al
    call putc
    loop 1b
    popl %eax
    popl %edx
    popl %ecx
    ret

    .globl newline
newline:
    pushl %eax
    movb $'\r', %al
    call putc
    movb $'\n', %al
    call putc
    popl %eax
    ret

    .globl exit_guest
exit_guest:
    movw $0xF4, %dx
    outb %al, %dx
1:  cli                         # no debug-exit device: stop here
    hlt
    jmp 1b

    .section .rodata
hexdigits:
    .ascii "0123456789abcdef"
