/* The 8042 keyboard controller; see i8042.h. */
#include "dev/i8042.h"

#include <stdlib.h>

#include <stdio.h>

static bool q_push(struct i8042_queue *q, uint8_t b)
{
    if (q->len >= I8042_QUEUE)
        return false;
    q->data[(q->head + q->len) % I8042_QUEUE] = b;
    q->len++;
    return true;
}

static uint8_t q_pop(struct i8042_queue *q)
{
    uint8_t b = q->data[q->head];
    q->head = (uint8_t)((q->head + 1) % I8042_QUEUE);
    q->len--;
    return b;
}

static void update_irq(struct i8042 *k)
{
    uint8_t cb = k->ram[0];
    bool i1 = k->obf && !k->out_aux && (cb & I8042_CB_KBD_INT);
    bool i12 = k->obf && k->out_aux && (cb & I8042_CB_AUX_INT);
    if (i1 != k->irq1_level) {
        k->irq1_level = i1;
        irq_pin_set(&k->irq1, i1);
    }
    if (i12 != k->irq12_level) {
        k->irq12_level = i12;
        irq_pin_set(&k->irq12, i12);
    }
}

/* Moves the next byte into an empty output buffer: controller replies
 * first, then the keyboard's (translated when the command byte says so),
 * then the mouse's; a port whose clock is off holds its bytes. */
static void refill(struct i8042 *k)
{
    uint8_t cb = k->ram[0], b;
    /* Taking a mouse byte can queue the next packet, whose notification
     * comes back here: the outer call is still filling the buffer. */
    if (k->refilling)
        return;
    k->refilling = true;
    if (!k->obf) {
        if (k->ctl.len) {
            k->out_aux = k->ctl_aux[k->ctl.head];
            k->out = q_pop(&k->ctl);
            k->obf = true;
        }
        while (!k->obf && !(cb & I8042_CB_KBD_OFF) && ps2_kbd_pop(&k->kbd, &b)) {
            if (cb & I8042_CB_XLATE) {
                if (b == 0xF0) {
                    k->xlate_break = true;
                    continue;
                }
                b = (uint8_t)(ps2_translate(b) | (k->xlate_break ? 0x80 : 0));
                k->xlate_break = false;
            }
            k->out_aux = false;
            k->out = b;
            k->obf = true;
        }
        if (!k->obf && !(cb & I8042_CB_AUX_OFF) && ps2_mouse_pop(&k->mouse, &b)) {
            k->out_aux = true;
            k->out = b;
            k->obf = true;
        }
    }
    k->refilling = false;
    update_irq(k);
}

static void reply(struct i8042 *k, uint8_t b, bool aux)
{
    if (k->ctl.len < I8042_QUEUE)
        k->ctl_aux[(k->ctl.head + k->ctl.len) % I8042_QUEUE] = aux;
    q_push(&k->ctl, b);
    refill(k);
}

static void device_ready(void *opaque)
{
    refill(opaque);
}

static void write_outport(struct i8042 *k, uint8_t v)
{
    k->outport = v;
    if (signal_get(&k->a20) != (bool)(v & 2))
        signal_set(&k->a20, v & 2);
    if (!(v & 1)) {
        k->resets++;
        signal_fire(&k->reset, 0);
    }
}

static void command(struct i8042 *k, uint8_t c)
{
    if (c >= 0x20 && c <= 0x3F) {
        reply(k, k->ram[c & 0x1F], false);
        return;
    }
    if ((c >= 0x60 && c <= 0x7F) || c == 0xD1 || c == 0xD2 || c == 0xD3 || c == 0xD4) {
        k->pending = c;
        return;
    }
    if (c >= 0xF0) {
        if (!(c & 1)) {
            k->resets++;
            signal_fire(&k->reset, 0);
        }
        return;
    }
    switch (c) {
    case 0xA7: k->ram[0] |= I8042_CB_AUX_OFF; break;
    case 0xA8:
        k->ram[0] &= (uint8_t)~I8042_CB_AUX_OFF;
        refill(k);
        break;
    case 0xA9: reply(k, 0x00, false); break;
    case 0xAA:
        k->status |= I8042_STAT_SYS;
        reply(k, 0x55, false);
        break;
    case 0xAB: reply(k, 0x00, false); break;
    case 0xAD: k->ram[0] |= I8042_CB_KBD_OFF; break;
    case 0xAE:
        k->ram[0] &= (uint8_t)~I8042_CB_KBD_OFF;
        refill(k);
        break;
    case 0xC0: reply(k, 0x80, false); break;  /* keyboard not inhibited */
    case 0xD0: {
        uint8_t v = (uint8_t)(k->outport & 0x0F);
        if (k->obf && !k->out_aux)
            v |= 0x10;
        if (k->obf && k->out_aux)
            v |= 0x20;
        reply(k, v, false);
        break;
    }
    default:
        break;
    }
}

