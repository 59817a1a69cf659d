/* The PIIX4's SMBus host controller, with nothing on the bus; see
 * pm_smbus.h. */
#include "dev/pm_smbus.h"

#include <string.h>

void pm_smbus_reset(struct pm_smbus *s)
{
    memset(s->regs, 0, sizeof(s->regs));
}

static uint8_t read_reg(struct pm_smbus *s, unsigned off)
{
    if (off >= sizeof(s->regs))
        return 0xFF;
    return s->regs[off];
}

static void write_reg(struct pm_smbus *s, unsigned off, uint8_t v)
{
    switch (off) {
    case SMB_HST_STS:
        /* HOST_BUSY is read only; the others clear when written with 1. */
        s->regs[off] &= (uint8_t)~(v & (SMB_STS_INTR | SMB_STS_DEV_ERR | SMB_STS_BUS_ERR |
                                        SMB_STS_FAILED));
        break;
    case SMB_SLV_STS:
        s->regs[off] &= (uint8_t)~v;
        break;
    case SMB_HST_CNT:
        /* START is write only and KILL a command: neither is kept. */
        s->regs[off] = v & 0x1D;
        if (v & SMB_CNT_KILL) {
            s->regs[SMB_HST_STS] |= SMB_STS_FAILED;
        } else if (v & SMB_CNT_START) {
            /* Nothing answers any address: the transaction ends at once
             * with DEV_ERR (data sheet 7.3.1), the host no longer busy. */
            s->transactions++;
            s->regs[SMB_HST_STS] = (uint8_t)((s->regs[SMB_HST_STS] & ~SMB_STS_HOST_BUSY) |
                                             SMB_STS_DEV_ERR);
        }
        break;
    default:
        if (off < sizeof(s->regs))
            s->regs[off] = v;
        break;
    }
}

static uint32_t smbus_in(void *opaque, uint16_t port, unsigned size)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint32_t)read_reg(opaque, (port + i) & 15u) << (8 * i);
    return v;
}

static void smbus_out(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    for (unsigned i = 0; i < size; i++)
        write_reg(opaque, (port + i) & 15u, (uint8_t)(value >> (8 * i)));
}

const struct io_ops pm_smbus_io = { .in = smbus_in, .out = smbus_out };

void pm_smbus_save(const struct pm_smbus *s, struct state_out *out)
{
    state_put_bytes(out, s->regs, sizeof(s->regs));
}

int pm_smbus_load(struct pm_smbus *s, struct state_in *in)
{
    state_get_bytes(in, s->regs, sizeof(s->regs));
    /* Transactions end at once: the host is never busy; HST_CNT keeps
     * only what write_reg keeps. */
    if ((s->regs[SMB_HST_STS] & (SMB_STS_HOST_BUSY | 0xE0)) || (s->regs[SMB_HST_CNT] & ~0x1Du)) {
        state_in_fail(in);
        return -1;
    }
    return 0;
}
