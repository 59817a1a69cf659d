/* Guest RAM in a snapshot; see snapshot_ram.h. */
#include "pc/snapshot_ram.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "machine/vm.h"

#define CHUNK_PAGES (SNAPSHOT_RAM_CHUNK / PHYS_PAGE_SIZE)
#define BITMAP_BYTES (CHUNK_PAGES / 8)

static bool page_is_zero(const uint8_t *p)
{
    const uint64_t *w = (const uint64_t *)p;
    uint64_t any = 0;
    for (unsigned i = 0; i < PHYS_PAGE_SIZE / 8; i++)
        any |= w[i];
    return any == 0;
}

int snapshot_ram_save(struct vm *vm, struct state_out *out, char *why, size_t whylen)
{
    const struct physmem *pm = &vm->mem;
    uint32_t size = pm->ram_size;
    state_put_u32(out, SNAPSHOT_RAM_VERSION);
    state_put_u32(out, size);
    state_put_bool(out, pm->a20_mask == 0xFFFFFFFFu);
    state_put_u32(out, SNAPSHOT_RAM_CHUNK);
    uLong bound = compressBound(SNAPSHOT_RAM_CHUNK);
    uint8_t *pages = malloc(SNAPSHOT_RAM_CHUNK), *z = malloc(bound);
    int rc = 0;
    if (!pages || !z) {
        snprintf(why, whylen, "out of memory");
        rc = -1;
        goto out;
    }
    for (uint32_t base = 0; base < size; base += SNAPSHOT_RAM_CHUNK) {
        uint32_t npages = (size - base) / PHYS_PAGE_SIZE;
        if (npages > CHUNK_PAGES)
            npages = CHUNK_PAGES;
        uint8_t bitmap[BITMAP_BYTES] = { 0 };
        size_t used = 0;
        for (uint32_t i = 0; i < npages; i++) {
            const uint8_t *p = pm->ram + base + (size_t)i * PHYS_PAGE_SIZE;
            if (page_is_zero(p))
                continue;
            bitmap[i / 8] |= (uint8_t)(1u << (i % 8));
            memcpy(pages + used, p, PHYS_PAGE_SIZE);
            used += PHYS_PAGE_SIZE;
        }
        state_put_bytes(out, bitmap, BITMAP_BYTES);
        uLongf zlen = 0;
        if (used) {
            zlen = bound;
            /* Level 1: most of a guest's RAM compresses about as well at
             * level 1 as at 6, at several times the speed. */
            if (compress2(z, &zlen, pages, used, 1) != Z_OK) {
                snprintf(why, whylen, "zlib could not compress guest RAM");
                rc = -1;
                goto out;
            }
        }
        state_put_u32(out, (uint32_t)zlen);
        state_put_bytes(out, z, zlen);
    }
out:
    free(pages);
    free(z);
    return rc;
}

static int fail(struct state_in *in, char *why, size_t whylen, const char *what)
{
    snprintf(why, whylen, "RAM: %s", what);
    state_in_fail(in);
    return -1;
}

int snapshot_ram_parse(struct vm *vm, struct state_in *in, struct snapshot_ram *r,
                       char *why, size_t whylen)
{
    *r = (struct snapshot_ram){ 0 };
    uint32_t version = state_get_u32(in);
    uint32_t size = state_get_u32(in);
    bool a20 = state_get_bool(in);
    uint32_t chunk = state_get_u32(in);
    if (!state_in_ok(in, false))
        return fail(in, why, whylen, "section header truncated or bad");
    if (version != SNAPSHOT_RAM_VERSION)
        return fail(in, why, whylen, "unknown section version");
    if (size != vm->mem.ram_size || chunk != SNAPSHOT_RAM_CHUNK)
        return fail(in, why, whylen, "size does not match the header");
    uint32_t npages_all = size / PHYS_PAGE_SIZE;
    /* calloc of this size maps fresh zero pages: untouched pages cost
     * nothing, and the zero pages of the image are never written. */
    r->data = calloc(1, size);
    r->present = calloc(1, npages_all / 8 + 1);
    uint8_t *pages = malloc(SNAPSHOT_RAM_CHUNK);
    int rc = 0;
    if (!r->data || !r->present || !pages) {
        snprintf(why, whylen, "out of memory for the RAM image");
        rc = -1;
        goto out;
    }
    r->size = size;
    r->a20 = a20;
    for (uint32_t base = 0; base < size; base += SNAPSHOT_RAM_CHUNK) {
        uint32_t first = base / PHYS_PAGE_SIZE;
        uint32_t npages = (size - base) / PHYS_PAGE_SIZE;
        if (npages > CHUNK_PAGES)
            npages = CHUNK_PAGES;
        uint8_t bitmap[BITMAP_BYTES];
        state_get_bytes(in, bitmap, BITMAP_BYTES);
        uint32_t zlen = state_get_u32(in);
        if (!state_in_ok(in, false) || zlen > in->len - in->pos) {
            rc = fail(in, why, whylen, "truncated");
            goto out;
        }
        uLong want = 0;
        for (uint32_t i = 0; i < CHUNK_PAGES; i++) {
            if (!(bitmap[i / 8] >> (i % 8) & 1))
                continue;
            if (i >= npages) {
                rc = fail(in, why, whylen, "a page past the end of RAM");
                goto out;
            }
            want += PHYS_PAGE_SIZE;
        }
        const uint8_t *z = in->buf + in->pos;
        in->pos += zlen;
        if (want == 0) {
            if (zlen) {
                rc = fail(in, why, whylen, "data for a chunk of zero pages");
                goto out;
            }
            continue;
        }
        uLongf got = want;
        uLong zused = zlen;
        if (uncompress2(pages, &got, z, &zused) != Z_OK || got != want || zused != zlen) {
            rc = fail(in, why, whylen, "compressed data is bad");
            goto out;
        }
        const uint8_t *p = pages;
        for (uint32_t i = 0; i < npages; i++) {
            if (!(bitmap[i / 8] >> (i % 8) & 1))
                continue;
            memcpy(r->data + (size_t)(first + i) * PHYS_PAGE_SIZE, p, PHYS_PAGE_SIZE);
            r->present[(first + i) / 8] |= (uint8_t)(1u << ((first + i) % 8));
            p += PHYS_PAGE_SIZE;
        }
    }
    if (!state_in_ok(in, true))
        rc = fail(in, why, whylen, "trailing bytes");
out:
    free(pages);
    return rc;
}

void snapshot_ram_commit(struct vm *vm, const struct snapshot_ram *r)
{
    uint8_t *ram = vm->mem.ram;
    for (uint32_t pg = 0; pg < r->size / PHYS_PAGE_SIZE; pg++) {
        uint8_t *dst = ram + (size_t)pg * PHYS_PAGE_SIZE;
        if (r->present[pg / 8] >> (pg % 8) & 1)
            memcpy(dst, r->data + (size_t)pg * PHYS_PAGE_SIZE, PHYS_PAGE_SIZE);
        else
            memset(dst, 0, PHYS_PAGE_SIZE);
    }
    vm_set_a20(vm, r->a20);
}

void snapshot_ram_free(struct snapshot_ram *r)
{
    free(r->data);
    free(r->present);
    *r = (struct snapshot_ram){ 0 };
}
