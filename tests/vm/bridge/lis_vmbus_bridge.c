// SPDX-License-Identifier: GPL-2.0
/*
 * lis_vmbus_bridge: the VM rung's platform for the shipped hv_vmbus
 * (test-only, never packaged).
 *
 * A PCI driver for QEMU's ivshmem-doorbell device (1af4:1110) whose other
 * end is the hostsim host process.  It implements struct lis_platform:
 * CPUID, the synthetic MSRs and the hypercalls go to the host through a
 * per-CPU mailbox in BAR2 and a doorbell, and the caller spins for the
 * answer (hv_vmbus makes these calls in atomic context too).  The host's
 * "raise vector v on VP n" arrives as MSI-X vector n; the handler calls
 * hv_vmbus's ISR on the CPU of VP n.  The table is exported as
 * lis_vmbus_test_platform, which hv_vmbus looks up when it is not on
 * Hyper-V; hv_vmbus hands back its ISR and its kexec and crash handlers
 * through lis_vmbus_test_hooks (this module is loaded first and cannot link
 * to hv_vmbus).  On real Hyper-V this module refuses to load.
 *
 * The bridge also does what the kernel's built-in Hyper-V code does at boot
 * on a real host: it sets the guest OS id and enables the hypercall page.
 * CPU n is VP (n + vp_offset) mod nr_vps, so the tests can make CPU 0 a VP
 * other than 0 (as in a kdump kernel).
 */
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/smp.h>
#include <linux/cpumask.h>
#include <linux/timekeeping.h>
#include <linux/gfp.h>
#include <linux/rcupdate.h>
#include <linux/reboot.h>
#include <linux/panic_notifier.h>
#include <linux/string.h>
#include <asm/processor.h>
#include <asm/cpufeature.h>
#include <lis/vmbus.h>
#include <lis/vmbus_driver.h>
#include "lisvm_proto.h"

#define LISVM_NAME		"lis_vmbus_bridge"
#define LISVM_DOORBELL		12	/* BAR0 register */
#define LISVM_VECTOR		0xEC	/* what set_handler hands out */
#define LISVM_TIMEOUT_NS	(10ull * NSEC_PER_SEC)

static unsigned int vp_offset;
module_param(vp_offset, uint, 0444);
MODULE_PARM_DESC(vp_offset, "CPU n is VP (n + vp_offset) mod the host's VP count");

struct lisvm_vec {
	struct lisvm_bridge *br;
	u32 vp;
	int irq;
	call_single_data_t csd;
};

struct lisvm_bridge {
	struct pci_dev *pdev;
	void __iomem *regs;
	struct lisvm_shared *shm;
	u32 nr_vps;
	struct lisvm_vec vec[LISVM_MAX_VPS];
	unsigned int nvec;
	struct lis_vmbus *vmbus;	/* set_handler .. clear_handler */
	struct page *hypercall_page;
	bool dead;			/* the host stopped answering */
	atomic64_t calls, irqs, forwarded, stray, timeouts, msr_faults, foreign_msr;
};

/* one host, one device: the platform's context is this object */
static struct lisvm_bridge lisvm;
static bool lisvm_probed;

/* ---- CPU <-> VP ---- */

static u32 lisvm_cpu_vp(const struct lisvm_bridge *br, unsigned int cpu)
{
	return (cpu + vp_offset) % br->nr_vps;
}

/* the CPU of a VP, or nr_cpu_ids when no CPU has it */
static unsigned int lisvm_vp_cpu(const struct lisvm_bridge *br, u32 vp)
{
	unsigned int cpu = (vp + br->nr_vps - vp_offset % br->nr_vps) % br->nr_vps;

	return cpu < nr_cpu_ids ? cpu : nr_cpu_ids;
}

/* ---- guest -> host calls ---- */

#define LISVM_VP_SELF	U32_MAX		/* the calling CPU's own VP */

/*
 * One call through this CPU's slot; interrupts are off from the request to
 * the answer so nothing else on this CPU can reuse the slot.  Returns 0, or
 * -EIO when the host does not answer (the bridge is then dead for good:
 * every later call fails at once instead of spinning again).
 */
