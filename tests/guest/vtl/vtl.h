/* SPDX-License-Identifier: MIT */
/*
 * The VTL test guest (docs/vtl-guest.md): a freestanding kernel that
 * drives Virtual Secure Mode through the TLFS interface only -- CPUID,
 * the synthetic MSRs, the hypercall page and its VTL call/return
 * sequences, the VP assist page, the SynIC message page -- and prints one
 * "VTL-CHECK <name> ok|FAIL <detail>" line per check, then a verdict.
 *
 * Layouts and numbers: TLFS (learn.microsoft.com/virtualization/
 * hyper-v-on-windows/tlfs: vsm, datatypes/hv_vp_vtl_control, hypercalls/
 * hvcall*); Linux include/hyperv/hvgdk_mini.h (hv_vp_assist_page,
 * hv_enable_vp_vtl, hv_init_vp_context) and arch/x86/hyperv/hv_vtl.c (the
 * initial context of a 64-bit VP); OpenVMM vm/hv1/hvdef/src/lib.rs
 * (HvX64InterceptMessageHeader, HvX64MemoryInterceptMessage,
 * TranslateVirtualAddressX64, HvRegisterVsm*).
 */
#ifndef VTL_GUEST_H
#define VTL_GUEST_H

#define NR_VPS 2

/* ---- shared with switch.S ------------------------------------------------------ */
#define SENT_RBX 0x4b4b4b4b
#define SENT_R13 0x6d6d6d6d
/* vtl0_prot_write() sets GPR i of struct gpr_frame (rdi, rsi excepted) to WSENT(i). */
#define WSENT(i) (0x30303030 + 0x01010101 * (i))
#define PROBE_UD 0xffffffffffff0006
/* struct call_rec */
#define REC_RSP_BEFORE 0
#define REC_RSP_AFTER 8
#define REC_RAX 16
#define REC_RCX 24
#define REC_RBX 32
#define REC_R12 40
#define REC_R13 48

#ifndef __ASSEMBLER__
#include "guest.h"
#include "hv.h"

/* ---- TLFS --------------------------------------------------------------------- */
/* CPUID 0x40000003 EBX (partition privileges, bits 32-63 of the mask). */
#define HV_ACCESS_VSM (1u << 16)
#define HV_ACCESS_VP_REGISTERS (1u << 17)

#define HVCALL_MODIFY_VTL_PROTECTION_MASK 0x000c
#define HVCALL_ENABLE_PARTITION_VTL 0x000d
#define HVCALL_ENABLE_VP_VTL 0x000f
#define HVCALL_GET_VP_REGISTERS 0x0050
#define HVCALL_SET_VP_REGISTERS 0x0051
#define HVCALL_TRANSLATE_VIRTUAL_ADDRESS 0x0052
#define HVCALL_START_VIRTUAL_PROCESSOR 0x0099

#define HV_STATUS_VTL_ALREADY_ENABLED 0x86

#define HV_PARTITION_ID_SELF 0xffffffffffffffffULL
#define HV_VP_INDEX_SELF 0xfffffffeU

/* HV_INPUT_VTL: TargetVtl:4, UseTargetVtl:1. */
#define HV_INPUT_VTL(v) ((uint8_t)(0x10 | (v)))
#define HV_INPUT_VTL_CURRENT 0

/* Register names (hvgdk_mini.h HV_REGISTER_NAME / OpenVMM HvX64RegisterName). */
#define HV_X64_REGISTER_RSP 0x00020004
#define HV_X64_REGISTER_RIP 0x00020010
#define HV_X64_REGISTER_CR3 0x00040002
#define HV_X64_REGISTER_EFER 0x00080001
#define HV_X64_REGISTER_KERNEL_GS_BASE 0x00080002
#define HV_X64_REGISTER_SYSENTER_ESP 0x00080007
#define HV_REGISTER_VSM_CODE_PAGE_OFFSETS 0x000d0002
#define HV_REGISTER_VSM_VP_STATUS 0x000d0003
#define HV_REGISTER_VSM_PARTITION_STATUS 0x000d0004
#define HV_REGISTER_VSM_CAPABILITIES 0x000d0006
#define HV_REGISTER_VSM_PARTITION_CONFIG 0x000d0007
/* HvRegisterVsmPartitionConfig: EnableVtlProtection:1, DefaultVtlProtectionMask:4. */
#define VSM_CONFIG_ENABLE_VTL_PROTECTION 0x1ULL
#define VSM_CONFIG_DEFAULT_MASK(m) ((uint64_t)(m) << 1)

