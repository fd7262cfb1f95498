# `hvmm regress` end to end (docs/regress.md section 9): the injected VMBus
# bugs are diagnosed while they happen, a clean matrix passes.
# Sourced by tests/integration/run; each file appends its cases to all_cases.
# The lab has one L1 CPU: every run here uses --jobs 1.
all_cases+=" regress_lost_signal regress_drop_eom regress_clean"

# regress_run NAME EXPECTED_STATUS LIMIT REGRESS_ARGS... [-- RUN_ARGS]: run
# `hvmm regress` into $OUT/NAME/, killed LIMIT s on (it bounds its boots
# itself; this only catches a runner that hangs).
regress_run() {
	local want=$2 limit=$3 t0
	name=$1
	shift 3
	rdir=$OUT/$name
	mkdir -p "$rdir"
	t0=$(date +%s.%N)
	timeout -s KILL "$limit" "$HVMM" regress --jobs 1 --out "$rdir/boots" \
		--json "$rdir/result.json" --junit "$rdir/junit.xml" "$@" \
		>"$OUT/$name.out" 2>"$OUT/$name.err" </dev/null
	status=$?
	secs=$(awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $t0 }")
	ok=1
	[ "$status" != 137 ] || expect "harness: hvmm regress still running after $limit s; killed" false
	expect "exit status $want (got $status)" [ "$status" = "$want" ]
	# A boot's own hvmm stderr, for the failure output (finish shows .err).
	local e
	for e in "$rdir"/boots/*/*/hvmm.err; do
		[ -f "$e" ] && sed "s|^|${e#"$rdir"/boots/}: |" "$e" | tail -n 5 >>"$OUT/$name.err"
	done
}

# result_all PYTHON_EXPR: every boot `b` of result.json satisfies it (and there is one)
result_all() {
	python3 - "$rdir/result.json" "$1" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
boots = r["boots"]
bad = [b for b in boots if not eval(sys.argv[2], {}, {"b": b})]
for b in bad:
    print("    boot %s run %s: %s: %s" % (b["cell"], b["run"], b["verdict"], b["detail"]))
sys.exit(1 if bad or not boots else 0)
EOF
}

result_count() {
	python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["boots"]))' \
		"$rdir/result.json"
}

junit_valid() {
	if [ -f tests/unit/junit.xsd ]; then
		xmllint --noout --schema tests/unit/junit.xsd "$rdir/junit.xml" 2>/dev/null
	else
		xmllint --noout "$rdir/junit.xml" 2>/dev/null
	fi
}

# bundle_events FILE: a drop-eom boot's events (docs/regress.md section 1)
bundle_events() {
	python3 - "$1" <<'EOF'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
names = [e["ev"] for e in ev]
ok = (ev[0]["ev"] == "start" and "drop-eom" in ev[0].get("inject", []) and
      "vmbus_contact" in names and "vmbus_open" not in names and
      names[-1] == "exit" and names.count("exit") == 1)
sys.exit(0 if ok else 1)
EOF
}

# bundle_msg_stuck FILE: the saved status-json has a VP whose message has
# waited 5 s or more (the classifier's --stall)
bundle_msg_stuck() {
	python3 - "$1" <<'EOF'
import json, sys
text = open(sys.argv[1]).read()
st = json.loads(text[text.index("{"):])
ok = any(v.get("msg_queued", 0) > 0 and v.get("msg_queued_since") is not None and
         st["t"] - v["msg_queued_since"] >= 5 for v in st.get("synic", []))
sys.exit(0 if ok else 1)
EOF
}

case_regress_lost_signal() {
	# The seed bug: with late-event-port the shutdown IC's NEGOTIATE is
	# never signalled. Even with the default --timeout 360 the runner must
	# name it within 30 s of the channel's open.
	regress_run regress_lost_signal 1 300 --runs 2 --timeout 360 \
		-- --kernel "$KERNEL" --initrd "$INITRD" --cmdline "$CMDLINE hvmm.test=wait" \
		--debug-inject late-event-port
	expect "two boots recorded" [ "$(result_count)" = 2 ]
	expect "every boot: lost_vmbus_signal naming the shutdown channel" \
		result_all 'b["verdict"] == "lost_vmbus_signal" and b["detail"].startswith("shutdown:")'
	expect "every boot decided within 30 s of the shutdown channel's open" \
		result_all 'b["duration"] - b["stages"]["vmbus_open:shutdown"] < 30'
	expect "each boot has a bundle with a repro" \
		result_all '__import__("os").access(b["bundle"] + "/repro.sh", 1)'
	expect "bundle: ring report names the unread shutdown ring" \
		grep -q "name=shutdown" "$rdir"/boots/default/0/status.txt
	expect "bundle: registers" grep -qi "rip" "$rdir"/boots/default/0/regs.txt
	expect "JUnit well-formed" junit_valid
	finish
}

case_regress_drop_eom() {
	regress_run regress_drop_eom 1 200 --runs 1 --timeout 360 \
		-- --kernel "$KERNEL" --initrd "$INITRD" --cmdline "$CMDLINE hvmm.test=wait" \
		--debug-inject drop-eom
	expect "one boot recorded" [ "$(result_count)" = 1 ]
	expect "the boot: lost_vmbus_message" result_all 'b["verdict"] == "lost_vmbus_message"'
	# The bundle: hvmm's own record of the lost message.
	expect "bundle: events parse, start names drop-eom, contact made, no channel opened, exit last" \
		bundle_events "$rdir/boots/default/0/events.jsonl"
	expect "bundle: status shows a message waiting since 5 s or more" \
		bundle_msg_stuck "$rdir/boots/default/0/status.json"
	finish
}

case_regress_clean() {
	regress_run regress_clean 0 300 --matrix cpus=1,2 --runs 1 --timeout 200 \
		-- --kernel "$KERNEL" --initrd "$INITRD" --cmdline "$CMDLINE hvmm.test=wait"
	expect "two boots recorded" [ "$(result_count)" = 2 ]
	expect "every boot passed" result_all 'b["verdict"] == "pass"'
	expect "stages recorded up to the exit" \
		result_all '"ic_negotiated:shutdown" in b["stages"] and "exit" in b["stages"]'
	expect "passing boots leave no files" [ -z "$(ls -A "$rdir/boots")" ]
	expect "JUnit valid" junit_valid
	finish
}
