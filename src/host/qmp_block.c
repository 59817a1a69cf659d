/* query-block; see qmp_block.h. */
#include "host/qmp_block.h"

#include "block/block.h"
#include "block/block_open.h"
#include "host/drives.h"

/* BlockDeviceInfo: the image in a drive. */
static cJSON *inserted(const struct drive *d)
{
    struct block_info info;
    bool have = block_get_info(d->block, &info);
    cJSON *in = cJSON_CreateObject();
    cJSON_AddStringToObject(in, "file", block_name(d->block));
    cJSON_AddBoolToObject(in, "ro", block_is_read_only(d->block));
    cJSON_AddStringToObject(in, "drv", have ? info.format : "raw");
    if (have && info.backing_path)
        cJSON_AddStringToObject(in, "backing_file", info.backing_path);
    cJSON_AddNumberToObject(in, "backing_file_depth", have ? info.backing_depth : 0);
    cJSON_AddBoolToObject(in, "encrypted", false);
    cJSON_AddStringToObject(in, "detect_zeroes", "off");
    /* No I/O throttling: QEMU's schema has the limits, all 0 here. */
    static const char *const limits[] = { "bps", "bps_rd", "bps_wr", "iops", "iops_rd",
                                          "iops_wr", "write_threshold" };
    for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++)
        cJSON_AddNumberToObject(in, limits[i], 0);
    cJSON *cache = cJSON_AddObjectToObject(in, "cache");
    cJSON_AddBoolToObject(cache, "writeback", block_write_cache_enabled(d->block));
    cJSON_AddBoolToObject(cache, "direct", have && info.direct);
    cJSON_AddBoolToObject(cache, "no-flush", have && info.cache == BLOCK_CACHE_UNSAFE);
    cJSON *image = cJSON_AddObjectToObject(in, "image");
    cJSON_AddStringToObject(image, "filename", block_name(d->block));
    cJSON_AddStringToObject(image, "format", have ? info.format : "raw");
    cJSON_AddNumberToObject(image, "virtual-size", (double)block_length(d->block));
    return in;
}

cJSON *qmp_query_block(const struct drives *dv)
{
    cJSON *arr = cJSON_CreateArray();
    for (unsigned i = 0; dv && arr && i < CLI_DRIVES; i++) {
        const struct drive *d = &dv->d[i];
        if (!d->present)
            continue;
        cJSON *b = cJSON_CreateObject();
        cJSON_AddStringToObject(b, "device", d->name);
        cJSON_AddStringToObject(b, "type", "unknown");
        bool removable = d->cdrom || d->floppy;
        cJSON_AddBoolToObject(b, "removable", removable);
        cJSON_AddBoolToObject(b, "locked", false);
        if (removable)
            cJSON_AddBoolToObject(b, "tray_open", false);
        if (d->block)
            cJSON_AddItemToObject(b, "inserted", inserted(d));
        cJSON_AddItemToArray(arr, b);
    }
    return arr;
}