/* HvRegisterVsmPartitionStatus: EnabledVtlSet:16, MaximumVtl:4. */
#define VSM_PST_ENABLED(v) ((v) & 0xffff)
#define VSM_PST_MAX_VTL(v) (((v) >> 16) & 0xf)
/* HvRegisterVsmVpStatus: ActiveVtl:4, ActiveMbecEnabled:1, Rsvd:11, EnabledVtlSet:16. */
#define VSM_VPS_ACTIVE(v) ((v) & 0xf)
#define VSM_VPS_ENABLED(v) (((v) >> 16) & 0xffff)
/* HvRegisterVsmCodePageOffsets: VtlCallOffset:12, VtlReturnOffset:12. */
#define VSM_CPO_CALL(v) ((v) & 0xfff)
#define VSM_CPO_RETURN(v) (((v) >> 12) & 0xfff)

/* HV_MAP_GPA_FLAGS (the VTL protection mask). */
#define HV_MAP_GPA_READABLE 0x1
#define HV_MAP_GPA_WRITABLE 0x2
#define HV_MAP_GPA_KERNEL_EXECUTABLE 0x4
#define HV_MAP_GPA_USER_EXECUTABLE 0x8
#define HV_MAP_GPA_ALL 0xf

/* HV_VP_VTL_CONTROL.EntryReason. */
#define HV_VTL_ENTRY_VTL_CALL 1
#define HV_VTL_ENTRY_INTERRUPT 2

/* Secure intercepts arrive on SINT0 (TLFS "VSM: Secure Intercepts"). */
#define HV_INTERCEPT_SINT 0
#define HVMSG_GPA_INTERCEPT 0x80000001u
#define HV_INTERCEPT_ACCESS_WRITE 1

/* TranslateVirtualAddress: control flags and result codes. */
#define HV_TRANSLATE_GVA_VALIDATE_READ (1ULL << 0)
#define HV_TRANSLATE_GVA_PRIVILEGE_EXEMPT (1ULL << 3)
#define HV_TRANSLATE_GVA_INPUT_VTL(iv) ((uint64_t)(iv) << 56)
#define HV_TRANSLATE_GVA_SUCCESS 0
#define HV_TRANSLATE_GVA_PAGE_NOT_PRESENT 1

/* Linux struct hv_vp_assist_page, the part VSM uses (HV_VP_VTL_CONTROL at 8). */
struct hv_vp_assist {
	uint32_t apic_assist;
	uint32_t reserved1;
	uint32_t vtl_entry_reason;
	uint8_t vina_status;
	uint8_t rsvd0;
	uint16_t rsvd1;
	uint64_t vtl_ret_x64rax;
	uint64_t vtl_ret_x64rcx;
};
_Static_assert(sizeof(struct hv_vp_assist) == 32, "hv_vp_assist");

/* HV_X64_SEGMENT_REGISTER and HV_X64_TABLE_REGISTER (16 bytes each). */
struct hv_seg {
	uint64_t base;
	uint32_t limit;
	uint16_t selector;
	uint16_t attributes;
};
struct hv_table {
	uint16_t pad[3];
	uint16_t limit;
	uint64_t base;
};

/* A flat segment with VMX-style attributes (Linux hv_vtl_bringup_vcpu():
 * 0xa09b 64-bit code, 0xc093 data). */
static inline struct hv_seg hv_seg_flat(uint16_t sel, uint16_t attr)
{
	return (struct hv_seg){ 0, 0xffffffff, sel, attr };
}

/* HV_INITIAL_VP_CONTEXT (x64), 224 bytes. */
struct hv_vp_context {
	uint64_t rip, rsp, rflags;
	struct hv_seg cs, ds, es, fs, gs, ss, tr, ldtr;
	struct hv_table idtr, gdtr;
	uint64_t efer, cr0, cr3, cr4, msr_cr_pat;
};
_Static_assert(sizeof(struct hv_vp_context) == 224, "hv_vp_context");

