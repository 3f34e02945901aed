// SPDX-License-Identifier: GPL-2.0
/*
 * hv_sock: the AF_VSOCK transport to and from the Hyper-V host.  A
 * connection is a pipe-mode VMBus channel: connect() asks the host with a
 * TL_CONNECT_REQUEST (our port and the host's as service ids) and the host
 * offers the channel; a host connecting to a listening port offers it on
 * its own.  Those channels bind to this driver (hvsock driver on the vmbus
 * bus); the portable core moves the bytes.
 *
 * Lifetimes: a socket holds its connection (vsk->trans); while a channel is
 * open the socket is held for it, and the channel's device points at the
 * connection (under hvs_lock).  Lock order: the socket lock, then hvs_lock.
 * close() sends our shutdown and waits (at most 8 s) for the host's before
 * closing the channel, so the host reads what we wrote.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/mutex.h>
#include <linux/list.h>
#include <linux/workqueue.h>
#include <net/sock.h>
#include <net/af_vsock.h>
#include <lis/vmbus_driver.h>
#include "core/hvs_core.h"

#define HVS_CLOSE_TIMEOUT	(8 * HZ)

struct hvs_conn {
	struct vsock_sock *vsk;
	struct lis_vmbus_device *vdev;	/* the channel's device, once offered */
	struct lis_hvs *core;		/* while the channel is open */
	u32 local_port, remote_port;
	struct list_head pending;	/* waiting for the host's offer */
	struct delayed_work close_work;
	bool closing;
	unsigned long close_deadline;	/* jiffies */
	u8 buf[LIS_HVS_SEND_MAX];	/* bytes on their way to the core */
};

static DEFINE_MUTEX(hvs_lock);		/* pending list, device <-> connection */
static LIST_HEAD(hvs_pending);

static struct hvs_conn *hvs_of(struct vsock_sock *vsk)
{
	return vsk->trans;
}

/* ---- the channel side ---- */

static void hvs_notify(void *ctx)
{
	struct hvs_conn *c = ctx;
	struct sock *sk = sk_vsock(c->vsk);

	sk->sk_data_ready(sk);
	sk->sk_write_space(sk);
	if (READ_ONCE(c->closing))
		mod_delayed_work(system_wq, &c->close_work, 0);
}

/* the channel goes (socket locked); the socket stays as the user left it */
static void hvs_teardown(struct hvs_conn *c)
{
	struct sock *sk = sk_vsock(c->vsk);

	if (!c->core)
		return;
	lis_hvs_close(c->core);
	c->core = NULL;
	mutex_lock(&hvs_lock);
	if (c->vdev)
		lis_vmbus_set_drvdata(c->vdev, NULL);
	c->vdev = NULL;
	mutex_unlock(&hvs_lock);
	/* the reference the open channel held */
	sock_put(sk);
}

static int hvs_attach(struct hvs_conn *c, struct lis_vmbus_device *vdev)
{
	struct lis_hvs_config cfg = { 0 };
	int ret;

	cfg.ch = vdev->channel;
	cfg.notify = hvs_notify;
	cfg.ctx = c;
	ret = lis_hvs_open(&cfg, &c->core);
	if (ret)
		return ret;
	sock_hold(sk_vsock(c->vsk));
	mutex_lock(&hvs_lock);
	c->vdev = vdev;
	lis_vmbus_set_drvdata(vdev, c);
	mutex_unlock(&hvs_lock);
	return 0;
}

/* our connect(): the host offered the channel for it */
static int hvs_connected(struct lis_vmbus_device *vdev, u32 port)
{
	struct hvs_conn *c = NULL, *p;
	struct sock *sk;
	int ret = -ENODEV;

	mutex_lock(&hvs_lock);
	list_for_each_entry(p, &hvs_pending, pending) {
		if (p->local_port == port) {
			c = p;
			list_del_init(&c->pending);
			sock_hold(sk_vsock(c->vsk));
			break;
		}
	}
	mutex_unlock(&hvs_lock);
	if (!c)
		return -ENODEV;
	sk = sk_vsock(c->vsk);
	lock_sock(sk);
	if (sk->sk_state == TCP_SYN_SENT && !c->core) {
		ret = hvs_attach(c, vdev);
		if (!ret) {
			sk->sk_state = TCP_ESTABLISHED;
			if (sk->sk_socket)
				sk->sk_socket->state = SS_CONNECTED;
			vsock_insert_connected(c->vsk);
		} else {
			sk->sk_err = -ret;
		}
		sk->sk_state_change(sk);
	}
	release_sock(sk);
	sock_put(sk);
	return ret;
}

