# gdb_break (tests/integration/cases/85-gdb.sh): gdbtest.elf, 1 vCPU,
# held by --gdb-wait. The case runs
#   gdb -nx -batch -ex 'target remote ...' -ex 'set $hvmm_ret_line = N' \
#       -x break.gdb build/payloads/gdbtest.elf
# (N: the line of `return acc;` in tests/guest/gdb/main.c) and greps this
# transcript: the "HVMM ..." lines are printf'd for it; the rest is what a
# user would see. A failing command ends the script (gdb -batch), so a
# missing later line names the step that broke.
echo ==attach==\n
info threads
printf "HVMM entry-pc=%#lx\n", $pc

echo ==break==\n
break gdbtest_compute
continue
printf "HVMM n=%u counter0=%lu\n", n, gdbtest_counter
eval "tbreak gdb/main.c:%d", $hvmm_ret_line
continue
printf "HVMM acc=%lu i=%u\n", acc, i
info locals

echo ==finish==\n
finish
next
info symbol $pc
printf "HVMM counter-before-watch=%lu\n", gdbtest_counter

echo ==watch==\n
watch gdbtest_counter
continue
info symbol $pc
printf "HVMM watch-pc=%#lx watch-counter=%lu\n", $pc, gdbtest_counter
info registers cs ss cr0 cr3 cr4 efer
printf "HVMM cr0-pg-pe=%d cr4-pae=%d efer-lma=%d cs-ring0=%d cs=%#x cr3=%#lx\n", ((long)$cr0 & 0x80000001) == 0x80000001, ((long)$cr4 >> 5) & 1, ((long)$efer >> 10) & 1, $cs != 0 && ($cs & 3) == 0, $cs, $cr3
continue
printf "HVMM second-watch-counter=%lu\n", gdbtest_counter

echo ==end==\n
delete
continue
