# VTL test guest: tests/guest/vtl (docs/vtl-guest.md) drives --vsm on
# through the TLFS interface (VSM registers, EnablePartitionVtl,
# EnableVpVtl, VtlCall/VtlReturn, ModifyVtlProtectionMask and the secure
# intercept, TranslateVirtualAddress, StartVirtualProcessor) and prints
# "VTL-CHECK <name> ok|FAIL ..." per check and a verdict.
# Sourced by tests/integration/run; each file appends its cases to all_cases.
all_cases+=" vtl_1cpu vtl_2cpu vtl_off"

VTL_ELF=$PAYLOADS/vtl.elf
# The checks each configuration must print "ok" (a check the guest
# skipped is as bad as one that failed).
# 14 partition checks, 31 per VP (12 in VTL0, 19 in VTL1), 7 more to
# enable, start and finish the second VP.
VTL_CHECKS_1CPU=45
VTL_CHECKS_2CPU=83

vtl_missing() {
	[ -e "$VTL_ELF" ] && return 1
	name=$1 ok=0 secs=0
	echo "    FAIL: $VTL_ELF missing (run 'make payloads')"
	return 0
}

# vtl_case NAME CPUS WANT_OK: boot the guest with --vsm on and judge it.
vtl_case() {
	local cpus=$2 want=$3 n
	vtl_missing "$1" && return
	boot "$1" 0 --kernel "$VTL_ELF" --vsm on --cpus "$cpus" --timeout "$PAYLOAD_TIMEOUT" \
		--cmdline "cpus=$cpus"
	n=$(out_count "^VTL-CHECK .* ok$")
	expect "no check failed" vtl_out_lacks "^VTL-CHECK .* FAIL"
	expect "verdict: pass" out_has "^VTL-RESULT pass $n$"
	expect "$want checks ok (got $n)" [ "$n" = "$want" ]
	expect "VtlCall entered VTL1" out_has "^VTL-CHECK vp0.vtl_call_enters_vtl1 ok$"
	expect "secure intercept seen by VTL1" out_has "^VTL-CHECK vp0.vtl1.intercept_message ok$"
	[ "$cpus" -gt 1 ] && expect "second VP ran its own VTL1" \
		out_has "^VTL-CHECK vp1.vtl_call_loop ok$"
}

vtl_out_lacks() { ! grep -q -- "$1" "$OUT/$name.out"; }

case_vtl_1cpu() {
	vtl_case vtl_1cpu 1 "$VTL_CHECKS_1CPU"
	finish
}

case_vtl_2cpu() {
	vtl_case vtl_2cpu 2 "$VTL_CHECKS_2CPU"
	finish
}

# --vsm off: CPUID 0x40000003 EBX bit 16 clear, the VSM calls refused, a
# clean exit with the guest's "skip" verdict.
case_vtl_off() {
	if ! vtl_missing vtl_off; then
		boot vtl_off 0 --kernel "$VTL_ELF" --vsm off --timeout "$PAYLOAD_TIMEOUT"
		expect "guest saw VSM not offered" out_has "^VTL-CHECK vsm_off.not_offered ok$"
		expect "EnablePartitionVtl refused" \
			out_has "^VTL-CHECK vsm_off.enable_partition_vtl_refused ok$"
		expect "verdict: skip" out_has "^VTL-RESULT skip$"
		expect "no check failed" vtl_out_lacks "^VTL-CHECK .* FAIL"
	fi
	finish
}
