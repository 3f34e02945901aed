#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Print every prepared kernel tree on this host (make modules' default KDIRS).
set -euo pipefail
# shellcheck source=scripts/buildlib.sh
. "$(dirname "$0")/buildlib.sh"
kernel_trees
