/* What a hostile or broken guest gets (issue 9, item 4): outcomes a real
 * machine would give, never a host crash.
 *
 *   1. An instruction the engine does not implement, or that the CPU model
 *      lacks, raises #UD in the guest: delivered through the guest's IVT or
 *      IDT with the faulting instruction's address, in real and in
 *      protected mode.
 *   2. Memory with nothing behind it reads all ones and drops writes: plain
 *      loads, a load that straddles the end of RAM, a page that paging maps
 *      beyond RAM; a port that nobody owns reads all ones too.
 *   3. An internal error stops the VM (VM_EXIT_ERROR) with a message naming
 *      CS:EIP, maps to exit status 4, and cpu_describe() gives the
 *      diagnostic line; end to end, the plex86 binary exits with status 4
 *      and prints "internal error" and that line.  The end-to-end case
 *      makes the error happen the one way a user can today: a kernel file
 *      that disappears before the machine reboots (the reboot reloads it).
 *
 * usage: test_badinput_guest PLEX86 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "test_vm.h"
#include "cpu/cpu.h"
#include "cpu/seg.h"
#include "host/cli.h"
#include "host/run.h"
#include "vm/iobus.h"
#include "machine/vm.h"
#include "engine/engine.h"

static void put(struct vm *vm, uint32_t pa, const void *bytes, size_t n)
{
    CHECK_EQ(phys_copy_in(&vm->mem, pa, bytes, n), n);
}

/* Real mode at 0100:0000, SS:SP 0000:8000, every IVT vector to 0200:0000
 * where a HLT waits. */
static struct cpu *real_mode(struct vm *vm)
{
    struct cpu *c = &vm->cpu;
    vm_invalidate_code(vm);
    cpu_reset(c);
    cpu_load_seg_real(c, S_CS, 0x100);
    c->eip = 0;
    cpu_load_seg_real(c, S_SS, 0);
    cpu_load_seg_real(c, S_DS, 0);
    c->gpr[R_ESP] = 0x8000;
    for (uint32_t v = 0; v < 256; v++) {
        uint32_t ent = 0x02000000u;
        put(vm, v * 4, &ent, 4);
    }
    static const uint8_t hlt = 0xF4;
    put(vm, 0x2000, &hlt, 1);
    return c;
}

/* 32-bit protected mode, flat segments from a GDT at 0x1000, an IDT at
 * 0x1800 whose gates all lead to a HLT at 0x3000; code at 0x4000. */
static struct cpu *flat32(struct vm *vm)
{
    struct cpu *c = &vm->cpu;
    vm_invalidate_code(vm);
    cpu_reset(c);
    static const uint32_t gdt[6] = { 0, 0, 0x0000FFFF, 0x00CF9B00, 0x0000FFFF, 0x00CF9300 };
    put(vm, 0x1000, gdt, sizeof(gdt));
    for (uint32_t v = 0; v < 32; v++) {
        uint32_t gate[2] = { 0x00083000u, 0x00008E00u };
        put(vm, 0x1800 + 8 * v, gate, 8);
    }
    static const uint8_t hlt = 0xF4;
    put(vm, 0x3000, &hlt, 1);
    c->cr0 |= CR0_PE;
    c->gdtr = (struct dtr){ 0x1000, 23 };
    c->idtr = (struct dtr){ 0x1800, 32 * 8 - 1 };
    for (int s = 0; s < S_COUNT; s++)
        c->seg[s] = (struct seg){ .sel = 0x10, .base = 0, .limit = 0xFFFFFFFFu, .attr = 0xC093 };
    c->seg[S_CS] = (struct seg){ .sel = 0x08, .base = 0, .limit = 0xFFFFFFFFu, .attr = 0xC09B };
    c->cpl = 0;
    cpu_mode_changed(c);
    c->gpr[R_ESP] = 0x9000;
    c->eip = 0x4000;
    return c;
}

/* --- 1. #UD ------------------------------------------------------------- */

