/* ACPI table helpers and the BIOS linker/loader; see acpi_build.h. */
#include "pc/acpi_build.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void acpi_blob_free(struct acpi_blob *b)
{
    free(b->data);
    *b = (struct acpi_blob){ 0 };
}

static bool reserve(struct acpi_blob *b, size_t n)
{
    if (b->failed)
        return false;
    if (b->len + n <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n)
        cap *= 2;
    uint8_t *d = realloc(b->data, cap);
    if (!d) {
        b->failed = true;
        return false;
    }
    b->data = d;
    b->cap = cap;
    return true;
}

size_t acpi_put(struct acpi_blob *b, const void *p, size_t n)
{
    size_t off = b->len;
    if (n == 0 || !reserve(b, n))   /* n == 0: the blob may have no buffer yet */
        return off;
    if (p)
        memcpy(b->data + off, p, n);
    else
        memset(b->data + off, 0, n);
    b->len += n;
    return off;
}

size_t acpi_put_le(struct acpi_blob *b, uint64_t v, unsigned n)
{
    uint8_t buf[8];
    for (unsigned i = 0; i < n && i < 8; i++)
        buf[i] = (uint8_t)(v >> (8 * i));
    return acpi_put(b, buf, n < 8 ? n : 8);
}

void acpi_align(struct acpi_blob *b, size_t align)
{
    size_t pad = (align - (b->len & (align - 1))) & (align - 1);
    acpi_put(b, NULL, pad);
}

void acpi_set_le(struct acpi_blob *b, size_t off, uint64_t v, unsigned n)
{
    if (b->failed || off + n > b->len)
        return;
    for (unsigned i = 0; i < n; i++)
        b->data[off + i] = (uint8_t)(v >> (8 * i));
}

uint64_t acpi_get_le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

uint8_t acpi_checksum(const uint8_t *p, size_t n)
{
    uint8_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum = (uint8_t)(sum + p[i]);
    return (uint8_t)-sum;
}

size_t acpi_put_gas(struct acpi_blob *b, uint8_t space, uint8_t bit_width, uint8_t bit_offset,
                    uint8_t access, uint64_t address)
{
    size_t off = acpi_put_le(b, space, 1);
    acpi_put_le(b, bit_width, 1);
    acpi_put_le(b, bit_offset, 1);
    acpi_put_le(b, access, 1);
    acpi_put_le(b, address, 8);
    return off;
}

size_t acpi_table_begin(struct acpi_blob *b, const char *sig, uint8_t rev)
{
    size_t start = acpi_put(b, sig, 4);
    acpi_put_le(b, 0, 4);                          /* length: acpi_table_end */
    acpi_put_le(b, rev, 1);
    acpi_put_le(b, 0, 1);                          /* checksum: acpi_table_end */
    acpi_put(b, ACPI_OEM_ID, 6);
    acpi_put(b, ACPI_OEM_TABLE_ID, 8);
    acpi_put_le(b, 1, 4);                          /* OEM revision */
    acpi_put(b, ACPI_CREATOR_ID, 4);
    acpi_put_le(b, 1, 4);                          /* creator revision */
    return start;
}

void acpi_table_end(struct acpi_blob *b, size_t start, struct acpi_blob *cmds,
                    const char *file)
{
    if (b->failed)
        return;
    size_t len = b->len - start;
    acpi_set_le(b, start + 4, len, 4);
    b->data[start + 9] = 0;
    b->data[start + 9] = acpi_checksum(b->data + start, len);
    if (cmds)
        acpi_loader_add_checksum(cmds, file, (uint32_t)(start + 9), (uint32_t)start,
                                 (uint32_t)len);
}

/* --- the linker/loader's commands --------------------------------------- */

static void put_name(uint8_t *p, const char *name)
{
    size_t n = strlen(name);
    memcpy(p, name, n < ACPI_LOADER_FILESZ - 1 ? n : ACPI_LOADER_FILESZ - 1);
}

static uint8_t *new_entry(struct acpi_blob *cmds, uint32_t command)
{
    size_t off = acpi_put(cmds, NULL, ACPI_LOADER_ENTRY_SIZE);
    if (cmds->failed)
        return NULL;
    uint8_t *e = cmds->data + off;
    for (unsigned i = 0; i < 4; i++)
        e[i] = (uint8_t)(command >> (8 * i));
    return e;
}

