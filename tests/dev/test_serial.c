/* The 16550A UART driven through its ports as a guest driver does, with
 * host input through serial_receive, a clock stepped by hand and an IRQ
 * pin that records its level. */
#include "check.h"
#include "dev/board_util.h"
#include "dev/serial.h"

#define BASE SERIAL_COM1_BASE

static struct vm *vm;
static struct serial *s;
static uint64_t now;
static struct pin_log irq;
static struct char_buffer sent;

static void out(unsigned reg, uint8_t v) { iobus_out(&vm->io, (uint16_t)(BASE + reg), v, 1); }
static uint8_t in(unsigned reg) { return (uint8_t)iobus_in(&vm->io, (uint16_t)(BASE + reg), 1); }

static void receive_str(const char *str)
{
    size_t n = strlen(str);
    CHECK_EQ(serial_receive(s, (const uint8_t *)str, n), n);
}

/* A fresh UART state (vm_reset) at 115200 baud, 8N1, OUT2 set. */
static void fresh(void)
{
    vm_reset(vm);
    out(UART_LCR, 0x83);
    out(UART_RBR_THR, 1);
    out(UART_IER, 0);
    out(UART_LCR, 0x03);
    out(UART_MCR, UART_MCR_OUT2 | UART_MCR_DTR | UART_MCR_RTS);
    in(UART_MSR);
    in(UART_LSR);
}

static void test_reset_state(void)
{
    vm_reset(vm);
    CHECK_EQ(in(UART_LSR), 0x60);
    CHECK_EQ(in(UART_IIR_FCR), 0x01);
    CHECK_EQ(in(UART_MSR), 0xB0);   /* CTS, DSR, DCD: a terminal is there */
    CHECK_EQ(in(UART_IER), 0);
    CHECK_EQ(in(UART_MCR), 0);
    CHECK(!irq.level);
    CHECK_EQ(serial_rx_room(s), 1);  /* 16450 mode: one holding register */
}

static void test_dlab_and_char_time(void)
{
    fresh();
    out(UART_IER, 0x05);
    out(UART_LCR, 0x83);
    out(UART_RBR_THR, 0x0C);          /* DLL: 9600 baud */
    out(UART_IER, 0x00);              /* DLM */
    CHECK_EQ(in(UART_RBR_THR), 0x0C);
    CHECK_EQ(in(UART_IER), 0x00);
    CHECK_EQ(sent.len, 0);            /* the latch is not THR */
    out(UART_LCR, 0x03);
    CHECK_EQ(in(UART_IER), 0x05);     /* IER untouched by the DLM write */
    /* 9600 baud, 8N1: 10 bits of 16 * 12 clocks at 1.8432 MHz. */
    CHECK_EQ(serial_char_ns(s), 1041667);
    out(UART_LCR, 0x83);
    out(UART_RBR_THR, 1);
    out(UART_LCR, 0x03);
    CHECK_EQ(serial_char_ns(s), 86806); /* 115200 baud */
    out(UART_LCR, 0x0F);              /* 8 bits, parity, 2 stop: 12 bits */
    CHECK_EQ(serial_char_ns(s), 104167);
    out(UART_LCR, 0x04);              /* 5 bits, 1.5 stop: 7.5 bits */
    CHECK_EQ(serial_char_ns(s), 65105);
    CHECK_EQ(in(UART_LCR), 0x04);
}

