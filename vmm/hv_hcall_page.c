// SPDX-License-Identifier: MIT
/* hvmm's hypercall page bytes; hv_hcall_page.h documents the layout. */
#include "hv_hcall_page.h"

#include <string.h>

static const struct hv_hcall_page_offsets offsets = {
	.entry = 0,
	.vtl_call = HV_HCALL_PAGE_VTL_CALL,
	.vtl_return = HV_HCALL_PAGE_VTL_RETURN,
	.bitmap = HV_HCALL_PAGE_BITMAP,
};

const struct hv_hcall_page_offsets *hv_hcall_page_offsets(void)
{
	return &offsets;
}

bool hv_hcall_host_amd(void)
{
	uint32_t a = 0, b, c, d;

	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "=c"(c), "=d"(d));
	/* "AuthenticAMD" / "HygonGenuine": EBX "Auth" / "Hygo". */
	return b == 0x68747541 || b == 0x6f677948;
}

/* Offsets inside the entry sequence (hv_hcall_page.h). */
#define E_BT 0x14
#define E_BT_END 0x1b
#define E_FORWARD 0x20

static void put_vmcall(uint8_t *p, bool amd)
{
	p[0] = 0x0f;
	p[1] = 0x01;
	p[2] = amd ? 0xd9 : 0xc1;
	p[3] = 0xc3;                            /* ret */
}

static void put_vtl_entry(uint8_t *p, uint8_t code, uint8_t port)
{
	static const uint8_t seq[] = {
		0x48, 0x89, 0xc8,               /* mov rax, rcx */
		0xb9, 0, 0, 0, 0,               /* mov ecx, code */
		0xe6, 0,                        /* out port, al */
		0xc3,                           /* ret */
	};

	memcpy(p, seq, sizeof(seq));
	p[4] = code;
	p[9] = port;
}

void hv_hcall_page_build(uint8_t *page, const struct hv_hcall_table *t, bool amd)
{
	static const uint8_t entry[] = {
		0x50,                           /* 00 push rax */
		0x31, 0xc0,                     /* 01 xor eax, eax */
		0x48, 0x85, 0xc0,               /* 03 test rax,rax | dec eax; test eax,eax */
		0x58,                           /* 06 pop rax */
		0x75, E_FORWARD - 0x09,         /* 07 jnz legacy (= forward) */
		0xf7, 0xc1, 0x00, 0xff, 0x00, 0x00, /* 09 test ecx, 0xff00 */
		0x75, E_FORWARD - 0x11,         /* 0f jnz forward */
		0x0f, 0xb6, 0xc1,               /* 11 movzx eax, cl */
		0x0f, 0xa3, 0x05, 0, 0, 0, 0,   /* 14 bt [rip + bitmap], eax */
		0x73, E_FORWARD - 0x1d,         /* 1b jnc forward */
		0xe6, HV_HCALL_PORT,            /* 1d out HV_HCALL_PORT, al */
		0xc3,                           /* 1f ret */
	};
	uint32_t disp = HV_HCALL_PAGE_BITMAP - E_BT_END;
	unsigned int code;

	_Static_assert(sizeof(entry) == E_FORWARD, "entry layout");
	memset(page, 0xcc, HV_PAGE_SIZE);
	memcpy(page, entry, sizeof(entry));
	memcpy(page + E_BT + 3, &disp, sizeof(disp));
	put_vmcall(page + E_FORWARD, amd);
	put_vtl_entry(page + HV_HCALL_PAGE_VTL_CALL, HVCALL_VTL_CALL, HV_HCALL_PORT_VTL_CALL);
	put_vtl_entry(page + HV_HCALL_PAGE_VTL_RETURN, HVCALL_VTL_RETURN,
		      HV_HCALL_PORT_VTL_RETURN);
	memset(page + HV_HCALL_PAGE_BITMAP, 0, HV_HCALL_TRAP_CODES / 8);
	for (code = 0; code < HV_HCALL_TRAP_CODES; code++)
		if (hv_hcall_is_trapped(t, (uint16_t)code))
			page[HV_HCALL_PAGE_BITMAP + code / 8] |= (uint8_t)(1U << (code % 8));
}
