/* The VGA's register ports 0x3B0-0x3DF; see vga.h.  Register meanings
 * from the IBM VGA Technical Reference (sequencer, CRT controller,
 * graphics controller, attribute controller, video DAC). */
#include "dev/vga.h"

#include <string.h>

/* Which bits of each register exist (the others read 0), as QEMU's
 * sr_mask/gr_mask. */
static const uint8_t seq_mask[8] = { 0x03, 0x3d, 0x0f, 0x3f, 0x0e, 0x00, 0x00, 0xff };
static const uint8_t gr_mask[16] = { 0x0f, 0x0f, 0x0f, 0x1f, 0x03, 0x7b, 0x0f, 0x0f,
                                     0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };

/* Timing of the input status register: the 70 Hz of the VGA's 400-line
 * modes (25.175 MHz dot clock, 800 dots a line, 449 lines a frame), with
 * the vertical retrace on lines 412-413 and the display disabled past
 * dot 640 of each line and past line 400. */
#define LINE_NS 31778u
#define FRAME_LINES 449u
#define VISIBLE_LINES 400u
#define RETRACE_FIRST 412u
#define RETRACE_END 414u
#define HBLANK_NS 25422u

uint8_t vga_status1(const struct vga *v, uint64_t now_ns)
{
    uint64_t in_frame = now_ns % ((uint64_t)LINE_NS * FRAME_LINES);
    unsigned line = (unsigned)(in_frame / LINE_NS);
    unsigned dot_ns = (unsigned)(in_frame % LINE_NS);
    uint8_t st = 0;
    if (line >= VISIBLE_LINES || dot_ns >= HBLANK_NS)
        st |= 0x01;
    if (line >= RETRACE_FIRST && line < RETRACE_END)
        st |= 0x08;
    (void)v;
    return st;
}

void vga_regs_reset(struct vga *v)
{
    v->misc = 0;
    v->feature = 0;
    v->seq_index = v->gr_index = v->crtc_index = v->ar_index = 0;
    memset(v->seq, 0, sizeof(v->seq));
    memset(v->gr, 0, sizeof(v->gr));
    memset(v->crtc, 0, sizeof(v->crtc));
    memset(v->ar, 0, sizeof(v->ar));
    v->ar_flip = false;
    v->dac_mask = 0xFF;
    v->dac_read_index = v->dac_write_index = v->dac_sub = v->dac_state = 0;
    memset(v->dac_latch, 0, sizeof(v->dac_latch));
    memset(v->palette, 0, sizeof(v->palette));
    v->latch = 0;
    v->full_redraw = true;
    v->font_dirty = true;
}

/* A port of the other colour/mono pair than misc selects decodes nothing. */
static bool crtc_port_live(const struct vga *v, uint16_t port)
{
    return (port & 0xFFF0) == vga_crtc_base(v);
}

static uint8_t port_read(struct vga *v, uint16_t port)
{
    switch (port) {
    case 0x3C0:
        return v->ar_index;
    case 0x3C1: {
        unsigned i = v->ar_index & 0x1F;
        return i < sizeof(v->ar) ? v->ar[i] : 0;
    }
    case 0x3C2:
        return 0x10;   /* input status 0: switch sense, as QEMU's */
    case 0x3C4:
        return v->seq_index;
    case 0x3C5:
        return v->seq[v->seq_index & 7];
    case 0x3C6:
        return v->dac_mask;
    case 0x3C7:
        return v->dac_state;
    case 0x3C8:
        return v->dac_write_index;
    case 0x3C9: {
        uint8_t val = v->palette[v->dac_read_index * 3 + v->dac_sub];
        if (++v->dac_sub == 3) {
            v->dac_sub = 0;
            v->dac_read_index++;
        }
        return val;
    }
    case 0x3CA:
        return v->feature;
    case 0x3CC:
        return v->misc;
    case 0x3CE:
        return v->gr_index;
    case 0x3CF:
        return v->gr[v->gr_index & 15];
    case 0x3B4: case 0x3D4:
        return crtc_port_live(v, port) ? v->crtc_index : 0xFF;
    case 0x3B5: case 0x3D5:
        if (!crtc_port_live(v, port))
            return 0xFF;
        return v->crtc_index < sizeof(v->crtc) ? v->crtc[v->crtc_index] : 0;
    case 0x3BA: case 0x3DA:
        if (!crtc_port_live(v, port))
            return 0xFF;
        /* Reading input status 1 also resets the attribute flip-flop. */
        v->ar_flip = false;
        return vga_status1(v, dev_clock_now(&v->clock));
    default:
        return 0xFF;
    }
}