static void test_loopback(void)
{
    fresh();
    uint64_t tx = s->tx_bytes;
    out(UART_IIR_FCR, UART_FCR_ENABLE);
    out(UART_MCR, 0x1F);              /* loopback with all four outputs */
    CHECK_EQ(in(UART_MSR) & 0xF0, 0xF0);
    CHECK_EQ(serial_rx_room(s), 0);   /* the line is cut off */
    CHECK_EQ(serial_receive(s, (const uint8_t *)"z", 1), 0);
    out(UART_RBR_THR, 'a');
    out(UART_RBR_THR, 'b');
    out(UART_RBR_THR, 0xFF);
    CHECK_EQ(s->tx_bytes, tx);        /* nothing left on the line */
    CHECK_EQ(sent.len, 0);
    CHECK_EQ(in(UART_LSR), 0x61);
    CHECK_EQ(in(UART_RBR_THR), 'a');
    CHECK_EQ(in(UART_RBR_THR), 'b');
    CHECK_EQ(in(UART_RBR_THR), 0xFF);
    CHECK_EQ(in(UART_LSR), 0x60);
    CHECK_EQ(s->rx_bytes, 0);         /* loopback is not host input */
    /* MCR outputs feed the inputs: DTR->DSR, RTS->CTS, OUT1->RI,
     * OUT2->DCD, with delta bits; TERI only on RI's falling edge. */
    out(UART_MCR, 0x10 | UART_MCR_DTR);
    CHECK_EQ(in(UART_MSR), UART_MSR_DSR | UART_MSR_DCTS | UART_MSR_TERI | UART_MSR_DDCD);
    CHECK_EQ(in(UART_MSR), UART_MSR_DSR);   /* deltas cleared by the read */
    out(UART_MCR, 0x10 | UART_MCR_OUT1);
    CHECK_EQ(in(UART_MSR), UART_MSR_RI | UART_MSR_DDSR);   /* RI rose: no TERI */
    out(UART_MCR, 0x10 | UART_MCR_RTS);
    CHECK_EQ(in(UART_MSR), UART_MSR_CTS | UART_MSR_DCTS | UART_MSR_TERI);
    /* Break set in loopback: a zero character with BI. */
    out(UART_LCR, 0x43);
    CHECK_EQ(in(UART_LSR), 0xF1);     /* DR, BI, THRE, TEMT, FIFO error */
    CHECK_EQ(in(UART_RBR_THR), 0);
    CHECK_EQ(in(UART_LSR), 0x60);
    out(UART_LCR, 0x03);
    /* Leaving loopback: the terminal's lines again, changes noted. */
    out(UART_MCR, UART_MCR_OUT2);
    CHECK_EQ(in(UART_MSR), 0xB0 | UART_MSR_DDSR | UART_MSR_DDCD);
    CHECK_EQ(serial_rx_room(s), 16);
}

/* Every source pending at once, reported and cleared in priority order. */
static void test_iir_priority(void)
{
    fresh();
    out(UART_IIR_FCR, UART_FCR_ENABLE);          /* trigger level 1 */
    out(UART_MCR, 0x10 | UART_MCR_OUT2);         /* MSR deltas... */
    out(UART_MCR, UART_MCR_OUT2);                /* ...CTS, DSR changed */
    out(UART_IER, 0x0F);
    CHECK(irq.level);
    CHECK_EQ(in(UART_IIR_FCR), 0xC2);            /* THRE (read clears it) */
    out(UART_IER, 0x0D);
    out(UART_IER, 0x0F);                         /* re-armed by enabling */
    receive_str("A");
    CHECK(serial_receive_break(s));
    CHECK_EQ(in(UART_IIR_FCR), 0xC4);            /* data; BI not at the top */
    CHECK_EQ(in(UART_RBR_THR), 'A');
    CHECK_EQ(in(UART_IIR_FCR), 0xC6);            /* line status: BI */
    CHECK_EQ(in(UART_LSR), 0xF1);
    CHECK_EQ(in(UART_IIR_FCR), 0xC4);            /* the break's zero byte */
    CHECK_EQ(in(UART_RBR_THR), 0);
    CHECK(irq.level);
    CHECK_EQ(in(UART_IIR_FCR), 0xC2);            /* THRE, cleared by this read */
    CHECK_EQ(in(UART_IIR_FCR), 0xC0);            /* modem status */
    CHECK_EQ(in(UART_MSR), 0xB0 | UART_MSR_DCTS | UART_MSR_DDSR); /* DCD stayed */
    CHECK_EQ(in(UART_IIR_FCR), 0xC1);
    CHECK(!irq.level);
}

