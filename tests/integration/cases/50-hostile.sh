# Hostile-guest cases: tests/guest/hostile (docs/hostile-guest.md) attacks the
# VMBus server through the real hypercalls, then checks it still serves.
# Sourced by tests/integration/run; each file appends its cases to all_cases.
all_cases+=" hostile_1cpu hostile_2cpu hostile_asan"

HOSTILE_ELF=$PAYLOADS/hostile.elf
HVMM_ASAN=build-asan/hvmm
# Bad traffic must be logged rate-limited: a flood may not flood stderr.
HOSTILE_MAX_ERR_LINES=300

# hostile_case NAME CPUS SEED: boot the hostile guest and judge the run
# (the caller adds its own checks and calls finish).
# The seed is printed by the guest; HVMM_HOSTILE_SEED replays another one.
hostile_case() {
	local cpus=$2 seed=${HVMM_HOSTILE_SEED:-$3} lines polls=0 sock=/dev/shm/hvmm-hostile-$$.sock
	if ! [ -e "$HOSTILE_ELF" ]; then
		name=$1 ok=0 secs=0
		echo "    FAIL: $HOSTILE_ELF missing (run 'make payloads')"
		return
	fi
	# In the background, with `hvmm ctl status` asked every 0.3 s meanwhile:
	# the status report reads channel state that the guest keeps changing.
	boot_bg "$1" --kernel "$HOSTILE_ELF" --cpus "$cpus" --timeout 240 \
		--cmdline "seed=$seed cpus=$cpus" --api "unix:$sock"
	while kill -0 "$bg" 2>/dev/null; do
		timeout 10 "$HVMM" ctl "$sock" status >/dev/null 2>&1 && polls=$((polls + 1))
		sleep 0.3
	done
	end_bg 0
	expect "hvmm ctl status answered during the attacks ($polls times)" [ "$polls" -gt 0 ]
	lines=$(wc -l <"$OUT/$name.err")
	expect "guest completed the normal handshake" out_has "HOSTILE: handshake ok"
	[ "$cpus" -gt 1 ] && expect "second vCPU ran hostile traffic" out_has "HOSTILE: AP done"
	expect "no step failed" out_lacks "HOSTILE: FAIL"
	expect "hvmm still served after the attacks (seed $seed)" out_has "HOSTILE: survived"
	expect "hvmm logged the bad traffic" err_has "malformed\|rejected\|refused\|unclaimed"
	expect "stderr rate-limited ($lines lines, at most $HOSTILE_MAX_ERR_LINES)" \
		[ "$lines" -le "$HOSTILE_MAX_ERR_LINES" ]
}

out_lacks() { ! grep -q -- "$1" "$OUT/$name.out"; }

case_hostile_1cpu() {
	hostile_case hostile_1cpu 1 1
	finish
}

case_hostile_2cpu() {
	hostile_case hostile_2cpu 2 2
	finish
}

# The same guest against hvmm built with ASan+UBSan (make hvmm-asan): any
# sanitizer report fails the case. ASAN_OPTIONS/UBSAN_OPTIONS from the
# caller pass through scripts/kvm-lab; these are the defaults.
case_hostile_asan() {
	if ! [ -x "$HVMM_ASAN" ]; then
		name=hostile_asan ok=0 secs=0
		echo "    FAIL: $HVMM_ASAN missing (run 'make hvmm-asan')"
		finish
		return
	fi
	local HVMM=$HVMM_ASAN
	local -x ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:exitcode=66}
	local -x UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
	hostile_case hostile_asan 2 3
	expect "no AddressSanitizer/LeakSanitizer report" err_lacks "Sanitizer"
	expect "no UBSan report" err_lacks "runtime error:"
	finish
}