static void write_ar(struct vga *v, uint8_t val)
{
    if (!v->ar_flip) {
        /* Bit 5 (PAS) off blanks the screen while the palette is loaded. */
        if ((val ^ v->ar_index) & 0x20)
            v->full_redraw = true;
        v->ar_index = val & 0x3F;
    } else {
        unsigned i = v->ar_index & 0x1F;
        static const uint8_t mask[0x15] = {
            0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f,
            0x3f, 0x3f, 0x3f, 0x3f, 0xef, 0xff, 0x3f, 0x0f, 0x0f };
        if (i < sizeof(v->ar)) {
            v->ar[i] = val & mask[i];
            v->full_redraw = true;
        }
    }
    v->ar_flip = !v->ar_flip;
}

static void port_write(struct vga *v, uint16_t port, uint8_t val)
{
    switch (port) {
    case 0x3C0:
        write_ar(v, val);
        return;
    case 0x3C2:
        v->misc = val & 0xEF;
        v->full_redraw = true;
        return;
    case 0x3C4:
        v->seq_index = val & 7;
        return;
    case 0x3C5:
        v->seq[v->seq_index & 7] = val & seq_mask[v->seq_index & 7];
        if (v->seq_index != 2)      /* the map mask only steers writes */
            v->full_redraw = true;
        if (v->seq_index == 3)
            v->font_dirty = true;
        return;
    case 0x3C6:
        v->dac_mask = val;
        v->full_redraw = true;
        return;
    case 0x3C7:
        v->dac_read_index = val;
        v->dac_sub = 0;
        v->dac_state = 3;
        return;
    case 0x3C8:
        v->dac_write_index = val;
        v->dac_sub = 0;
        v->dac_state = 0;
        return;
    case 0x3C9: {
        bool dac8 = v->vbe_regs[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_8BIT_DAC;
        v->dac_latch[v->dac_sub] = dac8 ? val : (val & 0x3F);
        if (++v->dac_sub == 3) {
            memcpy(&v->palette[v->dac_write_index * 3], v->dac_latch, 3);
            v->dac_sub = 0;
            v->dac_write_index++;
            v->full_redraw = true;
        }
        return;
    }
    case 0x3CE:
        v->gr_index = val & 15;
        return;
    case 0x3CF:
        v->gr[v->gr_index & 15] = val & gr_mask[v->gr_index & 15];
        if (v->gr_index == 5 || v->gr_index == 6)
            v->full_redraw = true;   /* shift mode, memory map */
        return;
    case 0x3B4: case 0x3D4:
        if (crtc_port_live(v, port))
            v->crtc_index = val;
        return;
    case 0x3B5: case 0x3D5: {
        unsigned i = v->crtc_index;
        if (!crtc_port_live(v, port) || i >= sizeof(v->crtc))
            return;
        /* CR11 bit 7 protects registers 0-7 but for CR07's line-compare
         * bit 4 (IBM VGA Technical Reference, CRTC register 11h). */
        if ((v->crtc[0x11] & 0x80) && i <= 7) {
            if (i == 7)
                v->crtc[7] = (uint8_t)((v->crtc[7] & ~0x10) | (val & 0x10));
            return;
        }
        v->crtc[i] = val;
        /* The cursor's shape and place (0Ah, 0Bh, 0Eh, 0Fh) are drawn
         * with its cell at each update (vga_render.c); the rest changes
         * the picture's geometry or start. */
        if (i != 0x0A && i != 0x0B && i != 0x0E && i != 0x0F)
            v->full_redraw = true;
        return;
    }
    case 0x3BA: case 0x3DA:
        if (crtc_port_live(v, port))
            v->feature = val & 0x03;
        return;
    default:
        return;
    }
}

/* Word and dword accesses are the bytes at consecutive ports (an OUT DX,AX
 * to 0x3C4 writes the index and then the data). */
static uint32_t ports_in(void *opaque, uint16_t port, unsigned size)
{
    struct vga *v = opaque;
    uint32_t val = 0;
    v->port_accesses++;
    for (unsigned i = 0; i < size; i++)
        val |= (uint32_t)port_read(v, (uint16_t)(port + i)) << (8 * i);
    return val;
}

static void ports_out(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    struct vga *v = opaque;
    v->port_accesses++;
    for (unsigned i = 0; i < size; i++)
        port_write(v, (uint16_t)(port + i), (uint8_t)(value >> (8 * i)));
    vga_legacy_update(v);
}

const struct io_ops vga_port_ops = { .in = ports_in, .out = ports_out };
