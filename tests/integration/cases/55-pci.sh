# PCI bus 0 as a Linux guest sees it (docs/pci.md): the platform functions
# through configuration mechanism #1, bus 0 only from the DSDT's PCI0, the
# PM block where PMBA says, no fatal PCI error.
# Sourced by tests/integration/run; each file appends its cases to all_cases.
all_cases+=" pci_linux"
lab_retry_cases+=" pci_linux"

case_pci_linux() {
	# A pci= option of the user's turns PCI on (hvmm then adds nothing and
	# keeps PCI0); not quiet, so the kernel's PCI lines reach the console.
	linux pci_linux 0 --timeout "$BOOT_TIMEOUT" --cmdline "console=ttyS0 pci=noearly" --stats
	expect "guest reached init" out_has "HVMM-GUEST: up"
	expect "config mechanism #1 found" out_has "PCI: Using configuration type 1 for base access"
	expect "no fatal PCI error" eval '! out_has "PCI: Fatal"'
	expect "root bridge on bus 0 only" out_has "ACPI: PCI Root Bridge \[PCI0\] (domain 0000 \[bus 00\])"
	expect "i440FX host bridge" out_has "0000:00:00.0: \[8086:1237\] type 00 class 0x060000"
	expect "PIIX3 ISA bridge" out_has "0000:00:01.0: \[8086:7000\] type 00 class 0x060100"
	expect "PIIX4 PM block at 0xb000" out_has "0000:00:01.3: quirk: \[io  0xb000-0xb03f\] claimed by PIIX4 ACPI"
	expect "nothing else on the bus" [ "$(out_count '\] type 00 class')" = 3 ]
	expect "ACPI PM timer in the FADT" out_has "ACPI: PM-Timer IO Port: 0xb008"
	expect "guest powered itself off" out_has "HVMM-GUEST: poweroff"
	finish
}
