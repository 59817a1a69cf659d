/* Output files given on the command line (serial and debug-console
 * files, -D, --stats, --metrics, and later snapshots and screendumps) must
 * be distinct files: two writers on one file would interleave or replace
 * each other's bytes.  Names are not enough to tell ("x" and "./x", a
 * symbolic link, a hard link), so files are compared by identity (issue
 * 21, item 5). */
#ifndef PLEX86_HOST_OUTPATH_H
#define PLEX86_HOST_OUTPATH_H

#include <stdbool.h>
#include <stddef.h>

struct out_path {
    const char *opt;   /* the option, for the message: "--stats" */
    const char *path;  /* NULL: not given */
};

/* Whether two paths name the same file: the same device and inode when
 * both exist; otherwise the same directory (by identity) and the same last
 * component.  Paths that cannot be resolved compare as different here:
 * opening them reports the real error. */
bool out_path_same(const char *a, const char *b);

/* Fails (returns -1 with a message naming both options) when two of the n
 * paths name the same file; /dev/null and other non-regular existing files
 * may be shared (e.g. -serial file:/dev/null -D /dev/null). */
int out_paths_distinct(const struct out_path *p, size_t n, char *err, size_t errlen);

#endif
