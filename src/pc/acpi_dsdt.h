/* The board's DSDT as iasl compiled it from src/pc/acpi/dsdt.asl (the build
 * generates acpi_dsdt_aml.c with tools/aml2c.py), and where the values the
 * board fills in lie: each offset is that of the 32-bit little-endian value
 * of a `Name (XXXX, 0xDEADBEEF)` at the root of the table. */
#ifndef PLEX86_PC_ACPI_DSDT_H
#define PLEX86_PC_ACPI_DSDT_H

#include <stdint.h>

extern const uint8_t acpi_dsdt_aml[];
extern const uint32_t acpi_dsdt_aml_len;
extern const uint32_t acpi_dsdt_off_pcis;   /* PCIS: the 32-bit PCI window's start */
extern const uint32_t acpi_dsdt_off_hpte;   /* HPTE: 1 with an HPET */
extern const uint32_t acpi_dsdt_off_ncpu;   /* NCPU: the CPU count */
extern const uint32_t acpi_dsdt_off_uar1;   /* UAR1: 1 with COM1 */

#endif
