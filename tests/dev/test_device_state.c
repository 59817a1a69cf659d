/* Every device's state through save and load (issue 15, item 2): a device
 * driven into a state of its own is saved; a freshly created device loads
 * the bytes and saves the same bytes again.  A dry run (commit false),
 * truncated input, an extra byte and a value out of range change nothing:
 * the fresh device still saves what it saved before. */
#include <string.h>

#include "check.h"
#include "dev/board_util.h"
#include "dev/cmos.h"
#include "dev/debug_exit.h"
#include "dev/debugcon.h"
#include "dev/fpu_irq.h"
#include "dev/fw_cfg.h"
#include "dev/i8042.h"
#include "dev/pci.h"
#include "dev/pic.h"
#include "dev/piix3.h"
#include "dev/piix4_pm.h"
#include "dev/pit.h"
#include "dev/port92.h"
#include "dev/post.h"
#include "dev/serial.h"

static uint64_t now = 5000000;

static struct state_out save_of(const struct device *d)
{
    struct state_out o;
    state_out_init(&o);
    d->ops->save(d, &o);
    CHECK(!o.oom);
    return o;
}

static bool same(const struct state_out *a, const struct state_out *b)
{
    return a->len == b->len && (a->len == 0 || memcmp(a->buf, b->buf, a->len) == 0);
}

/* Loads `len` bytes of `buf` into `fresh`, expecting `rc`, and checks that
 * a failed or dry load left it saving `before`. */
static void load_expect(struct device *fresh, const uint8_t *buf, size_t len, bool commit,
                        int rc, const struct state_out *before, const char *what)
{
    struct state_in in = state_in_of(buf, len);
    int got = fresh->ops->load(fresh, &in, commit);
    if (got != rc)
        fprintf(stderr, "%s: %s load gave %d\n", fresh->name, what, got);
    CHECK_EQ(got, rc);
    if (rc < 0 || !commit) {
        struct state_out after = save_of(fresh);
        CHECK(same(&after, before));
        state_out_free(&after);
    }
}

/* `used` was driven into a state; `fresh` was just created.  `bad_at` is
 * an offset in the saved bytes where `bad` is out of range (or SIZE_MAX
 * when no byte can be). */
static void round_trip(struct device *used, struct device *fresh, size_t bad_at, uint8_t bad)
{
    struct state_out a = save_of(used);
    struct state_out before = save_of(fresh);
    CHECK(a.len == 0 || !same(&a, &before));   /* the test drove it somewhere */

    load_expect(fresh, a.buf, a.len, false, 0, &before, "dry");
    if (a.len)
        load_expect(fresh, a.buf, a.len - 1, true, -1, &before, "truncated");
    uint8_t *copy = malloc(a.len + 1);
    CHECK(copy != NULL);
    if (a.len)
        memcpy(copy, a.buf, a.len);
    copy[a.len] = 0;
    load_expect(fresh, copy, a.len + 1, true, -1, &before, "extra byte");
    if (bad_at != SIZE_MAX) {
        CHECK(bad_at < a.len);
        copy[bad_at] = bad;
        load_expect(fresh, copy, a.len, true, -1, &before, "out of range");
    }
    free(copy);

    load_expect(fresh, a.buf, a.len, true, 0, &before, "good");
    struct state_out b = save_of(fresh);
    if (!same(&a, &b))
        fprintf(stderr, "%s: saved %zu bytes, again %zu\n", used->name, a.len, b.len);
    CHECK(same(&a, &b));
    /* The one-line dump works on the loaded device. */
    char line[256] = "";
    fresh->ops->dump(fresh, line, sizeof(line));
    CHECK(line[0] != 0 && strchr(line, '\n') == NULL);
    fresh->ops->destroy(fresh);
    state_out_free(&a);
    state_out_free(&b);
    state_out_free(&before);
}

static struct vm *vm;
static void out(uint16_t port, uint32_t v) { iobus_out(&vm->io, port, v, 1); }
static uint8_t in(uint16_t port) { return (uint8_t)iobus_in(&vm->io, port, 1); }

static void test_pic(void)
{
    struct pic *p = pic_create((struct signal_line){ 0 });
    board_add(vm, &p->dev);
    out(0x20, 0x11); out(0x21, 0x20); out(0x21, 0x04); out(0x21, 0x01);
    out(0xA0, 0x11); out(0xA1, 0x28); out(0xA1, 0x02); out(0xA1, 0x01);
    out(0x21, 0xB8); out(0xA1, 0x8F); out(0x4D1, 0x0E);
    pic_set_irq(p, 1, true);
    pic_set_irq(p, 10, true);
    (void)pic_ack(p);
    out(0x20, 0x0B);   /* read ISR */
    /* Byte 7 is the master's init step (0-3). */
    round_trip(&p->dev, &pic_create((struct signal_line){ 0 })->dev, 7, 9);
}

