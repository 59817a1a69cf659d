/* The 8237A pair through its ports, programmed the way a BIOS and DOS
 * drivers do, with a fake device on a channel that moves a pattern when
 * the controller serves its DREQ. */
#include <stdlib.h>

#include "check.h"
#include "dev/board_util.h"
#include "dev/dma8237.h"
#include "pc/pc.h"

static struct vm *vm;
static struct dma8237 *dma;

static void out(uint16_t port, uint8_t v) { iobus_out(&vm->io, port, v, 1); }
static uint8_t in(uint16_t port) { return (uint8_t)iobus_in(&vm->io, port, 1); }

/* A device: when served, moves up to `want` bytes of `data`. */
struct fake {
    unsigned ch, calls;
    uint8_t data[4096];
    size_t want, moved;
    bool tc, drop_dreq;
};

static void fake_service(void *opaque, unsigned ch)
{
    struct fake *f = opaque;
    f->calls++;
    CHECK_EQ(ch, f->ch);
    size_t n = dma8237_transfer(dma, ch, f->data + f->moved, f->want - f->moved, &f->tc);
    f->moved += n;
    if (f->drop_dreq && (f->tc || f->moved == f->want))
        dma8237_set_dreq(dma, ch, false);
}

static struct fake fakes[8];

static void mem_fill(uint32_t pa, uint8_t v, size_t len)
{
    uint8_t *buf = malloc(len);
    memset(buf, v, len);
    phys_dma_write(&vm->mem, pa, buf, len);
    free(buf);
}

static uint8_t mem_byte(uint32_t pa)
{
    uint8_t b;
    phys_dma_read(&vm->mem, pa, &b, 1);
    return b;
}

/* SeaBIOS's dma_setup: master clear both, channel 4 cascade, unmasked. */
static void bios_init(void)
{
    out(0x0D, 0);
    out(0xDA, 0);
    out(0xD6, 0xC0);
    out(0xD4, 0x00);
}

/* The usual sequence for channels 0-3: mask, flip-flop, address, count,
 * mode (its channel bits replaced by `ch`), page, unmask. */
static void program8(unsigned ch, uint32_t pa, uint16_t count, uint8_t mode)
{
    static const uint16_t page_port[4] = { 0x87, 0x83, 0x81, 0x82 };
    out(0x0A, (uint8_t)(4 | ch));
    out(0x0C, 0);
    out((uint16_t)(ch * 2), (uint8_t)pa);
    out((uint16_t)(ch * 2), (uint8_t)(pa >> 8));
    out(0x0C, 0);
    out((uint16_t)(ch * 2 + 1), (uint8_t)count);
    out((uint16_t)(ch * 2 + 1), (uint8_t)(count >> 8));
    out(0x0B, (uint8_t)((mode & 0xFC) | ch));
    out(page_port[ch], (uint8_t)(pa >> 16));
    out(0x0A, (uint8_t)ch);
}

static uint16_t rd16(uint16_t port)
{
    uint8_t lo = in(port);
    return (uint16_t)(lo | in(port) << 8);
}

static void reset_all(void)
{
    vm_reset(vm);
    for (unsigned i = 0; i < 8; i++) {
        dma8237_set_dreq(dma, i, false);
        fakes[i].calls = 0;
        fakes[i].moved = 0;
        fakes[i].tc = false;
        fakes[i].drop_dreq = true;
    }
    bios_init();
}

static void test_flipflop_registers(void)
{
    reset_all();
    program8(2, 0x12345, 0x01FF, 0x46);
    out(0x0C, 0);
    CHECK_EQ(rd16(0x04), 0x2345);
    CHECK_EQ(rd16(0x05), 0x01FF);
    CHECK_EQ(in(0x81), 0x01);
    /* The flip-flop toggles on reads and writes alike. */
    out(0x0C, 0);
    CHECK_EQ(in(0x04), 0x45);
    out(0x04, 0x99);                 /* the high byte */
    out(0x0C, 0);
    CHECK_EQ(rd16(0x04), 0x9945);
    /* Spare page registers latch; 0x80 is not the DMA's. */
    out(0x84, 0x5A);
    CHECK_EQ(in(0x84), 0x5A);
    CHECK_EQ(vm->io.owner[0x80], 0);
    CHECK(vm->io.owner[0x81] != 0);
    /* Controller 2 ignores A0: 0xC5 is 0xC4. */
    out(0xD8, 0);
    out(0xC4, 0x34);
    out(0xC5, 0x12);
    out(0xD8, 0);
    CHECK_EQ(rd16(0xC4), 0x1234);
    /* Masks read back through port 0x0F. */
    CHECK_EQ(in(0x0F), 0xFB);        /* 2 unmasked; reset masked the rest */
    out(0x0F, 0x05);
    CHECK_EQ(in(0x0F), 0xF5);
    out(0x0E, 0);
    CHECK_EQ(in(0x0F), 0xF0);
}

