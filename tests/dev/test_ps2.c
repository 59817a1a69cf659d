/* The PS/2 keyboard and mouse behind the 8042: scan codes read from port
 * 0x60 for keys typed through the input sink (dev/input.h) in sets 1 and 2
 * and with the controller's translation, the keyboard's commands and
 * typematic repeat on guest time, mouse packets, the IntelliMouse wheel,
 * IRQ 12, and a snapshot taken while a key repeats. */
#include <string.h>

#include "check.h"
#include "dev/board_util.h"
#include "dev/i8042.h"
#include "dev/ps2_keymap.h"

static struct vm *vm;
static struct i8042 *kbc;
static struct input_sink sink;
static struct pin_log irq1, irq12;
static uint64_t now;

static void out(uint16_t port, uint8_t v) { iobus_out(&vm->io, port, v, 1); }
static uint8_t in(uint16_t port) { return (uint8_t)iobus_in(&vm->io, port, 1); }

/* Reads every waiting byte (at most `max`) into `b`; returns the count.
 * `aux` (if not NULL) gets whether any came from the auxiliary port. */
static unsigned drain(uint8_t *b, unsigned max, bool *aux)
{
    unsigned n = 0;
    while (n < max && (in(0x64) & 1)) {
        if (aux && (in(0x64) & 0x20))
            *aux = true;
        b[n++] = in(0x60);
    }
    return n;
}

static bool expect(const uint8_t *want, unsigned n, const char *what)
{
    uint8_t got[64];
    unsigned m = drain(got, sizeof(got), NULL);
    bool ok = m == n && memcmp(got, want, n) == 0;
    if (!ok) {
        fprintf(stderr, "%s: got", what);
        for (unsigned i = 0; i < m; i++)
            fprintf(stderr, " %02x", got[i]);
        fprintf(stderr, ", want");
        for (unsigned i = 0; i < n; i++)
            fprintf(stderr, " %02x", want[i]);
        fprintf(stderr, "\n");
    }
    CHECK(ok);
    return ok;
}

#define EXPECT(what, ...) \
    expect((const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ }), what)

static void cmd_byte(uint8_t v)
{
    out(0x64, 0x60);
    out(0x60, v);
}

static void kbd(uint8_t v) { out(0x60, v); }
static void aux(uint8_t v) { out(0x64, 0xD4); out(0x60, v); }

static void tap(unsigned key)
{
    input_key(&sink, key, true);
    input_key(&sink, key, false);
}

/* The translation table agrees with the keymap for every key, and the
 * keymap covers a 105-key keyboard. */
static void test_keymap(void)
{
    unsigned keys = 0;
    for (unsigned code = 0; code < 300; code++) {
        const struct ps2_scancode *s = ps2_keymap(code);
        if (!s || s->special)
            continue;
        keys++;
        if (ps2_translate(s->set2) != s->set1)
            fprintf(stderr, "key %u: set 2 %02x translates to %02x, set 1 is %02x\n", code,
                    s->set2, ps2_translate(s->set2), s->set1);
        CHECK_EQ(ps2_translate(s->set2), s->set1);
    }
    CHECK(keys >= 103 + 20);           /* 105 less Pause and PrtSc, plus extras */
    CHECK(ps2_keymap(0) == NULL && ps2_keymap(84) == NULL && ps2_keymap(100000) == NULL);
}

static void test_set2(void)
{
    cmd_byte(0x04);                    /* no translation, no interrupts */
    kbd(0xFF);
    EXPECT("reset", 0xFA, 0xAA);
    kbd(0xF0); kbd(0x00);
    EXPECT("get set", 0xFA, 0xFA, 0x02);
    tap(30);
    EXPECT("A", 0x1C, 0xF0, 0x1C);
    tap(97);
    EXPECT("RCtrl", 0xE0, 0x14, 0xE0, 0xF0, 0x14);
    tap(119);
    EXPECT("Pause", 0xE1, 0x14, 0x77, 0xE1, 0xF0, 0x14, 0xF0, 0x77);
    tap(99);
    EXPECT("PrtSc", 0xE0, 0x12, 0xE0, 0x7C, 0xE0, 0xF0, 0x7C, 0xE0, 0xF0, 0x12);
    input_key(&sink, 56, true);        /* Alt + PrtSc: SysRq */
    tap(99);
    input_key(&sink, 56, false);
    EXPECT("SysRq", 0x11, 0x84, 0xF0, 0x84, 0xF0, 0x11);
    input_key(&sink, 29, true);        /* Ctrl + Pause: Break */
    tap(119);
    input_key(&sink, 29, false);
    EXPECT("Break", 0x14, 0xE0, 0x7E, 0xE0, 0xF0, 0x7E, 0xF0, 0x14);
    tap(84);                           /* no such key */
    tap(5000);
    EXPECT("unmapped");
}

