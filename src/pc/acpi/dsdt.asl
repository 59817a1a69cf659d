/*
 * plex86's DSDT for the PC board (src/pc/acpi_tables.c puts it in the
 * tables; docs/acpi.md).  What it describes follows QEMU's "pc" machine,
 * written here from the ACPI specification (6.x, chapters 6, 7 and 19)
 * and the PIIX/PIIX3 data sheets:
 *
 *  - the PCI root bridge (PNP0A03) with its resources and its _PRT: slot
 *    s, pin p (0 = INTA#) goes to PIRQ (s - 1 + p) mod 4, the swizzle of
 *    the board (src/pc/pc.c pc_pci_intx) and of QEMU and SeaBIOS; each
 *    PIRQ is a PCI interrupt link (PNP0C0F) whose IRQ is the PIIX3's PIRQRC
 *    register (00:01.0, config 0x60-0x63: bit 7 disables, bits 3-0 IRQ);
 *  - the ISA devices behind the PIIX3: PIC, PIT, RTC, 8042 keyboard and
 *    mouse, COM1, the floppy controller, the 8237 DMA pair, the x87's
 *    error port, and the board's other fixed ports (a PNP0C02 device);
 *  - the HPET (PNP0103), present only when the board has one;
 *  - one processor device (ACPI0007) per CPU;
 *  - \_S5: SLP_TYP 0, what the PIIX4 PM function (src/dev/piix4_pm.c)
 *    takes as soft off.  No \_S3 or \_S4: the board cannot sleep.
 * The power button is the fixed-feature one (the FADT's PWR_BUTTON flag
 * clear; PM1 PWRBTN_STS/PWRBTN_EN), so nothing here describes it.
 *
 * Names written in capitals with a DWord placeholder (0xDEADBEEF) are
 * patched by the board when it builds the tables: tools/aml2c.py finds
 * each one's value in the AML once and records its offset.
 */
