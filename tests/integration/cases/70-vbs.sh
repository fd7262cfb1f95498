# --isolation vbs: the Debian kernel told it runs VBS-isolated (CPUID
# 0x40000003 EBX bit 22, 0x4000000C isolation type 1) on hvmm's owned
# hypercall page (HvCallModifySparseGpaPageHostVisibility in userspace).
# Sourced by tests/integration/run; each file appends its cases to
# all_cases. vbs_uefi needs the patched L0 QEMU in the lab (kvm-lab
# --patched), as the 60-uefi cases do.
all_cases+=" vbs_usage vbs_direct"
# vbs_uefi (the same checks through OVMF: an OVMF boot, 250-300 s in the
# slower labs) runs when named; make check keeps the direct one.
named_cases+=" vbs_uefi"
lab_retry_cases+=" vbs_direct vbs_uefi"
# The stimer-entry panic (docs/lab-flakes.md) struck vbs_direct once in
# about six lab runs (session 5), with the same signature as in
# uefi_disk_2cpu: retried once, counted.
lab_stimer_flake_cases+=" vbs_direct"

# Without "quiet": the kernel's own Hyper-V lines must reach COM1.
VBS_CMDLINE="console=ttyS0 hvmm.test=wait"

case_vbs_usage() {
	boot vbs_hyperv_off 2 --timeout 30 --kernel "$KERNEL" --hyperv off --isolation vbs
	expect "one-line error" [ "$(wc -l <"$OUT/$name.err")" = 1 ]
	expect "says --isolation needs --hyperv on" err_has "needs --hyperv on"
	finish
	boot vbs_bad_mode 2 --timeout 30 --kernel "$KERNEL" --isolation snp
	expect "names the bad value" err_has "'snp'"
	finish
}

# vbs_case NAME WAIT ARGS...: boot with --isolation vbs, check what an
# isolated Linux does, shut down with `hvmm ctl shutdown`.
vbs_case() {
	local n=$1 wait=$2 sock=/dev/shm/hvmm-it-vbs-$$.sock
	shift 2
	boot_bg "$n" --isolation vbs --api "unix:$sock" --initrd "$INITRD" --kernel "$KERNEL" \
		--cmdline "$VBS_CMDLINE" "$@"
	expect "guest up and waiting" wait_for "HVMM-GUEST: wait" 1 "$wait"
	# Linux 6.1 arch/x86/kernel/cpu/mshyperv.c, ms_hyperv_init_platform.
	expect "guest logged its VBS isolation configuration" \
		out_has "Hyper-V: Isolation Config: Group A 0x0, Group B 0x1"
	expect "VMBus protocol 5.3 negotiated" out_has "HVMM-GUEST: vmbus-version=5.3"
	expect "shutdown IC bound" out_has "vmbus-device 0e0b6031-5213-4934-818b-38d90ced39db hv_utils"
	expect "heartbeat IC bound" out_has "vmbus-device 57164f39-9115-4e78-ab55-382f3bd5422d hv_utils"
	expect "timesync IC bound" out_has "vmbus-device 9527e630-d0ae-497b-adce-e80ab0175caf hv_utils"
	expect "KVP IC not bound (not allowed in isolated guests)" \
		sh -c "! grep -q 'vmbus-device a9a0f4e7-5a45-4d96-b827-8a841e8c03e6 hv_utils' '$OUT/$name.out'"
	ctl status >"$OUT/$name.status" 2>&1
	expect "ctl status says isolation: vbs" grep -q "^isolation: vbs" "$OUT/$name.status"
	expect "host-visibility calls counted" \
		grep -q "host visibility: [1-9][0-9]* calls, [1-9][0-9]* pages visible" "$OUT/$name.status"
	expect "0xDB trapped to hvmm" grep -q "trapped hypercalls:.*0xdb=[1-9]" "$OUT/$name.status"
	ctl shutdown >"$OUT/ctl" 2>&1
	expect "ctl shutdown accepted" grep -q "^ok" "$OUT/ctl"
	end_bg 0
	expect "guest shut down on the host's request" out_has "HVMM-GUEST: host-shutdown poweroff"
	expect "no unhandled exit" err_lacks "unhandled"
	finish
}

case_vbs_direct() { vbs_case vbs_direct 200 --timeout "$BOOT_TIMEOUT"; }

case_vbs_uefi() {
	vbs_case vbs_uefi "${HVMM_IT_UEFI_TIMEOUT:-300}" --uefi --uefi-vars "$OUT/vbs-vars.fd" --timeout "${HVMM_IT_UEFI_TIMEOUT:-300}"
}
