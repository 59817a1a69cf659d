/* Where the PC's interrupt and timer hardware sits (issue 19), shared by
 * the devices' wiring (pc.c) and the ACPI tables that describe it
 * (MADT, HPET): QEMU's pc machine uses the same values, and SeaBIOS and
 * Linux expect them. */
#ifndef PLEX86_PC_PC_PLATFORM_H
#define PLEX86_PC_PC_PLATFORM_H

#define PC_LAPIC_BASE   0xFEE00000u  /* xAPIC, every CPU's own (SDM vol. 3, 10.4.1) */
#define PC_IOAPIC_BASE  0xFEC00000u
#define PC_IOAPIC_ID    0u           /* QEMU's ACPI_BUILD_IOAPIC_ID */
#define PC_IOAPIC_PINS  24u
#define PC_HPET_BASE    0xFED00000u
#define PC_MAX_CPUS     8u           /* -smp 1..8 */

#endif
