/* SPDX-License-Identifier: GPL-2.0 */
/* KVP SET_IP_INFO: the host's IP settings into the interface's ifcfg file. */
#ifndef KVP_IFCFG_H
#define KVP_IFCFG_H

#include "hvd.h"
#include "kvp_net.h"

/* the HRESULT for the host */
uint32_t kvp_ifcfg_write(const struct hvd_opts *o, const struct kvp_if *ifc,
			 const struct lis_kvp_dip_info *ip);

#endif