static const struct {
    const char *what;
    enum cpu_level level;
    uint8_t bytes[6];
    unsigned len;
} undefined[] = {
    { "SSE ADDPS (no SSE modelled)", CPU_P6, { 0x0F, 0x58, 0xC0 }, 3 },
    { "POPCNT (not in the table)", CPU_P6, { 0xF3, 0x0F, 0xB8, 0xC0 }, 4 },
    { "RDMSR on a 486", CPU_486, { 0x0F, 0x32 }, 2 },
    { "SYSENTER on a Pentium (no SEP)", CPU_586, { 0x0F, 0x34 }, 2 },
    { "NOPL on a 486", CPU_486, { 0x0F, 0x1F, 0x00 }, 3 },
    { "RDTSCP (no model has it)", CPU_P6, { 0x0F, 0x01, 0xF9 }, 3 },
    { "CPUID on a 386", CPU_386, { 0x0F, 0xA2 }, 2 },
    { "RDTSC on a 486", CPU_486, { 0x0F, 0x31 }, 2 },
    { "CMPXCHG8B on a 486", CPU_486, { 0x0F, 0xC7, 0x0F }, 3 },
    { "CMOVZ on a 486", CPU_486, { 0x0F, 0x44, 0xC1 }, 3 },
    { "UD2", CPU_486, { 0x0F, 0x0B }, 2 },
    { "LOCK on a register operand", CPU_486, { 0xF0, 0x01, 0xC0 }, 3 },
    { "LOCK NOP", CPU_486, { 0xF0, 0x90 }, 2 },
};

static void test_ud(void)
{
    for (size_t k = 0; k < sizeof(undefined) / sizeof(undefined[0]); k++) {
        struct vm *vm = test_vm_new(2, undefined[k].level);
        /* Real mode: IVT vector 6, IP of the instruction pushed. */
        struct cpu *c = real_mode(vm);
        put(vm, 0x1000, "\x90", 1);                            /* nop */
        put(vm, 0x1001, undefined[k].bytes, undefined[k].len);
        uint64_t exc = c->exceptions;
        CHECK_EQ(engine_run(c->vm->engine, 100), CPU_STOP_HLT);
        uint16_t ip = (uint16_t)phys_read(&vm->mem, 0x8000 - 6, 2);
        uint16_t cs = (uint16_t)phys_read(&vm->mem, 0x8000 - 4, 2);
        if (c->seg[S_CS].sel != 0x200 || c->exc_vector != EXC_UD || ip != 1 || cs != 0x100 ||
            c->exceptions != exc + 1) {
            fprintf(stderr, "real mode, %s: CS %04x, vector %d, pushed %04x:%04x\n",
                    undefined[k].what, c->seg[S_CS].sel, c->exc_vector, cs, ip);
            CHECK(0);
        }
        /* Protected mode: IDT gate 6, EIP pushed, no error code. */
        c = flat32(vm);
        put(vm, 0x4000, "\x90", 1);
        put(vm, 0x4001, undefined[k].bytes, undefined[k].len);
        CHECK_EQ(engine_run(c->vm->engine, 100), CPU_STOP_HLT);
        uint32_t eip = phys_read(&vm->mem, 0x9000 - 12, 4);
        if (c->eip != 0x3001 || c->exc_vector != EXC_UD || eip != 0x4001 ||
            phys_read(&vm->mem, 0x9000 - 8, 4) != 0x08) {
            fprintf(stderr, "protected mode, %s: EIP %08x, vector %d, pushed %08x\n",
                    undefined[k].what, c->eip, c->exc_vector, eip);
            CHECK(0);
        }
        vm_destroy(vm);
    }
}

/* --- 2. nothing there reads all ones ------------------------------------ */