static void test_write_to_memory_tc(void)
{
    reset_all();
    struct fake *f = &fakes[2];
    for (unsigned i = 0; i < 1024; i++)
        f->data[i] = (uint8_t)(i * 7 + 1);
    f->want = 1024;                 /* more than the count allows */
    mem_fill(0x20000, 0xEE, 0x800);
    program8(2, 0x20100, 511, 0x46); /* single, write, ch 2: 512 bytes */
    dma8237_set_dreq(dma, 2, true);
    CHECK_EQ(f->calls, 1);
    CHECK_EQ(f->moved, 512);
    CHECK(f->tc);
    CHECK_EQ(mem_byte(0x200FF), 0xEE);
    CHECK_EQ(mem_byte(0x20100), f->data[0]);
    CHECK_EQ(mem_byte(0x202FF), f->data[511]);
    CHECK_EQ(mem_byte(0x20300), 0xEE);
    /* TC: status bit 2 (cleared by the read), channel masked, current
     * address past the block, current count 0xFFFF. */
    uint8_t st = in(0x08);
    CHECK_EQ(st & 0x0F, 0x04);
    CHECK_EQ(in(0x08) & 0x0F, 0);
    CHECK_EQ(in(0x0F) & 0x04, 0x04);
    out(0x0C, 0);
    CHECK_EQ(rd16(0x04), 0x0300);
    CHECK_EQ(rd16(0x05), 0xFFFF);
    /* Masked: nothing more moves. */
    uint8_t buf[16];
    bool tc;
    CHECK_EQ(dma8237_transfer(dma, 2, buf, sizeof(buf), &tc), 0);
}

static void test_read_verify_and_decrement(void)
{
    reset_all();
    struct fake *f = &fakes[1];
    for (unsigned i = 0; i < 256; i++)
        phys_dma_write(&vm->mem, 0x30000 + i, &(uint8_t){ (uint8_t)(255 - i) }, 1);
    memset(f->data, 0, sizeof(f->data));
    f->want = 256;
    program8(1, 0x30000, 255, 0x4A);  /* read (memory -> device) */
    CHECK_EQ(dma8237_direction(dma, 1), DMA8237_FROM_MEMORY);
    dma8237_set_dreq(dma, 1, true);
    CHECK_EQ(f->moved, 256);
    CHECK(f->tc);
    CHECK_EQ(f->data[0], 255);
    CHECK_EQ(f->data[255], 0);

    /* Verify: the count runs, memory stays. */
    f->moved = 0;
    memset(f->data, 0x11, 256);
    program8(1, 0x30000, 255, 0x42);
    dma8237_set_dreq(dma, 1, true);
    CHECK_EQ(f->moved, 256);
    CHECK(f->tc);
    CHECK_EQ(mem_byte(0x30000), 255);
    CHECK_EQ(f->data[0], 0x11);

    /* Decrement: byte i lands at address - i. */
    f->moved = 0;
    for (unsigned i = 0; i < 16; i++)
        f->data[i] = (uint8_t)(0xA0 + i);
    f->want = 16;
    program8(1, 0x3010F, 15, 0x66);   /* single, decrement, write */
    dma8237_set_dreq(dma, 1, true);
    CHECK_EQ(f->moved, 16);
    CHECK_EQ(mem_byte(0x3010F), 0xA0);
    CHECK_EQ(mem_byte(0x30100), 0xAF);
    out(0x0C, 0);
    CHECK_EQ(rd16(0x02), 0x00FF);
}

static void test_page_wrap(void)
{
    reset_all();
    struct fake *f = &fakes[3];
    for (unsigned i = 0; i < 32; i++)
        f->data[i] = (uint8_t)(0x40 + i);
    f->want = 32;
    mem_fill(0x50000, 0, 0x20);
    mem_fill(0x60000, 0, 0x20);
    /* 0x5FFF0 + 32: the address counts within page 5 and wraps to 0x50000
     * (the page register does not carry). */
    program8(3, 0x5FFF0, 31, 0x46);
    dma8237_set_dreq(dma, 3, true);
    CHECK_EQ(f->moved, 32);
    CHECK_EQ(mem_byte(0x5FFFF), 0x4F);
    CHECK_EQ(mem_byte(0x50000), 0x50);
    CHECK_EQ(mem_byte(0x5000F), 0x5F);
    CHECK_EQ(mem_byte(0x60000), 0);
}