/* HvCallEnableVpVtl and HvCallStartVirtualProcessor share this layout. */
struct hv_enable_vp_vtl {
	uint64_t partition_id;
	uint32_t vp_index;
	uint8_t target_vtl;
	uint8_t rsvd[3];
	struct hv_vp_context ctx;
};
_Static_assert(sizeof(struct hv_enable_vp_vtl) == 240, "hv_enable_vp_vtl");

struct hv_enable_partition_vtl {
	uint64_t partition_id;
	uint8_t target_vtl;
	uint8_t flags;
	uint8_t rsvd[6];
};

/* Get/SetVpRegisters header; ModifyVtlProtectionMask header. */
struct hv_vp_regs_hdr {
	uint64_t partition_id;
	uint32_t vp_index;
	uint8_t input_vtl;
	uint8_t rsvd[3];
};
struct hv_set_reg {
	uint32_t name;
	uint32_t rsvd0;
	uint64_t rsvd1;
	uint64_t lo, hi;
};
struct hv_protect_hdr {
	uint64_t partition_id;
	uint32_t map_flags;
	uint8_t target_vtl;
	uint8_t rsvd[3];
};

struct hv_translate_in {
	uint64_t partition_id;
	uint32_t vp_index;
	uint32_t rsvd;
	uint64_t control_flags;
	uint64_t gva_page;
};
struct hv_translate_out {
	uint64_t result; /* ResultCode:32, CacheType:8, OverlayPage:1 */
	uint64_t gpa_page;
};

/* HvX64MemoryInterceptMessage, the payload of a GPA intercept. */
struct hv_mem_intercept {
	uint32_t vp_index;
	uint8_t insn_len_cr8;   /* InstructionLength:4, Cr8:4 */
	uint8_t access_type;    /* 0 read, 1 write, 2 execute */
	uint16_t exec_state;    /* Cpl:2 ... Vtl:4 at bit 7 */
	struct hv_seg cs;
	uint64_t rip, rflags;
	uint32_t cache_type;
	uint8_t insn_byte_count;
	uint8_t access_info;    /* bit 0: GvaValid */
	uint8_t tpr;
	uint8_t rsvd;
	uint64_t gva, gpa;
	uint8_t insn_bytes[16];
};
_Static_assert(sizeof(struct hv_mem_intercept) == 0x50, "hv_mem_intercept");

/* ---- the guest's own layout ----------------------------------------------------- */
/* VTL0's GDT (gdt.c): the selectors of hvmm's boot GDT, a 16-byte TSS per VP. */
#define VTL0_SEL_CODE 0x10
#define VTL0_SEL_DATA 0x18
#define VTL0_SEL_TSS(vp) (0x20 + 16 * (vp))
/* VTL1's GDT: deliberately other selectors, so CS/TR show whose GDT is live. */
#define VTL1_SEL_CODE 0x08
#define VTL1_SEL_DATA 0x10
#define VTL1_SEL_TSS(vp) (0x18 + 16 * (vp))

/* The private state each VTL gets, different in each so a leak shows. */
#define VTL1_CR0 0x80010031ULL                 /* PG WP NE ET PE */
#define VTL1_CR4 0xa0ULL                       /* PGE PAE */
#define VTL0_EFER 0x500ULL                     /* LMA LME */
#define VTL1_EFER 0x501ULL                     /* LMA LME SCE */
#define VTL1_PAT 0x0007010600070106ULL         /* PA1 WC instead of WT */
#define SYSENTER_ESP(vtl, vp) (0x5ee00000u + 0x10000u * (vtl) + (vp))
#define KERNEL_GS_BASE(vtl, vp) (0xffff800000001000ULL + 0x10000ULL * (vtl) + (vp))

/* VTL0's own page tables (vtl0.c): identity 4 GiB plus an alias window. */
#define ALIAS_GVA 0x0000008000000000ULL        /* PML4[1]: data page of VP n at + n * 4 KiB */
#define UNMAPPED_GVA 0x0000008040000000ULL     /* PML4[1], PDPT[1]: not present */

