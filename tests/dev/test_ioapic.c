/* The IOAPIC alone (dev/ioapic.h): its registers through IOREGSEL/IOWIN,
 * edge and level pins, remote IRR and the EOI message, masking, ExtINT
 * entries and the 8259's INTA cycle, with the APIC bus and the 8259
 * replaced by recorders. */
#include "check.h"
#include "dev/board_util.h"
#include "dev/ioapic.h"

#include <string.h>

static unsigned sent;
static struct apic_msg last;

static void bus_send(void *o, const struct apic_msg *m)
{
    sent++;
    last = *m;
}

static uint32_t rd(struct ioapic *io, uint8_t reg)
{
    ioapic_write(io, IOAPIC_REGSEL, reg);
    return ioapic_read(io, IOAPIC_WINDOW);
}

static void wr(struct ioapic *io, uint8_t reg, uint32_t v)
{
    ioapic_write(io, IOAPIC_REGSEL, reg);
    ioapic_write(io, IOAPIC_WINDOW, v);
}

static void test_registers(struct ioapic *io)
{
    CHECK_EQ(rd(io, 1), 0x00170020u);
    CHECK_EQ(rd(io, 0), 0);
    wr(io, 0, 0xFFFFFFFFu);
    CHECK_EQ(rd(io, 0), 0x0F000000u);        /* ID: bits 27:24 */
    wr(io, 0, 0);
    for (unsigned pin = 0; pin < 24; pin++) {
        CHECK_EQ(rd(io, (uint8_t)(0x10 + 2 * pin)), 0x10000u);   /* masked */
        CHECK_EQ(rd(io, (uint8_t)(0x11 + 2 * pin)), 0);
    }
    wr(io, 0x10, 0xFFFFFFFFu);
    CHECK_EQ(rd(io, 0x10), 0x1AFFFu);        /* status and remote IRR read-only */
    wr(io, 0x11, 0xFFFFFFFFu);
    CHECK_EQ(rd(io, 0x11), 0xFF000000u);
    wr(io, 0x10, 0x10000);
    wr(io, 0x11, 0);
    CHECK_EQ(rd(io, 0x40), 0xFFFFFFFFu);     /* beyond the table */
    CHECK_EQ(sent, 0);
}

static void test_edge(struct ioapic *io)
{
    /* Pin 2 edge, vector 0x30, physical dest 0. */
    wr(io, 0x10 + 4, 0x30);
    ioapic_set_irq(io, 2, true);
    CHECK_EQ(sent, 1);
    CHECK_EQ(last.vector, 0x30);
    CHECK(!last.level);
    CHECK(!last.logical);
    ioapic_set_irq(io, 2, true);             /* no new edge */
    CHECK_EQ(sent, 1);
    ioapic_set_irq(io, 2, false);
    ioapic_set_irq(io, 2, true);
    CHECK_EQ(sent, 2);
    ioapic_set_irq(io, 2, false);
    /* Masked: the edge is lost, unmasking sends nothing. */
    wr(io, 0x10 + 4, 0x10030);
    ioapic_set_irq(io, 2, true);
    ioapic_set_irq(io, 2, false);
    wr(io, 0x10 + 4, 0x30);
    CHECK_EQ(sent, 2);
    /* Logical destination and lowest priority. */
    wr(io, 0x11 + 4, 0x03000000u);
    wr(io, 0x10 + 4, 0x931);
    ioapic_set_irq(io, 2, true);
    CHECK_EQ(sent, 3);
    CHECK(last.logical);
    CHECK_EQ(last.dest, 3);
    CHECK_EQ(last.mode, APIC_DM_LOWEST);
    ioapic_set_irq(io, 2, false);
}

static void test_level(struct ioapic *io)
{
    unsigned s0 = sent;
    /* Pin 9 level, vector 0x49. */
    wr(io, 0x10 + 18, 0x8049);
    ioapic_set_irq(io, 9, true);
    CHECK_EQ(sent, s0 + 1);
    CHECK(last.level);
    CHECK(rd(io, 0x10 + 18) & IOAPIC_RTE_REMOTE_IRR);
    ioapic_set_irq(io, 9, true);             /* remote IRR: held */
    CHECK_EQ(sent, s0 + 1);
    ioapic_eoi(io, 0x48);                    /* another vector */
    CHECK_EQ(sent, s0 + 1);
    ioapic_eoi(io, 0x49);                    /* still high: again */
    CHECK_EQ(sent, s0 + 2);
    ioapic_write(io, IOAPIC_EOI, 0x49);      /* the EOI register: the same */
    CHECK_EQ(sent, s0 + 3);
    ioapic_set_irq(io, 9, false);
    ioapic_eoi(io, 0x49);
    CHECK_EQ(sent, s0 + 3);
    CHECK(!(rd(io, 0x10 + 18) & IOAPIC_RTE_REMOTE_IRR));
    /* Masked while high: sent when unmasked. */
    wr(io, 0x10 + 18, 0x18049);
    ioapic_set_irq(io, 9, true);
    CHECK_EQ(sent, s0 + 3);
    wr(io, 0x10 + 18, 0x8049);
    CHECK_EQ(sent, s0 + 4);
    /* Switching to edge clears the remote IRR. */
    wr(io, 0x10 + 18, 0x0049);
    CHECK(!(rd(io, 0x10 + 18) & IOAPIC_RTE_REMOTE_IRR));
    ioapic_set_irq(io, 9, false);
}

