/* The PIIX4's SMBus host controller registers (Intel 82371AB data sheet,
 * section 7.3, "SMBus controller registers"), 16 ports at the base the
 * power-management function's SMBBA register holds.  The bus has no
 * devices on it (no SPD EEPROMs): every transaction a guest starts ends at
 * once with DEV_ERR ("no device answered the address"), as QEMU's pm_smbus
 * does for an address nobody claims; KILL ends one with FAILED.  Like
 * QEMU's PIIX4, the controller raises no interrupt.
 *
 * Offsets: 0 HST_STS (bit 0 HOST_BUSY, read only; bits 1-4 INTR, DEV_ERR,
 * BUS_ERR, FAILED: write 1 to clear), 1 SLV_STS (write 1 to clear), 2
 * HST_CNT (bit 0 INTEREN, bit 1 KILL, bits 4-2 the protocol, bit 6 START:
 * write only), 3 HST_CMD, 4 HST_ADD, 5 HST_D0, 6 HST_D1, 7 the block data
 * byte, 8 SLV_CNT, 9 SHDW_CMD, 0xA-0xB SLV_EVT, 0xC-0xD SLV_DAT; 0xE-0xF
 * read all ones. */
#ifndef PLEX86_DEV_PM_SMBUS_H
#define PLEX86_DEV_PM_SMBUS_H

#include <stdbool.h>
#include <stdint.h>

#include "vm/iobus.h"
#include "vm/state.h"

#define PM_SMBUS_PORTS 16

enum {
    SMB_HST_STS = 0, SMB_SLV_STS = 1, SMB_HST_CNT = 2, SMB_HST_CMD = 3, SMB_HST_ADD = 4,
    SMB_HST_D0 = 5, SMB_HST_D1 = 6, SMB_BLK_DAT = 7, SMB_SLV_CNT = 8, SMB_SHDW_CMD = 9,
    SMB_SLV_EVT = 0x0A, SMB_SLV_DAT = 0x0C,
};

enum {
    SMB_STS_HOST_BUSY = 0x01, SMB_STS_INTR = 0x02, SMB_STS_DEV_ERR = 0x04,
    SMB_STS_BUS_ERR = 0x08, SMB_STS_FAILED = 0x10,
    SMB_CNT_INTEREN = 0x01, SMB_CNT_KILL = 0x02, SMB_CNT_START = 0x40,
};

struct pm_smbus {
    uint8_t regs[14];        /* offsets 0-0xD as stored (START never is) */
    uint64_t transactions;   /* started by the guest */
};

void pm_smbus_reset(struct pm_smbus *s);
void pm_smbus_save(const struct pm_smbus *s, struct state_out *out);
/* Reads what save wrote into `s` (the caller commits a copy); -1 on a bad
 * value. */
int pm_smbus_load(struct pm_smbus *s, struct state_in *in);

/* The port handlers, with the struct pm_smbus as opaque; the port is
 * taken modulo 16. */
extern const struct io_ops pm_smbus_io;

#endif
