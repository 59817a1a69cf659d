/* The PS/2 keyboard; see ps2_kbd.h. */
#include "dev/ps2_kbd.h"

#include <string.h>

#define TYPEMATIC_DEFAULT 0x2B  /* 500 ms, 10.9 characters/s */

static void notify(struct ps2_kbd *k)
{
    if (k->notify)
        k->notify(k->opaque);
}

/* Queues a whole sequence or, when it does not fit, the overrun code
 * (once: a second overrun in a row adds nothing). */
static void send(struct ps2_kbd *k, const uint8_t *b, unsigned n)
{
    if (ps2_queue_room(&k->q) < n) {
        uint8_t overrun = k->set == 1 ? 0xFF : 0x00;
        const struct ps2_queue *q = &k->q;
        bool already = q->len &&
            q->data[(q->head + q->len - 1) % PS2_QUEUE] == overrun;
        if (!already)
            ps2_queue_push(&k->q, overrun);
    } else {
        for (unsigned i = 0; i < n; i++)
            ps2_queue_push(&k->q, b[i]);
    }
    notify(k);
}

static void send1(struct ps2_kbd *k, uint8_t b)
{
    send(k, &b, 1);
}

static bool is_down(const struct ps2_kbd *k, unsigned key)
{
    return k->down[key / 8] & (1u << (key % 8));
}

static void stop_repeat(struct ps2_kbd *k)
{
    k->repeat_key = 0;
    timer_disarm(k->sched, &k->timer);
}

static void defaults(struct ps2_kbd *k)
{
    k->set = 2;
    k->typematic = TYPEMATIC_DEFAULT;
    stop_repeat(k);
}

void ps2_kbd_reset(struct ps2_kbd *k)
{
    k->q = (struct ps2_queue){ 0 };
    k->enabled = true;
    k->leds = 0;
    k->pending = 0;
    k->last = 0;
    memset(k->down, 0, sizeof(k->down));
    defaults(k);
}

/* Rate bits: period = (8 + A) * 2^B * 4.17 ms, A bits 2-0, B bits 4-3;
 * delay bits: (1 + D) * 250 ms (the keyboard reference's formulas). */
uint64_t ps2_kbd_period_ns(uint8_t typematic)
{
    uint64_t a = typematic & 7, b = (typematic >> 3) & 3;
    return (8 + a) * (1ull << b) * 4166667ull;
}

uint64_t ps2_kbd_delay_ns(uint8_t typematic)
{
    return (1 + ((typematic >> 5) & 3)) * 250000000ull;
}

/* The make or break sequence of an ordinary key. */
static unsigned sequence(const struct ps2_kbd *k, const struct ps2_scancode *s, bool down,
                         uint8_t *b)
{
    unsigned n = 0;
    if (s->e0)
        b[n++] = 0xE0;
    if (k->set == 1) {
        b[n++] = (uint8_t)(s->set1 | (down ? 0 : 0x80));
    } else {
        if (!down)
            b[n++] = 0xF0;
        b[n++] = s->set2;
    }
    return n;
}

static bool held(const struct ps2_kbd *k, unsigned a, unsigned b)
{
    return is_down(k, a) || is_down(k, b);
}

/* Pause (Break with Ctrl) and Print Screen (SysRq with Alt) have their
 * own sequences; Pause has no break code. */
