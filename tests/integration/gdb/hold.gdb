# gdb_kernel, KASLR boot, first gdb (tests/integration/cases/85-gdb.sh):
# attaches to the running kernel (stopping it), plants a software
# breakpoint ($hvmm_bp, hrtimer_nanosleep: hit on every `sleep 1` of the
# guest's init) and a hardware one ($hvmm_hbp, ksys_write), keeps them
# inserted while stopped, stops on one, and then waits to be killed with
# SIGKILL: the stub must remove both and let the VM run on.
set breakpoint always-inserted on
echo ==attach==\n
info threads
break *$hvmm_bp
hbreak *$hvmm_hbp
continue
printf "HVMM stop-pc=%#lx\n", $pc
monitor breakpoints
echo ==holding==\n
shell sleep 100
echo ==not-killed==\n
