/* The host's loads and stores of guest memory at a host address: how the
 * CPU's accesses (the TLB's fast path, mmu.h) and the bus (physmem.c)
 * touch guest RAM, in one place.
 *
 * An aligned access of 1, 2, 4 or 8 bytes is one host access, so that it
 * is atomic for every other CPU running on another host thread, as the
 * processor guarantees it (Intel SDM vol. 3A, 8.1.1: bytes, aligned words
 * and doublewords; quadwords on the Pentium and later).  Loads are acquire
 * and stores release, the order x86 keeps (8.2.2: loads are not reordered
 * with loads, stores not with stores): on an x86-64 host both are plain
 * MOVs, so this costs nothing, and ThreadSanitizer then sees the guest's
 * own synchronisation (a spin lock released by a plain MOV) for what it
 * is.  Unaligned accesses are copies: the SDM guarantees them nothing
 * across a cache line, and C's atomics need alignment.
 *
 * Locked read-modify-writes are the interpreter's (ops_locked.c). */
#ifndef PLEX86_VM_HOSTMEM_H
#define PLEX86_VM_HOSTMEM_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

static inline bool hostmem_aligned(const void *p, unsigned size)
{
    return ((uintptr_t)p & (size - 1)) == 0;
}

/* 1, 2 or 4 bytes, zero-extended. */
static inline uint32_t hostmem_load(const uint8_t *p, unsigned size)
{
    if (size == 1)
        return __atomic_load_n(p, __ATOMIC_ACQUIRE);
    if (__builtin_expect(hostmem_aligned(p, size), 1)) {
        if (size == 2)
            return __atomic_load_n((const uint16_t *)(const void *)p, __ATOMIC_ACQUIRE);
        return __atomic_load_n((const uint32_t *)(const void *)p, __ATOMIC_ACQUIRE);
    }
    if (size == 2) {
        uint16_t v;
        memcpy(&v, p, 2);
        return v;
    }
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static inline void hostmem_store(uint8_t *p, uint32_t v, unsigned size)
{
    if (size == 1) {
        __atomic_store_n(p, (uint8_t)v, __ATOMIC_RELEASE);
    } else if (__builtin_expect(hostmem_aligned(p, size), 1)) {
        if (size == 2)
            __atomic_store_n((uint16_t *)(void *)p, (uint16_t)v, __ATOMIC_RELEASE);
        else
            __atomic_store_n((uint32_t *)(void *)p, v, __ATOMIC_RELEASE);
    } else if (size == 2) {
        uint16_t h = (uint16_t)v;
        memcpy(p, &h, 2);
    } else {
        memcpy(p, &v, 4);
    }
}

static inline uint64_t hostmem_load64(const uint8_t *p)
{
    if (__builtin_expect(hostmem_aligned(p, 8), 1))
        return __atomic_load_n((const uint64_t *)(const void *)p, __ATOMIC_ACQUIRE);
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static inline void hostmem_store64(uint8_t *p, uint64_t v)
{
    if (__builtin_expect(hostmem_aligned(p, 8), 1))
        __atomic_store_n((uint64_t *)(void *)p, v, __ATOMIC_RELEASE);
    else
        memcpy(p, &v, 8);
}

/* Copies n bytes of guest memory that another CPU thread may be storing
 * to while we read: instruction fetch and code scanning.  Every aligned
 * doubleword in them is one load, so that an immediate another CPU
 * rewrites with one aligned store is seen old or new, never torn, as a
 * processor fetches (what else a racing store changes is what the SDM
 * leaves open for cross-modifying code, vol. 3A, 8.1.3: the writer must
 * have the other CPUs serialize first).  Relaxed atomic loads: plain MOVs
 * on the host, and no data race for ThreadSanitizer. */
static inline void hostmem_copy_code(uint8_t *dst, const uint8_t *src, unsigned n)
{
    unsigned k = 0;
    for (; k < n && !hostmem_aligned(src + k, 4); k++)
        dst[k] = __atomic_load_n(src + k, __ATOMIC_RELAXED);
    for (; k + 4 <= n; k += 4) {
        uint32_t v = __atomic_load_n((const uint32_t *)(const void *)(src + k), __ATOMIC_RELAXED);
        memcpy(dst + k, &v, 4);
    }
    for (; k < n; k++)
        dst[k] = __atomic_load_n(src + k, __ATOMIC_RELAXED);
}

#endif
