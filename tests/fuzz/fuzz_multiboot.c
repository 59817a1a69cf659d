/* Fuzz harness: the Multiboot loader (src/pc/multiboot.c).
 *
 * The input is a kernel file, so the seeds are real kernels and a saved
 * crash can be given to `plex86 -kernel` as it is.  mb_parse() checks it
 * against three RAM sizes (1 MiB, 2 MiB, the largest); mb_load() loads it
 * into a 2 MiB VM (reused: RAM cleared, CPU reset), with a module and a
 * command line when the input's length is odd / has bit 1 set.  What a
 * load promises is checked: the entry point inside the loaded image and in
 * RAM, the CPU in 32-bit protected mode with EAX = the boot magic and EBX
 * the info structure, the module inside RAM.  A loaded kernel then runs
 * for up to 200 steps.  A refused kernel must give one line that starts
 * with the file's name. */
#include <stdbool.h>

#include "cpu/cpu.h"
#include "fuzz.h"
#include "pc/multiboot.h"
#include "machine/vm.h"
#include "engine/engine.h"

static struct vm *vm;

static void check_error(const char *err, const char *name)
{
    FUZZ_CHECK(err[0] && !strchr(err, '\n'), "error is not one line: \"%s\"", err);
    FUZZ_CHECK(!strncmp(err, name, strlen(name)) || !strncmp(err, "mod.bin", 7),
               "error does not start with the file's name: \"%s\"", err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    if (!vm) {
        vm = vm_create(&(struct vm_config){ .ram_mb = 2, .cpu_level = CPU_P6 }, err,
                       sizeof(err));
        if (!vm)
            fuzz_fail("vm_create: %s", err);
    }
    static const uint32_t rams[] = { 1u << 20, 2u << 20, VM_MAX_RAM_MB << 20 };
    for (unsigned k = 0; k < 3; k++) {
        struct mb_image m;
        err[0] = 0;
        if (mb_parse(data, size, rams[k], "k.elf", &m, err, sizeof(err)) < 0) {
            check_error(err, "k.elf");
            continue;
        }
        FUZZ_CHECK(m.nseg >= 1 && m.nseg <= MB_MAX_SEGMENTS, "%u segments", m.nseg);
        FUZZ_CHECK(m.entry >= m.start && m.entry < m.end, "entry %#x outside [%#x, %#x)",
                   m.entry, m.start, m.end);
        FUZZ_CHECK(m.end <= rams[k], "image ends at %#x, past RAM", m.end);
        for (unsigned s = 0; s < m.nseg; s++) {
            const struct mb_segment *g = &m.seg[s];
            FUZZ_CHECK(g->filesz <= g->memsz, "segment %u: filesz > memsz", s);
            /* An empty segment is never read: any offset is fine (ELF). */
            FUZZ_CHECK(g->filesz == 0 || (uint64_t)g->offset + g->filesz <= size,
                       "segment %u past the file", s);
            FUZZ_CHECK((uint64_t)g->paddr + g->memsz <= rams[k], "segment %u past RAM", s);
        }
    }

    memset(vm->mem.ram, 0, vm->mem.ram_size);
    vm_invalidate_code(vm);
    cpu_reset(&vm->cpu);
    vm->exit_reason = VM_EXIT_NONE;
    vm->cpu.stop_request = false;
    static const uint8_t module[] = "a module: 0123456789abcdef";
    struct mb_boot b = {
        .kernel = data, .kernel_size = size, .kernel_name = "k.elf",
        .append = (size & 2) ? "console=ttyS0 root=/dev/ram0" : NULL,
        .module = (size & 1) ? module : NULL, .module_size = sizeof(module),
        .module_name = "mod.bin",
    };
    struct mb_result r;
    err[0] = 0;
    if (mb_load(vm, &b, &r, err, sizeof(err)) < 0) {
        check_error(err, "k.elf");
        return 0;
    }
    struct cpu *c = &vm->cpu;
    FUZZ_CHECK(r.entry < vm->mem.ram_size, "entry %#x beyond RAM", r.entry);
    FUZZ_CHECK(c->eip == r.entry && c->code32 && (c->cr0 & CR0_PE) && !(c->cr0 & CR0_PG),
               "CPU not at the entry in 32-bit protected mode");
    FUZZ_CHECK(c->gpr[R_EAX] == MB_BOOT_MAGIC && c->gpr[R_EBX] == r.info, "EAX/EBX");
    if (b.module)
        FUZZ_CHECK(r.mod_start <= r.mod_end && r.mod_end <= vm->mem.ram_size &&
                       r.mod_end - r.mod_start == sizeof(module) && !(r.mod_start & 0xFFF),
                   "module at [%#x, %#x)", r.mod_start, r.mod_end);
    engine_run(c->vm->engine, 200);
    return 0;
}