static void test_unmapped(void)
{
    struct vm *vm = test_vm_new(1, CPU_486);     /* RAM ends at 0x100000 */
    /* Through the memory map directly. */
    phys_write(&vm->mem, 0x200000, 0x12345678, 4);
    CHECK_EQ(phys_read(&vm->mem, 0x200000, 4), 0xFFFFFFFFu);
    CHECK_EQ(phys_read(&vm->mem, 0x80000000u, 2), 0xFFFF);
    CHECK_EQ(phys_read(&vm->mem, 0xFFFFFFFFu, 1), 0xFF);

    /* From guest code. */
    struct cpu *c = flat32(vm);
    static const uint8_t prog[] = {
        0xA1, 0x00, 0x00, 0x20, 0x00,                   /* mov eax,[0x200000] */
        0xBB, 0x78, 0x56, 0x34, 0x12,                   /* mov ebx,0x12345678 */
        0x89, 0x1D, 0x00, 0x00, 0x20, 0x00,             /* mov [0x200000],ebx */
        0x8B, 0x0D, 0x00, 0x00, 0x20, 0x00,             /* mov ecx,[0x200000] */
        0x66, 0x8B, 0x15, 0x01, 0x00, 0x30, 0x00,       /* mov dx,[0x300001] */
        0x8B, 0x35, 0xFE, 0xFF, 0x0F, 0x00,             /* mov esi,[0xFFFFE]: half RAM */
        0x89, 0x1D, 0xFE, 0xFF, 0x0F, 0x00,             /* mov [0xFFFFE],ebx: half lands */
        0x8B, 0x3D, 0xFC, 0xFF, 0x0F, 0x00,             /* mov edi,[0xFFFFC] */
        0xF4,                                           /* hlt */
    };
    put(vm, 0x4000, prog, sizeof(prog));
    put(vm, 0xFFFFC, "\x11\x22\x33\x44", 4);
    c->gpr[R_EDX] = 0xABCD0000u;
    CHECK_EQ(engine_run(c->vm->engine, 100), CPU_STOP_HLT);
    CHECK_EQ(c->eip, 0x4000 + sizeof(prog));
    CHECK_EQ(c->gpr[R_EAX], 0xFFFFFFFFu);
    CHECK_EQ(c->gpr[R_ECX], 0xFFFFFFFFu);       /* the write was dropped */
    CHECK_EQ(c->gpr[R_EDX], 0xABCDFFFFu);
    CHECK_EQ(c->gpr[R_ESI], 0xFFFF4433u);
    CHECK_EQ(c->gpr[R_EDI], 0x56782211u);       /* the RAM half of the write landed */
    CHECK_EQ(c->exceptions, 0);

    /* Paging: a page mapped to a frame beyond RAM. */
    c = flat32(vm);
    uint32_t pd[1] = { 0x6000 | 3 };
    put(vm, 0x5000, pd, 4);
    for (uint32_t k = 0; k < 256; k++) {
        uint32_t pte = (k << 12) | 3;
        put(vm, 0x6000 + 4 * k, &pte, 4);
    }
    uint32_t far = 0x00800000u | 3;                     /* 0x300000 -> 8 MiB */
    put(vm, 0x6000 + 4 * 0x300, &far, 4);
    c->cr3 = 0x5000;
    c->cr0 |= CR0_PG;
    cpu_tlb_flush(c, true);
    static const uint8_t prog2[] = {
        0xA1, 0x10, 0x00, 0x30, 0x00,                   /* mov eax,[0x300010] */
        0xC7, 0x05, 0x10, 0x00, 0x30, 0x00, 1, 2, 3, 4, /* mov dword [0x300010],... */
        0x8B, 0x1D, 0x10, 0x00, 0x30, 0x00,             /* mov ebx,[0x300010] */
        0xF4,
    };
    put(vm, 0x4000, prog2, sizeof(prog2));
    CHECK_EQ(engine_run(c->vm->engine, 100), CPU_STOP_HLT);
    CHECK_EQ(c->gpr[R_EAX], 0xFFFFFFFFu);
    CHECK_EQ(c->gpr[R_EBX], 0xFFFFFFFFu);
    CHECK_EQ(c->exceptions, 0);

    /* Ports nobody owns: IN gives all ones, whatever the size. */
    c = flat32(vm);
    static const uint8_t prog3[] = {
        0x66, 0xBA, 0x34, 0x12,                         /* mov dx,0x1234 */
        0xED,                                           /* in eax,dx */
        0x89, 0xC3,                                     /* mov ebx,eax */
        0x31, 0xC0,                                     /* xor eax,eax */
        0x66, 0xED,                                     /* in ax,dx */
        0x89, 0xC1,                                     /* mov ecx,eax */
        0x31, 0xC0,                                     /* xor eax,eax */
        0xE4, 0x99,                                     /* in al,0x99 */
        0xF4,
    };
    put(vm, 0x4000, prog3, sizeof(prog3));
    CHECK_EQ(engine_run(c->vm->engine, 100), CPU_STOP_HLT);
    CHECK_EQ(c->gpr[R_EBX], 0xFFFFFFFFu);
    CHECK_EQ(c->gpr[R_ECX], 0x0000FFFFu);
    CHECK_EQ(c->gpr[R_EAX], 0x000000FFu);
    CHECK_EQ(iobus_in(&vm->io, 0xFFFF, 4), 0xFFFFFFFFu);  /* wraps to port 0 */
    vm_destroy(vm);
}