static void test_snapshot(struct ioapic *io)
{
    wr(io, 0x10 + 18, 0x8049);
    ioapic_set_irq(io, 9, true);
    struct state_out a, b;
    state_out_init(&a);
    io->dev.ops->save(&io->dev, &a);
    struct ioapic *m = ioapic_create(0xFEC00000u, 0, (struct apic_bus){ 0 });
    m->dev.ops->reset(&m->dev);
    struct state_in in = state_in_of(a.buf, a.len);
    CHECK_EQ(m->dev.ops->load(&m->dev, &in, false), 0);
    in = state_in_of(a.buf, a.len);
    CHECK_EQ(m->dev.ops->load(&m->dev, &in, true), 0);
    state_out_init(&b);
    m->dev.ops->save(&m->dev, &b);
    CHECK(a.len == b.len && !memcmp(a.buf, b.buf, a.len));
    ((uint8_t *)a.buf)[a.len - 1] = 0xFF;    /* levels beyond pin 23 */
    in = state_in_of(a.buf, a.len);
    CHECK_EQ(m->dev.ops->load(&m->dev, &in, false), -1);
    char buf[256];
    m->dev.ops->dump(&m->dev, buf, sizeof(buf));
    CHECK(strstr(buf, "9=49lr") != NULL);
    state_out_free(&a);
    state_out_free(&b);
    free(m);
    io->dev.ops->reset(&io->dev);
    CHECK_EQ(rd(io, 0x10 + 18), 0x10000u);
}

/* The 8259 behind ExtINT entries: a recorder that hands out `pic_vector`
 * (-1: nothing to give). */
static unsigned pic_acks;
static int pic_vector = 0x30;

static int pic_ack(void *o)
{
    pic_acks++;
    return pic_vector;
}

/* ExtINT (delivery mode 111b, 82093AA 3.2.4): the message goes to the
 * destination with the vector the 8259's INTA cycle supplies, not the
 * entry's, and the entry works edge triggered even with bit 15 set. */
static void test_extint(void)
{
    struct ioapic *io = ioapic_create(0xFEC00000u, 0, (struct apic_bus){ .send = bus_send });
    io->dev.ops->reset(&io->dev);
    /* No 8259 wired: nothing is sent. */
    sent = 0;
    wr(io, 0x10, 0x799);                 /* pin 0: ExtINT, vector field 0x99 */
    ioapic_set_irq(io, 0, true);
    ioapic_set_irq(io, 0, false);
    CHECK_EQ(sent, 0);

    ioapic_set_extint(io, pic_ack, NULL);
    wr(io, 0x11, 0x01000000u);           /* physical destination 1 */
    ioapic_set_irq(io, 0, true);
    CHECK_EQ(sent, 1);
    CHECK_EQ(pic_acks, 1);
    CHECK_EQ(last.mode, APIC_DM_EXTINT);
    CHECK_EQ(last.vector, 0x30);         /* the 8259's, not 0x99 */
    CHECK_EQ(last.dest, 1);
    CHECK(!last.logical);
    CHECK(!last.level);
    CHECK_EQ(last.source, -1);
    ioapic_set_irq(io, 0, true);         /* no new edge: nothing */
    CHECK_EQ(sent, 1);
    ioapic_set_irq(io, 0, false);
    pic_vector = 0x34;
    ioapic_set_irq(io, 0, true);
    CHECK_EQ(sent, 2);
    CHECK_EQ(last.vector, 0x34);

    /* Bit 15 set: still one message per rising edge, no remote IRR (an
     * EOI of the vector has nothing to clear). */
    ioapic_set_irq(io, 0, false);
    wr(io, 0x10, 0x8799);
    CHECK_EQ(sent, 2);                   /* input low: nothing on the write */
    ioapic_set_irq(io, 0, true);
    CHECK_EQ(sent, 3);
    CHECK(!last.level);
    CHECK_EQ(rd(io, 0x10) & IOAPIC_RTE_REMOTE_IRR, 0);
    ioapic_set_irq(io, 0, true);
    wr(io, 0x10, 0x8799);                /* rewritten while high: no resend */
    ioapic_eoi(io, 0x34);
    ioapic_eoi(io, 0x99);
    CHECK_EQ(sent, 3);
    CHECK_EQ(pic_acks, 3);

    /* The 8259 has nothing (its INTA gives no vector): nothing is sent. */
    ioapic_set_irq(io, 0, false);
    pic_vector = -1;
    ioapic_set_irq(io, 0, true);
    CHECK_EQ(sent, 3);
    CHECK_EQ(pic_acks, 4);
    /* Masked: no INTA cycle at all. */
    ioapic_set_irq(io, 0, false);
    pic_vector = 0x30;
    wr(io, 0x10, 0x10799);
    ioapic_set_irq(io, 0, true);
    CHECK_EQ(sent, 3);
    CHECK_EQ(pic_acks, 4);
    free(io);
}

int main(void)
{
    struct ioapic *io = ioapic_create(0xFEC00000u, 0, (struct apic_bus){ .send = bus_send });
    io->dev.ops->reset(&io->dev);
    test_registers(io);
    test_edge(io);
    test_level(io);
    test_snapshot(io);
    free(io);
    test_extint();
    return check_report();
}
