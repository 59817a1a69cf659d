/* A snapshot and the -snapshot overlays; see snapshot_images.h. */
#include "pc/snapshot_images.h"

#include <stdio.h>

#include "block/block.h"
#include "block/block_open.h"
#include "pc/pc.h"

static int check_drive(const struct pc_drive *d, const char *what, unsigned index, char *err,
                       size_t errlen)
{
    struct block_info info;
    if (!d->present || !d->block || !block_get_info(d->block, &info))
        return 0;
    if (info.snapshot && info.overlay_bytes) {
        snprintf(err, errlen,
                 "%s drive %u (%.200s) has %llu bytes of guest writes in its -snapshot "
                 "overlay, which a snapshot cannot hold; commit them first (Ctrl-A s or "
                 "the monitor's `commit`)",
                 what, index, block_name(d->block), (unsigned long long)info.overlay_bytes);
        return -1;
    }
    return 0;
}

int snapshot_check_overlays(const struct pc *pc, char *err, size_t errlen)
{
    for (unsigned i = 0; i < 4; i++)
        if (check_drive(&pc->cfg.ide[i], "IDE", i, err, errlen) < 0)
            return -1;
    for (unsigned i = 0; i < 2; i++)
        if (check_drive(&pc->cfg.floppy[i], "floppy", i, err, errlen) < 0)
            return -1;
    return 0;
}
