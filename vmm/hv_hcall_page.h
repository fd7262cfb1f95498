/* SPDX-License-Identifier: MIT */
/*
 * hvmm's own hypercall page (the bytes the guest calls through after
 * enabling HV_X64_MSR_HYPERCALL), see hv_hcall.h for why hvmm owns it.
 *
 * Layout (offsets are fixed; hv_hcall_page_offsets() reports them):
 *
 *  0x000 hypercall entry.
 *        push rax; xor eax,eax; [48] test eax,eax; pop rax; jnz legacy
 *        In 64-bit mode 0x48 is a REX.W prefix (test rax,rax: zero, ZF=1);
 *        in 32/16-bit mode it is `dec eax` (eax = -1, ZF=0). RAX is
 *        restored, only RFLAGS changes (callers treat it as clobbered:
 *        Linux's hv_do_hypercall declares "cc").
 *        64-bit:  if CX < HV_HCALL_TRAP_CODES and bit CX of the bitmap is
 *                 set: movzx eax,cl; out HV_HCALL_PORT, al; ret
 *                 (RAX is the result register, free to use)
 *        else and legacy: vmcall (Intel) / vmmcall (AMD); ret
 *        So a caller that is not in 64-bit mode always reaches KVM, which
 *        implements the 32-bit convention for its own codes only.
 *  0x040 VTL call entry:   mov rax,rcx; mov ecx,0x11; out HV_HCALL_PORT_VTL_CALL, al; ret
 *  0x060 VTL return entry: mov rax,rcx; mov ecx,0x12; out HV_HCALL_PORT_VTL_RETURN, al; ret
 *        (the caller's RCX is handed over in RAX, as with Hyper-V's
 *        sequences; the control word the dispatcher sees is the code)
 *  0x100 the trap bitmap, HV_HCALL_TRAP_CODES bits, bit n = code n traps
 *  rest  int3
 *
 * The trap is `out imm8, al` (HV_HCALL_TRAP_INSN_LEN bytes). At the
 * KVM_EXIT_IO the vCPU's RIP still points AT the `out`: KVM skips it on
 * the next KVM_RUN only if RIP is unchanged (arch/x86/kvm/x86.c,
 * complete_fast_pio_out compares the linear RIP). A handler that switches
 * the vCPU to other state (VtlCall/VtlReturn) must save RIP +
 * HV_HCALL_TRAP_INSN_LEN as the caller's resume point (the `ret`).
 *
 * Ports: below 0x100, used by no hvmm device, not touched by Linux or
 * OVMF (0x80 POST/io delay, 0xed, 0xe9 debugcon, 0xb2 SMI, 0x92 are), and
 * not 0x7e (KVM special-cases OUT 0x7e, x86.c kvm_fast_pio_out). They
 * trap only from CPL0 and only while hvmm owns a page (hyperv.c).
 */
#ifndef HVMM_HV_HCALL_PAGE_H
#define HVMM_HV_HCALL_PAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "hv_hcall.h"

#define HV_HCALL_PORT 0xe4
#define HV_HCALL_PORT_VTL_CALL 0xe5
#define HV_HCALL_PORT_VTL_RETURN 0xe6
#define HV_HCALL_TRAP_INSN_LEN 2

#define HV_HCALL_PAGE_VTL_CALL 0x040
#define HV_HCALL_PAGE_VTL_RETURN 0x060
#define HV_HCALL_PAGE_BITMAP 0x100

struct hv_hcall_page_offsets {
	uint32_t entry, vtl_call, vtl_return, bitmap;
};

/* The fixed offsets above (for HvRegisterVsmCodePageOffsets). */
const struct hv_hcall_page_offsets *hv_hcall_page_offsets(void);

/* True if the host CPU is AMD/Hygon (vmmcall), false for Intel (vmcall). */
bool hv_hcall_host_amd(void);

/* Fill `page` (HV_PAGE_SIZE bytes): codes that trap come from `t`. */
void hv_hcall_page_build(uint8_t *page, const struct hv_hcall_table *t, bool amd);

#endif
