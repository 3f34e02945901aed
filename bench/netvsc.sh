#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# netvsc: frames per second through the portable core (transmit into the
# ring and the host's completion; the host's receive packets parsed and
# completed), 64- and 1500-byte frames, against memcpy of the same bytes.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-$TOP/out}
mkdir -p "$OUT/bench"
gcc -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter -pthread \
	-I"$TOP/drivers/include" -I"$TOP/tests/port" -I"$TOP/drivers/hv_vmbus/core" \
	-o "$OUT/bench/netvsc_bench" "$TOP/bench/src/netvsc_bench.c" \
	"$TOP"/drivers/hv_netvsc/core/*.c "$TOP/drivers/hv_vmbus/core/ring.c" \
	"$TOP/tests/port/port_user.c"
"$OUT/bench/netvsc_bench"