static int lisvm_call(struct lisvm_bridge *br, u32 op, u32 vp, u32 arg,
		      const u64 in[3], u64 out[4])
{
	struct lisvm_slot *s;
	unsigned long flags;
	u64 start;
	u32 seq;
	int ret = 0, i;

	if (READ_ONCE(br->dead))
		return -EIO;
	local_irq_save(flags);
	s = &br->shm->slot[smp_processor_id()];
	if (vp == LISVM_VP_SELF)
		vp = lisvm_cpu_vp(br, smp_processor_id());
	s->op = op;
	s->vp = vp;
	s->arg = arg;
	s->status = 0;
	for (i = 0; i < 3; i++)
		s->in[i] = in ? in[i] : 0;
	seq = READ_ONCE(s->seq) + 1;
	/* the request before its number; writel orders both before the bell */
	smp_wmb();
	WRITE_ONCE(s->seq, seq);
	writel(LISVM_HOST_PEER << 16, br->regs + LISVM_DOORBELL);
	start = ktime_get_mono_fast_ns();
	while (READ_ONCE(s->done) != seq) {
		if (ktime_get_mono_fast_ns() - start > LISVM_TIMEOUT_NS) {
			ret = -EIO;
			break;
		}
		cpu_relax();
	}
	smp_rmb();
	if (!ret && s->status)
		ret = -EINVAL;
	for (i = 0; i < 4; i++)
		out[i] = ret ? 0 : s->out[i];
	local_irq_restore(flags);
	atomic64_inc(&br->calls);
	if (ret == -EIO) {
		WRITE_ONCE(br->dead, true);
		atomic64_inc(&br->timeouts);
		pr_err(LISVM_NAME ": the host did not answer call %u within %llu s; giving up\n",
		       op, LISVM_TIMEOUT_NS / NSEC_PER_SEC);
	} else if (ret) {
		pr_err(LISVM_NAME ": the host does not know call %u\n", op);
	}
	return ret;
}

/* ---- struct lis_platform ---- */

static void lisvm_cpuid(void *ctx, u32 leaf, u32 regs[4])
{
	u64 out[4];
	int i;

	lisvm_call(ctx, LISVM_OP_CPUID, 0, leaf, NULL, out);
	for (i = 0; i < 4; i++)
		regs[i] = (u32)out[i];
}

/* per-VP SynIC registers: the core must use them on that VP's own CPU */
static bool lisvm_synic_msr(u32 msr)
{
	return msr == LIS_HV_MSR_SCONTROL || msr == LIS_HV_MSR_SIEFP ||
	       msr == LIS_HV_MSR_SIMP ||
	       (msr >= LIS_HV_MSR_SINT0 && msr < LIS_HV_MSR_SINT0 + 16);
}

static void lisvm_check_vp(struct lisvm_bridge *br, u32 vp, u32 msr)
{
	unsigned int cpu = get_cpu();

	if (lisvm_synic_msr(msr) && vp != lisvm_cpu_vp(br, cpu)) {
		if (atomic64_inc_return(&br->foreign_msr) == 1)
			pr_warn(LISVM_NAME ": MSR %#x of VP %u accessed on CPU %u (VP %u)\n",
				msr, vp, cpu, lisvm_cpu_vp(br, cpu));
	}
	put_cpu();
}

static u64 lisvm_read_msr(void *ctx, u32 vp, u32 msr)
{
	u64 out[4];

	/* the index is the VP of the CPU that reads it, whatever the core
	 * passes (it asks precisely because it does not know yet) */
	if (msr == LIS_HV_MSR_VP_INDEX)
		vp = LISVM_VP_SELF;
	else
		lisvm_check_vp(ctx, vp, msr);
	lisvm_call(ctx, LISVM_OP_RDMSR, vp, msr, NULL, out);
	return out[0];
}

static void lisvm_write_msr(void *ctx, u32 vp, u32 msr, u64 value)
{
	struct lisvm_bridge *br = ctx;
	u64 in[3] = { value, 0, 0 }, out[4];

	lisvm_check_vp(br, vp, msr);
	if (!lisvm_call(br, LISVM_OP_WRMSR, vp, msr, in, out) && out[0]) {
		/* real hardware would #GP here */
		if (atomic64_inc_return(&br->msr_faults) == 1)
			pr_warn(LISVM_NAME ": write of MSR %#x (VP %u) = %#llx faults\n",
				msr, vp, value);
	}
}

