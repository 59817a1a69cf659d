/* The PC/AT's ISA DMA: two Intel 8237A controllers (8237A data sheet) and
 * the 74LS612 page registers, as the AT wires them.
 *
 * Controller 1 (ports 0x00-0x0F) serves the 8-bit channels 0-3; its HRQ
 * is cascaded into channel 4 of controller 2 (ports 0xC0-0xDF, registers
 * on even ports; the AT does not decode A0, so each odd port aliases the
 * even one below it), which serves the 16-bit channels 5-7: their address
 * and count registers count 16-bit words, the address is shifted left by
 * one and the page register's bit 0 is not used.  Channels 0-3 can only
 * transfer while channel 4 is in cascade mode and unmasked (what a BIOS
 * sets up: mode 0xC0 to port 0xD6, then unmask with 0x00 to 0xD4) and
 * controller 2 is enabled.  An address counts within its 64 KiB (8-bit)
 * or 128 KiB (16-bit) page and wraps there: the page register does not
 * carry.
 *
 * Page registers (A16-A23): 0x87, 0x83, 0x81, 0x82 for channels 0-3,
 * 0x8F for 4 (unused: the refresh register), 0x8B, 0x89, 0x8A for 5-7.
 * The 74LS612's spare registers 0x84-0x86, 0x88 and 0x8C-0x8E latch what
 * is written.  Port 0x80, the first of them, is left to the POST port
 * (dev/post.c), as on PCs where POST cards decode it.
 *
 * Registers per controller (the offset from its base, times 2 for
 * controller 2): 0-7 channel address/count (two byte accesses each,
 * low byte first, through the byte-pointer flip-flop; reads give the
 * current values, writes set base and current), 8 status (read: TC bits
 * 0-3, cleared by the read, and request bits 4-7) / command (write),
 * 9 request (software DREQ: shown in the status; with nothing wired to
 * move data, it transfers nothing), 10 single mask bit, 11 mode, 12 clear
 * flip-flop, 13 temporary (read: 0, there are no memory-to-memory
 * transfers) / master clear (write), 14 clear all masks, 15 write all
 * masks (read: the masks in bits 0-3, bits 4-7 set, as on later chipsets).
 *
 * Modes: verify (the count runs, memory is untouched), write (device to
 * memory), read (memory to device); single, demand and block modes behave
 * alike here because devices move data in whole calls (below); cascade
 * makes the channel transfer nothing itself; autoinitialize reloads the
 * base address and count at terminal count (TC), otherwise TC sets the
 * channel's mask bit.  Address increment or decrement.  The command
 * register's disable bit stops a controller; its other bits (memory-to-
 * memory, compressed timing, priority, DREQ/DACK sense) are kept and
 * read back but change nothing: a device model has no timing to change.
 * Priority is fixed (channel 0 first, controller 1's channels before 5-7).
 *
 * The device side.  A device owns a channel (dma8237_connect) and raises
 * and lowers its DREQ line (dma8237_set_dreq).  Whenever a channel with
 * DREQ high can transfer (DREQ rises while the channel is ready, or the
 * guest unmasks, enables or cascades it while DREQ is high) the
 * controller calls the device's `service` function once; the device then
 * moves as much as it has with dma8237_transfer, which copies between its
 * buffer and guest memory as the channel's mode says, counts, and reports
 * TC.  A device that keeps DREQ high without moving data is called again
 * at the next such change, never in a loop.  Guest memory is reached
 * through struct guest_mem, so scan-before-execute sees every write. */
#ifndef PLEX86_DEV_DMA8237_H
#define PLEX86_DEV_DMA8237_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dev/guest_mem.h"
#include "vm/device.h"

#define DMA8237_CHANNELS 8
#define DMA8237_CASCADE 4       /* controller 2's channel 0 */

/* The channel's mode register bits 3-2: what dma8237_transfer does. */
enum dma8237_dir {
    DMA8237_VERIFY = 0,         /* count only */
    DMA8237_TO_MEMORY = 1,      /* "write transfer": device -> memory */
    DMA8237_FROM_MEMORY = 2,    /* "read transfer": memory -> device */
    DMA8237_ILLEGAL = 3,        /* undefined in the data sheet: counts only */
};