static void test_translated(void)
{
    cmd_byte(0x44);
    tap(30);
    EXPECT("A translated", 0x1E, 0x9E);
    tap(106);
    EXPECT("Right translated", 0xE0, 0x4D, 0xE0, 0xCD);
    tap(119);
    EXPECT("Pause translated", 0xE1, 0x1D, 0x45, 0xE1, 0x9D, 0xC5);
    tap(99);
    EXPECT("PrtSc translated", 0xE0, 0x2A, 0xE0, 0x37, 0xE0, 0xB7, 0xE0, 0xAA);
    kbd(0xF2);
    EXPECT("identify translated", 0xFA, 0xAB, 0x41);
    kbd(0xF0); kbd(0x00);
    EXPECT("get set translated", 0xFA, 0xFA, 0x41);
}

/* Each byte is an edge on IRQ 1, also when the next one waits already
 * (the PIC is edge triggered). */
static void test_irq_edges(void)
{
    cmd_byte(0x45);
    irq1 = (struct pin_log){ 0 };
    tap(30);
    tap(31);
    CHECK_EQ(irq1.rises, 1);
    uint8_t b[8];
    CHECK_EQ(drain(b, sizeof(b), NULL), 4);
    CHECK_EQ(irq1.rises, 4);
    CHECK(!irq1.level);
}

/* Every key in set 1 reads the same as in set 2 through the translation. */
static void test_set1_all_keys(void)
{
    static uint8_t via2[4096], via1[4096];
    unsigned n2 = 0, n1 = 0;
    cmd_byte(0x44);
    for (unsigned code = 1; code < PS2_KEYMAP_SIZE; code++) {
        if (!ps2_keymap(code))
            continue;
        tap(code);
        n2 += drain(via2 + n2, sizeof(via2) - n2, NULL);
    }
    cmd_byte(0x04);
    kbd(0xF0); kbd(0x01);
    EXPECT("set 1", 0xFA, 0xFA);
    kbd(0xF0); kbd(0x00);
    EXPECT("get set 1", 0xFA, 0xFA, 0x01);
    for (unsigned code = 1; code < PS2_KEYMAP_SIZE; code++) {
        if (!ps2_keymap(code))
            continue;
        tap(code);
        n1 += drain(via1 + n1, sizeof(via1) - n1, NULL);
    }
    CHECK(n2 > 200);
    CHECK_EQ(n1, n2);
    CHECK(memcmp(via1, via2, n1) == 0);
    tap(30);
    EXPECT("A set 1", 0x1E, 0x9E);
    kbd(0xF0); kbd(0x03);
    EXPECT("set 3 refused", 0xFA, 0xFE);
    kbd(0xF0); kbd(0x02);
    EXPECT("set 2", 0xFA, 0xFA);
}

static void test_commands(void)
{
    cmd_byte(0x04);
    kbd(0xED); kbd(0x05);
    EXPECT("LEDs", 0xFA, 0xFA);
    CHECK_EQ(kbc->kbd.leds, 5);
    kbd(0xF3); kbd(0x00);
    EXPECT("typematic", 0xFA, 0xFA);
    CHECK_EQ(kbc->kbd.typematic, 0);
    kbd(0xEE);
    EXPECT("echo", 0xEE);
    kbd(0xFE);
    EXPECT("resend", 0xEE);
    kbd(0x01);
    EXPECT("not a command", 0xFE);
    kbd(0xED); kbd(0xF2);              /* a command instead of the argument */
    EXPECT("command for argument", 0xFA, 0xFA, 0xAB, 0x83);
    kbd(0xF5);
    EXPECT("disable", 0xFA);
    CHECK_EQ(kbc->kbd.typematic, 0x2B); /* defaults */
    tap(30);
    EXPECT("disabled");
    kbd(0xF4);
    EXPECT("enable", 0xFA);
    tap(30);
    EXPECT("enabled", 0x1C, 0xF0, 0x1C);
    kbd(0xF6);
    EXPECT("defaults", 0xFA);
    kbd(0xFA);
    EXPECT("set-3 key types", 0xFA);
    /* A full buffer: the controller holds bytes while its keyboard clock
     * is off; the keyboard drops what does not fit and says so once. */
    out(0x64, 0xAD);
    for (unsigned i = 0; i < 20; i++)
        tap(16 + (i % 10));
    out(0x64, 0xAE);
    uint8_t b[64];
    unsigned n = drain(b, sizeof(b), NULL);
    CHECK_EQ(n, PS2_QUEUE);
    CHECK_EQ(b[n - 1], 0x00);
    unsigned zeros = 0;
    for (unsigned i = 0; i < n; i++)
        zeros += b[i] == 0;
    CHECK_EQ(zeros, 1);
}

