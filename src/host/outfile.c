/* Guest output to host files; see outfile.h. */
#include "host/outfile.h"

#include <errno.h>
#include <string.h>

int out_file_open(struct out_file *o, const char *opt, const char *path, FILE *msg,
                  uint64_t *dropped, char *err, size_t errlen)
{
    *o = (struct out_file){ .opt = opt, .path = path, .msg = msg, .dropped = dropped };
    o->f = fopen(path, "wb");
    if (!o->f) {
        snprintf(err, errlen, "%s%s: %s", opt, path, strerror(errno));
        return -1;
    }
    return 0;
}

/* The stream failed: say so once, and count what is lost with it (the
 * bytes the stream still held, then every later one). */
static void fail(struct out_file *o, int e)
{
    o->failed = true;
    *o->dropped += o->unflushed;
    o->unflushed = 0;
    fprintf(o->msg, "plex86: %s%s: %s: the guest's output to it is lost from here on\n",
            o->opt, o->path, strerror(e ? e : EIO));
    fflush(o->msg);
}

static void out_file_write(void *opaque, uint8_t byte)
{
    struct out_file *o = opaque;
    if (o->failed) {
        (*o->dropped)++;
        return;
    }
    o->unflushed++;
    if (fputc(byte, o->f) == EOF) {
        fail(o, errno);
        return;
    }
    if (byte == '\n') {
        if (fflush(o->f) != 0)
            fail(o, errno);
        else
            o->unflushed = 0;
    }
}

struct char_sink out_file_sink(struct out_file *o)
{
    return (struct char_sink){ .write = out_file_write, .opaque = o };
}

void out_file_flush(struct out_file *o)
{
    if (!o->f || o->failed)
        return;
    if (fflush(o->f) != 0 || ferror(o->f))
        fail(o, errno);
    else
        o->unflushed = 0;
}

void out_file_close(struct out_file *o)
{
    if (!o->f)
        return;
    out_file_flush(o);
    if (fclose(o->f) != 0 && !o->failed)
        fail(o, errno);
    o->f = NULL;
}
