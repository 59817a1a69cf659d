# paging: 32-bit paging with 4 KiB pages (SDM vol. 3A, 4.3, 4.7, 4.8,
# 4.10).  The runtime identity-maps 0-8 MiB; the tests map L = 8 MiB.
#  1. Accessed and dirty bits: a read sets A in the PTE (and the PDE), not
#     D; a write sets D.
#  2. INVLPG: after the PTE is pointed at another page, INVLPG L makes the
#     next read see it.  A CR3 reload does the same for the next change.
#  3. #PF error codes (P, W/R, U/S) and CR2, the faulting EIP:
#     not-present read and write at ring 0 (0, 2), a not-present page
#     table (0), a ring-3 write to a read-only user page (7), a ring-3 read
#     of a supervisor page (5), a user PTE under a supervisor PDE (5), a
#     ring-3 instruction fetch from a supervisor page (5, CR2 = EIP);
#     a ring-0 write to a read-only page: allowed with CR0.WP=0, #PF(3)
#     with WP=1 (486+).  A ring-3 read of a read-only user page is fine.
#  4. INVLPG and MOV CR3 at ring 3: #GP(0).

    .include "rt.inc"

    .set L, 0x00800000          # the test page, in the runtime's spare table
    .set NOPT, 0x00C00000       # a page-directory entry that is not present

# SETPTE value: points L's PTE at `value`, then INVLPG.
.macro SETPTE value
    movl $\value, page_tables + 4 * (L >> 12)
    invlpg L
.endm

# R3FAULT fn, vec, err, eip, msg: runs fn at ring 3, expects a fault.
.macro R3FAULT fn, vec, err, eip, msg
    TRY 1f
    pushl $\fn
    call enter_ring3
    ENDTRY
1:  EXPECT $\vec, $\err, $\eip, "\msg"
.endm

    .text
    .globl test_main
test_main:
    movl $0x58585858, page_x
    movl $0x59595959, page_y
    movl $0x5A5A5A5A, page_z
    call paging_on

    # --- 1: A and D ---
    andl $~0x20, page_dir + 8   # the PDE of L: A clear
    SETPTE page_x+7
    movl L, %eax
    CHECK %eax, $0x58585858, "read through L"
    movl page_tables + 4 * (L >> 12), %eax
    andl $0x60, %eax
    CHECK %eax, $0x20, "a read sets A and not D in the PTE"
    movl page_dir + 8, %eax
    andl $0x20, %eax
    CHECK %eax, $0x20, "a read sets A in the PDE"
    movl $0x11111111, L + 4
    movl page_tables + 4 * (L >> 12), %eax
    andl $0x60, %eax
    CHECK %eax, $0x60, "a write sets D"
    CHECK page_x+4, $0x11111111, "the write landed in page_x"

    # --- 2: INVLPG, CR3 ---
    SETPTE page_y+7
    CHECK L, $0x59595959, "after INVLPG: the new page"
    movl $page_z + 7, page_tables + 4 * (L >> 12)
    movl %cr3, %eax
    movl %eax, %cr3
    CHECK L, $0x5A5A5A5A, "after a CR3 reload: the new page"

    # --- 3: #PF ---
    SETPTE 0
    TRY 1f
2:  movl L + 0x123, %eax
    NOFAULT "not-present read"
1:  EXPECT $14, $0, $2b, "#PF not-present read at ring 0"
    CHECK exc_cr2, $L+0x123, "#PF not-present read: CR2"
    TRY 1f
2:  movl %eax, L + 0x456
    NOFAULT "not-present write"
1:  EXPECT $14, $2, $2b, "#PF not-present write at ring 0"
    CHECK exc_cr2, $L+0x456, "#PF not-present write: CR2"
    TRY 1f
2:  movl NOPT + 8, %eax
    NOFAULT "not-present page table"
1:  EXPECT $14, $0, $2b, "#PF not-present page table"
    CHECK exc_cr2, $NOPT+8, "#PF not-present page table: CR2"

    SETPTE page_x+5           # user, read-only
    pushl $r3_read
    call enter_ring3
    addl $4, %esp
    CHECK %eax, $0x58585858, "ring 3 reads a read-only user page"
    R3FAULT r3_write, 14, 7, r3_write, "#PF ring-3 write to a read-only page"
    CHECK exc_cr2, $L+8, "#PF ring-3 write: CR2"
    CHECK exc_cs, $SEL_CODE3, "#PF ring-3 write: CS in the frame"
    SETPTE page_x+3           # supervisor
    R3FAULT r3_read, 14, 5, r3_read, "#PF ring-3 read of a supervisor page"
    CHECK exc_cr2, $L, "#PF ring-3 read of a supervisor page: CR2"
    SETPTE page_x+7           # user PTE, supervisor PDE
    andl $~4, page_dir + 8
    invlpg L
    R3FAULT r3_read, 14, 5, r3_read, "#PF ring 3 through a supervisor PDE"
    orl $4, page_dir + 8
    SETPTE fetch_page+3       # code, supervisor
    R3FAULT r3_fetch, 14, 5, L, "#PF ring-3 fetch from a supervisor page"
    CHECK exc_cr2, $L, "#PF ring-3 fetch: CR2"
    SETPTE fetch_page+7       # code, user: runs
    pushl $r3_fetch
    call enter_ring3
    addl $4, %esp
    CHECK %eax, $0xF00D, "ring 3 runs code from a user page"

    # Ring 0 writes to a read-only page: WP decides.
    SETPTE page_x+5
    movl $0x22222222, L + 12
    CHECK page_x+12, $0x22222222, "WP=0: ring 0 writes a read-only page"
    movl %cr0, %eax
    orl $0x10000, %eax
    movl %eax, %cr0
    TRY 1f
2:  movl $0x33333333, L + 12
    NOFAULT "WP=1 write"
1:  movl %cr0, %eax
    andl $~0x10000, %eax
    movl %eax, %cr0
    EXPECT $14, $3, $2b, "#PF WP=1: ring 0 writes a read-only page"
    CHECK page_x+12, $0x22222222, "WP=1: the write did not land"

    # --- 4 ---
    R3FAULT r3_invlpg, 13, 0, r3_invlpg, "INVLPG at ring 3"
    R3FAULT r3_cr3, 13, 0, r3_cr3_at, "MOV to CR3 at ring 3"

    call paging_off
    ret

r3_read:
    movl L, %eax
    ret
r3_write:
    movl %eax, L + 8
    ret
r3_fetch:
    movl $L, %eax
    jmp *%eax                   # fetch_page: returns 0xF00D to r3_exit
r3_invlpg:
    invlpg L
    ret
r3_cr3:
    movl $page_dir, %eax
r3_cr3_at:
    movl %eax, %cr3
    ret

    # A page of code that the tests map at L.
    .balign 4096
fetch_page:
    movl $0xF00D, %eax
    ret
    .balign 4096

    .section .rodata
    .globl test_name
test_name: .asciz "paging"

    .bss
    .balign 4096
page_x: .skip 4096
page_y: .skip 4096
page_z: .skip 4096
