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
	# Linux's hyperv_report_panic (arch/x86/hyperv/hv_init.c): P0 = the
	# notifier's code (0 from panic()), P1 = its guest OS id (vendor
	# 0x8100 in the top 16 bits), P2/P3/P4 = RIP/RAX/RSP of
	# current_pt_regs(): here the `echo c` write's syscall entry frame,
	# which the guest's own panic dump shows as "RIP: 0033:0x..." and
	# "RSP: 002b:...". The parameters must be those values.
	params=$(sed -n 's/^hvmm: guest crash parameters: //p' "$OUT/$name.err")
	rip=$(sed -n 's/.*RIP: 0033:0x\([0-9a-f]*\).*/\1/p' "$OUT/$name.out" | tail -n 1)
	rsp=$(sed -n 's/.*RSP: 002b:0*\([0-9a-f][0-9a-f]*\) .*/\1/p' "$OUT/$name.out" | tail -n 1)
	expect "P0 is 0: a panic, reported from the panic notifier ($params)" \
		grep -q "^P0=0x0 " <<<"$params"
	expect "P1 is Linux's guest OS id" grep -q " P1=0x8100[0-9a-f]\{12\} " <<<"$params"
	expect "P2 is the RIP the guest printed (${rip:-none})" grep -q " P2=0x${rip:-none} " <<<"$params"
	expect "P4 is the RSP the guest printed (${rsp:-none})" grep -q " P4=0x${rsp:-none}\$" <<<"$params"
	expect "last console lines printed, the panic among them" \
		err_has "^hvmm: console| .*Kernel panic - not syncing: sysrq triggered crash"
	expect "not reported as a fault" err_lacks "triple fault"
	finish
}
