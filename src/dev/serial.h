/* COM1-style serial port: for now the transmit side of an NS16550A and just
 * enough of its registers for a driver to find it and send bytes.  There is
 * no receiver input, no FIFO and no interrupt yet (the full 16550 comes with
 * the interrupt controller). */
#ifndef PLEX86_DEV_SERIAL_H
#define PLEX86_DEV_SERIAL_H

#include <stdint.h>

#include "dev/chardev.h"

struct vm;

#define SERIAL_COM1_BASE 0x3F8

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
    UART_LCR_DLAB = 0x80,
    UART_MCR_LOOP = 0x10,
    UART_LSR_DR = 0x01,   /* data ready */
    UART_LSR_THRE = 0x20, /* transmit holding register empty */
    UART_LSR_TEMT = 0x40, /* transmitter empty */
    UART_IIR_NO_INT = 0x01,
};

struct serial {
    struct char_sink out;  /* where transmitted bytes go */
    uint16_t base;
    uint8_t rbr;           /* last byte looped back (loopback mode only) */
    uint8_t ier, lcr, mcr, lsr, scr, fcr;
    uint8_t dll, dlm;      /* divisor latch */
    uint64_t tx_bytes;     /* bytes sent to the sink */
};

/* Creates the port at `base` (8 ports) writing to `out`, registers it on the
 * VM's bus and adds it to the VM, which owns it from then on.  Returns NULL
 * if the ports are taken or the device table is full. */
struct serial *serial_create(struct vm *vm, uint16_t base, struct char_sink out);

#endif
