# hvmm - a standalone KVM micro-VMM with Hyper-V enlightenments.
#
#   make            build ./hvmm (statically linked; STATIC=0 for a dynamic build)
#   make run        boot the embedded default guest (natively or in the lab)
#   make check      all tests: unit (plain and ASan+UBSan) and KVM integration
#   make unit       unit tests only            make unit-san   same under ASan+UBSan
#   make unit-tsan  the threaded unit tests (TSAN_UNITS) under ThreadSanitizer
#   make integration  KVM integration tests (natively or in the lab)
#   make check-uefi the long OVMF cases make check leaves out (disk image, vars, VBS, gdb)
#   make bench      boot benchmark, hvmm vs QEMU, in the same (lab) run
#   make fuzz       libFuzzer harnesses, FUZZ_SECONDS each
#   make deps       install the Debian packages the other targets need
#   make guest-disk the Debian 12 UEFI disk image (docs/guest-images.md)
#
# Every target that needs packages calls scripts/deps first; it does
# nothing when everything is already installed.

CC ?= gcc
ifeq ($(origin CC),default)
CC := gcc
endif
STATIC ?= 1
O ?= build

CFLAGS ?= -O2 -g
WARNINGS := -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow -Wformat=2 \
	-Wmissing-prototypes -Wstrict-prototypes
BASE_CFLAGS := -std=gnu11 -D_GNU_SOURCE -pthread -I. -Ivmm -Idevices -Ifirmware -MMD -MP $(WARNINGS)

LIB_SRCS := $(sort $(filter-out vmm/main.c,$(wildcard vmm/*.c vmm/*/*.c devices/*.c devices/*/*.c \
	firmware/*.c firmware/*/*.c)))
LIB_OBJS := $(LIB_SRCS:%.c=$(O)/%.o)
MAIN_OBJ := $(O)/vmm/main.o
LIBS := -lelf -lz -ljansson -lm -pthread
ifeq ($(STATIC),1)
LDFLAGS_HVMM := -static
endif

UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(O)/tests/%)
CHECK_LIBS := -lcheck -lsubunit -lrt -lm

SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

.PHONY: all deps run soak check unit unit-san unit-tsan integration bench bench-uefi bench-shutdown clean guest lab-qemu fuzz payloads \
	hvmm-asan

all: hvmm

deps:
	@scripts/deps

# Devices register themselves (devices/device.h) and nothing refers to
# them by name: link the whole archive so none is dropped.
LINK_LIB = -Wl,--whole-archive $(O)/libhvmm.a -Wl,--no-whole-archive
hvmm: $(MAIN_OBJ) $(O)/libhvmm.a
	$(CC) $(CFLAGS) $(BASE_CFLAGS) $(LDFLAGS_HVMM) -o $@ $(MAIN_OBJ) $(LINK_LIB) $(LIBS)

# hvmm under ASan+UBSan, for the hostile guest in the lab: linked
# dynamically (ASan does not support -static), built in build-asan/.
hvmm-asan: deps
	@$(MAKE) --no-print-directory O=build-asan STATIC=0 CFLAGS="-O1 -g $(SAN_FLAGS)" \
		build-asan/hvmm
$(O)/hvmm: $(MAIN_OBJ) $(O)/libhvmm.a
	$(CC) $(CFLAGS) $(BASE_CFLAGS) $(LDFLAGS_HVMM) -o $@ $(MAIN_OBJ) $(LINK_LIB) $(LIBS)

$(O)/libhvmm.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(BASE_CFLAGS) -c -o $@ $<

$(O)/tests/%: tests/unit/%.c $(O)/libhvmm.a tests/unit/unit.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(BASE_CFLAGS) -Itests/unit -o $@ $< $(O)/libhvmm.a $(CHECK_LIBS) $(LIBS)

guest: deps
	@scripts/build-guest

# The Debian 12 UEFI disk guest, cached in $HVMM_CACHE/images/debian12.img
# (docs/guest-images.md); guest-disk-qemu boots it under QEMU + OVMF.
.PHONY: guest-disk guest-disk-qemu
guest-disk: deps
	@guest-images/build-debian12 >/dev/null
guest-disk-qemu: guest-disk
	@guest-images/qemu-boot "$$(guest-images/build-debian12)"