static void run_until(uint64_t t)
{
    now = t;
    sched_run_due(&vm->sched, now);
}

static void test_typematic(void)
{
    cmd_byte(0x04);
    kbd(0xF3); kbd(0x20);              /* 500 ms, 30/s (33.3 ms) */
    EXPECT("typematic 0x20", 0xFA, 0xFA);
    CHECK_EQ(ps2_kbd_period_ns(0x20), 8 * 4166667ull);
    CHECK_EQ(ps2_kbd_delay_ns(0x20), 500000000ull);
    CHECK_EQ(ps2_kbd_period_ns(0x1F), 15 * 8 * 4166667ull);   /* 2/s */
    CHECK_EQ(ps2_kbd_delay_ns(0x60), 1000000000ull);
    uint64_t t0 = now;
    input_key(&sink, 30, true);
    EXPECT("make", 0x1C);
    run_until(t0 + 499000000);
    EXPECT("before the delay");
    run_until(t0 + 500000000);
    EXPECT("first repeat", 0x1C);
    input_key(&sink, 30, true);        /* the host's own repeat */
    EXPECT("host repeat ignored");
    run_until(t0 + 500000000 + 33333336);
    EXPECT("second repeat", 0x1C);
    /* Another key takes over the repeat. */
    input_key(&sink, 31, true);
    EXPECT("S", 0x1B);
    while (now + 1000000 < t0 + 2000000000)   /* the run loop's slices */
        run_until(now + 1000000);
    run_until(t0 + 2000000000);

    uint8_t b[64];
    unsigned n = drain(b, sizeof(b), NULL);
    /* S repeats from its own press (at 533.3 ms): 500 ms later, then every
     * 33.3 ms until 2 s. */
    CHECK_EQ(n, 1 + (2000000000 - (533333336 + 500000000)) / 33333336);
    for (unsigned i = 0; i < n; i++)
        CHECK_EQ(b[i], 0x1B);
    input_key(&sink, 31, false);
    input_key(&sink, 30, false);
    EXPECT("breaks", 0xF0, 0x1B, 0xF0, 0x1C);
    run_until(now + 1000000000);
    EXPECT("no repeat after release");
}

/* A snapshot taken while a key repeats repeats on time in the copy. */
static void test_snapshot(void)
{
    cmd_byte(0x04);
    uint64_t t0 = now;
    input_key(&sink, 30, true);
    aux(0xF4);                         /* mouse on, and a packet waiting */
    input_pointer(&sink, 3, 0, 0, 0);
    input_pointer(&sink, 2, 0, 0, 0);
    struct state_out s;
    state_out_init(&s);
    kbc->dev.ops->save(&kbc->dev, &s);
    CHECK(!s.oom);
    EXPECT("before", 0x1C, 0xFA, 0x08, 0x03, 0x00, 0x08, 0x02, 0x00);
    input_key(&sink, 30, false);
    EXPECT("released", 0xF0, 0x1C);
    struct state_in in_ = state_in_of(s.buf, s.len);
    CHECK_EQ(kbc->dev.ops->load(&kbc->dev, &in_, false), 0);
    in_ = state_in_of(s.buf, s.len);
    CHECK_EQ(kbc->dev.ops->load(&kbc->dev, &in_, true), 0);
    EXPECT("restored", 0x1C, 0xFA, 0x08, 0x03, 0x00, 0x08, 0x02, 0x00);
    run_until(t0 + 500000000);
    EXPECT("repeat after restore", 0x1C);
    input_key(&sink, 30, false);
    EXPECT("release after restore", 0xF0, 0x1C);
    aux(0xF5);
    EXPECT("mouse off", 0xFA);
    state_out_free(&s);
}