static unsigned special(const struct ps2_kbd *k, unsigned key, bool down, uint8_t *b)
{
    static const uint8_t pause1[] = { 0xE1, 0x1D, 0x45, 0xE1, 0x9D, 0xC5 };
    static const uint8_t pause2[] = { 0xE1, 0x14, 0x77, 0xE1, 0xF0, 0x14, 0xF0, 0x77 };
    static const uint8_t prt1_make[] = { 0xE0, 0x2A, 0xE0, 0x37 };
    static const uint8_t prt1_break[] = { 0xE0, 0xB7, 0xE0, 0xAA };
    static const uint8_t prt2_make[] = { 0xE0, 0x12, 0xE0, 0x7C };
    static const uint8_t prt2_break[] = { 0xE0, 0xF0, 0x7C, 0xE0, 0xF0, 0x12 };
    const uint8_t *src;
    unsigned n;
    bool one = k->set == 1;
    if (key == PS2_KEY_PAUSE) {
        if (held(k, PS2_KEY_LEFTCTRL, PS2_KEY_RIGHTCTRL)) {   /* Break */
            static const struct ps2_scancode brk = { .set1 = 0x46, .set2 = 0x7E, .e0 = true };
            return sequence(k, &brk, down, b);
        }
        if (!down)
            return 0;
        src = one ? pause1 : pause2;
        n = one ? sizeof(pause1) : sizeof(pause2);
    } else {
        if (held(k, PS2_KEY_LEFTALT, PS2_KEY_RIGHTALT)) {     /* SysRq */
            static const struct ps2_scancode sysrq = { .set1 = 0x54, .set2 = 0x84 };
            return sequence(k, &sysrq, down, b);
        }
        if (one) {
            src = down ? prt1_make : prt1_break;
            n = down ? sizeof(prt1_make) : sizeof(prt1_break);
        } else {
            src = down ? prt2_make : prt2_break;
            n = down ? sizeof(prt2_make) : sizeof(prt2_break);
        }
    }
    memcpy(b, src, n);
    return n;
}

static void emit(struct ps2_kbd *k, unsigned key, bool down)
{
    const struct ps2_scancode *s = ps2_keymap(key);
    uint8_t b[8];
    unsigned n = s->special ? special(k, key, down, b) : sequence(k, s, down, b);
    if (n)
        send(k, b, n);
}

static void repeat(void *opaque, uint64_t now_ns)
{
    struct ps2_kbd *k = opaque;
    if (!k->repeat_key || !k->enabled)
        return;
    emit(k, k->repeat_key, true);
    /* Repeats keep their own beat; a guest that was not run for a while
     * (a stopped VM) gets one, not a burst. */
    uint64_t period = ps2_kbd_period_ns(k->typematic);
    k->repeat_at += period;
    if (k->repeat_at + 4 * period < now_ns)
        k->repeat_at = now_ns + period;
    timer_arm(k->sched, &k->timer, k->repeat_at);
}

void ps2_kbd_key(struct ps2_kbd *k, unsigned keycode, bool down)
{
    const struct ps2_scancode *s = ps2_keymap(keycode);
    if (!s || is_down(k, keycode) == down)
        return;          /* no such key, or the host's own repeat */
    if (down)
        k->down[keycode / 8] |= (uint8_t)(1u << (keycode % 8));
    else
        k->down[keycode / 8] &= (uint8_t)~(1u << (keycode % 8));
    if (!k->enabled)
        return;
    emit(k, keycode, down);
    if (down && !s->special) {
        k->repeat_key = (uint16_t)keycode;
        k->repeat_at = dev_clock_now(&k->clock) + ps2_kbd_delay_ns(k->typematic);
        timer_arm(k->sched, &k->timer, k->repeat_at);
    } else if (!down && k->repeat_key == keycode) {
        stop_repeat(k);
    }
}

/* A command with its argument `v`. */
static void argument(struct ps2_kbd *k, uint8_t cmd, uint8_t v)
{
    switch (cmd) {
    case 0xED:
        k->leds = v & 7;
        send1(k, 0xFA);
        break;
    case 0xF3:
        k->typematic = v & 0x7F;
        send1(k, 0xFA);
        break;
    case 0xF0:
        if (v == 0) {
            uint8_t b[2] = { 0xFA, k->set };
            send(k, b, 2);
        } else if (v == 1 || v == 2) {
            k->set = v;
            stop_repeat(k);
            send1(k, 0xFA);
        } else {
            send1(k, 0xFE);   /* set 3 (or nonsense): not supported */
        }
        break;
    }
}

