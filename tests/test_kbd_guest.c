/* Keys and the pointer through the board's frontend API (pc_input, the
 * input_sink every frontend uses) into a guest: the kbd_echo test kernel
 * (tests/guest/kbd_echo.S) on the whole board, -icount for repeatable
 * runs, reads the 8042 on IRQ 1 and 12 through the PICs and prints what it
 * gets on COM1.  Also typematic as the guest sees it: a held key repeats
 * on guest time.
 *
 * usage: test_kbd_guest KBD_ECHO_ELF */
#include <string.h>

#include "check.h"
#include "dev/chardev.h"
#include "dev/input.h"
#include "pc/pc.h"

static struct pc *pc;
static struct char_buffer out;

/* Runs the guest until its output contains `want` after position `from`
 * (or about 2 s of guest time); returns where the match ends, or 0. */
static size_t find(const char *want, size_t from)
{
    if (!out.data || out.len <= from)
        return 0;
    const char *hit = strstr((const char *)out.data + from, want);
    return hit ? (size_t)(hit - (const char *)out.data) + strlen(want) : 0;
}

static size_t run_until(const char *want, size_t from)
{
    size_t at = find(want, from);
    /* A guest halted with nothing to wake it (no host hooks here) comes
     * back at once: the input we gave raises its IRQ for the next run. */
    for (int i = 0; i < 2000 && !at; i++) {
        enum vm_exit_reason r = vm_run(pc->vm, 20000);
        at = find(want, from);
        if (r != VM_EXIT_INSN_LIMIT && r != VM_EXIT_HALTED && r != VM_EXIT_NONE)
            break;
    }
    if (!at)
        fprintf(stderr, "no '%s' after %zu; output:\n%s\n", want, from,
                out.data ? (const char *)out.data : "");
    return at;
}

static void stop_run(void *opaque, uint64_t now)
{
    (void)now;
    vm_request_exit(opaque, VM_EXIT_QUIT, 0);
}

static unsigned count(const char *what, size_t from)
{
    unsigned n = 0;
    for (const char *p = (const char *)out.data + from; (p = strstr(p, what)); p++)
        n++;
    return n;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_kbd_guest KBD_ECHO_ELF\n");
        return 2;
    }
    struct pc_config cfg = {
        .ram_mb = 4, .cpu_level = CPU_586, .kernel_path = argv[1], .has_serial = true,
        .serial_out = char_sink_buffer(&out), .icount = true, .icount_shift = 3,
        .no_reboot = true, .nographic = true,
    };
    char err[256];
    pc = pc_create(&cfg, err, sizeof(err));
    if (!pc) {
        fprintf(stderr, "pc_create: %s\n", err);
        return 1;
    }
    struct input_sink in = pc_input(pc);
    size_t at = run_until("ready", 0);
    CHECK(at != 0);
    /* A: set 2 0x1C from the keyboard, 0x1E after the 8042's translation. */
    input_key(&in, 30, true);
    at = run_until("k 0x0000001e", at);
    CHECK(at != 0);
    input_key(&in, 30, false);
    at = run_until("k 0x0000009e", at);
    CHECK(at != 0);
    /* Right Ctrl: E0 1D / E0 9D. */
    input_key(&in, 97, true);
    input_key(&in, 97, false);
    at = run_until("k 0x000000e0\r\nk 0x0000001d\r\nk 0x000000e0\r\nk 0x0000009d", at);
    CHECK(at != 0);
    /* Held for about 1.2 s of guest time: 500 ms, then 10.9/s. */
    input_key(&in, 48, true);                       /* B: 0x30 */
    size_t held = at;
    uint64_t t0 = vm_now_ns(pc->vm);
    /* vm_run counts instructions, which a halted guest does not spend:
     * a timer of ours stops the run at 1.2 s. */
    struct timer stop;
    timer_init(&stop, stop_run, pc->vm, false);
    timer_arm(&pc->vm->sched, &stop, t0 + 1200000000ull);
    for (int i = 0; i < 1000 && vm_run(pc->vm, 0) != VM_EXIT_QUIT; i++)
        ;
    CHECK(vm_now_ns(pc->vm) - t0 < 1201000000ull);
    input_key(&in, 48, false);
    at = run_until("k 0x000000b0", held);
    CHECK(at != 0);
    unsigned makes = count("k 0x00000030", held);
    if (makes != 9)
        fprintf(stderr, "%u makes of B\n", makes);
    CHECK_EQ(makes, 9);                 /* at 0, then at 500 ms + k * 91.7 ms, k = 0..7 */
    /* The mouse: the guest sums X. */
    input_pointer(&in, 25, 0, 0, 0);
    at = run_until("m 0x00000019", at);
    CHECK(at != 0);
    input_pointer(&in, -5, 3, 0, INPUT_BUTTON_LEFT);
    at = run_until("m 0x00000014", at);
    CHECK(at != 0);
    /* Esc ends the guest with PASS. */
    input_key(&in, 1, true);
    CHECK(run_until("PASS kbd_echo", at) != 0);
    CHECK_EQ(pc->vm->exit_reason, VM_EXIT_GUEST_EXIT);
    pc_destroy(pc);
    char_buffer_free(&out);
    return check_report();
}
