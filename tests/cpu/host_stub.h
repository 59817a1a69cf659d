/* Test helper for the differential tests against the host CPU (test_fpu,
 * test_simd): one writable and executable page into which a test puts a
 * prologue that loads a state, the instruction under test, and an
 * epilogue that saves the state and returns, then calls it. */
#ifndef PLEX86_TESTS_HOST_STUB_H
#define PLEX86_TESTS_HOST_STUB_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#define HOST_STUB_SIZE 4096

/* The page, or NULL if the host refuses an executable mapping. */
static inline uint8_t *host_stub_alloc(void)
{
    void *p = mmap(NULL, HOST_STUB_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static inline void host_stub_free(uint8_t *page)
{
    if (page)
        munmap(page, HOST_STUB_SIZE);
}

/* Writes pre, insn, post into the page and returns its start, ready to be
 * cast to the function type the prologue expects. */
static inline void *host_stub_build(uint8_t *page, const uint8_t *pre, size_t npre,
                                    const uint8_t *insn, size_t n, const uint8_t *post,
                                    size_t npost)
{
    memcpy(page, pre, npre);
    memcpy(page + npre, insn, n);
    memcpy(page + npre + n, post, npost);
    __builtin___clear_cache((char *)page, (char *)page + npre + n + npost);
    return page;
}

#endif