static u64 lisvm_hypercall(void *ctx, u32 vp, u64 control, void *input,
			   u64 input_gpa, void *output, u64 output_gpa)
{
	u64 in[3] = { control, input_gpa, output_gpa }, out[4];

	if (lisvm_call(ctx, LISVM_OP_HYPERCALL, vp, 0, in, out))
		return LIS_HV_STATUS_INVALID_HYPERCALL_CODE;
	return out[0];
}

static u64 lisvm_hypercall_fast8(void *ctx, u32 vp, u64 control, u64 input)
{
	u64 in[3] = { control | LIS_HV_HYPERCALL_FAST, input, 0 }, out[4];

	if (lisvm_call(ctx, LISVM_OP_HYPERCALL_FAST, vp, 0, in, out))
		return LIS_HV_STATUS_INVALID_HYPERCALL_CODE;
	return out[0];
}

static void lisvm_clear_pending(struct lisvm_bridge *br)
{
	unsigned int vp, w;

	for (vp = 0; vp < LISVM_MAX_VPS; vp++)
		for (w = 0; w < 4; w++)
			xchg(&br->shm->pending[vp][w], 0);
}

static int lisvm_set_handler(void *ctx, struct lis_vmbus *vmbus)
{
	struct lisvm_bridge *br = ctx;

	/* whatever a previous user left raised is not for this one */
	lisvm_clear_pending(br);
	WRITE_ONCE(br->vmbus, vmbus);
	return LISVM_VECTOR;
}

static void lisvm_clear_handler(void *ctx)
{
	struct lisvm_bridge *br = ctx;
	unsigned int i;

	WRITE_ONCE(br->vmbus, NULL);
	for (i = 0; i < br->nvec; i++)
		if (br->vec[i].irq > 0)
			synchronize_irq(br->vec[i].irq);
	/* forwarded calls run with preemption off: wait them out */
	synchronize_rcu();
}

const struct lis_platform lis_vmbus_test_platform = {
	.name = "bridge",
	.ctx = &lisvm,
	.cpuid = lisvm_cpuid,
	.read_msr = lisvm_read_msr,
	.write_msr = lisvm_write_msr,
	.hypercall = lisvm_hypercall,
	.hypercall_fast8 = lisvm_hypercall_fast8,
	.set_handler = lisvm_set_handler,
	.clear_handler = lisvm_clear_handler,
};
EXPORT_SYMBOL_GPL(lis_vmbus_test_platform);

/* MMIO ranges for VMBus devices, standing in for the VMBus ACPI device's
 * _CRS (lisvm_proto.h: guest RAM above the kernel's mem= limit, which the
 * host process sees) */
const struct lis_vmbus_test_mmio lis_vmbus_test_mmio = {
	.count = 1,
	.range = { { .start = LISVM_MMIO_START, .size = LISVM_MMIO_SIZE } },
};
EXPORT_SYMBOL_GPL(lis_vmbus_test_mmio);

/* hv_vmbus's interrupt entry and kexec/crash handlers: we are loaded
 * first and cannot link to it, so hv_vmbus stores them here */
struct lis_vmbus_test_hooks lis_vmbus_test_hooks;
EXPORT_SYMBOL_GPL(lis_vmbus_test_hooks);

/* ---- host -> guest interrupts ---- */

static void lisvm_deliver(struct lisvm_bridge *br, unsigned int cpu)
{
	struct lis_vmbus *vmbus = READ_ONCE(br->vmbus);
	void (*isr)(struct lis_vmbus *vmbus, unsigned int cpu) = READ_ONCE(lis_vmbus_test_hooks.isr);

	if (vmbus && isr)
		isr(vmbus, cpu);
}

static void lisvm_forwarded(void *arg)
{
	struct lisvm_vec *v = arg;

	lisvm_deliver(v->br, smp_processor_id());
}