/* --- 3. internal errors --------------------------------------------------- */

/* A device that finds its state inconsistent on any write. */
static void broken_out(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    struct vm *vm = opaque;
    cpu_internal_error(&vm->cpu, "test device: inconsistent state %u", (unsigned)value);
}

static const struct io_ops broken_ops = { .out = broken_out };

static void test_internal_error_vm(void)
{
    struct vm *vm = test_vm_new(1, CPU_486);
    CHECK_EQ(iobus_register(&vm->io, 0xE0, 1, &broken_ops, vm, "broken"), 0);
    struct cpu *c = real_mode(vm);
    static const uint8_t prog[] = { 0xB0, 0x2A, 0xE6, 0xE0, 0x40, 0xF4 }; /* mov al,42;
                                                                          out 0xe0,al; inc ax */
    put(vm, 0x1000, prog, sizeof(prog));
    CHECK_EQ(vm_run(vm, 1000), VM_EXIT_ERROR);
    CHECK_STR(vm->error, "test device: inconsistent state 42 at 0100:00000002");
    CHECK_EQ(c->eip, 4);                          /* the OUT finished, nothing after it */
    CHECK_EQ(c->gpr[R_EAX] & 0xFFFF, 42);
    CHECK_EQ(exit_status_for(VM_EXIT_ERROR, 0, false), EXIT_STATUS_INTERNAL);
    CHECK_EQ(EXIT_STATUS_INTERNAL, 4);
    char line[1024];
    cpu_describe(c, line, sizeof(line));
    /* ... and its last exits: the OUT that found the inconsistency. */
    if (strcmp(line, "real mode, CPL 0, CS:EIP 0100:00000004 (linear 00001004), bytes 40 f4 "
                     "00 00 00 00 00 00 00 00 00 00 00 00 00; last exits: out 00e0/1=0x2a "
                     "at 0100:00000002")) {
        fprintf(stderr, "cpu_describe: \"%s\"\n", line);
        CHECK(0);
    }
    /* The diagnostic works whatever state the CPU is in: here paging on
     * with tables in unmapped memory (which read as all ones: present),
     * and an instruction pointer at the top of the address space. */
    c->cr0 |= CR0_PE | CR0_PG;
    c->cr3 = 0xFFFFF000u;
    c->eip = 0xFFFFFFF8u;
    cpu_describe(c, line, sizeof(line));
    CHECK(strstr(line, "paging, CS:EIP 0100:fffffff8") && strstr(line, "bytes ff ff"));
    /* ... and with a not-present page directory entry. */
    c->cr3 = 0x10000;
    cpu_describe(c, line, sizeof(line));
    CHECK(strstr(line, "bytes ??") != NULL);
    vm_destroy(vm);
}

