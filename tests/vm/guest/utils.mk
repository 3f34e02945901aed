# SPDX-License-Identifier: GPL-2.0
#
# The guest programs of the VM rung's hv_utils/input checks (tests/vm/utils.sh),
# static (the guest has busybox and no libc): lis-evread, and the three
# daemons built from tools/hyperv-daemons.  tests/vm/build.sh runs
#   make -f tests/vm/guest/utils.mk OUT=...
# and tests/vm/mkinitramfs.sh puts $(OUT)/vm/utils/* into /bin.
TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/../../..)
OUT ?= $(TOP)/out
B := $(OUT)/vm/utils
DAEMONS := hypervkvpd hypervvssd hypervfcopyd

all: $(B)/lis-evread $(addprefix $(B)/,$(DAEMONS))

$(B)/lis-evread: $(TOP)/tests/vm/guest/lis-evread.c
	@mkdir -p $(@D)
	$(CC) -static -O2 -Wall -Wextra -Werror -o $@ $<

# the daemons' own rules, with B pointing here and static linking
$(addprefix $(B)/,$(DAEMONS)): FORCE
	@$(MAKE) -s -C $(TOP)/tools/hyperv-daemons B=$(B) CFLAGS="-O2 -static -s" $@

FORCE:
.PHONY: all FORCE
