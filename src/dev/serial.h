/* A PC serial port: the NS16550A UART (National Semiconductor NS16550A and
 * TI TL16C550 data sheets) on COM1-style ports, 8 registers from `base`.
 *
 * Transmit: a byte written to THR leaves at once for the char_sink (no
 * baud-rate pacing): THR and the transmitter are always empty (LSR THRE and
 * TEMT set), and a THR write re-raises the THRE interrupt right away, as
 * the hardware does once the byte has moved to the shift register.  Bytes
 * pass whole whatever the word length (LCR bits 1-0, which only set the
 * character time): there is no line to cut them, and guests that never
 * program LCR (reset: 5 bits) still print, as under QEMU.  While
 * LCR's break bit holds the line at spacing, written bytes do not reach the
 * sink (the far end sees only a break).
 *
 * Receive: the host hands bytes in with serial_receive() as room allows
 * (serial_rx_room): 16 in FIFO mode, 1 in 16450 mode, 0 in loopback, where
 * the receiver is cut off from the line.  The host keeps what was not
 * taken, so no typed byte is lost and host input never overruns; overrun
 * (LSR OE) happens in loopback, when the guest sends more than it reads.
 * There is no physical line, so parity and framing errors never occur; a
 * break (serial_receive_break, or LCR break set in loopback) puts one zero
 * character with BI into the receiver, as the data sheet says.
 *
 * Interrupts (IIR, highest priority first, data sheet table 4): receiver
 * line status (OE/BI, cleared by reading LSR); received data available
 * (FIFO at its trigger level, or data in 16450 mode; cleared by reading
 * below it) and character timeout (FIFO mode: data below the trigger level
 * and no character in or out for 4 character times at the programmed baud
 * rate and frame; cleared by reading RBR); THR empty (set when THR empties
 * and when IER bit 1 goes from 0 to 1 with THR empty; cleared by a THR
 * write or by an IIR read that reports it); modem status (MSR delta bits,
 * cleared by reading MSR).
 *
 * The IRQ pin: on a PC the UART's INTRPT output reaches the interrupt
 * controller only through a buffer enabled by the ~OUT2 pin, so the pin is
 * high when an interrupt is pending and MCR OUT2 is set.  In loopback the
 * data sheet forces the modem-control pins inactive, so on a PC no
 * interrupt reaches the controller then (the UART's own IIR still works).
 *
 * Modem lines: outside loopback the inputs read as a connected terminal
 * (CTS, DSR, DCD set; RI clear); in loopback MCR's outputs feed them
 * (DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD), and changes set the MSR delta
 * bits (DCTS, DDSR, TERI on RI's falling edge, DDCD).
 *
 * Time: only the character timeout depends on it.  The UART reads guest
 * nanoseconds from a struct dev_clock (serial_connect) and arms a timer
 * (vm/sched.h) for the timeout's deadline (serial_next_event), which calls
 * serial_advance() (by hand in tests built without a scheduler).  Port accesses and serial_receive look at the clock
 * themselves.  With no clock connected the timeout counts as expired at
 * once, so that a board without time still sees every byte. */
#ifndef PLEX86_DEV_SERIAL_H
#define PLEX86_DEV_SERIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dev/chardev.h"
#include "dev/irq.h"
#include "vm/device.h"
#include "vm/sched.h"

#define SERIAL_COM1_BASE 0x3F8
#define SERIAL_COM1_IRQ 4
#define SERIAL_FIFO_SIZE 16
/* The PC's UART crystal: 1.8432 MHz; baud = clock / (16 * divisor). */
#define SERIAL_CLOCK_HZ 1843200u

/* Register offsets from the base port (NS16550A data sheet, table 2). */
enum {
    UART_RBR_THR = 0, /* receive buffer / transmit holding (DLL when DLAB) */
    UART_IER = 1,     /* interrupt enable (DLM when DLAB) */
    UART_IIR_FCR = 2, /* interrupt identification / FIFO control */
    UART_LCR = 3,     /* line control; bit 7 is DLAB */
    UART_MCR = 4,     /* modem control; bit 4 is loopback */
    UART_LSR = 5,     /* line status */
    UART_MSR = 6,     /* modem status */
    UART_SCR = 7,     /* scratch */
};

enum {
    UART_IER_RDI = 0x01,  /* received data available (and timeout) */
    UART_IER_THRI = 0x02, /* THR empty */
    UART_IER_RLSI = 0x04, /* receiver line status */
    UART_IER_MSI = 0x08,  /* modem status */

    UART_IIR_NO_INT = 0x01,
    UART_IIR_MSI = 0x00,
    UART_IIR_THRI = 0x02,
    UART_IIR_RDI = 0x04,
    UART_IIR_RLSI = 0x06,
    UART_IIR_TIMEOUT = 0x0C,
    UART_IIR_FIFOS = 0xC0, /* both bits set while the FIFOs are enabled */