static irqreturn_t lisvm_irq(int irq, void *arg)
{
	struct lisvm_vec *v = arg;
	struct lisvm_bridge *br = v->br;
	unsigned int cpu, w;
	u64 bits[4];
	bool ours;

	for (w = 0; w < 4; w++)
		bits[w] = xchg(&br->shm->pending[v->vp][w], 0);
	ours = bits[LISVM_VECTOR / 64] & (1ull << (LISVM_VECTOR % 64));
	bits[LISVM_VECTOR / 64] &= ~(1ull << (LISVM_VECTOR % 64));
	if (bits[0] | bits[1] | bits[2] | bits[3])
		atomic64_inc(&br->stray);
	if (!ours)
		return IRQ_HANDLED;
	atomic64_inc(&br->irqs);
	cpu = lisvm_vp_cpu(br, v->vp);
	if (cpu >= nr_cpu_ids || !cpu_online(cpu)) {
		atomic64_inc(&br->stray);
		return IRQ_HANDLED;
	}
	if (cpu == smp_processor_id()) {
		lisvm_deliver(br, cpu);
	} else {
		/* the affinity did not hold: the ISR must run on the VP's CPU.
		 * -EBUSY means a forward is still queued, and it will look. */
		atomic64_inc(&br->forwarded);
		smp_call_function_single_async(cpu, &v->csd);
	}
	return IRQ_HANDLED;
}

/* ---- sysfs: statistics, and guest time against the host's clock ---- */

static ssize_t lisvm_stats_show(struct device *d, struct device_attribute *a, char *buf)
{
	struct lisvm_bridge *br = dev_get_drvdata(d);

	return sysfs_emit(buf,
			  "calls %lld\nirqs %lld\nforwarded %lld\nstray %lld\ntimeouts %lld\nmsr_faults %lld\nforeign_msr %lld\nvp_offset %u\nnr_vps %u\n",
			  atomic64_read(&br->calls), atomic64_read(&br->irqs),
			  atomic64_read(&br->forwarded), atomic64_read(&br->stray),
			  atomic64_read(&br->timeouts), atomic64_read(&br->msr_faults),
			  atomic64_read(&br->foreign_msr), vp_offset, br->nr_vps);
}
static DEVICE_ATTR_RO(lisvm_stats);

/* "guest_ns host_ns": CLOCK_MONOTONIC and the host's reference counter
 * (TIME_REF_COUNT, 100 ns units) read at the same moment */
static ssize_t lisvm_time_show(struct device *d, struct device_attribute *a, char *buf)
{
	struct lisvm_bridge *br = dev_get_drvdata(d);
	u64 t0, t1, out[4];

	t0 = ktime_get_ns();
	if (lisvm_call(br, LISVM_OP_RDMSR, LISVM_VP_SELF, LIS_HV_MSR_TIME_REF_COUNT, NULL, out))
		return -EIO;
	t1 = ktime_get_ns();
	return sysfs_emit(buf, "%llu %llu\n", t0 + (t1 - t0) / 2, out[0] * 100);
}
static DEVICE_ATTR_RO(lisvm_time);

static struct attribute *lisvm_attrs[] = {
	&dev_attr_lisvm_stats.attr,
	&dev_attr_lisvm_time.attr,
	NULL,
};
ATTRIBUTE_GROUPS(lisvm);

/* ---- the device ---- */

/* what the kernel's Hyper-V init does on a real host: who we are, and
 * where the hypercall page is (the host fills it; we never execute it) */
static int lisvm_hypervisor_init(struct lisvm_bridge *br)
{
	/* open source (bit 63), OS type Linux (bits 62:56 = 1) */
	u64 id = (1ull << 63) | (1ull << 56);
	u64 in[3] = { 0 }, out[4];
	int ret;

	br->hypercall_page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!br->hypercall_page)
		return -ENOMEM;
	in[0] = id;
	ret = lisvm_call(br, LISVM_OP_WRMSR, LISVM_VP_SELF, LIS_HV_MSR_GUEST_OS_ID, in, out);
	if (ret)
		return ret;
	in[0] = page_to_phys(br->hypercall_page) | 1;
	ret = lisvm_call(br, LISVM_OP_WRMSR, LISVM_VP_SELF, LIS_HV_MSR_HYPERCALL, in, out);
	if (ret)
		return ret;
	ret = lisvm_call(br, LISVM_OP_RDMSR, LISVM_VP_SELF, LIS_HV_MSR_HYPERCALL, NULL, out);
	if (ret)
		return ret;
	if (!(out[0] & 1)) {
		dev_err(&br->pdev->dev, "the host did not enable the hypercall page\n");
		return -EIO;
	}
	return 0;
}