static void set32(uint8_t *p, uint32_t v)
{
    for (unsigned i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

void acpi_loader_allocate(struct acpi_blob *cmds, const char *file, uint32_t align,
                          uint8_t zone)
{
    uint8_t *e = new_entry(cmds, ACPI_LOADER_ALLOCATE);
    if (!e)
        return;
    put_name(e + 4, file);
    set32(e + 4 + ACPI_LOADER_FILESZ, align);
    e[8 + ACPI_LOADER_FILESZ] = zone;
}

void acpi_loader_add_pointer(struct acpi_blob *cmds, const char *dest_file, uint32_t offset,
                             uint8_t size, const char *src_file)
{
    uint8_t *e = new_entry(cmds, ACPI_LOADER_ADD_POINTER);
    if (!e)
        return;
    put_name(e + 4, dest_file);
    put_name(e + 4 + ACPI_LOADER_FILESZ, src_file);
    set32(e + 4 + 2 * ACPI_LOADER_FILESZ, offset);
    e[8 + 2 * ACPI_LOADER_FILESZ] = size;
}

void acpi_loader_add_checksum(struct acpi_blob *cmds, const char *file, uint32_t offset,
                              uint32_t start, uint32_t length)
{
    uint8_t *e = new_entry(cmds, ACPI_LOADER_ADD_CHECKSUM);
    if (!e)
        return;
    put_name(e + 4, file);
    set32(e + 4 + ACPI_LOADER_FILESZ, offset);
    set32(e + 8 + ACPI_LOADER_FILESZ, start);
    set32(e + 12 + ACPI_LOADER_FILESZ, length);
}

/* --- running the commands ------------------------------------------------ */

__attribute__((format(printf, 3, 4)))
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* The file a command names, if allocated; NULL for a name that is not
 * NUL-terminated in its 56 bytes or not in the list. */
static struct acpi_loader_file *find(const uint8_t *name, struct acpi_loader_file *files,
                                     unsigned n)
{
    if (memchr(name, 0, ACPI_LOADER_FILESZ) == NULL)
        return NULL;
    for (unsigned i = 0; i < n; i++)
        if (strcmp(files[i].name, (const char *)name) == 0)
            return &files[i];
    return NULL;
}

int acpi_loader_run(const uint8_t *cmds, size_t len, struct acpi_loader_file *files,
                    unsigned nfiles, char *err, size_t errlen)
{
    if (len % ACPI_LOADER_ENTRY_SIZE)
        return fail(err, errlen, "table-loader: %zu bytes, not whole commands", len);
    for (size_t at = 0; at < len; at += ACPI_LOADER_ENTRY_SIZE) {
        const uint8_t *e = cmds + at;
        unsigned idx = (unsigned)(at / ACPI_LOADER_ENTRY_SIZE);
        uint32_t cmd = (uint32_t)acpi_get_le(e, 4);
        const uint8_t *a = e + 4;
        if (cmd == ACPI_LOADER_ALLOCATE) {
            struct acpi_loader_file *f = find(a, files, nfiles);
            uint32_t align = (uint32_t)acpi_get_le(a + ACPI_LOADER_FILESZ, 4);
            uint8_t zone = a[4 + ACPI_LOADER_FILESZ];
            if (!f || (align & (align - 1)) ||
                (zone != ACPI_LOADER_ZONE_HIGH && zone != ACPI_LOADER_ZONE_FSEG))
                return fail(err, errlen, "table-loader: command %u: bad ALLOCATE", idx);
            if (align && (f->addr & (align - 1)))
                return fail(err, errlen, "table-loader: %s at 0x%llx is not aligned to %u",
                            f->name, (unsigned long long)f->addr, align);
            if (zone == ACPI_LOADER_ZONE_FSEG &&
                (f->addr < 0xF0000 || f->addr + f->size > 0x100000))
                return fail(err, errlen, "table-loader: %s must lie in the F segment",
                            f->name);
            f->allocated = true;
        } else if (cmd == ACPI_LOADER_ADD_POINTER) {
            struct acpi_loader_file *d = find(a, files, nfiles);
            struct acpi_loader_file *s = find(a + ACPI_LOADER_FILESZ, files, nfiles);
            uint32_t off = (uint32_t)acpi_get_le(a + 2 * ACPI_LOADER_FILESZ, 4);
            uint8_t size = a[4 + 2 * ACPI_LOADER_FILESZ];
            if (!d || !s || !d->allocated || !s->allocated || size < 1 || size > 8 ||
                (size & (size - 1)) || off > d->size || size > d->size - off)
                return fail(err, errlen, "table-loader: command %u: bad ADD_POINTER", idx);
            uint64_t v = acpi_get_le(d->data + off, size) + s->addr;
            for (unsigned i = 0; i < size; i++)
                d->data[off + i] = (uint8_t)(v >> (8 * i));
        } else if (cmd == ACPI_LOADER_ADD_CHECKSUM) {
            struct acpi_loader_file *f = find(a, files, nfiles);
            uint32_t off = (uint32_t)acpi_get_le(a + ACPI_LOADER_FILESZ, 4);
            uint32_t start = (uint32_t)acpi_get_le(a + 4 + ACPI_LOADER_FILESZ, 4);
            uint32_t n = (uint32_t)acpi_get_le(a + 8 + ACPI_LOADER_FILESZ, 4);
            if (!f || !f->allocated || off >= f->size || start > f->size ||
                n > f->size - start)
                return fail(err, errlen, "table-loader: command %u: bad ADD_CHECKSUM", idx);
            /* SeaBIOS: *data -= checksum(start, len), whatever was there. */
            uint8_t sum = 0;
            for (uint32_t i = 0; i < n; i++)
                sum = (uint8_t)(sum + f->data[start + i]);
            f->data[off] = (uint8_t)(f->data[off] - sum);
        }
        /* Anything else: skipped, as SeaBIOS does. */
    }
    return 0;
}