static void data_write(struct i8042 *k, uint8_t v)
{
    uint8_t p = k->pending;
    k->pending = 0;
    if (p >= 0x60 && p <= 0x7F) {
        k->ram[p & 0x1F] = v;
        if (p == 0x60) {
            if (v & I8042_CB_SYS)
                k->status |= I8042_STAT_SYS;
            else
                k->status &= (uint8_t)~I8042_STAT_SYS;
            refill(k);
        }
        return;
    }
    switch (p) {
    case 0xD1: write_outport(k, v); return;
    case 0xD2: reply(k, v, false); return;
    case 0xD3: reply(k, v, true); return;
    case 0xD4: ps2_mouse_write(&k->mouse, v); return;
    default: ps2_kbd_write(&k->kbd, v); return;
    }
}

static void i8042_out(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    struct i8042 *k = opaque;
    if (port == I8042_CMD) {
        k->status |= I8042_STAT_CMD;
        command(k, (uint8_t)value);
    } else {
        k->status &= (uint8_t)~I8042_STAT_CMD;
        data_write(k, (uint8_t)value);
    }
}

static uint32_t i8042_in(void *opaque, uint16_t port, unsigned size)
{
    struct i8042 *k = opaque;
    if (port == I8042_CMD) {
        uint8_t s = (uint8_t)(k->status | I8042_STAT_UNLOCKED);
        if (k->obf)
            s |= I8042_STAT_OBF | (k->out_aux ? I8042_STAT_AUX : 0);
        k->status &= (uint8_t)~I8042_STAT_TIMEOUT;
        return s;
    }
    uint8_t v = k->out;  /* an empty buffer reads its last byte again */
    k->obf = false;
    /* The line drops before the next byte raises it again: an edge-
     * triggered PIC sees each byte (the next one is clocked in from the
     * device some time after the read on real hardware). */
    update_irq(k);
    refill(k);
    return v;
}

void i8042_reset(struct i8042 *k)
{
    for (unsigned i = 0; i < 32; i++)
        k->ram[i] = 0;
    /* What firmware leaves: keyboard interrupt, system flag, translation. */
    k->ram[0] = I8042_CB_KBD_INT | I8042_CB_SYS | I8042_CB_XLATE;
    k->status = I8042_STAT_SYS;
    k->outport = 0x03;  /* running, A20 open (the line itself is the board's) */
    k->pending = 0;
    k->obf = false;
    k->out_aux = false;
    k->out = 0;
    k->ctl = (struct i8042_queue){ 0 };
    k->xlate_break = false;
    ps2_kbd_reset(&k->kbd);
    ps2_mouse_reset(&k->mouse);
    update_irq(k);
}

static void i8042_dev_reset(struct device *d)
{
    i8042_reset(container_of(d, struct i8042, dev));
}

/* The controller's queue is saved as its bytes in order (not the ring's
 * layout), each with its port. */
static void queue_save(const struct i8042_queue *q, const bool *aux, struct state_out *out)
{
    state_put_u8(out, q->len);
    for (unsigned i = 0; i < q->len; i++) {
        unsigned at = (q->head + i) % I8042_QUEUE;
        state_put_u8(out, q->data[at]);
        state_put_bool(out, aux[at]);
    }
}

static void queue_load(struct i8042_queue *q, bool *aux, struct state_in *in)
{
    q->head = 0;
    q->len = state_get_u8(in);
    if (q->len > I8042_QUEUE) {
        state_in_fail(in);
        q->len = 0;
    }
    for (unsigned i = 0; i < q->len; i++) {
        q->data[i] = state_get_u8(in);
        aux[i] = state_get_bool(in);
    }
}

