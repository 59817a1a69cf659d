/* Output files compared by identity; see outpath.h. */
#define _GNU_SOURCE 1
#include "host/outpath.h"

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* dirname() and basename() may modify their argument: work on copies. */
static bool same_dir_and_name(const char *a, const char *b)
{
    char *ca = strdup(a), *cb = strdup(b), *da = strdup(a), *db = strdup(b);
    bool same = false;
    struct stat sa, sb;
    if (ca && cb && da && db && strcmp(basename(ca), basename(cb)) == 0 &&
        stat(dirname(da), &sa) == 0 && stat(dirname(db), &sb) == 0)
        same = sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    free(ca);
    free(cb);
    free(da);
    free(db);
    return same;
}

bool out_path_same(const char *a, const char *b)
{
    struct stat sa, sb;
    bool ea = stat(a, &sa) == 0, eb = stat(b, &sb) == 0;
    if (ea && eb)
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    if (ea != eb)
        return false;
    /* Neither exists yet: one name in one directory. */
    return same_dir_and_name(a, b);
}

/* "-D FILE" but "-serial file:FILE". */
static const char *sep(const char *opt)
{
    size_t n = strlen(opt);
    return n && opt[n - 1] == ':' ? "" : " ";
}

static bool shareable(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && !S_ISREG(st.st_mode);
}

int out_paths_distinct(const struct out_path *p, size_t n, char *err, size_t errlen)
{
    for (size_t i = 0; i < n; i++) {
        if (!p[i].path || shareable(p[i].path))
            continue;
        for (size_t j = i + 1; j < n; j++) {
            if (p[j].path && out_path_same(p[i].path, p[j].path)) {
                snprintf(err, errlen, "%s%s%s and %s%s%s are the same file: give two "
                         "different files", p[i].opt, sep(p[i].opt), p[i].path, p[j].opt,
                         sep(p[j].opt), p[j].path);
                return -1;
            }
        }
    }
    return 0;
}