static void test_mouse(void)
{
    cmd_byte(0x47);                    /* both interrupts, translation */
    irq12 = (struct pin_log){ 0 };
    aux(0xFF);
    CHECK(irq12.level);
    bool from_aux = false;
    uint8_t b[16];
    CHECK_EQ(drain(b, 3, &from_aux), 3);
    CHECK(from_aux);
    CHECK(b[0] == 0xFA && b[1] == 0xAA && b[2] == 0x00);  /* not translated */
    CHECK(!irq12.level);
    aux(0xF2);
    EXPECT("id 0", 0xFA, 0x00);
    aux(0xE9);
    EXPECT("status", 0xFA, 0x00, 0x02, 0x64);
    input_pointer(&sink, 5, 5, 0, 0);  /* reporting off: nothing */
    EXPECT("off");
    aux(0xF4);
    EXPECT("on", 0xFA);
    input_pointer(&sink, 10, 5, 0, 0);
    EXPECT("packet", 0x28, 0x0A, 0xFB);                 /* down is negative Y */
    input_pointer(&sink, -300, 0, 0, INPUT_BUTTON_LEFT);
    EXPECT("big move", 0x19, 0x00, 0x00, 0x19, 0xD4, 0x00);
    input_pointer(&sink, 0, 0, 0, INPUT_BUTTON_LEFT | INPUT_BUTTON_RIGHT);
    EXPECT("buttons", 0x0B, 0x00, 0x00);
    input_pointer(&sink, 0, 0, 3, 0);  /* no wheel yet: ignored */
    EXPECT("released", 0x08, 0x00, 0x00);
    aux(0xE7);
    input_pointer(&sink, 4, 0, 0, 0);
    EXPECT("2:1", 0xFA, 0x08, 0x06, 0x00);
    aux(0xE6);
    EXPECT("1:1", 0xFA);
    /* The IntelliMouse knock. */
    aux(0xF3); aux(200); aux(0xF3); aux(100); aux(0xF3); aux(80);
    EXPECT("rates", 0xFA, 0xFA, 0xFA, 0xFA, 0xFA, 0xFA);
    aux(0xF2);
    EXPECT("id 3", 0xFA, 0x03);
    input_pointer(&sink, 1, -1, 2, 0);
    EXPECT("wheel down", 0x08, 0x01, 0x01, 0x02);
    input_pointer(&sink, 0, 0, -1, 0);
    EXPECT("wheel up", 0x08, 0x00, 0x00, 0xFF);
    aux(0xF3); aux(200); aux(0xF3); aux(200); aux(0xF3); aux(80);
    aux(0xF2);
    EXPECT("id 4", 0xFA, 0xFA, 0xFA, 0xFA, 0xFA, 0xFA, 0xFA, 0x04);
    input_pointer(&sink, 0, 0, -20, 0);
    EXPECT("explorer wheel", 0x08, 0x00, 0x00, 0x08, 0x08, 0x00, 0x00, 0x08, 0x08, 0x00, 0x00,
           0x0C);
    aux(0xF3); aux(55);
    EXPECT("bad rate", 0xFA, 0xFE);
    aux(0xE8); aux(3);
    aux(0xE9);
    EXPECT("resolution", 0xFA, 0xFA, 0xFA, 0x20, 0x03, 0x50);
    /* The aux clock off holds the mouse's bytes. */
    out(0x64, 0xA7);
    input_pointer(&sink, 1, 0, 0, 0);
    EXPECT("aux off");
    out(0x64, 0xA8);
    EXPECT("aux on", 0x08, 0x01, 0x00, 0x00);
    /* Remote mode: only 0xEB reads. */
    aux(0xF0);
    input_pointer(&sink, 7, 0, 0, 0);
    EXPECT("remote", 0xFA);
    aux(0xEB);
    EXPECT("read data", 0xFA, 0x08, 0x07, 0x00, 0x00);
    aux(0xEA);
    EXPECT("stream", 0xFA);
    /* Wrap mode echoes. */
    aux(0xEE);
    aux(0x42);
    aux(0xEC);
    EXPECT("wrap", 0xFA, 0x42, 0xFA);
    aux(0x00);
    EXPECT("unknown", 0xFE);
    aux(0xFE);
    EXPECT("resend", 0xFE);
    /* Many packets at once: as many as fit, the rest after reading. */
    input_pointer(&sink, 100000, 0, 0, 0);
    unsigned total = 0, n;
    while ((n = drain(b, sizeof(b), NULL)) != 0)
        total += n;
    CHECK_EQ(total, 4 * ((100000 + 254) / 255));
    aux(0xFF);
    EXPECT("reset", 0xFA, 0xAA, 0x00);
    CHECK(!irq12.level);
}

int main(void)
{
    vm = board_vm(2);
    kbc = i8042_create(log_pin(&irq1), log_pin(&irq12), (struct signal_line){ 0 },
                       (struct signal_request){ 0 });
    CHECK(kbc != NULL);
    i8042_connect(kbc, fake_clock(&now), &vm->sched);
    board_add(vm, &kbc->dev);
    sink = i8042_input(kbc);
    test_keymap();
    test_set2();
    test_translated();
    test_irq_edges();
    test_set1_all_keys();
    test_commands();
    test_typematic();
    test_snapshot();
    test_mouse();
    vm_destroy(vm);
    return check_report();
}