# Unit tests: every tests/unit/test_*.c is its own Check runner.
unit: deps
	@$(MAKE) --no-print-directory $(UNIT_BINS)
	@scripts/run-unit --label unit $(UNIT_BINS)

# Sanitized tests run several times slower, and on a loaded 2-core machine
# slower still: Check's per-test timeouts (4 s by default, 60 s where a
# test sets its own) are multiplied by CK_TIMEOUT_MULTIPLIER (default 10
# here) so that only a test that really hangs times out.
unit-san: deps
	@$(MAKE) --no-print-directory O=build-san CFLAGS="-O1 -g $(SAN_FLAGS)" \
		$(UNIT_SRCS:tests/unit/%.c=build-san/tests/%)
	@ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		CK_TIMEOUT_MULTIPLIER=$${CK_TIMEOUT_MULTIPLIER:-10} \
		scripts/run-unit --label unit-san $(UNIT_SRCS:tests/unit/%.c=build-san/tests/%)

# Unit tests that run threads (device threads, the VMBus server, ...), run
# under ThreadSanitizer; any report fails the run (halt_on_error, exit 66).
# scripts/tsan-run works around kernels whose mmap randomisation is too
# wide for TSan's shadow layout (docs/vmbus.md, "ThreadSanitizer").
# gcc warns that TSan ignores fences: the ring's fences only order atomics
# (Dekker-style index/mask checks), which never race; its data copies are
# ordered by acquire/release on the indices, which TSan does model.
TSAN_UNITS ?= test_vmbus_server test_ic test_ic_svc test_api test_uart test_log test_fw_cfg \
	test_flash test_pci test_vblk test_hv_vsm test_events
# The gdbstub server: stub thread + a VM thread reporting stops.
TSAN_UNITS += test_gdb_server test_vm_gdb
TSAN_CFLAGS := -O1 -g -fsanitize=thread \
	$(shell $(CC) -Werror -Wno-tsan -E -x c /dev/null >/dev/null 2>&1 && echo -Wno-tsan)
unit-tsan: deps
	@$(MAKE) --no-print-directory O=build-tsan CFLAGS="$(TSAN_CFLAGS)" \
		$(TSAN_UNITS:%=build-tsan/tests/%)
	@TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1" \
		scripts/tsan-run scripts/run-unit --label unit-tsan $(TSAN_UNITS:%=build-tsan/tests/%)

PAYLOADS := $(O)/payloads/mb32.elf $(O)/payloads/elf64.elf $(O)/payloads/triple.elf \
	$(O)/payloads/aout.bin $(O)/payloads/flood.elf \
	$(O)/payloads/hostile.elf $(O)/payloads/flash.elf $(O)/payloads/vtl.elf
PAYLOADS += $(O)/payloads/gdbtest.elf
payloads: $(PAYLOADS) $(O)/tools/jsonflat

# The integration cases' JSON checker (tests/integration/jsonflat.c).
$(O)/tools/jsonflat: tests/integration/jsonflat.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(BASE_CFLAGS) -o $@ $< -ljansson

# Tiny test kernels for the loaders: Multiboot (ELF32 and a.out kludge),
# plain ELF64, one that triple-faults, one that floods COM1 forever.
$(O)/payloads/%.o: tests/payloads/%.S tests/payloads/common.inc
	@mkdir -p $(dir $@)
	$(CC) -c $(if $(filter mb%,$*),-m32) -o $@ $<
$(O)/payloads/mb32.elf: $(O)/payloads/mb32.o
	ld -m elf_i386 -N -Ttext=0x100000 -e start --no-warn-rwx-segments -o $@ $<
$(O)/payloads/aout.bin: $(O)/payloads/mb-aout.o
	ld -m elf_i386 -Ttext=0 --oformat binary -e start -o $@ $<
$(O)/payloads/%.elf: $(O)/payloads/%.o
	ld -Ttext=0x200000 -e start -o $@ $<

# The freestanding test guests (tests/guest/*): plain ELF64 kernels on the
# shared runtime tests/guest/lib. No SSE: hvmm enters them with
# CR4.OSFXSR clear.
GUEST_CFLAGS := -std=gnu11 -O2 -g -ffreestanding -fno-pic -fno-stack-protector \
	-fno-asynchronous-unwind-tables -mno-red-zone -mno-mmx -mno-sse -mno-sse2 \
	-mcmodel=small -Itests/guest/lib $(WARNINGS)
