/* The PS/2 mouse; see ps2_mouse.h. */
#include "dev/ps2_mouse.h"

#include <string.h>

#include "dev/input.h"

/* Motion larger than this is clamped on its way in: a pointer that jumps
 * further in one event than any packet sequence would carry. */
#define MOTION_MAX (1 << 20)

static void notify(struct ps2_mouse *m)
{
    if (m->notify)
        m->notify(m->opaque);
}

static void send(struct ps2_mouse *m, const uint8_t *b, unsigned n)
{
    if (ps2_queue_room(&m->q) < n)
        return;
    for (unsigned i = 0; i < n; i++)
        ps2_queue_push(&m->q, b[i]);
    notify(m);
}

static void send1(struct ps2_mouse *m, uint8_t b)
{
    send(m, &b, 1);
}

static int clamp(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* 2:1 scaling (stream mode only): 1, 1, 3, 6, 9, then twice the count. */
static int scale21(int v)
{
    static const int small[6] = { 0, 1, 1, 3, 6, 9 };
    int a = v < 0 ? -v : v;
    int s = a < 6 ? small[a] : 2 * a;
    return v < 0 ? -s : s;
}

static unsigned packet_size(const struct ps2_mouse *m)
{
    return m->id ? 4 : 3;
}

/* Takes one packet's worth of the pending motion into the buffer. */
static void packet(struct ps2_mouse *m, bool scaled)
{
    int dx = clamp(m->dx, -256, 255), dy = clamp(m->dy, -256, 255);
    int zmax = m->id == 4 ? 7 : 127;
    int dz = clamp(m->dz, -zmax - 1, zmax);
    m->dx -= dx;
    m->dy -= dy;
    m->dz -= dz;
    if (scaled) {
        dx = clamp(scale21(dx), -256, 255);
        dy = clamp(scale21(dy), -256, 255);
    }
    uint8_t b[4];
    b[0] = (uint8_t)(0x08 | (m->buttons & 7) | (dx < 0 ? 0x10 : 0) | (dy < 0 ? 0x20 : 0));
    b[1] = (uint8_t)dx;
    b[2] = (uint8_t)dy;
    if (m->id == 4)
        b[3] = (uint8_t)((dz & 0x0F) | ((m->buttons >> 3) & 3) << 4);
    else
        b[3] = (uint8_t)dz;
    m->changed = false;
    send(m, b, packet_size(m));
}

static bool streaming(const struct ps2_mouse *m)
{
    return (m->mode & (PS2_MOUSE_ENABLED | PS2_MOUSE_REMOTE)) == PS2_MOUSE_ENABLED && !m->wrap;
}

/* Streams what is pending while whole packets fit. */
static void flush(struct ps2_mouse *m)
{
    if (!streaming(m))
        return;
    while ((m->dx || m->dy || m->dz || m->changed) && ps2_queue_room(&m->q) >= packet_size(m))
        packet(m, m->mode & PS2_MOUSE_SCALE21);
}

void ps2_mouse_move(struct ps2_mouse *m, int dx, int dy, int dz, unsigned buttons)
{
    uint8_t b = (uint8_t)(((buttons & INPUT_BUTTON_LEFT) ? 1 : 0) |
                          ((buttons & INPUT_BUTTON_RIGHT) ? 2 : 0) |
                          ((buttons & INPUT_BUTTON_MIDDLE) ? 4 : 0));
    if (b != m->buttons)
        m->changed = true;
    m->buttons = b;
    m->dx = clamp(m->dx + clamp(dx, -MOTION_MAX, MOTION_MAX), -MOTION_MAX, MOTION_MAX);
    m->dy = clamp(m->dy - clamp(dy, -MOTION_MAX, MOTION_MAX), -MOTION_MAX, MOTION_MAX);
    if (m->id)
        m->dz = clamp(m->dz + clamp(dz, -MOTION_MAX, MOTION_MAX), -MOTION_MAX, MOTION_MAX);
    flush(m);
}

static void defaults(struct ps2_mouse *m)
{
    m->mode = 0;
    m->rate = 100;
    m->resolution = 2;
    m->dx = m->dy = m->dz = 0;
    m->changed = false;
}

void ps2_mouse_reset(struct ps2_mouse *m)
{
    m->q = (struct ps2_queue){ 0 };
    defaults(m);
    m->id = 0;
    m->pending = 0;
    m->last = 0;
    m->wrap = false;
    memset(m->rates, 0, sizeof(m->rates));
    m->buttons = 0;
}

/* The IntelliMouse knocks: sample rates 200, 100, 80 give ID 3; then 200,
 * 200, 80 give ID 4. */
static void sample_rate(struct ps2_mouse *m, uint8_t v)
{
    m->rate = v;
    m->rates[0] = m->rates[1];
    m->rates[1] = m->rates[2];
    m->rates[2] = v;
    if (m->rates[0] == 200 && m->rates[1] == 100 && m->rates[2] == 80)
        m->id = 3;
    else if (m->id == 3 && m->rates[0] == 200 && m->rates[1] == 200 && m->rates[2] == 80)
        m->id = 4;
}

static bool valid_rate(uint8_t v)
{
    static const uint8_t rates[] = { 10, 20, 40, 60, 80, 100, 200 };
    for (unsigned i = 0; i < sizeof(rates); i++)
        if (rates[i] == v)
            return true;
    return false;
}

static void argument(struct ps2_mouse *m, uint8_t cmd, uint8_t v)
{
    if (cmd == 0xF3 && valid_rate(v)) {
        sample_rate(m, v);
        send1(m, 0xFA);
    } else if (cmd == 0xE8 && v <= 3) {
        m->resolution = v;
        send1(m, 0xFA);
    } else {
        send1(m, 0xFE);
    }
}

void ps2_mouse_write(struct ps2_mouse *m, uint8_t v)
{
    if (m->wrap && v != 0xEC && v != 0xFF) {
        send1(m, v);
        return;
    }
    if (m->pending) {
        uint8_t cmd = m->pending;
        m->pending = 0;
        argument(m, cmd, v);
        return;
    }
    switch (v) {
    case 0xFF: {
        uint8_t b[3] = { 0xFA, 0xAA, 0x00 };
        ps2_mouse_reset(m);
        send(m, b, 3);
        break;
    }
    case 0xFE:
        send1(m, m->last);
        break;
    case 0xF6:
    case 0xF5:
    case 0xF4:
        m->q.len = 0;
        if (v == 0xF6)
            defaults(m);
        if (v == 0xF4)
            m->mode |= PS2_MOUSE_ENABLED;
        else
            m->mode &= (uint8_t)~PS2_MOUSE_ENABLED;
        m->dx = m->dy = m->dz = 0;
        send1(m, 0xFA);
        break;
    case 0xF3:
    case 0xE8:
        m->pending = v;
        send1(m, 0xFA);
        break;
    case 0xF2: {
        uint8_t b[2] = { 0xFA, m->id };
        send(m, b, 2);
        break;
    }
    case 0xF0:
        m->mode |= PS2_MOUSE_REMOTE;
        send1(m, 0xFA);
        break;
    case 0xEA:
        m->mode &= (uint8_t)~PS2_MOUSE_REMOTE;
        send1(m, 0xFA);
        break;
    case 0xEE:
        m->wrap = true;
        send1(m, 0xFA);
        break;
    case 0xEC:
        m->wrap = false;
        send1(m, 0xFA);
        break;
    case 0xEB:
        send1(m, 0xFA);
        if (ps2_queue_room(&m->q) >= packet_size(m))
            packet(m, false);
        break;
    case 0xE9: {
        /* Status byte: bit 6 remote, 5 enabled, 4 scaling 2:1, 2 left,
         * 1 middle, 0 right. */
        uint8_t st = (uint8_t)((m->mode & 0x70) | ((m->buttons & 1) << 2) |
                               ((m->buttons & 4) >> 1) | ((m->buttons & 2) >> 1));
        uint8_t b[4] = { 0xFA, st, m->resolution, m->rate };
        send(m, b, 4);
        break;
    }
    case 0xE7:
        m->mode |= PS2_MOUSE_SCALE21;
        send1(m, 0xFA);
        break;
    case 0xE6:
        m->mode &= (uint8_t)~PS2_MOUSE_SCALE21;
        send1(m, 0xFA);
        break;
    default:
        send1(m, 0xFE);
        break;
    }
}

bool ps2_mouse_pop(struct ps2_mouse *m, uint8_t *b)
{
    if (!ps2_queue_pop(&m->q, b))
        return false;
    m->last = *b;
    if (!m->q.len)
        flush(m);
    return true;
}

void ps2_mouse_init(struct ps2_mouse *m, void (*notify_fn)(void *opaque), void *opaque)
{
    memset(m, 0, sizeof(*m));
    m->notify = notify_fn;
    m->opaque = opaque;
    ps2_mouse_reset(m);
}

void ps2_mouse_save(const struct ps2_mouse *m, struct state_out *out)
{
    ps2_queue_save(&m->q, out);
    state_put_u8(out, m->mode);
    state_put_u8(out, m->rate);
    state_put_u8(out, m->resolution);
    state_put_u8(out, m->id);
    state_put_u8(out, m->pending);
    state_put_u8(out, m->last);
    state_put_bool(out, m->wrap);
    state_put_bytes(out, m->rates, sizeof(m->rates));
    state_put_u32(out, (uint32_t)m->dx);
    state_put_u32(out, (uint32_t)m->dy);
    state_put_u32(out, (uint32_t)m->dz);
    state_put_u8(out, m->buttons);
    state_put_bool(out, m->changed);
}

void ps2_mouse_load(struct ps2_mouse *m, struct state_in *in)
{
    ps2_queue_load(&m->q, in);
    m->mode = state_get_u8(in);
    m->rate = state_get_u8(in);
    m->resolution = state_get_u8(in);
    m->id = state_get_u8(in);
    m->pending = state_get_u8(in);
    m->last = state_get_u8(in);
    m->wrap = state_get_bool(in);
    state_get_bytes(in, m->rates, sizeof(m->rates));
    m->dx = (int32_t)state_get_u32(in);
    m->dy = (int32_t)state_get_u32(in);
    m->dz = (int32_t)state_get_u32(in);
    m->buttons = state_get_u8(in);
    m->changed = state_get_bool(in);
    if ((m->mode & ~0x70) || m->resolution > 3 || (m->id != 0 && m->id != 3 && m->id != 4) ||
        (m->pending && m->pending != 0xF3 && m->pending != 0xE8) || m->buttons > 7 ||
        m->dx < -MOTION_MAX || m->dx > MOTION_MAX || m->dy < -MOTION_MAX ||
        m->dy > MOTION_MAX || m->dz < -MOTION_MAX || m->dz > MOTION_MAX)
        state_in_fail(in);
}
