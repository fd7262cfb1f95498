# gdb_kernel, KASLR boot, second gdb (tests/integration/cases/85-gdb.sh):
# attaches after the first one was killed; the VMM's monitor commands,
# the KASLR offset, the system registers; then detaches.
echo ==attach==\n
info threads
echo ==breakpoints==\n
monitor breakpoints
echo ==kaslr==\n
monitor kaslr
echo ==help==\n
monitor help
echo ==vmbus==\n
monitor vmbus
echo ==synic==\n
monitor synic
echo ==hv-msrs==\n
monitor hv-msrs
echo ==hcalls==\n
monitor hcalls
echo ==exits==\n
monitor exits
echo ==regs==\n
info registers rip cr0 cr3 cr4 efer
printf "HVMM cr0-pg-pe=%d efer-lma=%d\n", ((long)$cr0 & 0x80000001) == 0x80000001, ((long)$efer >> 10) & 1
echo ==detach==\n
detach