static void test_autoinit(void)
{
    reset_all();
    struct fake *f = &fakes[1];
    for (unsigned i = 0; i < 64; i++)
        f->data[i] = (uint8_t)i;
    f->want = 64;
    f->drop_dreq = false;
    mem_fill(0x40000, 0xFF, 64);
    program8(1, 0x40000, 31, 0x56);   /* autoinit, write: 32 bytes */
    dma8237_set_dreq(dma, 1, true);
    /* One call moves up to TC; autoinit reloaded address and count and
     * left the channel unmasked. */
    CHECK_EQ(f->moved, 32);
    CHECK(f->tc);
    CHECK_EQ(in(0x0F) & 0x02, 0);
    out(0x0C, 0);
    CHECK_EQ(rd16(0x02), 0x0000);
    CHECK_EQ(rd16(0x03), 31);
    CHECK_EQ(in(0x08) & 0x22, 0x22);  /* TC 1, request 1 (DREQ held) */
    /* A device that keeps DREQ is not called in a loop; the next change
     * serves it, and the second block lands on the first. */
    CHECK_EQ(f->calls, 1);
    out(0x0A, 0x01);                   /* unmask again: a change */
    CHECK_EQ(f->calls, 2);
    CHECK_EQ(f->moved, 64);
    CHECK_EQ(mem_byte(0x40000), 32);
    CHECK_EQ(mem_byte(0x4001F), 63);
}

static void test_cascade_mask_disable(void)
{
    reset_all();
    struct fake *f = &fakes[2];
    f->want = 16;
    /* Channel 4 masked: controller 1 cannot reach the bus. */
    out(0xD4, 0x04);
    program8(2, 0x10000, 15, 0x46);
    dma8237_set_dreq(dma, 2, true);
    CHECK_EQ(f->calls, 0);
    CHECK_EQ(in(0x08) & 0x40, 0x40);  /* the request shows */
    out(0xD4, 0x00);                   /* unmask 4: served */
    CHECK_EQ(f->calls, 1);
    CHECK_EQ(f->moved, 16);

    /* A master clear of controller 2 masks channel 4 again (its mode
     * stays cascade). */
    reset_all();
    out(0xDA, 0);
    f->want = 16;
    program8(2, 0x10000, 15, 0x46);
    dma8237_set_dreq(dma, 2, true);
    CHECK_EQ(f->calls, 0);
    out(0xD4, 0x00);
    CHECK_EQ(f->calls, 1);            /* mode is kept by a master clear */

    /* Controller disabled (command bit 2), then enabled. */
    reset_all();
    f->want = 16;
    out(0x08, 0x04);
    program8(2, 0x10000, 15, 0x46);
    dma8237_set_dreq(dma, 2, true);
    CHECK_EQ(f->calls, 0);
    out(0x08, 0x00);
    CHECK_EQ(f->calls, 1);

    /* DREQ raised while masked; the unmask serves it. */
    reset_all();
    f->want = 16;
    program8(2, 0x10000, 15, 0x46);
    out(0x0A, 0x06);
    dma8237_set_dreq(dma, 2, true);
    CHECK_EQ(f->calls, 0);
    out(0x0A, 0x02);
    CHECK_EQ(f->calls, 1);
    /* A channel in cascade mode transfers nothing itself. */
    reset_all();
    f->want = 16;
    program8(2, 0x10000, 15, 0xC0);
    dma8237_set_dreq(dma, 2, true);
    CHECK_EQ(f->calls, 0);
    uint8_t b[4];
    CHECK_EQ(dma8237_transfer(dma, 2, b, 4, NULL), 0);

    /* After a reset nothing reaches the bus until channel 4 cascades;
     * dma8237_bios_setup does what the BIOS does, and serves the DREQ
     * that waited. */
    vm_reset(vm);
    dma8237_set_dreq(dma, 2, false);
    f->calls = f->moved = 0;
    f->want = 16;
    out(0xD6, 0x00);                   /* channel 4 not in cascade mode */
    program8(2, 0x10000, 15, 0x46);
    dma8237_set_dreq(dma, 2, true);
    out(0xD4, 0x00);                   /* unmasked, but not cascading */
    CHECK_EQ(f->calls, 0);
    out(0xD4, 0x04);
    dma8237_bios_setup(dma);
    CHECK_EQ(f->calls, 1);
    CHECK_EQ(f->moved, 16);
    CHECK_EQ(in(0xDE) & 1, 0);
}

