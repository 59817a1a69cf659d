/* A guest that does exactly N port writes (tests/guests/port_writes.S):
 * every write must reach its device once, in order, and the 32-bit OUT to
 * the debug-exit port must stop the VM with the right status.
 * usage: test_port_writes port_writes.rom */
#include "check.h"
#include "dev/chardev.h"
#include "dev/post.h"
#include "guest_util.h"

#define N_WRITES 1000
#define EXIT_VALUE 0x21

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s port_writes.rom\n", argv[0]);
        return 2;
    }
    struct char_buffer con = { 0 };
    struct pc *pc = boot_rom(argv[1], NULL, &con);
    struct vm *vm = pc->vm;

    /* A generous cap: the guest needs about 10 instructions per write. */
    enum vm_exit_reason why = vm_run(vm, 100 * N_WRITES);
    CHECK_EQ(why, VM_EXIT_GUEST_EXIT);
    CHECK_EQ(vm->exit_code, (EXIT_VALUE << 1) | 1);

    CHECK_EQ(con.len, N_WRITES);
    unsigned bad = 0;
    for (unsigned i = 0; i < con.len; i++)
        if (con.data[i] != 'a' + i % 26)
            bad++;
    CHECK_EQ(bad, 0);

    CHECK_EQ(pc->post->count, N_WRITES);
    CHECK_EQ(pc->post->last, (N_WRITES - 1) & 0xFF);
    for (unsigned n = 0; n < POST_RING; n++)
        CHECK_EQ(post_recent(pc->post, n), (N_WRITES - 1 - n) & 0xFF);

    /* Nothing runs after the exit: a second run does not write again. */
    vm_run(vm, 1000);
    CHECK_EQ(con.len, N_WRITES);

    pc_destroy(pc);
    char_buffer_free(&con);
    return check_report();
}