GUEST_LD := ld -Ttext=0x200000 -e start -z max-page-size=4096 -z noexecstack
GUEST_LIB_SRCS := $(sort $(wildcard tests/guest/lib/*.c tests/guest/lib/*.S))
GUEST_LIB_OBJS := $(GUEST_LIB_SRCS:tests/guest/%=$(O)/guest/%.o)
GUEST_LIB_HDRS := $(wildcard tests/guest/lib/*.h)
$(O)/guest/lib/%.o: tests/guest/lib/% $(GUEST_LIB_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS) -c -o $@ $<

# The hostile test guest (docs/hostile-guest.md): attacks the VMBus server.
HOSTILE_SRCS := $(sort $(wildcard tests/guest/hostile/*.c tests/guest/hostile/*.S))
HOSTILE_OBJS := $(HOSTILE_SRCS:tests/guest/hostile/%=$(O)/guest/hostile/%.o)
$(O)/guest/hostile/%.o: tests/guest/hostile/% tests/guest/hostile/hostile.h devices/vmbus/proto.h \
		$(GUEST_LIB_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS) -Idevices -Itests/guest/hostile -c -o $@ $<
$(O)/payloads/hostile.elf: $(HOSTILE_OBJS) $(GUEST_LIB_OBJS)
	@mkdir -p $(dir $@)
	$(GUEST_LD) -o $@ $^

# The VTL test guest (docs/vtl-guest.md): drives VSM (--vsm on) through
# the TLFS interface and reports a line per check.
VTL_SRCS := $(sort $(wildcard tests/guest/vtl/*.c tests/guest/vtl/*.S))
VTL_OBJS := $(VTL_SRCS:tests/guest/vtl/%=$(O)/guest/vtl/%.o)
$(O)/guest/vtl/%.o: tests/guest/vtl/% $(wildcard tests/guest/vtl/*.h) $(GUEST_LIB_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS) -Itests/guest/vtl -c -o $@ $<
$(O)/payloads/vtl.elf: $(VTL_OBJS) $(GUEST_LIB_OBJS)
	@mkdir -p $(dir $@)
	$(GUEST_LD) -o $@ $^

# The gdbstub test guest (docs/gdbstub.md): symbols to break, watch and
# step on for the scripted gdb sessions.
GDBTEST_SRCS := $(sort $(wildcard tests/guest/gdb/*.c tests/guest/gdb/*.S))
GDBTEST_OBJS := $(GDBTEST_SRCS:tests/guest/gdb/%=$(O)/guest/gdb/%.o)
$(O)/guest/gdb/%.o: tests/guest/gdb/% $(GUEST_LIB_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS) -c -o $@ $<
$(O)/payloads/gdbtest.elf: $(GDBTEST_OBJS) $(GUEST_LIB_OBJS)
	@mkdir -p $(dir $@)
	$(GUEST_LD) -o $@ $^

# --patched: the UEFI cases run OVMF in the lab's L2, which the packaged
# L0 QEMU aborts on (docs/lab.md); the patched one is built once, cached.
integration: deps hvmm hvmm-asan payloads
	@scripts/build-guest
	@scripts/kvm-lab --patched -- tests/integration/run

# The OVMF cases that do not fit CI's hour (tests/integration/run's
# named_cases): the Debian 12 disk image on 1 and 2 vCPUs, the efivarfs
# variable across runs, VBS through OVMF, gdb at the reset vector.
UEFI_NAMED_CASES := uefi_shell uefi_kernel uefi_vars uefi_disk_1cpu uefi_disk_2cpu vbs_uefi gdb_uefi
.PHONY: check-uefi
check-uefi: deps hvmm hvmm-asan payloads guest-disk
	@scripts/build-guest
	@scripts/kvm-lab --patched -- tests/integration/run $(UEFI_NAMED_CASES)

# Every stage runs even if an earlier one failed, so that the last line,
# from scripts/check-summary, always gives all the counts (unit, unit-san,
# integration and its lab-flake retries); any failure fails the target.
check: deps
	@$(MAKE) --no-print-directory hvmm
	@rm -rf $(O)/check-summary
	@export HVMM_CHECK_SUMMARY=$(CURDIR)/$(O)/check-summary; rc=0; \
		$(MAKE) --no-print-directory unit || rc=1; \
		$(MAKE) --no-print-directory unit-san || rc=1; \
		$(MAKE) --no-print-directory unit-tsan || rc=1; \
		$(MAKE) --no-print-directory report-check || rc=1; \
		$(MAKE) --no-print-directory integration || rc=1; \
		scripts/check-summary "$$HVMM_CHECK_SUMMARY" || rc=1; \
		exit $$rc

# The regress results side without KVM: synthetic shard files merged into
# JSON, JUnit (xmllint against tests/unit/junit.xsd) and an HTML report
# checked in headless chromium (scripts/report-check).
.PHONY: report-check
report-check: deps hvmm
	@tests/report/run

# The 20-cycle VMBus boot-and-shutdown soak (issue 4's acceptance run).
soak: deps hvmm payloads
	@scripts/build-guest
	@HVMM_CYCLES=$${HVMM_CYCLES:-20} scripts/kvm-lab -- tests/integration/run vmbus_cycles

run: deps hvmm
	@scripts/build-guest
	@scripts/kvm-lab -- ./hvmm run --kernel guest-images/out/vmlinuz \
		--initrd guest-images/out/initrd.cpio.gz $(RUN_ARGS)

bench: deps hvmm
	@scripts/build-guest
	@scripts/kvm-lab -- scripts/bench-boot

# The UEFI boot benchmark: OVMF + the kernel through fw_cfg, then OVMF +
# the Debian 12 disk image, hvmm against QEMU -M pc with the same files.
bench-uefi: deps hvmm guest-disk
	@scripts/build-guest
	@HVMM_BENCH_RUNS=$${HVMM_BENCH_RUNS:-3} HVMM_BENCH_MODE=uefi-kernel \
		scripts/kvm-lab --patched -- scripts/bench-boot
	@HVMM_BENCH_RUNS=$${HVMM_BENCH_RUNS:-3} HVMM_BENCH_MODE=uefi-disk \
		scripts/kvm-lab --patched -- scripts/bench-boot

bench-shutdown: deps hvmm
	@scripts/build-guest
	@scripts/kvm-lab -- scripts/bench-shutdown

# libFuzzer harnesses (clang + libclang-rt-14-dev): build them all and run
# each for FUZZ_SECONDS (default 20) from an empty corpus.
FUZZ_SECONDS ?= 20
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -std=gnu11 -D_GNU_SOURCE -I. -Ivmm -Idevices
FUZZ_COMMON := vmm/util.c vmm/guest_mem.c
FUZZ_VMBUS := devices/vmbus/msg.c devices/vmbus/gpadl.c devices/vmbus/ring.c
FUZZ_IC := devices/ic/icmsg.c devices/ic/ic_timesync.c devices/ic/ic_kvp.c
FUZZ_VIRTIO := devices/virtio/virtqueue.c devices/virtio/blk.c devices/virtio/virtio_pci.c
$(O)/fuzz/fuzz_vmbus_msg: fuzz/fuzz_vmbus_msg.c $(FUZZ_VMBUS) $(FUZZ_COMMON)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ $^
$(O)/fuzz/fuzz_vmbus_ring: fuzz/fuzz_vmbus_ring.c $(FUZZ_VMBUS) $(FUZZ_COMMON)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ $^
$(O)/fuzz/fuzz_ic: fuzz/fuzz_ic.c $(FUZZ_IC) $(FUZZ_COMMON)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ $^
$(O)/fuzz/fuzz_fw_cfg_dma: fuzz/fuzz_fw_cfg_dma.c firmware/fw_cfg.c $(FUZZ_COMMON)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -Ifirmware -pthread -o $@ $^
$(O)/fuzz/fuzz_pci: fuzz/fuzz_pci.c devices/pci.c devices/pci_platform.c $(FUZZ_COMMON)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ $^
$(O)/fuzz/fuzz_virtio_blk: fuzz/fuzz_virtio_blk.c $(FUZZ_VIRTIO) $(FUZZ_COMMON)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -pthread -o $@ $^
$(O)/fuzz/fuzz_hv_hcall: fuzz/fuzz_hv_hcall.c vmm/hv_hcall.c vmm/hv_isol.c $(FUZZ_COMMON)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ $^
FUZZ_VSM_CORE := vmm/hv_hcall.c vmm/hv_vsm.c vmm/hv_vsm_regs.c vmm/hv_vtl_switch.c
$(O)/fuzz/fuzz_hv_vsm: fuzz/fuzz_hv_vsm.c $(FUZZ_VSM_CORE) $(FUZZ_COMMON)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -pthread -o $@ $^
$(O)/fuzz/fuzz_x86_walk: fuzz/fuzz_x86_walk.c vmm/x86_walk.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ $^
# VTL protections, intercepts and translate over the real dispatcher and VSM state.
FUZZ_VSM_MEM := vmm/hv_vsm_mem.c vmm/hv_vsm_translate.c vmm/x86_walk.c $(FUZZ_VSM_CORE)
$(O)/fuzz/fuzz_hv_vsm_mem: fuzz/fuzz_hv_vsm_mem.c $(FUZZ_VSM_MEM) $(FUZZ_COMMON)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -pthread -o $@ $^
# The state-machine harness runs the whole VMBus server with its threads:
# it links a libhvmm built with coverage and sanitizers (O=build-fuzz).
FUZZ_LIB_CFLAGS := -g -O1 -fsanitize=fuzzer-no-link,address,undefined
$(O)/fuzz/fuzz_vmbus_server: fuzz/fuzz_vmbus_server.c tests/unit/vmbus_fake_guest.h $(LIB_SRCS)
	@mkdir -p $(dir $@)
	@$(MAKE) --no-print-directory O=build-fuzz CC=clang CFLAGS="$(FUZZ_LIB_CFLAGS)" \
		build-fuzz/libhvmm.a
	clang $(FUZZ_CFLAGS) -pthread -Itests/unit -o $@ $< build-fuzz/libhvmm.a $(LIBS)
# The regress result reader (vmm/regress/results.c) on arbitrary bytes.
$(O)/fuzz/fuzz_regress_json: fuzz/fuzz_regress_json.c vmm/regress/results.c vmm/regress/common.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ $^ -ljansson -lm
# The gdbstub core (vmm/gdb/) on bytes from a fake gdb, into the unit tests' fake target.
GDB_CORE_SRCS := $(sort $(wildcard vmm/gdb/*.c))
$(O)/fuzz/fuzz_gdb: fuzz/fuzz_gdb.c $(GDB_CORE_SRCS) vmm/x86_walk.c tests/unit/gdb_fake.h $(FUZZ_COMMON)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -pthread -Itests/unit -o $@ $< $(GDB_CORE_SRCS) vmm/x86_walk.c $(FUZZ_COMMON)
FUZZERS := $(O)/fuzz/fuzz_gdb $(O)/fuzz/fuzz_regress_json $(O)/fuzz/fuzz_vmbus_msg $(O)/fuzz/fuzz_vmbus_ring $(O)/fuzz/fuzz_ic \
	$(O)/fuzz/fuzz_vmbus_server $(O)/fuzz/fuzz_fw_cfg_dma $(O)/fuzz/fuzz_pci $(O)/fuzz/fuzz_virtio_blk \
	$(O)/fuzz/fuzz_hv_hcall $(O)/fuzz/fuzz_hv_vsm $(O)/fuzz/fuzz_x86_walk $(O)/fuzz/fuzz_hv_vsm_mem
fuzz: deps
	@$(MAKE) --no-print-directory $(FUZZERS)
	@for f in $(FUZZERS); do \
		echo "fuzz: $$f for $(FUZZ_SECONDS) s"; \
		$$f -max_total_time=$(FUZZ_SECONDS) >$$f.log 2>&1 || { tail -n 40 $$f.log; exit 1; }; \
		tail -n 1 $$f.log; \
	done

lab-qemu: deps
	@scripts/lab/build-l0-qemu

clean:
	rm -rf $(O) build-san build-tsan build-fuzz build-asan hvmm

-include $(shell find $(O) build-san build-tsan build-fuzz build-asan -name '*.d' 2>/dev/null)