    UART_FCR_ENABLE = 0x01,
    UART_FCR_CLEAR_RX = 0x02,
    UART_FCR_CLEAR_TX = 0x04,
    UART_FCR_DMA = 0x08,
    UART_FCR_TRIGGER = 0xC0, /* RX trigger level: 1, 4, 8, 14 bytes */

    UART_LCR_WLEN = 0x03,  /* word length 5-8 bits */
    UART_LCR_STOP = 0x04,  /* 2 stop bits (1.5 with 5-bit words) */
    UART_LCR_PARITY = 0x08,
    UART_LCR_BREAK = 0x40,
    UART_LCR_DLAB = 0x80,

    UART_MCR_DTR = 0x01,
    UART_MCR_RTS = 0x02,
    UART_MCR_OUT1 = 0x04,
    UART_MCR_OUT2 = 0x08,
    UART_MCR_LOOP = 0x10,

    UART_LSR_DR = 0x01,   /* data ready */
    UART_LSR_OE = 0x02,   /* overrun */
    UART_LSR_PE = 0x04,   /* parity error */
    UART_LSR_FE = 0x08,   /* framing error */
    UART_LSR_BI = 0x10,   /* break */
    UART_LSR_THRE = 0x20, /* transmit holding register empty */
    UART_LSR_TEMT = 0x40, /* transmitter empty */
    UART_LSR_FIFOE = 0x80, /* an error in the RX FIFO (FIFO mode) */

    UART_MSR_DCTS = 0x01,
    UART_MSR_DDSR = 0x02,
    UART_MSR_TERI = 0x04,
    UART_MSR_DDCD = 0x08,
    UART_MSR_CTS = 0x10,
    UART_MSR_DSR = 0x20,
    UART_MSR_RI = 0x40,
    UART_MSR_DCD = 0x80,
};

/* One received character and the line errors that came with it (LSR
 * PE/FE/BI bits), revealed in LSR when it reaches the top of the FIFO. */
struct serial_char {
    uint8_t byte;
    uint8_t err;
};

struct serial {
    struct device dev;      /* first: device_free */
    struct char_sink out;   /* where transmitted bytes go */
    struct dev_clock clock;
    struct sched *sched;    /* where `timer` is armed; NULL: by hand */
    struct timer timer;     /* the character timeout */
    struct irq_pin irq;     /* unconnected until serial_connect */
    uint16_t base;

    struct serial_char rx[SERIAL_FIFO_SIZE]; /* ring: in 16450 mode one */
    uint8_t rx_head, rx_count;
    uint8_t rbr;            /* last character read (RBR on an empty FIFO) */
    uint64_t rx_activity_ns; /* last character in or out of the RX FIFO */

    uint8_t ier, lcr, mcr, fcr, scr;
    uint8_t lsr_err;        /* latched OE/PE/FE/BI, cleared by an LSR read */
    uint8_t msr_delta;      /* MSR bits 0-3, cleared by an MSR read */
    uint8_t msr_in;         /* MSR bits 4-7 as last seen, for the deltas */
    uint8_t dll, dlm;       /* divisor latch */
    bool thre_pending;      /* THRE interrupt latched (rules above) */
    bool irq_level;         /* what the IRQ pin was last driven to */

    uint64_t tx_bytes;      /* bytes sent to the sink */
    uint64_t rx_bytes;      /* bytes the host handed in (serial_receive) */
};

/* Creates the port `name` ("serial0") at `base` (8 ports declared) writing
 * to `out`.  The IRQ pin, clock and scheduler start unconnected.  NULL
 * when out of memory. */
struct serial *serial_create(const char *name, uint16_t base, struct char_sink out);

/* Connects the time source and scheduler (for the character timeout) and
 * the IRQ pin (on a PC: the PIC's IRQ 4 for COM1).  Any may be left
 * zeroed/NULL. */
void serial_connect(struct serial *s, struct dev_clock clock, struct sched *sched,
                    struct irq_pin irq);

/* How many bytes serial_receive would take now. */
size_t serial_rx_room(const struct serial *s);

/* Hands up to `len` bytes from the host line to the receiver; returns how
 * many it took (at most serial_rx_room).  The rest stays with the caller. */
size_t serial_receive(struct serial *s, const uint8_t *buf, size_t len);

/* A break on the host line (e.g. the console's escape): one zero character
 * with BI.  Returns false, doing nothing, when there is no room. */
bool serial_receive_break(struct serial *s);

/* Follows time to now_ns: raises the character-timeout interrupt when due. */
void serial_advance(struct serial *s, uint64_t now_ns);

/* When serial_advance should next be called (the pending character
 * timeout), or UINT64_MAX. */
uint64_t serial_next_event(struct serial *s, uint64_t now_ns);

/* The nanoseconds one character takes on the line with the programmed
 * divisor and frame (start, data, parity and stop bits). */
uint64_t serial_char_ns(const struct serial *s);

#endif
