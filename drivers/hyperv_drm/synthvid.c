// SPDX-License-Identifier: GPL-2.0
/* hyperv_fb's portable synthvid core, built into hyperv_drm too. */
#include "../hyperv_fb/core/synthvid.c"
