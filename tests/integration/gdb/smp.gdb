# gdb_smp (tests/integration/cases/85-gdb.sh): gdbtest.elf on 2 vCPUs
# held by --gdb-wait, then spinning until gdbtest_release is set. gdb
# continues, and the case sends gdb SIGINT 2 s after it printed
# "==continue==": gdb -batch's Ctrl-C (`continue &` + `interrupt` cannot
# work in a script: gdb never processes the stop).
echo ==attach==\n
info threads
echo ==continue==\n
continue
echo ==interrupted==\n
info threads
thread apply all bt 3
printf "HVMM ap-spins=%lu\n", gdbtest_ap_spins
set var gdbtest_release = 1
echo ==release==\n
continue