/* A Multiboot kernel (ELF32, one segment at 1 MiB) that prints "ready" on
 * COM1, then 256 KiB of lines, then executes INT3 with no IDT: a triple
 * fault, after which plex86 reboots the machine and loads the kernel file
 * again. */
static size_t make_kernel(uint8_t *img)
{
    static const uint8_t code[] = {
        0x66, 0xBA, 0xF8, 0x03,                         /* mov dx,0x3f8 */
        0xB0, 'r', 0xEE, 0xB0, 'e', 0xEE, 0xB0, 'a', 0xEE, 0xB0, 'd', 0xEE,
        0xB0, 'y', 0xEE, 0xB0, '\n', 0xEE,              /* "ready\n" */
        0xB9, 0x00, 0x08, 0x00, 0x00,                   /* mov ecx,2048 */
        0xBB, 0x7F, 0x00, 0x00, 0x00,                   /* outer: mov ebx,127 */
        0xB0, 'x',                                      /* mov al,'x' */
        0xEE, 0x4B, 0x75, 0xFC,                         /* inner: out; dec ebx; jnz inner */
        0xB0, '\n', 0xEE,                               /* newline */
        0xE2, 0xF0,                                     /* loop outer */
        0xCC, 0xF4,                                     /* int3 (no IDT); hlt */
    };
    const uint32_t paddr = 0x100000, mb_off = 52 + 32;
    const uint32_t mb[3] = { 0x1BADB002u, 3, (uint32_t)-(0x1BADB002u + 3) };
    uint32_t body = 12 + (uint32_t)sizeof(code), total = mb_off + body;
    memset(img, 0, total);
    memcpy(img, "\x7f" "ELF\x01\x01\x01", 7);
    uint16_t eh16[] = { 2, 3 };                         /* ET_EXEC, EM_386 */
    memcpy(img + 16, eh16, 4);
    uint32_t eh32[] = { 1, paddr + mb_off + 12, 52, 0, 0 }; /* version entry phoff shoff flags */
    memcpy(img + 20, eh32, 20);
    uint16_t eh16b[] = { 52, 32, 1, 40, 0, 0 };
    memcpy(img + 40, eh16b, 12);
    uint32_t ph[8] = { 1, 0, paddr, paddr, total, total, 7, 0x1000 };
    memcpy(img + 52, ph, 32);
    memcpy(img + mb_off, mb, 12);
    memcpy(img + mb_off + 12, code, sizeof(code));
    return total;
}

