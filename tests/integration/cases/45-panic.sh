# Guest panics reported through the Hyper-V crash MSRs.
# Sourced by tests/integration/run; each file appends its cases to all_cases.
all_cases+=" panic"
lab_retry_cases+=" panic"

case_panic() {
	# The default guest panics on purpose (echo c > /proc/sysrq-trigger).
	# Linux's hv_vmbus reports it from its panic notifier: P0..P4, then
	# CRASH_NOTIFY in CRASH_CTL, which KVM turns into a crash exit. With
	# panic=-1, as in hvmm's default command line, Linux reboots at once
	# after its notifiers: the crash report must win over that reboot.
	linux panic 7 --timeout "$BOOT_TIMEOUT" --cmdline "$CMDLINE panic=-1 hvmm.test=panic"
	expect "guest set off its panic" out_has "HVMM-GUEST: panic"
	expect "panic reported" err_has "vcpu[0-9]*: the guest panicked (Hyper-V crash notification)"
	expect "five crash parameters printed" \
		err_has "^hvmm: guest crash parameters: P0=0x[0-9a-f]* P1=0x[0-9a-f]* P2=0x[0-9a-f]* P3=0x[0-9a-f]* P4=0x[0-9a-f]*$"
	# Linux's hyperv_report_panic: P1 = its guest OS id (vendor 0x8100 in
	# the top 16 bits), P2 = the RIP, a kernel address.
	expect "P1 is Linux's guest OS id" err_has " P1=0x8100[0-9a-f]\{12\} "
	expect "P2 is a kernel RIP" err_has " P2=0xffffffff[0-9a-f]\{8\} "
	expect "last console lines printed, the panic among them" \
		err_has "^hvmm: console| .*Kernel panic - not syncing: sysrq triggered crash"
	expect "not reported as a fault" err_lacks "triple fault"
	finish
}
