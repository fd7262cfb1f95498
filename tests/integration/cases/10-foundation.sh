# Foundation cases: boots of the Debian kernel and the loaders' test kernels.
# Sourced by tests/integration/run; each file appends its cases to all_cases.
all_cases+=" boot_1cpu boot_4cpu_4g reboot_exits timeout serial_file bad_kernel multiboot elf64 triple_fault reboot_restart"
# Debian kernel boots may hit the lab's triple-fault flake; the payload
# cases (multiboot, elf64, triple_fault) never retry, nor does bad_kernel.
lab_retry_cases+=" boot_1cpu boot_4cpu_4g reboot_exits timeout serial_file reboot_restart"

case_boot_1cpu() {
	linux_bz boot_1cpu 0 --timeout "$BOOT_TIMEOUT" --cmdline "$CMDLINE" --stats
	expect "guest reached init" out_has "HVMM-GUEST: up"
	expect "guest saw 1 CPU" out_has "HVMM-GUEST: cpus=1"
	expect "guest powered itself off" out_has "HVMM-GUEST: poweroff"
	expect "exit statistics printed" err_has "stats: exits total"
	finish
}

case_boot_4cpu_4g() {
	# 4 GiB puts 1 GiB above the 3-4 GiB MMIO hole: both RAM slots in use.
	# Plain KVM guest: SMP with Hyper-V is covered by the VMBus cases.
	linux_bz boot_4cpu_4g 0 --timeout "$BOOT_TIMEOUT" --cpus 4 --mem 4G --hyperv off --cmdline "$CMDLINE"
	expect "guest reached init" out_has "HVMM-GUEST: up"
	expect "guest brought up 4 CPUs" out_has "HVMM-GUEST: cpus=4"
	finish
}

case_reboot_exits() {
	linux reboot_exits 3 --timeout "$BOOT_TIMEOUT" --cmdline "$CMDLINE hvmm.test=reboot"
	expect "guest asked to reboot" out_has "HVMM-GUEST: reboot"
	finish
}

case_reboot_restart() {
	# The guest reboots forever; --on-reboot restart must boot it again.
	boot_bg reboot_restart --kernel "$KERNEL" --initrd "$INITRD" --on-reboot restart \
		--shutdown-grace 0 --timeout 300 --cmdline "$CMDLINE hvmm.test=reboot"
	expect "guest booted twice" wait_for "HVMM-GUEST: up" 2 150
	kill -TERM "$bg"
	end_bg 6
	finish
}

case_timeout() {
	linux timeout 5 --timeout 45 --cmdline "$CMDLINE hvmm.test=hang"
	expect "guest reached init before hanging" out_has "HVMM-GUEST: hang"
	expect "timeout reported" err_has "timeout"
	finish
}

case_serial_file() {
	linux serial_file 0 --timeout "$BOOT_TIMEOUT" --serial "file:$OUT/console.txt" --cmdline "$CMDLINE"
	expect "console went to the file" grep -q "HVMM-GUEST: up" "$OUT/console.txt"
	expect "nothing from the guest on stdout" [ ! -s "$OUT/$name.out" ]
	finish
}

case_bad_kernel() {
	boot bad_kernel_text 2 --timeout "$PAYLOAD_TIMEOUT" --kernel /etc/passwd
	expect "one-line error" [ "$(wc -l <"$OUT/$name.err")" = 1 ]
	expect "error names the file" err_has "/etc/passwd"
	finish
	head -c 1000000 "$BZIMAGE" >"$OUT/truncated-bzImage"
	boot bad_kernel_truncated 2 --timeout "$PAYLOAD_TIMEOUT" --kernel "$OUT/truncated-bzImage"
	expect "one-line error naming the file" [ "$(wc -l <"$OUT/$name.err")" = 1 ]
	expect "error names the file" err_has "truncated-bzImage"
	finish
	boot bad_kernel_missing 2 --timeout "$PAYLOAD_TIMEOUT" --kernel "$OUT/does-not-exist"
	expect "error says why" err_has "No such file"
	finish
}

case_multiboot() {
	boot multiboot_elf 0 --timeout "$PAYLOAD_TIMEOUT" --kernel "$PAYLOADS/mb32.elf" --cmdline "mb-test-cmdline"
	expect "entered with the Multiboot magic" out_has "MB-OK"
	expect "command line passed in the info block" out_has "cmdline=mb-test-cmdline"
	expect "memory size in the info block (511 MiB above 1 MiB)" out_has "mem_upper=0x0007fc00"
	finish
	boot multiboot_aout 0 --timeout "$PAYLOAD_TIMEOUT" --kernel "$PAYLOADS/aout.bin"
	expect "a.out kludge kernel ran" out_has "AOUT-OK"
	finish
}

case_elf64() {
	boot elf64 0 --timeout "$PAYLOAD_TIMEOUT" --kernel "$PAYLOADS/elf64.elf"
	expect "64-bit ELF payload ran" out_has "ELF64-OK"
	finish
}

case_triple_fault() {
	boot triple_fault 4 --timeout "$PAYLOAD_TIMEOUT" --kernel "$PAYLOADS/triple.elf"
	expect "payload ran before faulting" out_has "T"
	expect "triple fault reported" err_has "triple fault"
	# On AMD hosts KVM resets the vCPU on shutdown, so only Intel shows
	# the faulting RIP; the dump itself must be there either way.
	expect "registers printed" err_has "rip=[0-9a-f]\{16\} rsp="
	finish
}