static void lisvm_hypervisor_exit(struct lisvm_bridge *br)
{
	u64 in[3] = { 0 }, out[4];

	if (!br->hypercall_page)
		return;
	if (!lisvm_call(br, LISVM_OP_WRMSR, LISVM_VP_SELF, LIS_HV_MSR_HYPERCALL, in, out))
		__free_page(br->hypercall_page);
	/* else the host may still own the page: leak it */
	br->hypercall_page = NULL;
}

static void lisvm_free_irqs(struct lisvm_bridge *br)
{
	unsigned int i;

	for (i = 0; i < br->nvec; i++) {
		if (br->vec[i].irq <= 0)
			continue;
		irq_set_affinity_and_hint(br->vec[i].irq, NULL);
		free_irq(br->vec[i].irq, &br->vec[i]);
		br->vec[i].irq = 0;
	}
	pci_free_irq_vectors(br->pdev);
	br->nvec = 0;
}

static int lisvm_setup_irqs(struct lisvm_bridge *br)
{
	unsigned int i, cpu;
	int n, ret;

	n = pci_alloc_irq_vectors(br->pdev, br->nr_vps, br->nr_vps, PCI_IRQ_MSIX);
	if (n < 0) {
		dev_err(&br->pdev->dev, "cannot get %u MSI-X vectors: %d\n", br->nr_vps, n);
		return n;
	}
	br->nvec = n;
	for (i = 0; i < br->nvec; i++) {
		struct lisvm_vec *v = &br->vec[i];

		v->br = br;
		v->vp = i;
		INIT_CSD(&v->csd, lisvm_forwarded, v);
		v->irq = pci_irq_vector(br->pdev, i);
		ret = request_irq(v->irq, lisvm_irq, 0, LISVM_NAME, v);
		if (ret) {
			v->irq = 0;
			lisvm_free_irqs(br);
			return ret;
		}
		cpu = lisvm_vp_cpu(br, i);
		if (cpu < nr_cpu_ids)
			irq_set_affinity_and_hint(v->irq, cpumask_of(cpu));
	}
	return 0;
}

static int lisvm_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct lisvm_bridge *br = &lisvm;
	u64 in[3] = { 0 }, out[4];
	int ret;

	if (lisvm_probed)
		return -EBUSY;		/* one host */
	memset(br, 0, sizeof(*br));
	br->pdev = pdev;
	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	ret = pcim_iomap_regions(pdev, BIT(0), LISVM_NAME);
	if (ret)
		return ret;
	br->regs = pcim_iomap_table(pdev)[0];
	if (pci_resource_len(pdev, 2) < sizeof(*br->shm)) {
		dev_err(&pdev->dev, "BAR2 is too small for the bridge\n");
		return -ENODEV;
	}
	br->shm = devm_memremap(&pdev->dev, pci_resource_start(pdev, 2),
				sizeof(*br->shm), MEMREMAP_WB);
	if (IS_ERR(br->shm))
		return PTR_ERR(br->shm);
	if (READ_ONCE(br->shm->magic) != LISVM_MAGIC ||
	    READ_ONCE(br->shm->version) != LISVM_PROTO_VERSION) {
		dev_err(&pdev->dev, "BAR2 is not a hostsim-vm region (magic %#x version %u)\n",
			br->shm->magic, br->shm->version);
		return -ENODEV;
	}
	br->nr_vps = READ_ONCE(br->shm->nr_vps);
	if (!br->nr_vps || br->nr_vps > LISVM_MAX_VPS || nr_cpu_ids > br->nr_vps ||
	    nr_cpu_ids > LISVM_MAX_CPUS || READ_ONCE(br->shm->host_peer) != LISVM_HOST_PEER) {
		dev_err(&pdev->dev, "the host has %u VPs (peer %u) for %u CPUs\n",
			br->nr_vps, br->shm->host_peer, nr_cpu_ids);
		return -ENODEV;
	}
	pci_set_master(pdev);
	lisvm_clear_pending(br);
	ret = lisvm_setup_irqs(br);
	if (ret)
		return ret;
	/* interrupts work from here on: tell the host (a new boot, too) */
	in[0] = nr_cpu_ids;
	in[1] = vp_offset;
	ret = lisvm_call(br, LISVM_OP_HELLO, LISVM_VP_SELF, 0, in, out);
	if (!ret)
		ret = lisvm_hypervisor_init(br);
	if (ret) {
		lisvm_hypervisor_exit(br);
		lisvm_free_irqs(br);
		return ret;
	}
	pci_set_drvdata(pdev, br);
	lisvm_probed = true;
	dev_info(&pdev->dev, "hostsim bridge: %u VPs, CPU 0 is VP %u, hello #%llu\n",
		 br->nr_vps, lisvm_cpu_vp(br, 0), out[0]);
	return 0;
}