static void test_16bit_channel(void)
{
    reset_all();
    struct fake *f = &fakes[5];
    for (unsigned i = 0; i < 512; i++)
        f->data[i] = (uint8_t)(i ^ 0x5A);
    f->want = 513;                    /* odd: the last byte cannot move */
    mem_fill(0x30000, 0, 0x400);
    /* Channel 5: word address 0x8000 in page 0x03 (bit 0 ignored) is
     * byte address 0x20000 + 0x10000; count 255 is 256 words. */
    out(0xD4, 0x05);
    out(0xD8, 0);
    out(0xC4, 0x00);
    out(0xC4, 0x80);
    out(0xD8, 0);
    out(0xC6, 0xFF);
    out(0xC6, 0x00);
    out(0xD6, 0x45);
    out(0x8B, 0x03);
    out(0xD4, 0x01);
    dma8237_set_dreq(dma, 5, true);
    CHECK_EQ(f->moved, 512);
    CHECK(f->tc);
    CHECK_EQ(mem_byte(0x30000), f->data[0]);
    CHECK_EQ(mem_byte(0x301FF), f->data[511]);
    CHECK_EQ(mem_byte(0x30200), 0);
    CHECK_EQ(in(0xD0) & 0x02, 0x02);   /* TC on controller 2's channel 1 */
    out(0xD8, 0);
    CHECK_EQ(rd16(0xC4), 0x8100);
    /* Channel 4 is the cascade: no device can take it. */
    struct dma8237_client cl = { .service = fake_service, .opaque = &fakes[4] };
    CHECK_EQ(dma8237_connect(dma, 4, cl), -1);
    CHECK_EQ(dma8237_connect(dma, 5, cl), -1);   /* taken */
}

static void test_snapshot(void)
{
    reset_all();
    program8(2, 0x12345, 0x0100, 0x56);
    out(0x0C, 0);
    out(0x04, 0x11);                  /* flip-flop left on the high byte */
    dma8237_set_dreq(dma, 6, true);
    struct state_out a, b;
    state_out_init(&a);
    state_out_init(&b);
    dma->dev.ops->save(&dma->dev, &a);
    struct state_in in1 = state_in_of(a.buf, a.len);
    CHECK_EQ(dma->dev.ops->load(&dma->dev, &in1, false), 0);
    /* Change everything, load, and the state is back to the byte. */
    reset_all();
    program8(1, 0x0, 0x10, 0x4A);
    struct state_in in2 = state_in_of(a.buf, a.len);
    CHECK_EQ(dma->dev.ops->load(&dma->dev, &in2, true), 0);
    dma->dev.ops->save(&dma->dev, &b);
    CHECK_EQ(a.len, b.len);
    CHECK(a.len == b.len && memcmp(a.buf, b.buf, a.len) == 0);
    CHECK_EQ(in(0x04), 0x23);         /* the flip-flop was on the high byte */
    /* Bad input: a mode with the channel bits set, or cut short. */
    uint8_t *bad = malloc(a.len);
    memcpy(bad, a.buf, a.len);
    bad[8] |= 1;                      /* channel 0's mode */
    struct state_in in3 = state_in_of(bad, a.len);
    CHECK_EQ(dma->dev.ops->load(&dma->dev, &in3, false), -1);
    struct state_in in4 = state_in_of(a.buf, a.len - 1);
    CHECK_EQ(dma->dev.ops->load(&dma->dev, &in4, false), -1);
    free(bad);
    state_out_free(&a);
    state_out_free(&b);
    char line[256];
    dma->dev.ops->dump(&dma->dev, line, sizeof(line));
    CHECK(strstr(line, "ch2") != NULL);
    dma->dev.ops->dump(&dma->dev, line, 8);   /* cut short, terminated */
    CHECK(strlen(line) == 7);
}

int main(void)
{
    vm = board_vm(8);
    dma = dma8237_create(pc_guest_mem(vm));
    board_add(vm, &dma->dev);
    for (unsigned ch = 0; ch < 8; ch++) {
        fakes[ch].ch = ch;
        if (ch != 4)
            CHECK_EQ(dma8237_connect(dma, ch,
                                     (struct dma8237_client){ fake_service, &fakes[ch] }),
                     0);
    }
    test_flipflop_registers();
    test_write_to_memory_tc();
    test_read_verify_and_decrement();
    test_page_wrap();
    test_autoinit();
    test_cascade_mask_disable();
    test_16bit_channel();
    test_snapshot();
    vm_destroy(vm);
    return check_report();
}