static void test_thre_rules(void)
{
    fresh();
    CHECK_EQ(in(UART_IIR_FCR), 0x01);            /* THR empty, but not enabled */
    unsigned r0 = irq.rises;
    out(UART_IER, UART_IER_THRI);
    CHECK_EQ(irq.rises, r0 + 1);
    CHECK_EQ(in(UART_IIR_FCR), 0x02);            /* FIFOs off: bits 7-6 clear */
    CHECK(!irq.level);                           /* the IIR read cleared it */
    CHECK_EQ(in(UART_IIR_FCR), 0x01);
    out(UART_IER, UART_IER_THRI);                /* no 0->1 change: nothing */
    CHECK_EQ(in(UART_IIR_FCR), 0x01);
    /* A THR write empties again at once: a fresh THRE interrupt, and an
     * edge on the pin for each byte. */
    out(UART_RBR_THR, 'x');
    CHECK(irq.level);
    out(UART_RBR_THR, 'y');
    CHECK_EQ(irq.rises, r0 + 3);
    CHECK_STR((char *)sent.data, "xy");
    /* The THR write clears it even when masked; the pin follows IER. */
    out(UART_IER, 0);
    CHECK(!irq.level);
    CHECK_EQ(in(UART_IIR_FCR), 0x01);
    out(UART_IER, UART_IER_THRI);
    CHECK_EQ(in(UART_IIR_FCR), 0x02);
    /* A lower priority source waits behind THRE; an LSR read is no
     * THRE acknowledgement. */
    in(UART_LSR);
    out(UART_IER, 0);
    out(UART_IER, UART_IER_THRI | UART_IER_RDI);
    receive_str("q");
    CHECK_EQ(in(UART_IIR_FCR), 0x04);            /* data outranks THRE */
    CHECK_EQ(in(UART_RBR_THR), 'q');
    CHECK_EQ(in(UART_IIR_FCR), 0x02);            /* THRE still pending */
    CHECK_EQ(in(UART_IIR_FCR), 0x01);
}

static void test_out2_gating(void)
{
    fresh();
    out(UART_MCR, 0);
    out(UART_IER, UART_IER_THRI);
    CHECK(!irq.level);                           /* pending, gated off */
    out(UART_MCR, UART_MCR_OUT2);
    CHECK(irq.level);
    out(UART_MCR, UART_MCR_OUT2 | UART_MCR_LOOP); /* loopback: pins inactive */
    CHECK(!irq.level);
    CHECK_EQ(in(UART_IIR_FCR) & 0x0F, 0x02);     /* IIR still tells */
    out(UART_IER, 0);
    out(UART_MCR, UART_MCR_OUT2);
    CHECK(!irq.level);
}

static void test_trigger_levels(void)
{
    static const uint8_t levels[4] = { 1, 4, 8, 14 };
    for (unsigned k = 0; k < 4; k++) {
        fresh();
        out(UART_IIR_FCR, (uint8_t)(UART_FCR_ENABLE | k << 6));
        out(UART_IER, UART_IER_RDI);
        CHECK_EQ(in(UART_IIR_FCR), 0xC1);
        for (unsigned i = 0; i + 1 < levels[k]; i++) {
            receive_str("t");
            CHECK_EQ(in(UART_IIR_FCR), 0xC1);
            CHECK(!irq.level);
        }
        receive_str("T");
        CHECK_EQ(in(UART_IIR_FCR), 0xC4);
        CHECK(irq.level);
        in(UART_RBR_THR);                        /* below the level again */
        CHECK_EQ(in(UART_IIR_FCR), 0xC1);
        CHECK(!irq.level);
        CHECK_EQ(serial_rx_room(s), SERIAL_FIFO_SIZE + 1u - levels[k]);
    }
    /* FCR bits other than 0 take only with bit 0 set; clearing bit 0
     * empties the FIFO and IIR bits 7-6 follow. */
    fresh();
    out(UART_IIR_FCR, UART_FCR_ENABLE | 0xC0);
    receive_str("abc");
    out(UART_IIR_FCR, 0xC0);
    CHECK_EQ(in(UART_IIR_FCR), 0x01);
    CHECK_EQ(in(UART_LSR), 0x60);
    CHECK_EQ(serial_rx_room(s), 1);
    out(UART_IIR_FCR, UART_FCR_ENABLE);          /* trigger level 1 now */
    out(UART_IER, UART_IER_RDI);
    receive_str("de");
    CHECK_EQ(in(UART_IIR_FCR), 0xC4);
    out(UART_IIR_FCR, UART_FCR_ENABLE | UART_FCR_CLEAR_RX | UART_FCR_CLEAR_TX);
    CHECK_EQ(in(UART_IIR_FCR), 0xC1);
    CHECK_EQ(in(UART_LSR), 0x60);
}

