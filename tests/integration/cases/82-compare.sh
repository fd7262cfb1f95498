# `hvmm regress --compare` on real boots (docs/regress.md section 7): a
# boot slowed with --debug-inject boot-delay is flagged against a
# baseline. (That an unchanged run is not flagged is tested on synthetic
# runs by test_regress_finish and tests/report/run, and was shown on lab
# boots in session 6, docs/regress.md: five more boots here would cost
# CI a minute and a half.) Uses regress_run and friends from
# 81-regress.sh. Five boots per run is the least with which Mann-Whitney
# can reach p < 0.01 (two-sided, exact: 2/252 = 0.0079 at best).
# Ten boots of the Debian kernel: about five minutes of lab time, too
# many for CI's hour next to the rest, so it runs when named
# (scripts/regress-acceptance runs it).
named_cases+=" regress_compare"

case_regress_compare() {
	local base=$OUT/regress_compare_base.json all_ok=1
	local guest=(--kernel "$KERNEL" --initrd "$INITRD" --cmdline "$CMDLINE hvmm.test=wait")

	regress_run regress_compare_base 0 400 --runs 5 --timeout 200 -- "${guest[@]}"
	cp "$rdir/result.json" "$base"
	expect_results "baseline: five boots, all passed" \
		'len(boots) == 5 and every(lambda b: b["verdict"] == "pass")'
	[ "$ok" = 1 ] || all_ok=0

	# 2 s before the first vCPU entry. Every later stage moves by as much,
	# but the lab's boot times spread over 10 s and more on a loaded host
	# (16-28 s seen), so only the first entry's shift (0.05 s -> 2 s, no
	# overlap) is certain to be significant: that is the one required.
	regress_run regress_compare_slow 1 400 --runs 5 --timeout 200 --compare "$base" \
		-- "${guest[@]}" --debug-inject boot-delay=2000
	expect_results "slowed run: the boots themselves passed" \
		'every(lambda b: b["verdict"] == "pass")'
	expect "slowed run: exit 1 came from the comparison" \
		grep -q "^compare: 1 cell(s) in both results, [1-9][0-9]* regression(s)" "$OUT/$name.out"
	expect "slowed run: the first vCPU entry is flagged slower" \
		grep -q "FLAG default vcpu_entry: .*slower" "$OUT/$name.out"
	# regress_run resets ok per run: the case fails if any run failed.
	[ "$ok" = 1 ] && [ "$all_ok" = 1 ] || ok=0
	# finish reports under the case's name, with both runs' output.
	local r
	for r in base slow; do
		sed "s/^/$r: /" "$OUT/regress_compare_$r.out"
	done >"$OUT/regress_compare.out"
	for r in base slow; do
		sed "s/^/$r: /" "$OUT/regress_compare_$r.err"
	done >"$OUT/regress_compare.err"
	name=regress_compare
	finish
}
