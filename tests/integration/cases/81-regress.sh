# `hvmm regress` end to end (docs/regress.md section 9): the injected VMBus
# bugs are diagnosed while they happen, a clean matrix passes.
# Sourced by tests/integration/run; each file appends its cases to all_cases.
# The lab has one L1 CPU: every run here uses --jobs 1.
all_cases+=" regress_lost_signal regress_clean"
# The second fault switch's proof (drop-eom -> lost_vmbus_message) runs
# when named: regress_lost_signal is the proof `make check` must run, and
# the classifier's verdict for drop-eom is unit-tested from recorded
# event streams (test_regress_diagnose).
named_cases+=" regress_drop_eom"

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

# result_checks LABEL EXPR ...: evaluate every check in ONE python3 (in
# the lab an interpreter takes seconds to start, and took 45 s through
# pyenv's shims before run put /usr/bin first), writing "PASS LABEL" or "FAIL LABEL" lines to
# $rdir/checks and what failed to $OUT/$name.err. EXPR is Python over
# result.json's `boots`, with every(PRED) (true when there are boots and
# each satisfies PRED, printing the others), events_ok(FILE) (a drop-eom
# boot's events: docs/regress.md section 1) and msg_stuck(FILE) (a saved
# status-json with a VP message waiting 5 s or more, the classifier's
# --stall). Then `result_ok LABEL` is the expect command for one check.
result_checks() {
	python3 - "$rdir/result.json" "$@" >"$rdir/checks" 2>>"$OUT/$name.err" <<'PYEOF'
import json, sys

def every(pred):
    bad = [b for b in boots if not pred(b)]
    for b in bad:
        print("boot %s run %s: %s: %s" % (b["cell"], b["run"], b["verdict"], b["detail"]),
              file=sys.stderr)
    return bool(boots) and not bad

def events_ok(path):
    ev = [json.loads(l) for l in open(path)]
    names = [e["ev"] for e in ev]
    return (ev[0]["ev"] == "start" and "drop-eom" in ev[0].get("inject", []) and
            "vmbus_contact" in names and "vmbus_open" not in names and
            names[-1] == "exit" and names.count("exit") == 1)

def msg_stuck(path):
    text = open(path).read()
    st = json.loads(text[text.index("{"):])
    return any(v.get("msg_queued", 0) > 0 and v.get("msg_queued_since") is not None and
               st["t"] - v["msg_queued_since"] >= 5 for v in st.get("synic", []))

try:
    boots = json.load(open(sys.argv[1]))["boots"]
except Exception as e:
    print("result.json: %s" % e, file=sys.stderr)
    boots = []
args = sys.argv[2:]
for label, expr in zip(args[0::2], args[1::2]):
    try:
        good = bool(eval(expr))
    except Exception as e:
        print("%s: %r" % (label, e), file=sys.stderr)
        good = False
    print("%s %s" % ("PASS" if good else "FAIL", label))
PYEOF
}

result_ok() { grep -qxF "PASS $1" "$rdir/checks"; }

# expect_results LABEL EXPR ...: result_checks, then one expect per check
expect_results() {
	local i
	result_checks "$@"
	for ((i = 1; i < $#; i += 2)); do
		expect "${!i}" result_ok "${!i}"
	done
}

junit_valid() {
	if [ -f tests/unit/junit.xsd ]; then
		xmllint --noout --schema tests/unit/junit.xsd "$rdir/junit.xml" 2>/dev/null
	else
		xmllint --noout "$rdir/junit.xml" 2>/dev/null
	fi
}

case_regress_lost_signal() {
	# The seed bug: with late-event-port the shutdown IC's NEGOTIATE is
	# never signalled. Even with the default --timeout 360 the runner must
	# name it within 30 s of the channel's open.
	regress_run regress_lost_signal 1 300 --runs 2 --timeout 360 \
		-- --kernel "$KERNEL" --initrd "$INITRD" --cmdline "$CMDLINE hvmm.test=wait" \
		--debug-inject late-event-port
	expect_results \
		"two boots recorded" 'len(boots) == 2' \
		"every boot: lost_vmbus_signal naming the shutdown channel" \
		'every(lambda b: b["verdict"] == "lost_vmbus_signal" and b["detail"].startswith("shutdown:"))' \
		"every boot decided within 30 s of the shutdown channel's open" \
		'every(lambda b: b["duration"] - b["stages"]["vmbus_open:shutdown"] < 30)' \
		"each boot has a bundle with a repro" \
		'every(lambda b: __import__("os").access(b["bundle"] + "/repro.sh", 1))'
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
	expect_results \
		"one boot recorded" 'len(boots) == 1' \
		"the boot: lost_vmbus_message" 'every(lambda b: b["verdict"] == "lost_vmbus_message")' \
		"bundle: events parse, start names drop-eom, contact made, no channel opened, exit last" \
		"events_ok('$rdir/boots/default/0/events.jsonl')" \
		"bundle: status shows a message waiting since 5 s or more" \
		"msg_stuck('$rdir/boots/default/0/status.json')"
	finish
}

case_regress_clean() {
	regress_run regress_clean 0 300 --matrix cpus=1,2 --runs 1 --timeout 200 \
		-- --kernel "$KERNEL" --initrd "$INITRD" --cmdline "$CMDLINE hvmm.test=wait"
	expect_results \
		"two boots recorded" 'len(boots) == 2' \
		"every boot passed" 'every(lambda b: b["verdict"] == "pass")' \
		"stages recorded up to the exit" \
		'every(lambda b: "ic_negotiated:shutdown" in b["stages"] and "exit" in b["stages"])'
	expect "passing boots leave no files" [ -z "$(ls -A "$rdir/boots")" ]
	expect "JUnit valid" junit_valid
	finish
}
