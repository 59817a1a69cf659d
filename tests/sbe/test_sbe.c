/* Scan-before-execute maps (seed 003): lazy scanning with recursive descent
 * and its terminals, overlapping instructions, the write rule (scanned
 * bytes discard the map, unscanned bytes are data), page-crossing
 * instructions, and the memory bound. */
#include <stdlib.h>

#include "check.h"
#include "hexload.h"
#include "sbe/sbe.h"
#include "machine/vm.h"

static struct vm *vm;

static void put(uint32_t pa, const char *hex)
{
    put_hex(vm, pa, hex);
}

static uint8_t attr(struct sbe_map *m, unsigned off)
{
    return m->attr[off];
}

int main(void)
{
    char err[128];
    vm = vm_create(&(struct vm_config){ .ram_mb = 1, .cpu_level = CPU_P6 }, err, sizeof(err));
    CHECK(vm != NULL);
    struct sbe *s = sbe_create(&vm->mem, &vm->cpu, &(struct sbe_config){ .max_depth = 4, .max_maps = 8 });
    CHECK(s != NULL);

    /* 16-bit code at 0x1000:
     *  0: b8 01 00     mov ax,1
     *  3: 74 05        jz +5  -> 0x0a
     *  5: e8 0a 00     call +10 -> 0x12
     *  8: eb fe        jmp $ (ends the path)
     *  a: fa           cli      (virtualize; scanned through)
     *  b: 40           inc ax
     *  c: cd 21        int 21h
     *  e: c3           ret      (virtualize, ends)
     *  f: 90           (never reached: stays unscanned)
     * 12: 0f 01 06 00 00  sgdt [0] (virtualize)
     * 17: e9 00 f0     jmp -0x1000 (out of page: virtualized)
     */
    put(0x1000, "b80100 7405 e80a00 ebfe fa 40 cd21 c3 90 9090 0f01060000 e900f0");
    struct sbe_map *m = sbe_scan(s, 0x1000, false);
    CHECK(m != NULL);
    CHECK_EQ(attr(m, 0), ATTR_SCANNED | 3);
    CHECK_EQ(attr(m, 3), ATTR_SCANNED | 2);          /* in-page Jcc: native */
    CHECK_EQ(attr(m, 5), ATTR_SCANNED | 3);
    CHECK_EQ(attr(m, 8), ATTR_SCANNED | 2);
    CHECK_EQ(attr(m, 0xa), ATTR_SCANNED | ATTR_VIRT | 1);   /* CLI */
    CHECK_EQ(attr(m, 0xb), ATTR_SCANNED | 1);
    CHECK_EQ(attr(m, 0xc), ATTR_SCANNED | ATTR_VIRT | 2);   /* INT */
    CHECK_EQ(attr(m, 0xe), ATTR_SCANNED | ATTR_VIRT | 1);   /* RET */
    CHECK_EQ(attr(m, 0xf), 0);                               /* unreached */
    CHECK_EQ(attr(m, 0x12), ATTR_SCANNED | ATTR_VIRT | 5);  /* SGDT */
    CHECK_EQ(attr(m, 0x17), ATTR_SCANNED | ATTR_VIRT | 3);  /* out of page */
    CHECK_EQ(attr(m, 1), 0);                                  /* inside MOV */
    CHECK_EQ(sbe_stats(s)->pages_scanned, 1);
    CHECK(sbe_page_watched(s, 1));

    /* Overlapping instructions: an entry in the middle of the MOV
     * (offset 1: 01 00 = add [bx+si],ax) coexists with it. */
    CHECK(sbe_scan(s, 0x1001, false) == m);
    CHECK_EQ(attr(m, 1), ATTR_SCANNED | 2);
    CHECK_EQ(attr(m, 0), ATTR_SCANNED | 3);

    /* A write to unscanned bytes is data: nothing discarded. */
    uint64_t data0 = sbe_stats(s)->data_writes;
    CHECK(!sbe_write(s, 0x100f, 1));
    CHECK_EQ(sbe_stats(s)->data_writes, data0 + 1);
    CHECK(sbe_map_find(s, 1, false) == m);
    /* Bytes after the last instruction of the page are data too. */
    CHECK(!sbe_write(s, 0x1800, 4));

    /* A write into the middle of a scanned instruction (the immediate of
     * the MOV at 0, found by looking back) discards the map. */
    uint32_t stamp = m->stamp;
    CHECK(sbe_write(s, 0x1002, 1));
    CHECK(sbe_map_find(s, 1, false) == NULL);
    CHECK(!sbe_page_watched(s, 1));
    CHECK(m->stamp != stamp);
    CHECK_EQ(sbe_stats(s)->maps_discarded, 1);

    /* Maps are per decode mode: the same bytes scanned as 32-bit code. */
    struct sbe_map *m16 = sbe_scan(s, 0x1000, false);
    struct sbe_map *m32 = sbe_scan(s, 0x1000, true);
    CHECK(m16 != m32);
    CHECK_EQ(attr(m32, 0), ATTR_SCANNED | 5);   /* mov eax, imm32 */
    CHECK(sbe_write(s, 0x1004, 1));             /* inside both MOVs */
    CHECK(sbe_map_find(s, 1, false) == NULL);
    CHECK(sbe_map_find(s, 1, true) == NULL);

    /* Depth bound: a chain of forward jumps (eb 00 = jmp +0) is followed
     * max_depth hops, then left for lazy scanning at execution time. */
    put(0x2000, "eb00 eb00 eb00 eb00 eb00 eb00 eb00 eb00");
    struct sbe_map *d = sbe_scan(s, 0x2000, false);
    CHECK(attr(d, 8) & ATTR_SCANNED);            /* depth 4 */
    CHECK(!(attr(d, 10) & ATTR_SCANNED));        /* depth 5: not yet */
    sbe_scan(s, 0x200a, false);
    CHECK(attr(d, 14) & ATTR_SCANNED);

    /* A page-crossing instruction is a terminal, marked virtualize; a
     * write to the next page's first bytes discards its page's map. */
    put(0x3ffe, "b8 34 12");                     /* mov ax,1234h across */
    struct sbe_map *x = sbe_scan(s, 0x3ffe, false);
    CHECK_EQ(attr(x, 0xffe), ATTR_SCANNED | ATTR_VIRT | ATTR_CROSS);
    CHECK(sbe_write(s, 0x4000, 1));
    CHECK(sbe_map_find(s, 3, false) == NULL);

    /* Memory bound: more pages than max_maps flushes instead of growing. */
    for (uint32_t p = 0x10; p < 0x30; p++) {
        put(p << 12, "90 c3");
        sbe_scan(s, p << 12, false);
    }
    CHECK(sbe_stats(s)->evictions >= 2);

    sbe_destroy(s);
    vm_destroy(vm);
    return check_report();
}
