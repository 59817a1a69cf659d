/* Whole-file reads; see hostfile.h. */
#include "pc/hostfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int fail(FILE *f, uint8_t *buf, char *err, size_t errlen, const char *path,
                const char *why)
{
    snprintf(err, errlen, "%s: %s", path, why);
    if (f)
        fclose(f);
    free(buf);
    return -1;
}

int host_read_file(const char *path, size_t max, uint8_t **data, size_t *size,
                   char *err, size_t errlen)
{
    *data = NULL;
    *size = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return fail(NULL, NULL, err, errlen, path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) < 0)
        return fail(f, NULL, err, errlen, path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return fail(f, NULL, err, errlen, path, "not a regular file");
    if ((uint64_t)st.st_size > max) {
        char why[96];
        snprintf(why, sizeof(why), "too large (%lld bytes, at most %zu)",
                 (long long)st.st_size, max);
        return fail(f, NULL, err, errlen, path, why);
    }
    size_t n = (size_t)st.st_size;
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf)
        return fail(f, NULL, err, errlen, path, "out of memory");
    /* The file may change under us: read what stat promised and no more. */
    size_t got = fread(buf, 1, n, f);
    if (got != n || ferror(f))
        return fail(f, buf, err, errlen, path,
                    ferror(f) ? strerror(errno) : "file shrank while being read");
    fclose(f);
    *data = buf;
    *size = n;
    return 0;
}