/* Offset of the word VTL0 writes in its protected page. */
#define PROT_OFF 0x18
#define PROT_OLD 0x0123456789abcdefULL
#define PROT_NEW1 0x1111111111111111ULL
#define PROT_NEW2 0x2222222222222222ULL

/* What VTL0 asks of VTL1 (struct vp_shared.cmd). */
enum vtl_cmd { CMD_INIT = 1, CMD_ENABLE_VP, CMD_PROTECT, CMD_INTERCEPT, CMD_TRANSLATE, CMD_PING };

/* Sentinels and the values VTL1 hands back (the TLFS shared/private rules). */
#define R12_MAGIC(vp, n) (0x5a5a000000000000ULL | (uint64_t)(vp) << 32 | (n))
#define RET_RAX(vp) (0x7a7a0000ULL + (vp))
#define RET_RCX(vp) (0x7c7c0000ULL + (vp))
#define RET_POISON 0xbadbadbadbadbad0ULL

/* The GPRs, in the order vtl1_entry pushes them (rax lowest). */
struct gpr_frame {
	uint64_t rax, rcx, rdx, rbx, rbp, rsi, rdi;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
};

/* What vtl0_call() records around one VtlCall. */
struct call_rec {
	uint64_t rsp_before, rsp_after; /* RSP is private: must match */
	uint64_t rax, rcx, rbx, r12, r13;
};

/*
 * One VP's state in shared memory (both VTLs see all guest memory: the
 * emulation gives no isolation). VTL0 writes cmd/seq before a VtlCall;
 * VTL1 answers through the other fields.
 */
struct vp_shared {
	volatile uint32_t cmd, seq;       /* VTL0 -> VTL1 */
	volatile uint32_t vtl1_seen;      /* VTL1: entries handled */
	volatile uint32_t intercepts;     /* VTL1: GPA intercepts seen */
	volatile uint32_t bad_entries;    /* VTL1: CMD_PING entries with a wrong state */
	volatile int vtl1_ready;          /* VTL1 set itself up */
	uint64_t vtl0_cr3;                /* VTL0 -> VTL1: what to expect */
	struct call_rec *rec;             /* VTL0's record of its current VtlCall */
	const void *vtl0_call_target;     /* VTL0 page + VtlCallOffset */
	const void *vtl1_ret_target;      /* VTL1 page + VtlReturnOffset */
	uint8_t *prot_page;               /* this VP's protected data page */
	/* CMD_ENABLE_VP: VTL1 enables VTL1 on VP enable_vp with this context. */
	uint32_t enable_vp;
	const struct hv_vp_context *enable_ctx;
	volatile uint64_t enable_rax;
};
extern struct vp_shared vps[NR_VPS];

/* ---- switch.S ---------------------------------------------------------------- */
/* VTL0: VtlCall through `target` (RCX = 0), recording registers in *rec. */
void vtl0_call(struct call_rec *rec, const void *target);
extern const uint8_t vtl0_call_ret[];
/* VTL0: one write of `val` at `p` (the instruction at vtl0_write_insn),
 * with every other GPR set to a known value; their values afterwards in out. */
void vtl0_prot_write(uint64_t *p, uint64_t val, struct gpr_frame *out);
extern const uint8_t vtl0_write_insn[], vtl0_write_next[];
/* VTL0: VtlReturn through `target`; returns RAX, or PROBE_UD after a #UD. */
uint64_t vtl_return_probe(const void *target);
extern uint64_t probe_fixup_rip, probe_fixup_rsp;
/* VTL1's entry point (the initial context's RIP): saves the GPRs and
 * calls vtl1_main() on the initial stack. */
void vtl1_entry(void);
/* VTL1: load VTL0's GPRs from f, VtlReturn through target with RCX =
 * input; at the next entry store VTL0's GPRs in f and return. */
void vtl1_return(struct gpr_frame *f, const void *target, uint64_t input);
/* Second VP's VTL0 entry (HvCallStartVirtualProcessor's RIP). */
void vp1_entry(void);
/* Load a GDT and reload CS/DS/ES/SS/FS/GS with these selectors. */
void gdt_load(const struct desc_ptr *gdtr, uint16_t cs, uint16_t ds);

