/* Character sinks; see chardev.h. */
#include "dev/chardev.h"

#include <stdlib.h>

void char_sink_file_write(void *opaque, uint8_t byte)
{
    FILE *f = opaque;
    fputc(byte, f);
    if (byte == '\n')
        fflush(f);
}

void char_buffer_write(void *opaque, uint8_t byte)
{
    struct char_buffer *b = opaque;
    if (b->len + 2 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        uint8_t *p = realloc(b->data, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->data = p;
        b->cap = cap;
    }
    b->data[b->len++] = byte;
    b->data[b->len] = 0;
}

void char_buffer_free(struct char_buffer *b)
{
    free(b->data);
    *b = (struct char_buffer){ 0 };
}