static void test_char_timeout(void)
{
    fresh();
    out(UART_IIR_FCR, UART_FCR_ENABLE | 0x80);   /* trigger 8 */
    out(UART_IER, UART_IER_RDI);
    uint64_t ct = serial_char_ns(s);
    CHECK_EQ(ct, 86806);
    now = 5000000;
    CHECK_EQ(serial_next_event(s, now), UINT64_MAX);
    receive_str("abc");
    uint64_t due = now + 4 * ct;
    CHECK_EQ(serial_next_event(s, now), due);
    now = due - 1;
    serial_advance(s, now);
    CHECK(!irq.level);
    CHECK_EQ(in(UART_IIR_FCR), 0xC1);
    /* A new character restarts the timer. */
    receive_str("d");
    due = now + 4 * ct;
    now = due - 1;
    serial_advance(s, now);
    CHECK(!irq.level);
    now = due;
    CHECK_EQ(serial_next_event(s, now - 1), due);
    serial_advance(s, now);
    CHECK(irq.level);
    CHECK_EQ(serial_next_event(s, now), UINT64_MAX);
    CHECK_EQ(in(UART_IIR_FCR), 0xCC);
    /* Reading restarts it too (and clears the timeout interrupt). */
    CHECK_EQ(in(UART_RBR_THR), 'a');
    CHECK(!irq.level);
    CHECK_EQ(in(UART_IIR_FCR), 0xC1);
    CHECK_EQ(serial_next_event(s, now), now + 4 * ct);
    /* A slower baud rate stretches the character time. */
    out(UART_LCR, 0x83);
    out(UART_RBR_THR, 12);
    out(UART_LCR, 0x03);
    now += 4 * ct;
    serial_advance(s, now);
    CHECK(!irq.level);
    CHECK_EQ(serial_next_event(s, now), now - 4 * ct + 4 * serial_char_ns(s));
    /* The board forgot to advance: next_event says "now". */
    now += 4 * serial_char_ns(s);
    CHECK_EQ(serial_next_event(s, now), now);
    CHECK_EQ(in(UART_IIR_FCR), 0xCC);            /* a port access advances */
    CHECK(irq.level);
    in(UART_RBR_THR);
    in(UART_RBR_THR);
    CHECK_EQ(in(UART_RBR_THR), 'd');
    CHECK_EQ(in(UART_IIR_FCR), 0xC1);
    CHECK_EQ(serial_next_event(s, now), UINT64_MAX);  /* FIFO empty */
    CHECK(!irq.level);
    /* No timeout in 16450 mode: data ready is the interrupt. */
    out(UART_IIR_FCR, 0);
    receive_str("e");
    CHECK_EQ(in(UART_IIR_FCR), 0x04);
    CHECK_EQ(serial_next_event(s, now), UINT64_MAX);
    in(UART_RBR_THR);
}

static void test_overrun(void)
{
    fresh();
    out(UART_IIR_FCR, UART_FCR_ENABLE | 0xC0);
    out(UART_IER, UART_IER_RLSI);
    out(UART_MCR, UART_MCR_LOOP);
    for (unsigned i = 0; i < SERIAL_FIFO_SIZE + 1; i++)
        out(UART_RBR_THR, (uint8_t)('A' + i));
    CHECK_EQ(in(UART_IIR_FCR), 0xC6);
    CHECK_EQ(in(UART_LSR), 0x63);                /* OE, DR */
    CHECK_EQ(in(UART_LSR), 0x61);                /* OE cleared by the read */
    CHECK_EQ(in(UART_IIR_FCR), 0xC1);
    /* FIFO mode keeps the FIFO; the 17th character is lost. */
    for (unsigned i = 0; i < SERIAL_FIFO_SIZE; i++)
        CHECK_EQ(in(UART_RBR_THR), 'A' + i);
    CHECK_EQ(in(UART_LSR), 0x60);
    /* 16450 mode: the new character overwrites RBR. */
    out(UART_IIR_FCR, 0);
    out(UART_RBR_THR, '1');
    out(UART_RBR_THR, '2');
    CHECK_EQ(in(UART_LSR), 0x63);
    CHECK_EQ(in(UART_RBR_THR), '2');
    CHECK_EQ(in(UART_LSR), 0x60);
    CHECK_EQ(in(UART_RBR_THR), '2');             /* empty: RBR keeps its byte */
}

/* The host has more than the FIFO holds: it hands over what fits, the
 * guest reads as interrupts come, nothing is lost or reordered. */