/* ---- check.c: results --------------------------------------------------------- */
/* A check that compares several values; prints one line at the end. */
struct check {
	const char *pfx, *name;
	struct line detail;
	bool failed;
};
void check_begin(struct check *c, const char *pfx, const char *name);
void check_eq(struct check *c, const char *what, uint64_t got, uint64_t want);
void check_that(struct check *c, const char *what, bool ok, uint64_t got);
bool check_end(struct check *c);
/* Single-comparison shorthands. */
bool check1_eq(const char *pfx, const char *name, const char *what, uint64_t got, uint64_t want);
bool check1(const char *pfx, const char *name, bool ok, const char *what, uint64_t got);
/* "VTL-INFO <pfx><name> <what>=0x.." */
void info(const char *pfx, const char *name, const char *what, uint64_t v);
uint32_t checks_failed(void);
uint32_t checks_passed(void);
/* "VTL-RESULT pass N" or "VTL-RESULT fail N" (N failed checks). */
void print_result(void);

/* ---- hvcall.c: typed hypercalls through a given hypercall page --------------- */
struct hv_io {
	uint8_t in[PAGE];
	uint8_t out[PAGE];
};
/* Each returns the RAX of the call. */
uint64_t hvc_get_regs(const void *page, struct hv_io *io, uint32_t vp, uint8_t input_vtl,
		      const uint32_t *names, unsigned int n, uint64_t *vals);
uint64_t hvc_set_reg(const void *page, struct hv_io *io, uint32_t vp, uint8_t input_vtl,
		     uint32_t name, uint64_t val);
uint64_t hvc_enable_partition_vtl(const void *page, struct hv_io *io, uint8_t vtl);
uint64_t hvc_enable_vp_vtl(const void *page, struct hv_io *io, uint32_t vp, uint8_t vtl,
			   const struct hv_vp_context *ctx);
uint64_t hvc_start_vp(const void *page, struct hv_io *io, uint32_t vp, uint8_t vtl,
		      const struct hv_vp_context *ctx);
uint64_t hvc_protect(const void *page, struct hv_io *io, uint8_t target_vtl, uint32_t flags,
		     uint64_t gpa_page);
uint64_t hvc_translate(const void *page, struct hv_io *io, uint8_t input_vtl, uint64_t gva,
		       struct hv_translate_out *out);
/* One VSM register of the caller's own VP and VTL, or ~0 (and *rax set). */
uint64_t hvc_vsm_reg(const void *page, struct hv_io *io, uint32_t name, uint64_t *rax);

/* ---- vtl0.c / vtl1.c ------------------------------------------------------------ */
extern uint8_t vtl0_hcall_page[PAGE], vtl1_hcall_page[PAGE];
extern struct hv_io vtl0_io[NR_VPS];
/* Build the initial VTL1 context of VP `vp`, paging with `cr3` (vtl1.c). */
void vtl1_context(struct hv_vp_context *ctx, unsigned int vp, uint64_t cr3);
/* Build VTL0's context for a second VP, started at vp1_entry (vtl0.c). */
void vtl0_context(struct hv_vp_context *ctx, unsigned int vp);
/* VTL0's own GDT/IDT/page tables and private MSRs on this VP (vtl0.c). */
void vtl0_cpu_setup(unsigned int vp);
/* VtlCall with `cmd`; true if VTL1 ran and handled it (vtl0.c). */
bool vtl_call(unsigned int vp, enum vtl_cmd cmd, struct call_rec *rec);
/* The checks of a normal VtlReturn that VTL1 answered with R12_MAGIC(vp, n). */
void check_normal_return(unsigned int vp, const char *name, bool ran, const struct call_rec *rec,
			 uint32_t n);
/* The first VtlCall of a VP: VTL1 starts at its initial context. */
bool vtl0_vp_init(unsigned int vp);
/* The protection, intercept, translation and round-trip checks of one VP. */
void vtl0_run_vp(unsigned int vp);
void vtl1_main(struct gpr_frame *f);

/* The second VP's VTL0 code, entered by vp1_entry (main.c). */
void vp1_main(void);

#endif /* __ASSEMBLER__ */
#endif
