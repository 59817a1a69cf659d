/* The board's NVRAM contents; see pc_cmos.h. */
#include "pc/pc_cmos.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "dev/cmos.h"

/* The nibble SeaBIOS's boot_init reads for one of QEMU's letters. */
static unsigned boot_nibble(char c)
{
    switch (c) {
    case 'a':
    case 'b':
        return 1;   /* floppy */
    case 'c':
        return 2;   /* hard disk */
    case 'd':
        return 3;   /* CD-ROM */
    case 'n':
        return 4;   /* network */
    }
    return 0;
}

int pc_cmos_boot_order(struct cmos *c, const char *order, char *err, size_t errlen)
{
    unsigned nib[3] = { 0, 0, 0 };
    size_t n = strlen(order);
    if (n > 3) {
        snprintf(err, errlen, "Too many boot devices for PC");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        nib[i] = boot_nibble(order[i]);
        if (!nib[i]) {
            snprintf(err, errlen, "Invalid boot device for PC: '%c'",
                     (unsigned char)order[i] >= 0x20 && (unsigned char)order[i] < 0x7F
                         ? order[i] : '?');
            return -1;
        }
    }
    cmos_set_byte(c, PC_CMOS_BOOT_FLAG2, (uint8_t)(nib[1] << 4 | nib[0]));
    /* Bit 0 clear: check the floppy's boot signature (QEMU's default,
     * fd_bootchk). */
    cmos_set_byte(c, PC_CMOS_BOOT_FLAG1, (uint8_t)(nib[2] << 4));
    return 0;
}

int pc_cmos_init(struct cmos *c, uint32_t ram_below_4g, unsigned cpus, bool fpu,
                 const char *boot_order, char *err, size_t errlen)
{
    cmos_set_memory(c, ram_below_4g, 0);
    cmos_set_byte(c, PC_CMOS_CPUS, (uint8_t)(cpus ? cpus - 1 : 0));
    /* Equipment (IBM PC/AT BIOS, INT 11h's bits): the x87 and the PS/2
     * mouse port; the floppy code adds its drives (bits 0 and 7-6). */
    cmos_set_byte(c, PC_CMOS_EQUIPMENT, (uint8_t)((fpu ? 0x02 : 0) | 0x04));
    return pc_cmos_boot_order(c, boot_order ? boot_order : PC_DEFAULT_BOOT_ORDER, err,
                              errlen);
}