static void test_pit(void)
{
    struct pin_log irq0 = { 0 };
    struct pit *p = pit_create(fake_clock(&now), NULL, log_pin(&irq0));
    board_add(vm, &p->dev);
    out(0x43, 0x34); out(0x40, 0x9C); out(0x40, 0x2E);   /* ch0 mode 2 */
    out(0x43, 0xB6); out(0x42, 0x33);                    /* ch2 mode 3, LSB only */
    out(0x61, 0x03);
    now += 123456;
    out(0x43, 0x00);                                     /* latch ch0 */
    (void)in(0x40);
    pit_advance(p, now);
    /* Byte 9 is channel 0's effective mode, which must follow M2-M0. */
    round_trip(&p->dev, &pit_create(fake_clock(&now), NULL, (struct irq_pin){ 0 })->dev, 9, 4);
}

static void test_cmos(void)
{
    struct cmos *c = cmos_create(fake_clock(&now), NULL, (struct irq_pin){ 0 }, 1700000000);
    board_add(vm, &c->dev);
    cmos_set_memory(c, 64u << 20, 0);
    out(0x70, 0x0B); out(0x71, 0x46);    /* PIE, binary, 24 h */
    out(0x70, 0x40); out(0x71, 0x99);    /* NVRAM */
    now += 7000000;
    out(0x70, 0x0C); (void)in(0x71);
    out(0x70, 0x8F);                     /* index with NMI masked */
    /* Byte 128 is the index (7 bits). */
    round_trip(&c->dev, &cmos_create(fake_clock(&now), NULL, (struct irq_pin){ 0 }, 0)->dev,
               128, 0x80);
}

static void test_serial(void)
{
    struct serial *s = serial_create("serial0", 0x3F8, (struct char_sink){ 0 });
    board_add(vm, &s->dev);
    serial_connect(s, fake_clock(&now), NULL, (struct irq_pin){ 0 });
    out(0x3FB, 0x83); out(0x3F8, 0x01); out(0x3FB, 0x1B);   /* 115200, 8E1 */
    out(0x3FA, 0xC7); out(0x3F9, 0x05); out(0x3FF, 0x5A);
    out(0x3FC, 0x1B);                                       /* loopback */
    for (unsigned i = 0; i < 5; i++)
        out(0x3F8, 'a' + i);
    (void)in(0x3F8);                                         /* ring head moves */
    struct serial *fresh = serial_create("serial0", 0x3F8, (struct char_sink){ 0 });
    serial_connect(fresh, fake_clock(&now), NULL, (struct irq_pin){ 0 });
    /* Byte 0 is the number of received characters (at most 16). */
    round_trip(&s->dev, &fresh->dev, 0, 17);
}

static void test_i8042(void)
{
    struct i8042 *k = i8042_create((struct irq_pin){ 0 }, (struct irq_pin){ 0 },
                                   (struct signal_line){ 0 }, (struct signal_request){ 0 });
    board_add(vm, &k->dev);
    out(0x64, 0x60); out(0x60, 0x45);    /* command byte */
    out(0x60, 0xF2);                     /* identify: three bytes queued */
    (void)in(0x60);
    out(0x64, 0xAA);                     /* self test: 0x55 */
    out(0x60, 0xED);                     /* LEDs: argument pending */
    struct input_sink sink = i8042_input(k);
    input_key(&sink, 30, true);          /* A: a scan code queued */
    input_pointer(&sink, 5, 5, 0, 0);    /* the mouse is off: motion kept */
    /* Byte 32 is the status (bits 2, 3, 6 only). */
    round_trip(&k->dev, &i8042_create((struct irq_pin){ 0 }, (struct irq_pin){ 0 },
                                      (struct signal_line){ 0 },
                                      (struct signal_request){ 0 })->dev,
               32, 0x01);
}