void ps2_kbd_write(struct ps2_kbd *k, uint8_t v)
{
    if (k->pending && v < 0x80) {
        uint8_t cmd = k->pending;
        k->pending = 0;
        argument(k, cmd, v);
        return;
    }
    k->pending = 0;
    switch (v) {
    case 0xFF: {                       /* reset: ACK, then the self-test */
        uint8_t b[2] = { 0xFA, 0xAA };
        ps2_kbd_reset(k);
        send(k, b, 2);
        break;
    }
    case 0xFE:
        send1(k, k->last);
        break;
    case 0xF6:
    case 0xF5:
    case 0xF4:
        k->q.len = 0;                  /* the buffer is cleared */
        if (v != 0xF4)
            defaults(k);
        k->enabled = v != 0xF5;
        send1(k, 0xFA);
        break;
    case 0xF2: {                       /* identify: an MF2 keyboard */
        uint8_t b[3] = { 0xFA, 0xAB, 0x83 };
        send(k, b, 3);
        break;
    }
    case 0xED:
    case 0xF3:
    case 0xF0:
        k->pending = v;
        send1(k, 0xFA);
        break;
    case 0xEE:
        send1(k, 0xEE);
        break;
    case 0xF7: case 0xF8: case 0xF9: case 0xFA: case 0xFB: case 0xFC: case 0xFD:
        send1(k, 0xFA);
        break;
    default:
        send1(k, 0xFE);
        break;
    }
}

bool ps2_kbd_pop(struct ps2_kbd *k, uint8_t *b)
{
    if (!ps2_queue_pop(&k->q, b))
        return false;
    k->last = *b;
    return true;
}

void ps2_kbd_init(struct ps2_kbd *k, void (*notify_fn)(void *opaque), void *opaque)
{
    memset(k, 0, sizeof(*k));
    k->notify = notify_fn;
    k->opaque = opaque;
    timer_init(&k->timer, repeat, k, false);
    ps2_kbd_reset(k);
}

void ps2_kbd_connect(struct ps2_kbd *k, struct dev_clock clock, struct sched *sched)
{
    k->clock = clock;
    k->sched = sched;
}

void ps2_kbd_save(const struct ps2_kbd *k, struct state_out *out)
{
    ps2_queue_save(&k->q, out);
    state_put_u8(out, k->set);
    state_put_bool(out, k->enabled);
    state_put_u8(out, k->leds);
    state_put_u8(out, k->typematic);
    state_put_u8(out, k->pending);
    state_put_u8(out, k->last);
    state_put_u16(out, k->repeat_key);
    state_put_u64(out, k->repeat_at);
    state_put_bytes(out, k->down, sizeof(k->down));
}

void ps2_kbd_load(struct ps2_kbd *k, struct state_in *in)
{
    ps2_queue_load(&k->q, in);
    k->set = state_get_u8(in);
    k->enabled = state_get_bool(in);
    k->leds = state_get_u8(in);
    k->typematic = state_get_u8(in);
    k->pending = state_get_u8(in);
    k->last = state_get_u8(in);
    k->repeat_key = state_get_u16(in);
    k->repeat_at = state_get_u64(in);
    state_get_bytes(in, k->down, sizeof(k->down));
    bool pending_ok = !k->pending || k->pending == 0xED || k->pending == 0xF3 ||
                      k->pending == 0xF0;
    if ((k->set != 1 && k->set != 2) || k->leds > 7 || k->typematic > 0x7F || !pending_ok ||
        (k->repeat_key && (!ps2_keymap(k->repeat_key) || ps2_keymap(k->repeat_key)->special)))
        state_in_fail(in);
}

void ps2_kbd_loaded(struct ps2_kbd *k)
{
    if (k->repeat_key)
        timer_arm(k->sched, &k->timer, k->repeat_at);
    else
        timer_disarm(k->sched, &k->timer);
}
