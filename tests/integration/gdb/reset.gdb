# uefi_kernel with gdb (tests/integration/cases/60-uefi.sh, 85-gdb.sh):
# OVMF held by --gdb-wait at the reset vector. In real mode the stub
# serves gdb's i8086 description: $pc is EIP (0xfff0), $cs 0xf000, and
# addresses are linear ($cs_base 0xffff0000 + EIP: the first instruction
# is at 0xfffffff0). A few single steps, then continue: OVMF boots Linux
# under gdb, and gdb ends when the VM does (hvmm's W packet).
echo ==attach==\n
show architecture
printf "HVMM reset eip=%#x cs=%#x cr0=%#x\n", $eip, $cs, $cr0
printf "HVMM linear-pc=%#x\n", $cs_base + $eip
x/2i 0xfffffff0
x/4xb 0xfffffff0
echo ==step==\n
stepi
printf "HVMM step1 eip1=%#x cs1=%#x\n", $eip, $cs
stepi
printf "HVMM step2 eip2=%#x cs2=%#x\n", $eip, $cs
stepi
printf "HVMM step3 eip3=%#x cs3=%#x\n", $eip, $cs
echo ==continue==\n
continue
