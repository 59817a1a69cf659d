/* Two VMs in one process: each runs its own guest in small slices,
 * interleaved, and each one's serial output must be its own and complete.
 * This is what "no global mutable state" buys (DESIGN.md section 2).
 * usage: test_two_vms GUEST_A.rom GUEST_B.rom  (tests/guests/serial_msg.S) */
#include <stdlib.h>

#include "check.h"
#include "dev/chardev.h"
#include "guest_util.h"

struct guest {
    struct pc *pc;
    struct char_buffer out;
    bool done;
    enum vm_exit_reason why;
    int code;
    uint64_t slices;
};

/* What serial_msg.S prints for a variant. */
static char *expected(const char *prefix, unsigned lines)
{
    size_t cap = lines * 64 + 1, len = 0;
    char *s = malloc(cap);
    s[0] = 0;
    for (unsigned i = 0; i < lines; i++)
        len += (size_t)snprintf(s + len, cap - len, "%s%u\n", prefix, i);
    return s;
}

static void run_slice(struct guest *g, uint64_t budget)
{
    if (g->done)
        return;
    g->slices++;
    enum vm_exit_reason why = vm_run(g->pc->vm, budget);
    if (why != VM_EXIT_INSN_LIMIT) {
        g->done = true;
        g->why = why;
        g->code = g->pc->vm->exit_code;
    }
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s GUEST_A.rom GUEST_B.rom\n", argv[0]);
        return 2;
    }
    struct guest a = { 0 }, b = { 0 };
    a.pc = boot_rom(argv[1], &a.out, NULL);
    b.pc = boot_rom(argv[2], &b.out, NULL);

    /* Budgets that are prime and different, so the slices of the two VMs end
     * at unrelated points in their guests.  The cap stops a broken CPU. */
    bool interleaved = false;
    for (unsigned i = 0; i < 1000000 && !(a.done && b.done); i++) {
        run_slice(&a, 37);
        run_slice(&b, 53);
        if (!a.done && !b.done && a.out.len > 0 && b.out.len > 0)
            interleaved = true;
    }
    CHECK(a.done && b.done);
    CHECK(interleaved);
    CHECK(a.slices > 10 && b.slices > 10);

    char *want_a = expected("guest A line ", 40);
    char *want_b = expected("guest B says hello ", 70);
    CHECK_STR((char *)a.out.data, want_a);
    CHECK_STR((char *)b.out.data, want_b);
    CHECK_EQ(a.why, VM_EXIT_GUEST_EXIT);
    CHECK_EQ(b.why, VM_EXIT_GUEST_EXIT);
    CHECK_EQ(a.code, (0x10 << 1) | 1);
    CHECK_EQ(b.code, (0x11 << 1) | 1);
    fprintf(stderr, "A: %llu slices, %llu insns; B: %llu slices, %llu insns\n",
            (unsigned long long)a.slices, (unsigned long long)a.pc->vm->cpu.icount,
            (unsigned long long)b.slices, (unsigned long long)b.pc->vm->cpu.icount);

    free(want_a);
    free(want_b);
    pc_destroy(a.pc);
    pc_destroy(b.pc);
    char_buffer_free(&a.out);
    char_buffer_free(&b.out);
    return check_report();
}