DefinitionBlock ("", "DSDT", 1, "BOCHS ", "BXPC    ", 1)
{
    /* Patched by the board (acpi_tables.c): */
    Name (PCIS, 0xDEADBEEF)   /* first byte of the 32-bit PCI window (RAM's end) */
    Name (HPTE, 0xDEADBEEF)   /* 1: the HPET is there */
    Name (NCPU, 0xDEADBEEF)   /* CPUs (1-8) */
    Name (UAR1, 0xDEADBEEF)   /* 1: COM1 is there */

    /* Soft off: PM1a_CNT.SLP_TYP 0 (piix4_pm.c). */
    Name (\_S5, Package (0x04) { Zero, Zero, Zero, Zero })

    Scope (\_SB)
    {
        Device (PCI0)
        {
            Name (_HID, EisaId ("PNP0A03"))
            Name (_UID, Zero)
            Name (_BBN, Zero)

            /* Bus 0, the configuration ports, the rest of the I/O space
             * and the memory PCI devices may use: the VGA window and the
             * 32-bit hole from the end of RAM to the IOAPIC. */
            Name (CRES, ResourceTemplate ()
            {
                WordBusNumber (ResourceProducer, MinFixed, MaxFixed, PosDecode,
                    0x0000, 0x0000, 0x00FF, 0x0000, 0x0100,,,)
                IO (Decode16, 0x0CF8, 0x0CF8, 0x01, 0x08,)
                WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange,
                    0x0000, 0x0000, 0x0CF7, 0x0000, 0x0CF8,,,, TypeStatic)
                WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange,
                    0x0000, 0x0D00, 0xFFFF, 0x0000, 0xF300,,,, TypeStatic)
                DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, Cacheable,
                    ReadWrite, 0x00000000, 0x000A0000, 0x000BFFFF, 0x00000000,
                    0x00020000,,,, AddressRangeMemory, TypeStatic)
                DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, NonCacheable,
                    ReadWrite, 0x00000000, 0x08000000, 0xFEBFFFFF, 0x00000000,
                    0xF6C00000,,, PW32, AddressRangeMemory, TypeStatic)
            })
            Method (_CRS, 0, NotSerialized)
            {
                CreateDWordField (CRES, \_SB.PCI0.PW32._MIN, PMIN)
                CreateDWordField (CRES, \_SB.PCI0.PW32._LEN, PLEN)
                PMIN = PCIS
                PLEN = 0xFEC00000 - PCIS
                Return (CRES)
            }

            /* The routing table: 31 slots x 4 pins.  Slot 1 pin A is the
             * PM function's, its interrupt the SCI on IRQ 9 (LNKS). */
            Method (_PRT, 0, NotSerialized)
            {
                Local0 = Package (0x7C) {}
                Local1 = Zero
                While (Local1 < 0x7C)
                {
                    Local2 = (Local1 >> 2) + One      /* slot */
                    Local3 = Local1 & 3               /* pin */
                    Local4 = (Local2 + Local3 + 3) & 3    /* PIRQ */
                    If ((Local2 == One) && (Local3 == Zero))
                    {
                        Local5 = Package (0x04) { Zero, Zero, LNKS, Zero }
                    }
                    ElseIf (Local4 == Zero)
                    {
                        Local5 = Package (0x04) { Zero, Zero, LNKA, Zero }
                    }
                    ElseIf (Local4 == One)
                    {
                        Local5 = Package (0x04) { Zero, Zero, LNKB, Zero }
                    }
                    ElseIf (Local4 == 2)
                    {
                        Local5 = Package (0x04) { Zero, Zero, LNKC, Zero }
                    }
                    Else
                    {
                        Local5 = Package (0x04) { Zero, Zero, LNKD, Zero }
                    }
                    Local5 [Zero] = (Local2 << 16) | 0xFFFF
                    Local5 [One] = Local3
                    Local0 [Local1] = Local5
                    Local1++
                }
                Return (Local0)
            }

            /* 00:01.0, the PIIX3 ISA bridge, and what sits behind it. */
            Device (ISA)
            {
                Name (_ADR, 0x00010000)
                OperationRegion (PIRQ, PCI_Config, 0x60, 0x04)

                Device (PIC)
                {
                    Name (_HID, EisaId ("PNP0000"))
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x0020, 0x0020, 0x01, 0x02,)
                        IO (Decode16, 0x00A0, 0x00A0, 0x01, 0x02,)
                        IO (Decode16, 0x04D0, 0x04D0, 0x01, 0x02,)
                        IRQNoFlags () {2}
                    })
                }
                Device (TMR)
                {
                    Name (_HID, EisaId ("PNP0100"))
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x0040, 0x0040, 0x01, 0x04,)
                        IRQNoFlags () {0}
                    })
                }
                Device (RTC)
                {
                    Name (_HID, EisaId ("PNP0B00"))
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x0070, 0x0070, 0x01, 0x02,)
                        IRQNoFlags () {8}
                    })
                }
                Device (KBD)
                {
                    Name (_HID, EisaId ("PNP0303"))
                    Name (_STA, 0x0F)
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x0060, 0x0060, 0x01, 0x01,)
                        IO (Decode16, 0x0064, 0x0064, 0x01, 0x01,)
                        IRQNoFlags () {1}
                    })
                }
                Device (MOU)
                {
                    Name (_HID, EisaId ("PNP0F13"))
                    Name (_STA, 0x0F)
                    Name (_CRS, ResourceTemplate ()
                    {
                        IRQNoFlags () {12}
                    })
                }
                Device (COM1)
                {
                    Name (_HID, EisaId ("PNP0501"))
                    Name (_UID, One)
                    Method (_STA, 0, NotSerialized)
                    {
                        If (UAR1)
                        {
                            Return (0x0F)
                        }
                        Return (Zero)
                    }
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x03F8, 0x03F8, 0x00, 0x08,)
                        IRQNoFlags () {4}
                    })
                }
                Device (FDC0)
                {
                    Name (_HID, EisaId ("PNP0700"))
                    Name (_STA, 0x0F)
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x03F2, 0x03F2, 0x00, 0x04,)
                        IO (Decode16, 0x03F7, 0x03F7, 0x00, 0x01,)
                        IRQNoFlags () {6}
                        DMA (Compatibility, NotBusMaster, Transfer8,) {2}
                    })
                }
                Device (DMAC)
                {
                    Name (_HID, EisaId ("PNP0200"))
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x0000, 0x0000, 0x01, 0x10,)
                        IO (Decode16, 0x0081, 0x0081, 0x01, 0x03,)
                        IO (Decode16, 0x0087, 0x0087, 0x01, 0x01,)
                        IO (Decode16, 0x0089, 0x0089, 0x01, 0x03,)
                        IO (Decode16, 0x008F, 0x008F, 0x01, 0x01,)
                        IO (Decode16, 0x00C0, 0x00C0, 0x01, 0x20,)
                        DMA (Compatibility, NotBusMaster, Transfer8,) {4}
                    })
                }
                Device (FPU)
                {
                    Name (_HID, EisaId ("PNP0C04"))
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x00F0, 0x00F0, 0x01, 0x10,)
                        IRQNoFlags () {13}
                    })
                }
                /* Fixed ports of the board that no device above claims:
                 * port 0x92, the PM block where SeaBIOS and the -kernel
                 * setup put it (0x600) with the SMBus (0x700), GPE0,
                 * APM and fw_cfg. */
                Device (SYSR)
                {
                    Name (_HID, EisaId ("PNP0C02"))
                    Name (_UID, One)
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x0092, 0x0092, 0x01, 0x01,)
                        IO (Decode16, 0x00B2, 0x00B2, 0x01, 0x02,)
                        IO (Decode16, 0x0510, 0x0510, 0x01, 0x0C,)
                        IO (Decode16, 0x0600, 0x0600, 0x01, 0x40,)
                        IO (Decode16, 0x0700, 0x0700, 0x01, 0x10,)
                        IO (Decode16, 0xAFE0, 0xAFE0, 0x01, 0x04,)
                    })
                }
            }
        }

        /* PIRQRC[A-D] of 00:01.0. */
        Field (PCI0.ISA.PIRQ, ByteAcc, NoLock, Preserve)
        {
            PRQA, 8,
            PRQB, 8,
            PRQC, 8,
            PRQD, 8
        }

        /* _STA of a link from its PIRQRC: enabled, or present but
         * disabled (bit 7). */
        Method (LSTA, 1, NotSerialized)
        {
            If (Arg0 & 0x80)
            {
                Return (0x09)
            }
            Return (0x0B)
        }

        /* _CRS of a link: its IRQ, or none. */
        Method (LCRS, 1, NotSerialized)
        {
            Local0 = ResourceTemplate ()
            {
                Interrupt (ResourceConsumer, Level, ActiveHigh, Shared,,,) { 0 }
            }
            If (Arg0 < 0x80)
            {
                Local0 [5] = Arg0 & 0x0F   /* the descriptor's first IRQ, low byte */
            }
            Return (Local0)
        }

        Device (LNKA)
        {
            Name (_HID, EisaId ("PNP0C0F"))
            Name (_UID, Zero)
            Name (_PRS, ResourceTemplate ()
            {
                Interrupt (ResourceConsumer, Level, ActiveHigh, Shared,,,) { 5, 10, 11 }
            })
            Method (_STA, 0, NotSerialized) { Return (LSTA (PRQA)) }
            Method (_DIS, 0, NotSerialized) { PRQA |= 0x80 }
            Method (_CRS, 0, NotSerialized) { Return (LCRS (PRQA)) }
            Method (_SRS, 1, NotSerialized)
            {
                CreateDWordField (Arg0, 0x05, IRQ)
                PRQA = IRQ
            }
        }
        Device (LNKB)
        {
            Name (_HID, EisaId ("PNP0C0F"))
            Name (_UID, One)
            Name (_PRS, ResourceTemplate ()
            {
                Interrupt (ResourceConsumer, Level, ActiveHigh, Shared,,,) { 5, 10, 11 }
            })
            Method (_STA, 0, NotSerialized) { Return (LSTA (PRQB)) }
            Method (_DIS, 0, NotSerialized) { PRQB |= 0x80 }
            Method (_CRS, 0, NotSerialized) { Return (LCRS (PRQB)) }
            Method (_SRS, 1, NotSerialized)
            {
                CreateDWordField (Arg0, 0x05, IRQ)
                PRQB = IRQ
            }
        }
        Device (LNKC)
        {
            Name (_HID, EisaId ("PNP0C0F"))
            Name (_UID, 2)
            Name (_PRS, ResourceTemplate ()
            {
                Interrupt (ResourceConsumer, Level, ActiveHigh, Shared,,,) { 5, 10, 11 }
            })
            Method (_STA, 0, NotSerialized) { Return (LSTA (PRQC)) }
            Method (_DIS, 0, NotSerialized) { PRQC |= 0x80 }
            Method (_CRS, 0, NotSerialized) { Return (LCRS (PRQC)) }
            Method (_SRS, 1, NotSerialized)
            {
                CreateDWordField (Arg0, 0x05, IRQ)
                PRQC = IRQ
            }
        }
        Device (LNKD)
        {
            Name (_HID, EisaId ("PNP0C0F"))
            Name (_UID, 3)
            Name (_PRS, ResourceTemplate ()
            {
                Interrupt (ResourceConsumer, Level, ActiveHigh, Shared,,,) { 5, 10, 11 }
            })
            Method (_STA, 0, NotSerialized) { Return (LSTA (PRQD)) }
            Method (_DIS, 0, NotSerialized) { PRQD |= 0x80 }
            Method (_CRS, 0, NotSerialized) { Return (LCRS (PRQD)) }
            Method (_SRS, 1, NotSerialized)
            {
                CreateDWordField (Arg0, 0x05, IRQ)
                PRQD = IRQ
            }
        }
        /* The SCI's link: IRQ 9, wired, never moved. */
        Device (LNKS)
        {
            Name (_HID, EisaId ("PNP0C0F"))
            Name (_UID, 4)
            Name (_PRS, ResourceTemplate ()
            {
                Interrupt (ResourceConsumer, Level, ActiveHigh, Shared,,,) { 9 }
            })
            Method (_STA, 0, NotSerialized) { Return (0x0B) }
            Method (_DIS, 0, NotSerialized) { }
            Method (_CRS, 0, NotSerialized) { Return (_PRS) }
            Method (_SRS, 1, NotSerialized) { }
        }

        /* The IA-PC HPET (1.0a, 2.3.5.1: PNP0103) at 0xFED00000: there
         * when the board has one and its registers answer. */
        Device (HPET)
        {
            Name (_HID, EisaId ("PNP0103"))
            Name (_UID, Zero)
            OperationRegion (HPTM, SystemMemory, 0xFED00000, 0x0400)
            Field (HPTM, DWordAcc, NoLock, Preserve)
            {
                VEND, 32,   /* GCAP_ID low: vendor in bits 31-16 */
                PRD, 32     /* GCAP_ID high: the period in fs */
            }
            Method (_STA, 0, NotSerialized)
            {
                If (HPTE != One)
                {
                    Return (Zero)
                }
                Local0 = VEND >> 16
                If ((Local0 == Zero) || (Local0 == 0xFFFF))
                {
                    Return (Zero)
                }
                If ((PRD == Zero) || (PRD > 100000000))
                {
                    Return (Zero)
                }
                Return (0x0F)
            }
            Name (_CRS, ResourceTemplate ()
            {
                Memory32Fixed (ReadOnly, 0xFED00000, 0x00000400,)
            })
        }

        /* The CPUs: _UID n is the MADT's processor ID n, CPU index n (its
         * APIC ID is the topology's, cpu/topo.h). */
        Method (CSTA, 1, NotSerialized)
        {
            If (Arg0 < NCPU)
            {
                Return (0x0F)
            }
            Return (Zero)
        }
        Device (C000) { Name (_HID, "ACPI0007") Name (_UID, 0)
                        Method (_STA, 0, NotSerialized) { Return (CSTA (0)) } }
        Device (C001) { Name (_HID, "ACPI0007") Name (_UID, 1)
                        Method (_STA, 0, NotSerialized) { Return (CSTA (1)) } }
        Device (C002) { Name (_HID, "ACPI0007") Name (_UID, 2)
                        Method (_STA, 0, NotSerialized) { Return (CSTA (2)) } }
        Device (C003) { Name (_HID, "ACPI0007") Name (_UID, 3)
                        Method (_STA, 0, NotSerialized) { Return (CSTA (3)) } }
        Device (C004) { Name (_HID, "ACPI0007") Name (_UID, 4)
                        Method (_STA, 0, NotSerialized) { Return (CSTA (4)) } }
        Device (C005) { Name (_HID, "ACPI0007") Name (_UID, 5)
                        Method (_STA, 0, NotSerialized) { Return (CSTA (5)) } }
        Device (C006) { Name (_HID, "ACPI0007") Name (_UID, 6)
                        Method (_STA, 0, NotSerialized) { Return (CSTA (6)) } }
        Device (C007) { Name (_HID, "ACPI0007") Name (_UID, 7)
                        Method (_STA, 0, NotSerialized) { Return (CSTA (7)) } }
    }
}
