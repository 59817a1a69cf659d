/* TEMPORARY (issue 15): snapshots are implemented in src/pc/snapshot.c on
 * another branch; this stand-in lets the monitor's savevm/loadvm link and
 * answer with an error until the branches are merged.  Delete at merge. */
#include "pc/snapshot.h"

#include <stdio.h>

int snapshot_save(struct pc *pc, const char *path, char *err, size_t errlen)
{
    (void)pc;
    (void)path;
    snprintf(err, errlen, "snapshots are not built in this branch");
    return -1;
}

int snapshot_load(struct pc *pc, const char *path, bool force, char *err, size_t errlen)
{
    (void)pc;
    (void)path;
    (void)force;
    snprintf(err, errlen, "snapshots are not built in this branch");
    return -1;
}
