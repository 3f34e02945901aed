// SPDX-License-Identifier: GPL-2.0
/*
 * The channel API of lis/vmbus.h and the shared-memory helpers of lis/os.h,
 * exported to child drivers.  The functions live in the portable core;
 * exporting them here keeps the core free of kernel macros.
 */
#include <linux/module.h>
#include <lis/vmbus.h>

EXPORT_SYMBOL_GPL(lis_alloc_pages);
EXPORT_SYMBOL_GPL(lis_free_pages);
EXPORT_SYMBOL_GPL(lis_page_gpa);

EXPORT_SYMBOL_GPL(lis_vmbus_version);
EXPORT_SYMBOL_GPL(lis_vmbus_cpu_vp);
EXPORT_SYMBOL_GPL(lis_channel_class);
EXPORT_SYMBOL_GPL(lis_channel_instance);
EXPORT_SYMBOL_GPL(lis_channel_relid);
EXPORT_SYMBOL_GPL(lis_channel_subchannel_index);
EXPORT_SYMBOL_GPL(lis_channel_mmio_megabytes);
EXPORT_SYMBOL_GPL(lis_channel_monitor_id);
EXPORT_SYMBOL_GPL(lis_channel_user_defined);
EXPORT_SYMBOL_GPL(lis_channel_vmbus);
EXPORT_SYMBOL_GPL(lis_channel_primary);
EXPORT_SYMBOL_GPL(lis_channel_rescinded);
EXPORT_SYMBOL_GPL(lis_channel_is_open);
EXPORT_SYMBOL_GPL(lis_channel_set_drvdata);
EXPORT_SYMBOL_GPL(lis_channel_drvdata);
EXPORT_SYMBOL_GPL(lis_channel_open);
EXPORT_SYMBOL_GPL(lis_channel_close);
EXPORT_SYMBOL_GPL(lis_channel_target_cpu);
EXPORT_SYMBOL_GPL(lis_channel_set_target_cpu);
EXPORT_SYMBOL_GPL(lis_channel_set_subchannel_handler);
EXPORT_SYMBOL_GPL(lis_channel_set_rescind_handler);
EXPORT_SYMBOL_GPL(lis_channel_send);
EXPORT_SYMBOL_GPL(lis_channel_send_gpa);
EXPORT_SYMBOL_GPL(lis_channel_send_space);
EXPORT_SYMBOL_GPL(lis_channel_recv);
EXPORT_SYMBOL_GPL(lis_gpadl_create);
EXPORT_SYMBOL_GPL(lis_gpadl_destroy);
EXPORT_SYMBOL_GPL(lis_channel_get_stats);
EXPORT_SYMBOL_GPL(lis_channel_ring_state);
EXPORT_SYMBOL_GPL(lis_vmbus_isr);
EXPORT_SYMBOL_GPL(lis_channel_offer_flags);
EXPORT_SYMBOL_GPL(lis_channel_signal);
EXPORT_SYMBOL_GPL(lis_channel_set_interrupt_mask);
EXPORT_SYMBOL_GPL(lis_channel_set_pending_send);
EXPORT_SYMBOL_GPL(lis_channel_ring_memory);
EXPORT_SYMBOL_GPL(lis_vmbus_shared_pages);
EXPORT_SYMBOL_GPL(lis_vmbus_tl_connect);
