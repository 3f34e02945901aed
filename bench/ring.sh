#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Ring buffer throughput against memcpy, and host signals in batched mode.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-$TOP/out}
mkdir -p "$OUT/bench"
gcc -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter -pthread \
	-I"$TOP/drivers/include" -I"$TOP/tests/port" -I"$TOP/drivers/hv_vmbus/core" \
	-o "$OUT/bench/ring_bench" "$TOP/bench/src/ring_bench.c" \
	"$TOP/drivers/hv_vmbus/core/ring.c" "$TOP/tests/port/port_user.c"
"$OUT/bench/ring_bench"