static void test_internal_error_binary(const char *plex86)
{
    char dir[256];
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof(dir), "%s/plex86-badguest-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        CHECK(0);
        return;
    }
    char kernel[300], fifo[300], errpath[300], serial_arg[320];
    snprintf(kernel, sizeof(kernel), "%s/k.elf", dir);
    snprintf(fifo, sizeof(fifo), "%s/serial", dir);
    snprintf(errpath, sizeof(errpath), "%s/stderr", dir);
    snprintf(serial_arg, sizeof(serial_arg), "file:%s", fifo);
    uint8_t img[512];
    size_t n = make_kernel(img);
    FILE *f = fopen(kernel, "wb");
    CHECK(f && fwrite(img, 1, n, f) == n);
    if (f)
        fclose(f);
    CHECK_EQ(mkfifo(fifo, 0600), 0);

    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int null = open("/dev/null", O_RDWR);
        if (fd < 0 || null < 0)
            _exit(127);
        dup2(null, 0);
        dup2(null, 1);
        dup2(fd, 2);
        alarm(120); /* never hang the test run */
        execl(plex86, plex86, "-kernel", kernel, "-m", "2", "-serial", serial_arg, (char *)NULL);
        _exit(127);
    }
    CHECK(pid > 0);
    if (pid <= 0)
        return;
    /* The guest's output arrives through the FIFO, whose 64 KiB buffer
     * holds the guest back: it cannot finish its 256 KiB (and triple-fault)
     * before we have read past "ready" and removed the kernel file. */
    int fd = open(fifo, O_RDONLY);
    CHECK(fd >= 0);
    char buf[4096];
    size_t got = 0;
    bool ready = false, removed = false;
    for (;;) {
        ssize_t r = read(fd, buf, sizeof(buf));
        if (r <= 0)
            break;
        if (!ready && memmem(buf, (size_t)r, "ready\n", 6))
            ready = true;
        if (ready && !removed) {
            CHECK_EQ(unlink(kernel), 0);
            removed = true;
        }
        got += (size_t)r;
    }
    close(fd);
    int status = 0;
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    CHECK(ready && removed);
    CHECK_EQ(got, 6 + 2048 * 128);
    CHECK(WIFEXITED(status));
    CHECK_EQ(WEXITSTATUS(status), EXIT_STATUS_INTERNAL);

    char err[4096] = "";
    f = fopen(errpath, "r");
    size_t len = f ? fread(err, 1, sizeof(err) - 1, f) : 0;
    if (f)
        fclose(f);
    err[len] = 0;
    /* "plex86: internal error: reboot failed: ...k.elf: No such file or
     * directory", then the diagnostic line: mode, CPL, CS:EIP, bytes. */
    char want[400];
    snprintf(want, sizeof(want), "plex86: internal error: reboot failed: %s: No such file", kernel);
    const char *diag = strstr(err, want);
    CHECK(diag != NULL);
    diag = diag ? strchr(diag, '\n') : NULL;
    CHECK(diag && !strncmp(diag, "\nplex86: ", 9) && strstr(diag, " mode, CPL ") &&
          strstr(diag, ", CS:EIP ") && strstr(diag, ", bytes "));
    if (check_failed)
        fprintf(stderr, "plex86's stderr:\n%s", err);
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    CHECK_EQ(system(cmd), 0);
}

/* The exit log keeps the last EXIT_LOG_SIZE exits, oldest first. */
static void test_exit_log(void)
{
    struct exit_log l = { 0 };
    char line[1024] = "x";
    CHECK_EQ(exit_log_describe(&l, line, sizeof(line), 1), 1); /* empty: nothing added */
    for (unsigned k = 0; k < EXIT_LOG_SIZE + 2; k++)
        exit_log_add(&l, EXIT_OUT, 0x10, 0x100 + k, 0x80, k, 1);
    exit_log_add(&l, EXIT_EXCEPTION, 0x10, 0x200, 14, 2, 0);
    exit_log_add(&l, EXIT_INTERRUPT, 0x10, 0x300, 0x20, 0, 0);
    exit_log_add(&l, EXIT_HLT, 0x10, 0x400, 0, 0, 0);
    int n = exit_log_describe(&l, line, sizeof(line), 0);
    CHECK_EQ((size_t)n, strlen(line));
    /* 13 added, 8 kept: outs 5..9, then the exception, interrupt, hlt. */
    const char *want = "; last exits: out 0080/1=0x5 at 0010:00000105; out 0080/1=0x6 at "
                       "0010:00000106; out 0080/1=0x7 at 0010:00000107; out 0080/1=0x8 at "
                       "0010:00000108; out 0080/1=0x9 at 0010:00000109; exception 14 (0x2) at "
                       "0010:00000200; interrupt 0x20 at 0010:00000300; hlt at 0010:00000400";
    if (strcmp(line, want)) {
        fprintf(stderr, "exit log: \"%s\"\n", line);
        CHECK(0);
    }
    /* A short buffer is cut, never overrun. */
    char small[40];
    exit_log_describe(&l, small, sizeof(small), 0);
    CHECK(strlen(small) < sizeof(small));
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s PLEX86\n", argv[0]);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    test_ud();
    test_exit_log();
    test_unmapped();
    test_internal_error_vm();
    test_internal_error_binary(argv[1]);
    return check_report();
}