static void test_small_devices(void)
{
    struct port92 *p = port92_create((struct signal_line){ 0 }, (struct signal_request){ 0 });
    board_add(vm, &p->dev);
    out(0x92, 0x0C);
    round_trip(&p->dev, &port92_create((struct signal_line){ 0 },
                                       (struct signal_request){ 0 })->dev,
               SIZE_MAX, 0);

    struct pin_log irq13 = { 0 };
    struct fpu_irq *f = fpu_irq_create(log_pin(&irq13));
    board_add(vm, &f->dev);
    fpu_irq_ferr(f, true);
    CHECK(irq13.level);
    struct fpu_irq *f2 = fpu_irq_create((struct irq_pin){ 0 });
    round_trip(&f->dev, &f2->dev, 0, 2);   /* a bool is 0 or 1 */

    struct post *po = post_create(NULL);
    board_add(vm, &po->dev);
    out(0x80, 0x3C);
    round_trip(&po->dev, &post_create(NULL)->dev, SIZE_MAX, 0);

    /* No state: the empty input, and nothing else, loads. */
    struct debugcon *dc = debugcon_create("debugcon", 0xE9, (struct char_sink){ 0 });
    board_add(vm, &dc->dev);
    round_trip(&dc->dev, &debugcon_create("debugcon", 0xE9, (struct char_sink){ 0 })->dev,
               SIZE_MAX, 0);
    struct debug_exit *de = debug_exit_create(0xF4, (struct signal_request){ 0 });
    board_add(vm, &de->dev);
    round_trip(&de->dev, &debug_exit_create(0xF4, (struct signal_request){ 0 })->dev,
               SIZE_MAX, 0);
}

static void test_pci(void)
{
    struct pci *p = pci_create((struct pci_space){ 0 }, (struct signal_request){ 0 });
    board_add(vm, &p->dev);
    pci_config_write(p, pci_bdf(0, 0, 0), 0x59, 0x33, 1);    /* PAM0 */
    pci_config_write(p, pci_bdf(0, 0, 0), 0x0D, 0x40, 1);    /* latency */
    iobus_out(&vm->io, 0xCF8, 0x80000058u, 4);
    /* Byte 7 is the host bridge's vendor ID low byte: read only. */
    round_trip(&p->dev, &pci_create((struct pci_space){ 0 },
                                    (struct signal_request){ 0 })->dev,
               7, 0x00);
}

/* Issue 16's chipset: fw_cfg's position, the PIIX3's PIRQ inputs, the PM
 * function's registers. */
static void test_chipset(void)
{
    struct fw_cfg *f = fw_cfg_create((struct guest_mem){ 0 }, 0);
    board_add(vm, &f->dev);
    iobus_out(&vm->io, FW_CFG_PORT, FW_CFG_SIGNATURE, 2);
    in(FW_CFG_PORT + 1);
    /* Byte 2 is the offset's low byte: 9 is past "QEMU". */
    round_trip(&f->dev, &fw_cfg_create((struct guest_mem){ 0 }, 0)->dev, 2, 9);

    struct irq_pin isa[PIIX3_ISA_IRQS] = { { 0 } };
    struct piix3 *p = piix3_create(isa);
    board_add(vm, &p->dev);
    struct irq_pin src = piix3_pirq_source(p, 2);
    irq_pin_set(&src, true);
    /* The same board has the same sources.  Byte 0 is PIRQA's: one source
     * exists in all (bit 0), so bit 1 is refused. */
    struct piix3 *p2 = piix3_create(isa);
    piix3_pirq_source(p2, 2);
    round_trip(&p->dev, &p2->dev, 0, 2);

    struct pci *bus = pci_create((struct pci_space){ 0 }, (struct signal_request){ 0 });
    struct piix4_pm *pm = piix4_pm_create(bus, 1, 3, fake_clock(&now), NULL,
                                          (struct irq_pin){ 0 }, (struct signal_request){ 0 });
    struct pci *bus2 = pci_create((struct pci_space){ 0 }, (struct signal_request){ 0 });
    struct piix4_pm *pm2 = piix4_pm_create(bus2, 1, 3, fake_clock(&now), NULL,
                                           (struct irq_pin){ 0 }, (struct signal_request){ 0 });
    board_add(vm, &pm->dev);
    iobus_out(&vm->io, PIIX4_GPE0_PORT + 2, 0x0101, 2);
    out(PIIX4_APM_PORT, 0xF1);
    /* Byte 1 is PM1_STS's high byte: bit 9 (0x02) is no status bit. */
    round_trip(&pm->dev, &pm2->dev, 1, 0x02);
    bus->dev.ops->destroy(&bus->dev);
    bus2->dev.ops->destroy(&bus2->dev);
}

int main(void)
{
    vm = board_vm(1);
    test_pic();
    test_pit();
    test_cmos();
    test_serial();
    test_i8042();
    test_small_devices();
    test_pci();
    test_chipset();
    vm_destroy(vm);
    return check_report();
}
