# SPDX-License-Identifier: GPL-2.0
#
# LIS — Linux Integration Services for Hyper-V and Azure guests.
#
#   make            deps, then the modules for every kernel tree, the packages
#                   and the ISO (out/LinuxIC-<version>.iso)
#   make deps       install build and test dependencies (apt-get / dnf / yum)
#   make modules    build every module for every tree in KDIRS (default: all
#                   trees under /lib/modules/*/build and /usr/src/kernels/*),
#                   or for one tree with KDIR=...; output in out/<krel>/
#   make rpm        the packages (kmod-lis per built kernel, lis-tools,
#                   lis-dkms) in out/rpm; see docs/packaging.md
#   make iso        out/LinuxIC-<version>.iso; see docs/installer.md
#   make check      the test ladder; ends with "N passed, N failed"
#   make vm-check   the VM rungs only (the modules, and the real root booting)
#   make bench      the benchmarks in bench/
#   make clean
SHELL := /bin/bash
.DEFAULT_GOAL := all
TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
OUT ?= $(TOP)/out
export OUT
JOBS ?= $(shell getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)

ifneq ($(KDIR),)
KDIRS := $(KDIR)
else
KDIRS ?= $(shell $(TOP)/scripts/kernel-trees.sh)
endif

.PHONY: all deps modules rpm iso check vm-check bench clean

# the main artifact: modules for every kernel tree, the packages and the ISO
all: deps
	$(MAKE) -C $(TOP) modules
	$(MAKE) -C $(TOP) iso

deps:
	@$(TOP)/scripts/deps.sh

modules:
	@if [ -z "$(strip $(KDIRS))" ]; then \
		echo "make modules: no kernel tree found; install kernel headers (make deps) or pass KDIR=" >&2; \
		exit 1; \
	fi
	@rc=0; for k in $(KDIRS); do \
		$(TOP)/scripts/build-kernel.sh --jobs $(JOBS) $$k || rc=1; \
	done; exit $$rc

rpm:
	@$(MAKE) -s -C $(TOP)/tools/lis-kabi
	@$(TOP)/spec/build-rpms.sh $(RPM_ARGS)

iso: rpm
	@$(TOP)/iso/build-iso.sh $(ISO_ARGS)

check: deps
	@$(TOP)/tests/check.sh

vm-check:
	@$(TOP)/tests/check.sh vm vmroot

bench:
	@$(TOP)/bench/run.sh

clean:
	rm -rf $(OUT)