static void i8042_save(const struct device *d, struct state_out *out)
{
    const struct i8042 *k = container_of(d, const struct i8042, dev);
    state_put_bytes(out, k->ram, sizeof(k->ram));
    state_put_u8(out, k->status);
    state_put_u8(out, k->outport);
    state_put_u8(out, k->pending);
    state_put_bool(out, k->obf);
    state_put_bool(out, k->out_aux);
    state_put_u8(out, k->out);
    queue_save(&k->ctl, k->ctl_aux, out);
    state_put_bool(out, k->xlate_break);
    ps2_kbd_save(&k->kbd, out);
    ps2_mouse_save(&k->mouse, out);
}

/* The A20 line is the board's (saved with the memory map), so a load
 * does not drive it; the IRQ levels follow from the state. */
static int i8042_load(struct device *d, struct state_in *in, bool commit)
{
    struct i8042 *k = container_of(d, struct i8042, dev);
    struct i8042 n = *k;
    state_get_bytes(in, n.ram, sizeof(n.ram));
    n.status = state_get_u8(in);
    n.outport = state_get_u8(in);
    n.pending = state_get_u8(in);
    n.obf = state_get_bool(in);
    n.out_aux = state_get_bool(in);
    n.out = state_get_u8(in);
    queue_load(&n.ctl, n.ctl_aux, in);
    n.xlate_break = state_get_bool(in);
    ps2_kbd_load(&n.kbd, in);
    ps2_mouse_load(&n.mouse, in);
    /* status keeps bits 2, 3 and 6 only. */
    if (n.status & ~(I8042_STAT_SYS | I8042_STAT_CMD | I8042_STAT_TIMEOUT))
        state_in_fail(in);
    if (!state_in_ok(in, true))
        return -1;
    if (commit) {
        struct timer t = k->kbd.timer;   /* linked in the scheduler */
        *k = n;
        k->kbd.timer = t;
        ps2_kbd_loaded(&k->kbd);
        update_irq(k);
    }
    return 0;
}

static void i8042_dump(const struct device *d, char *buf, size_t len)
{
    const struct i8042 *k = container_of(d, const struct i8042, dev);
    snprintf(buf, len,
             "cmd-byte %02x status %02x outport %02x obf %d queued %u+%u+%u set %u leds %x "
             "mouse-id %u mode %02x",
             k->ram[0], k->status, k->outport, k->obf, k->ctl.len, k->kbd.q.len, k->mouse.q.len,
             k->kbd.set, k->kbd.leds, k->mouse.id, k->mouse.mode);
}

static const struct io_ops i8042_io = { .in = i8042_in, .out = i8042_out };
static const struct device_ops i8042_ops = {
    .type = "i8042", .reset = i8042_dev_reset, .save = i8042_save, .load = i8042_load,
    .dump = i8042_dump, .destroy = device_free,
};
_Static_assert(offsetof(struct i8042, dev) == 0, "device_free frees the state");

struct i8042 *i8042_create(struct irq_pin irq1, struct irq_pin irq12, struct signal_line a20,
                           struct signal_request reset)
{
    struct i8042 *k = calloc(1, sizeof(*k));
    if (!k)
        return NULL;
    device_init(&k->dev, &i8042_ops, "i8042");
    device_add_ports(&k->dev, I8042_DATA, 1, &i8042_io, k);
    device_add_ports(&k->dev, I8042_CMD, 1, &i8042_io, k);
    k->irq1 = irq1;
    k->irq12 = irq12;
    k->a20 = a20;
    k->reset = reset;
    ps2_kbd_init(&k->kbd, device_ready, k);
    ps2_mouse_init(&k->mouse, device_ready, k);
    i8042_reset(k);
    return k;
}

void i8042_connect(struct i8042 *k, struct dev_clock clock, struct sched *sched)
{
    ps2_kbd_connect(&k->kbd, clock, sched);
}

static void sink_key(void *opaque, unsigned keycode, bool down)
{
    struct i8042 *k = opaque;
    ps2_kbd_key(&k->kbd, keycode, down);
}

static void sink_pointer(void *opaque, int dx, int dy, int dz, unsigned buttons)
{
    struct i8042 *k = opaque;
    ps2_mouse_move(&k->mouse, dx, dy, dz, buttons);
}

struct input_sink i8042_input(struct i8042 *k)
{
    return (struct input_sink){ .key = sink_key, .pointer = sink_pointer, .opaque = k };
}