/* the host connects to a port we listen on */
static int hvs_accept(struct lis_vmbus_device *vdev, u32 local, u32 remote)
{
	struct sockaddr_vm addr;
	struct vsock_sock *vnew;
	struct sock *sk, *new;
	int ret = -ENODEV;

	vsock_addr_init(&addr, VMADDR_CID_ANY, local);
	sk = vsock_find_bound_socket(&addr);
	if (!sk)
		return -ENODEV;
	lock_sock(sk);
	if (sk->sk_state != TCP_LISTEN || sk_acceptq_is_full(sk))
		goto out;
	new = vsock_create_connected(sk);
	if (!new) {
		ret = -ENOMEM;
		goto out;
	}
	vnew = vsock_sk(new);
	vsock_addr_init(&vnew->local_addr, VMADDR_CID_ANY, local);
	vsock_addr_init(&vnew->remote_addr, VMADDR_CID_HOST, remote);
	ret = vsock_assign_transport(vnew, vsock_sk(sk));
	if (!ret && vnew->transport && vnew->trans)
		ret = hvs_attach(hvs_of(vnew), vdev);
	else if (!ret)
		ret = -ENODEV;
	if (ret) {
		sock_put(new);
		goto out;
	}
	new->sk_state = TCP_ESTABLISHED;
	vsock_insert_connected(vnew);
	vsock_enqueue_accept(sk, new);
	sk->sk_data_ready(sk);
out:
	release_sock(sk);
	sock_put(sk);
	return ret;
}

static int hvs_probe(struct lis_vmbus_device *vdev, const struct hv_vmbus_device_id *id)
{
	u32 service, endpoint;

	/* the class is the service, the instance the other end */
	if (!lis_hvs_guid_to_port(&vdev->class_id, &service) ||
	    !lis_hvs_guid_to_port(&vdev->device_id, &endpoint))
		return -ENODEV;
	if (lis_hvs_from_host(vdev->channel))
		return hvs_accept(vdev, service, endpoint);
	return hvs_connected(vdev, endpoint);
}

/* the host took the channel away (or the module goes) */
static void hvs_remove(struct lis_vmbus_device *vdev)
{
	struct hvs_conn *c;
	struct sock *sk;

	mutex_lock(&hvs_lock);
	c = lis_vmbus_get_drvdata(vdev);
	if (c)
		sock_hold(sk_vsock(c->vsk));
	mutex_unlock(&hvs_lock);
	if (!c)
		return;
	sk = sk_vsock(c->vsk);
	lock_sock(sk);
	if (c->vdev == vdev) {
		hvs_teardown(c);
		c->vsk->peer_shutdown = SHUTDOWN_MASK;
		sock_set_flag(sk, SOCK_DONE);
		/* a close() in progress finishes in its work */
		sk->sk_state = TCP_CLOSE;
		sk->sk_state_change(sk);
	}
	release_sock(sk);
	sock_put(sk);
}

/* ---- the socket side ---- */

static void hvs_close_work(struct work_struct *w)
{
	struct hvs_conn *c = container_of(to_delayed_work(w), struct hvs_conn, close_work);
	struct sock *sk = sk_vsock(c->vsk);
	const void *data;
	bool eof = false;
	u32 len;

	lock_sock(sk);
	/* what the host still sends after close() goes nowhere */
	while (c->core && !lis_hvs_peek(c->core, &data, &len, &eof) && !eof)
		lis_hvs_consume(c->core, len);
	if (c->closing && (eof || !c->core || time_after_eq(jiffies, c->close_deadline))) {
		c->closing = false;
		hvs_teardown(c);
		vsock_remove_sock(c->vsk);
		sk->sk_state = TCP_CLOSE;
		release_sock(sk);
		sock_put(sk);	/* close()'s reference */
		return;
	}
	/* woken early by the host: wait on for the rest of the time */
	if (c->closing)
		schedule_delayed_work(&c->close_work, c->close_deadline - jiffies);
	release_sock(sk);
}

static int hvs_init(struct vsock_sock *vsk, struct vsock_sock *psk)
{
	struct hvs_conn *c = kzalloc(sizeof(*c), GFP_KERNEL);

	if (!c)
		return -ENOMEM;
	c->vsk = vsk;
	INIT_LIST_HEAD(&c->pending);
	INIT_DELAYED_WORK(&c->close_work, hvs_close_work);
	vsk->trans = c;
	return 0;
}

static void hvs_destruct(struct vsock_sock *vsk)
{
	struct hvs_conn *c = hvs_of(vsk);

	if (!c)
		return;
	mutex_lock(&hvs_lock);
	list_del_init(&c->pending);
	mutex_unlock(&hvs_lock);
	vsk->trans = NULL;
	kfree(c);
}

