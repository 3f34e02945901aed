/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 5.5 (vsock multi-transport): vsock_core_register(transport, features) with
 * VSOCK_TRANSPORT_F_G2H, vsock_assign_transport() and
 * vsock_create_connected(), and the transport callbacks in their current
 * form; before it a single transport was set with vsock_core_init().
 * Needs CONFIG_VSOCKETS (the vsock module).
 * lis-export: vsock_core_register vsock_core_unregister vsock_assign_transport vsock_create_connected vsock_find_bound_socket vsock_insert_connected vsock_enqueue_accept vsock_remove_sock vsock_addr_init
 */
#include <net/af_vsock.h>

static ssize_t lis_probe_vsock_core_register_deq(struct vsock_sock *vsk, struct msghdr *msg,
						 size_t len, int flags)
{
	return 0;
}

static struct vsock_transport lis_probe_vsock_core_register_t = {
	.stream_dequeue = lis_probe_vsock_core_register_deq,
};

LIS_PROBE(vsock_core_register)
{
	struct sock *sk = vsock_create_connected(NULL);

	LIS_PROBE_USE(vsock_assign_transport(vsock_sk(sk), NULL));
	vsock_core_register(&lis_probe_vsock_core_register_t, VSOCK_TRANSPORT_F_G2H);
}