static void lisvm_remove(struct pci_dev *pdev)
{
	struct lisvm_bridge *br = pci_get_drvdata(pdev);

	/* hv_vmbus holds a reference on this module while it uses us */
	lisvm_hypervisor_exit(br);
	lisvm_free_irqs(br);
	lisvm_probed = false;
}

/*
 * kexec and crash: what the kernel's Hyper-V machine hooks do on a real
 * host.  kernel_kexec() announces itself to the reboot notifiers as
 * SYS_RESTART "kexec reboot", then shuts the devices down, last-registered
 * first: the vmbus devices before this PCI device.  So our shutdown is
 * where hv_vmbus's kexec handler runs, as hv_machine_shutdown() runs it.
 */
static bool lisvm_kexec;

static int lisvm_reboot(struct notifier_block *nb, unsigned long action, void *data)
{
	if (action == SYS_RESTART && data && !strcmp(data, "kexec reboot"))
		WRITE_ONCE(lisvm_kexec, true);
	return NOTIFY_DONE;
}

static struct notifier_block lisvm_reboot_nb = {
	.notifier_call = lisvm_reboot,
};

static void lisvm_shutdown(struct pci_dev *pdev)
{
	void (*kexec)(void) = READ_ONCE(lis_vmbus_test_hooks.kexec);

	if (READ_ONCE(lisvm_kexec) && kexec)
		kexec();
}

/* a panic: other CPUs are stopped; the handler polls for the answer */
static int lisvm_panic(struct notifier_block *nb, unsigned long event, void *data)
{
	void (*crash)(void) = READ_ONCE(lis_vmbus_test_hooks.crash);

	if (crash)
		crash();
	return NOTIFY_DONE;
}

static struct notifier_block lisvm_panic_nb = {
	.notifier_call = lisvm_panic,
};

static const struct pci_device_id lisvm_ids[] = {
	{ PCI_DEVICE(0x1af4, 0x1110) },
	{ 0 },
};
MODULE_DEVICE_TABLE(pci, lisvm_ids);

static struct pci_driver lisvm_driver = {
	.name = LISVM_NAME,
	.id_table = lisvm_ids,
	.probe = lisvm_probe,
	.remove = lisvm_remove,
	.shutdown = lisvm_shutdown,
	.dev_groups = lisvm_groups,
};

static bool lisvm_real_hyperv(void)
{
	u32 a, b, c, d;

	if (!boot_cpu_has(X86_FEATURE_HYPERVISOR))
		return false;
	cpuid(0x40000000, &a, &b, &c, &d);
	/* "Microsoft Hv" */
	return b == 0x7263694d && c == 0x666f736f && d == 0x76482074;
}

static int __init lisvm_init(void)
{
	int ret;

	if (lisvm_real_hyperv()) {
		pr_err(LISVM_NAME ": this is a real Hyper-V guest; the test bridge refuses to load\n");
		return -EPERM;
	}
	ret = pci_register_driver(&lisvm_driver);
	if (ret)
		return ret;
	if (!lisvm_probed) {
		pci_unregister_driver(&lisvm_driver);
		pr_err(LISVM_NAME ": no usable ivshmem-doorbell device (1af4:1110)\n");
		return -ENODEV;
	}
	register_reboot_notifier(&lisvm_reboot_nb);
	atomic_notifier_chain_register(&panic_notifier_list, &lisvm_panic_nb);
	return 0;
}

static void __exit lisvm_exit(void)
{
	atomic_notifier_chain_unregister(&panic_notifier_list, &lisvm_panic_nb);
	unregister_reboot_notifier(&lisvm_reboot_nb);
	pci_unregister_driver(&lisvm_driver);
}

module_init(lisvm_init);
module_exit(lisvm_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("LIS VM rung: hv_vmbus test platform over ivshmem to a hostsim host process (test-only)");
MODULE_AUTHOR("LIS project");
