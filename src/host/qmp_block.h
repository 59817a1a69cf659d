/* QMP's query-block (QEMU's qapi/block.json, BlockInfo): what `info block`
 * shows, as JSON. */
#ifndef PLEX86_HOST_QMP_BLOCK_H
#define PLEX86_HOST_QMP_BLOCK_H

#include <cjson/cJSON.h>

struct drives;

/* The array query-block returns (empty for NULL); NULL when out of
 * memory. */
cJSON *qmp_query_block(const struct drives *dv);

#endif
