# gdb_kernel, nokaslr boot (tests/integration/cases/85-gdb.sh): the Debian
# kernel held by --gdb-wait. The case passes $hvmm_bp = start_kernel's
# address (no symbols: Debian's System.map is a stub; the address comes
# from the guest's /proc/kallsyms in the KASLR boot before).
echo ==attach==\n
info threads
printf "HVMM entry-pc=%#lx\n", $pc
monitor kaslr

echo ==hbreak==\n
hbreak *$hvmm_bp
continue
printf "HVMM stop-pc=%#lx\n", $pc
info registers rip rsp cr3
x/4gx $rsp
printf "HVMM cr0-pg-pe=%d efer-lma=%d\n", ((long)$cr0 & 0x80000001) == 0x80000001, ((long)$efer >> 10) & 1
delete

echo ==detach==\n
detach