enum {
    DMA_MODE_CHAN = 0x03, DMA_MODE_DIR = 0x0C, DMA_MODE_AUTOINIT = 0x10,
    DMA_MODE_DECREMENT = 0x20, DMA_MODE_TYPE = 0xC0,
    DMA_TYPE_DEMAND = 0x00, DMA_TYPE_SINGLE = 0x40, DMA_TYPE_BLOCK = 0x80,
    DMA_TYPE_CASCADE = 0xC0,
    DMA_CMD_DISABLE = 0x04,
};

struct dma8237_chan {
    uint16_t base_addr, base_count;   /* reloaded at TC with autoinit */
    uint16_t cur_addr, cur_count;     /* in words on channels 5-7 */
    uint8_t mode;                     /* as written, less bits 1-0 */
};

struct dma8237_ctrl {
    struct dma8237_chan ch[4];
    uint8_t command;
    uint8_t tc;          /* status bits 0-3: TC reached since last read */
    uint8_t request;     /* software requests, bits 0-3 */
    uint8_t mask;        /* bits 0-3 */
    bool flipflop;       /* false: the next byte is the low one */
};

/* What a device wired to a channel provides. */
struct dma8237_client {
    void (*service)(void *opaque, unsigned ch);
    void *opaque;
};

struct dma8237 {
    struct device dev;   /* first: device_free */
    struct guest_mem mem;
    struct dma8237_ctrl c[2];          /* c[0]: channels 0-3, c[1]: 4-7 */
    uint8_t page[16];                  /* ports 0x80-0x8F (0x80 unused) */
    uint8_t dreq;                      /* DREQ inputs, bit n = channel n */
    struct dma8237_client client[DMA8237_CHANNELS];
    bool running;                      /* in dma_run: no re-entry */
    uint64_t bytes;                    /* moved to or from memory */
};

/* Creates the pair with their ports (0x00-0x0F, 0xC0-0xDF, 0x81-0x8F)
 * and guest memory `mem`.  NULL when out of memory. */
struct dma8237 *dma8237_create(struct guest_mem mem);

/* Wires a device to channel `ch` (0-7; 4 is the cascade and takes none).
 * Returns 0, or -1 for a bad or taken channel. */
int dma8237_connect(struct dma8237 *d, unsigned ch, struct dma8237_client client);

/* The device's DREQ line for channel `ch`.  Raising it on a channel that
 * can transfer calls the device's service function before returning. */
void dma8237_set_dreq(struct dma8237 *d, unsigned ch, bool level);

/* What the channel's mode asks of a transfer now. */
enum dma8237_dir dma8237_direction(const struct dma8237 *d, unsigned ch);

/* Moves up to `len` bytes for channel `ch` between `buf` and guest memory
 * as the channel's mode says (TO_MEMORY reads buf, FROM_MEMORY fills it,
 * VERIFY and ILLEGAL leave both alone), stopping at terminal count.  On a
 * 16-bit channel whole words move: an odd `len` is cut down.  Returns the
 * bytes counted (0 when the channel cannot transfer: masked, disabled,
 * cascaded or in cascade mode); *tc (may be NULL) tells whether TC was
 * reached, after which the channel is masked or, with autoinitialize,
 * reloaded. */
size_t dma8237_transfer(struct dma8237 *d, unsigned ch, void *buf, size_t len, bool *tc);

/* What a PC BIOS leaves after POST (SeaBIOS's dma_setup): channel 4 in
 * cascade mode and unmasked, so that channels 0-3 reach the bus.  For a
 * kernel booted without firmware (-kernel): Linux's drivers program only
 * their own channel. */
void dma8237_bios_setup(struct dma8237 *d);

/* The RESET line: as a master clear of both controllers (masks set,
 * command, status, requests and flip-flops cleared); the address, count,
 * mode and page registers keep their values. */
void dma8237_reset(struct dma8237 *d);

#endif