static void hvs_release(struct vsock_sock *vsk)
{
	struct hvs_conn *c = hvs_of(vsk);
	struct sock *sk = sk_vsock(vsk);

	mutex_lock(&hvs_lock);
	list_del_init(&c->pending);
	mutex_unlock(&hvs_lock);
	if (!c->core) {
		vsock_remove_sock(vsk);
		return;
	}
	lis_hvs_shutdown(c->core);
	if (lis_hvs_peer_shutdown(c->core)) {
		hvs_teardown(c);
		vsock_remove_sock(vsk);
		sk->sk_state = TCP_CLOSE;
		return;
	}
	/* wait for the host's shutdown (or the timeout) before closing */
	sock_hold(sk);
	sk->sk_state = TCP_CLOSING;
	c->close_deadline = jiffies + HVS_CLOSE_TIMEOUT;
	c->closing = true;
	schedule_delayed_work(&c->close_work, HVS_CLOSE_TIMEOUT);
}

static int hvs_connect(struct vsock_sock *vsk)
{
	struct hvs_conn *c = hvs_of(vsk);
	struct lis_guid endpoint, service;
	int ret;

	c->local_port = vsk->local_addr.svm_port;
	c->remote_port = vsk->remote_addr.svm_port;
	lis_hvs_port_to_guid(c->local_port, &endpoint);
	lis_hvs_port_to_guid(c->remote_port, &service);
	mutex_lock(&hvs_lock);
	list_move(&c->pending, &hvs_pending);
	mutex_unlock(&hvs_lock);
	ret = lis_vmbus_hvsock_connect(&endpoint, &service);
	if (ret) {
		mutex_lock(&hvs_lock);
		list_del_init(&c->pending);
		mutex_unlock(&hvs_lock);
	}
	return ret;
}

static int hvs_shutdown(struct vsock_sock *vsk, int mode)
{
	struct hvs_conn *c = hvs_of(vsk);

	if ((mode & SEND_SHUTDOWN) && c->core)
		return lis_hvs_shutdown(c->core);
	return 0;
}

static ssize_t hvs_stream_dequeue(struct vsock_sock *vsk, struct msghdr *msg, size_t len,
				  int flags)
{
	struct hvs_conn *c = hvs_of(vsk);
	size_t copied = 0;
	const void *data;
	bool eof;
	u32 n;
	int ret;

	if (!c->core)
		return 0;
	while (copied < len) {
		ret = lis_hvs_peek(c->core, &data, &n, &eof);
		if (ret == -EAGAIN)
			break;
		if (ret)
			return copied ? (ssize_t)copied : ret;
		if (eof) {
			vsk->peer_shutdown |= SEND_SHUTDOWN;
			break;
		}
		n = min_t(size_t, n, len - copied);
		if (memcpy_to_msg(msg, (void *)data, n))
			return copied ? (ssize_t)copied : -EFAULT;
		copied += n;
		if (flags & MSG_PEEK)
			break;
		lis_hvs_consume(c->core, n);
	}
	return copied;
}

static ssize_t hvs_stream_enqueue(struct vsock_sock *vsk, struct msghdr *msg, size_t len)
{
	struct hvs_conn *c = hvs_of(vsk);
	size_t sent = 0, n;
	int ret;

	if (!c->core)
		return -ENOTCONN;
	len = min_t(size_t, len, lis_hvs_send_space(c->core, 1));
	while (sent < len) {
		n = min_t(size_t, len - sent, sizeof(c->buf));
		if (memcpy_from_msg(c->buf, msg, n))
			return sent ? (ssize_t)sent : -EFAULT;
		ret = lis_hvs_send(c->core, c->buf, n);
		if (ret < 0)
			return sent ? (ssize_t)sent : ret;
		sent += ret;
		if ((size_t)ret < n)
			break;
	}
	return sent;
}

static s64 hvs_stream_has_data(struct vsock_sock *vsk)
{
	struct hvs_conn *c = hvs_of(vsk);
	const void *data;
	bool eof;
	u32 n;
	int ret;

	if (!c->core)
		return 0;
	ret = lis_hvs_peek(c->core, &data, &n, &eof);
	if (ret == -EAGAIN)
		return 0;
	if (ret)
		return ret;
	if (eof)
		vsk->peer_shutdown |= SEND_SHUTDOWN;
	return n;
}

static s64 hvs_stream_has_space(struct vsock_sock *vsk)
{
	struct hvs_conn *c = hvs_of(vsk);

	return c->core ? lis_hvs_send_space(c->core, 1) : 0;
}

static u64 hvs_stream_rcvhiwat(struct vsock_sock *vsk)
{
	return LIS_HVS_MTU + 1;
}