static void test_receive_flow(void)
{
    fresh();
    out(UART_IIR_FCR, UART_FCR_ENABLE | 0x80);   /* trigger 8 */
    out(UART_IER, UART_IER_RDI);
    uint8_t host[1000], got[1000];
    for (unsigned i = 0; i < sizeof(host); i++)
        host[i] = (uint8_t)(i * 7 + i / 256);
    size_t given = 0, read = 0;
    uint64_t rx0 = s->rx_bytes;
    unsigned rounds = 0;
    while (read < sizeof(host) && rounds++ < 10000) {
        size_t room = serial_rx_room(s);
        CHECK(room <= SERIAL_FIFO_SIZE);
        size_t n = serial_receive(s, host + given, sizeof(host) - given);
        CHECK(n <= room);
        given += n;
        /* The guest: on an interrupt, drain while LSR says data ready;
         * the last few bytes come by the character timeout. */
        if (!irq.level) {
            now += 4 * serial_char_ns(s);
            serial_advance(s, now);
        }
        CHECK(irq.level);
        uint8_t iir = in(UART_IIR_FCR);
        CHECK(iir == 0xC4 || iir == 0xCC);
        while ((in(UART_LSR) & UART_LSR_DR) && read < sizeof(got))
            got[read++] = in(UART_RBR_THR);
    }
    CHECK_EQ(read, sizeof(host));
    CHECK(memcmp(host, got, sizeof(host)) == 0);
    CHECK_EQ(s->rx_bytes - rx0, sizeof(host));
    CHECK(!irq.level);
}

/* Wider accesses reach consecutive registers; the scratch register holds
 * what it was given. */
static void test_wide_and_scratch(void)
{
    fresh();
    out(UART_SCR, 0xA5);
    CHECK_EQ(in(UART_SCR), 0xA5);
    iobus_out(&vm->io, BASE, 0x0321, 2);         /* THR '!' and IER 3 */
    CHECK_EQ(in(UART_IER), 0x03);
    CHECK_EQ(sent.data[sent.len - 1], 0x21);
    uint32_t v = iobus_in(&vm->io, BASE + 4, 4);  /* MCR, LSR, MSR, SCR */
    CHECK_EQ(v & 0xFF, UART_MCR_OUT2 | UART_MCR_DTR | UART_MCR_RTS);
    CHECK_EQ(v >> 24, 0xA5);
    out(UART_LSR, 0xFF);                         /* read-only */
    out(UART_MSR, 0xFF);
    CHECK_EQ(in(UART_LSR), 0x60);
    CHECK_EQ(in(UART_MSR), 0xB0);
    out(UART_IER, 0);
}

int main(void)
{
    vm = board_vm(1);
    s = serial_create("serial0", BASE, char_sink_buffer(&sent));
    CHECK(s != NULL);
    if (!s)
        return check_report();
    board_add(vm, &s->dev);
    serial_connect(s, fake_clock(&now), NULL, log_pin(&irq));
    test_reset_state();
    test_dlab_and_char_time();
    test_loopback();
    test_iir_priority();
    test_thre_rules();
    test_out2_gating();
    test_trigger_levels();
    test_char_timeout();
    test_overrun();
    test_receive_flow();
    test_wide_and_scratch();
    /* A UART without a clock: the timeout is immediate, so data below the
     * trigger level still interrupts. */
    struct vm *vm2 = board_vm(1);
    struct serial *s2 = serial_create("serial0", BASE, (struct char_sink){ 0 });
    board_add(vm2, &s2->dev);
    struct pin_log irq2 = { 0 };
    serial_connect(s2, (struct dev_clock){ 0 }, NULL, log_pin(&irq2));
    iobus_out(&vm2->io, BASE + UART_IIR_FCR, 0xC1, 1);
    iobus_out(&vm2->io, BASE + UART_IER, UART_IER_RDI, 1);
    iobus_out(&vm2->io, BASE + UART_MCR, UART_MCR_OUT2, 1);
    CHECK_EQ(serial_receive(s2, (const uint8_t *)"k", 1), 1);
    CHECK(irq2.level);
    CHECK_EQ(iobus_in(&vm2->io, BASE + UART_IIR_FCR, 1), 0xCC);
    CHECK_EQ(serial_next_event(s2, 0), UINT64_MAX);
    vm_destroy(vm2);
    vm_destroy(vm);
    char_buffer_free(&sent);
    return check_report();
}