static bool hvs_stream_is_active(struct vsock_sock *vsk)
{
	return hvs_of(vsk)->core != NULL;
}

static bool hvs_stream_allow(u32 cid, u32 port)
{
	/* the host, and nobody else */
	return cid == VMADDR_CID_HOST;
}

static int hvs_notify_poll_in(struct vsock_sock *vsk, size_t target, bool *readable)
{
	s64 n = hvs_stream_has_data(vsk);

	*readable = n > 0 || n < 0 || (vsk->peer_shutdown & SEND_SHUTDOWN);
	return 0;
}

static int hvs_notify_poll_out(struct vsock_sock *vsk, size_t target, bool *writable)
{
	*writable = hvs_stream_has_space(vsk) > 0;
	return 0;
}

static int hvs_notify_recv(struct vsock_sock *vsk, size_t target,
			   struct vsock_transport_recv_notify_data *d)
{
	return 0;
}

static int hvs_notify_recv_post(struct vsock_sock *vsk, size_t target, ssize_t copied,
				bool peek, struct vsock_transport_recv_notify_data *d)
{
	return 0;
}

static int hvs_notify_send(struct vsock_sock *vsk, struct vsock_transport_send_notify_data *d)
{
	return 0;
}

static int hvs_notify_send_post(struct vsock_sock *vsk, ssize_t written,
				struct vsock_transport_send_notify_data *d)
{
	return 0;
}

static int hvs_dgram_bind(struct vsock_sock *vsk, struct sockaddr_vm *addr)
{
	return -EOPNOTSUPP;
}

static int hvs_dgram_dequeue(struct vsock_sock *vsk, struct msghdr *msg, size_t len, int flags)
{
	return -EOPNOTSUPP;
}

static int hvs_dgram_enqueue(struct vsock_sock *vsk, struct sockaddr_vm *remote,
			     struct msghdr *msg, size_t len)
{
	return -EOPNOTSUPP;
}

static bool hvs_dgram_allow(u32 cid, u32 port)
{
	return false;
}

static u32 hvs_get_local_cid(void)
{
	return VMADDR_CID_ANY;
}

static struct vsock_transport hvs_transport = {
	.module = THIS_MODULE,
	.init = hvs_init,
	.destruct = hvs_destruct,
	.release = hvs_release,
	.connect = hvs_connect,
	.dgram_bind = hvs_dgram_bind,
	.dgram_dequeue = hvs_dgram_dequeue,
	.dgram_enqueue = hvs_dgram_enqueue,
	.dgram_allow = hvs_dgram_allow,
	.stream_dequeue = hvs_stream_dequeue,
	.stream_enqueue = hvs_stream_enqueue,
	.stream_has_data = hvs_stream_has_data,
	.stream_has_space = hvs_stream_has_space,
	.stream_rcvhiwat = hvs_stream_rcvhiwat,
	.stream_is_active = hvs_stream_is_active,
	.stream_allow = hvs_stream_allow,
	.notify_poll_in = hvs_notify_poll_in,
	.notify_poll_out = hvs_notify_poll_out,
	.notify_recv_init = hvs_notify_recv,
	.notify_recv_pre_block = hvs_notify_recv,
	.notify_recv_pre_dequeue = hvs_notify_recv,
	.notify_recv_post_dequeue = hvs_notify_recv_post,
	.notify_send_init = hvs_notify_send,
	.notify_send_pre_block = hvs_notify_send,
	.notify_send_pre_enqueue = hvs_notify_send,
	.notify_send_post_enqueue = hvs_notify_send_post,
	.shutdown = hvs_shutdown,
	.get_local_cid = hvs_get_local_cid,
};

static struct lis_vmbus_driver hvs_driver = {
	.name = "hv_sock",
	.hvsock = true,
	.probe = hvs_probe,
	.remove = hvs_remove,
};

static int __init hvs_module_init(void)
{
	int ret;

	ret = lis_vmbus_driver_register(&hvs_driver);
	if (ret)
		return ret;
	ret = vsock_core_register(&hvs_transport, VSOCK_TRANSPORT_F_G2H);
	if (ret)
		lis_vmbus_driver_unregister(&hvs_driver);
	return ret;
}

static void __exit hvs_module_exit(void)
{
	vsock_core_unregister(&hvs_transport);
	lis_vmbus_driver_unregister(&hvs_driver);
}

module_init(hvs_module_init);
module_exit(hvs_module_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("LIS: Hyper-V sockets (AF_VSOCK transport)");
MODULE_AUTHOR("LIS project");
MODULE_VERSION(LIS_VERSION);
MODULE_ALIAS_NETPROTO(PF_VSOCK);
