# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The VM rung's lis-status check (sourced by tests/rungs/60-vm.sh while
# hv_vmbus is loaded; uses its helpers: vm_run, vm_ctl, say, detail,
# guest_fail, wait_dev, INST).  The guest is laid out as kmod-lis installs
# it -- our modules in /lib/modules/<running>/extra/lis with their
# modules.dep, LIS's state file -- hostsim offers a storvsp controller, the
# shipped hv_storvsc.ko binds it, and lis-status (bash and kmod's modinfo
# from /opt/lis: the busybox guest has no bash of its own, and busybox's
# modinfo misreads some modules; tests/vm/mkinitramfs.sh) must report
# the running kernel on our exact build, hv_vmbus and hv_storvsc loaded as
# ours from those files, the controller bound to them, and as problems
# exactly the test devices no driver takes.  Everything is taken away again.
# shellcheck disable=SC2016

LS_INST=6e1f3a52-8d4b-4c7a-9e02-1f3b5d7c9a24
LS_VER=$(tr -d ' \n' < "$TOP/VERSION")
LS_CMD='PATH=/opt/lis/bin:$PATH /opt/lis/bin/bash /opt/lis/tools/lis-status/lis-status'

why=
r=$(vm_ctl storvsp ls0 scsi "$LS_INST" 0) || why="hostsim-vm storvsp: $r"
[ -z "$why" ] && { wait_dev "$LS_INST" present || why="the controller did not appear on the vmbus"; }
if [ -z "$why" ]; then
	# installed as the kmod package installs it
	vm_run 60 "k=\$(uname -r); d=/lib/modules/\$k/extra/lis; mkdir -p \$d /var/lib/lis && cp /lib/lis/*.ko \$d/ && depmod \$k && printf 'version $LS_VER\\nmode kmod\\nreplace 0\\nkernel %s ours\\n' \$k > /var/lib/lis/state"
	[ "$VM_RC" = 0 ] || { guest_fail; why="cannot lay out /lib/modules and /var/lib/lis in the guest"; }
fi
if [ -z "$why" ]; then
	vm_run 60 "insmod /lib/lis/hv_storvsc.ko || exit 1; i=0; until [ -e /sys/bus/vmbus/devices/$LS_INST/driver ]; do i=\$((i + 1)); [ \$i -gt 150 ] && exit 1; sleep 0.1; done"
	[ "$VM_RC" = 0 ] || { guest_fail; why="hv_storvsc did not bind the controller within 15 s"; }
fi
if [ -z "$why" ]; then
	t=$SECONDS
	vm_run 180 "$LS_CMD --json 2>/tmp/lis-status.err; rc=\$?; cat /tmp/lis-status.err; exit \$rc"
	echo "    lis-status --json in the guest: $((SECONDS - t)) s, exit $VM_RC"
	LS_JSON=$(printf '%s' "$VM_OUT" | grep '^{' | tail -n 1)
	LS_RC=$VM_RC
	if [ -z "$LS_JSON" ]; then
		guest_fail
		why="lis-status printed no JSON (exit $VM_RC)"
	else
		why=$(python3 - "$LS_JSON" "$LS_RC" "$LS_VER" "$LS_INST" "${INST[dev-a]}" "${INST[dev-b]}" "${INST[dev-c]}" <<-'EOF' 2>&1
		import json, sys
		d = json.loads(sys.argv[1])
		rc, ver, ctl, tests = int(sys.argv[2]), sys.argv[3], sys.argv[4], set(sys.argv[5:8])
		def need(cond, what):
		    if not cond:
		        print(what)
		        sys.exit(0)
		need(d["lis"]["version"] == ver and d["lis"]["mode"] == "kmod", "LIS recorded as %s" % d["lis"])
		need(d["hyperv"]["detected"] and "vmbus" in d["hyperv"]["how"], "Hyper-V not detected: %s" % d["hyperv"])
		ks = [k for k in d["kernels"] if k["running"]]
		need(len(ks) == 1 and ks[0]["kernel"] == d["running_kernel"], "no running kernel in %s" % [k["kernel"] for k in d["kernels"]])
		k = ks[0]
		need((k["driver_set"], k["recorded"]) == ("ours exact", "ours"), "the running kernel: %s, recorded %s" % (k["driver_set"], k["recorded"]))
		m = {x["name"]: x for x in k["modules"]}
		for n in ("hv_vmbus", "hv_storvsc"):
		    need(n in m, "%s is not reported" % n)
		    x = m[n]
		    need(x["origin"] == "lis-exact" and x["file"] == "extra/lis/%s.ko" % n, "%s: origin %s, file %s" % (n, x["origin"], x["file"]))
		    need(x["version"] == ver, "%s: version %s" % (n, x["version"]))
		    # ours (out-of-tree, our version) and the very file (srcversion)
		    need(x["loaded"] == "ours,file", "%s loaded as %s (version srcversion taint: %s)" % (n, x["loaded"], x["loaded_version_srcversion_taint"]))
		need(m["hv_storvsc"]["bound"] == 1, "hv_storvsc drives %s devices, not 1" % m["hv_storvsc"]["bound"])
		dev = {x["id"]: x for x in d["devices"]}
		need(ctl in dev and dev[ctl]["module"] == "hv_storvsc" and dev[ctl]["driver"] != "-", "the controller: %s" % dev.get(ctl))
		# the only problems: the test devices (classes no driver has) without a driver
		loose = {i for i, x in dev.items() if x["driver"] == "-"}
		need(loose <= tests, "devices without a driver that are not test devices: %s" % (loose - tests))
		want = sorted("VMBus device %s (%s) has no driver" % (i, dev[i]["class_id"]) for i in loose)
		need(sorted(d["problems"]) == want, "problems %s, want %s" % (d["problems"], want))
		need(rc == (1 if want else 0) and d["status"] == ("problem" if want else "ok"), "exit %d, status %s" % (rc, d["status"]))
		EOF
		)
	fi
fi
say vm:lis_status:our_modules_reported_as_ours_and_bound "$why"

# the verdict line for monitoring: one line, the first problem or OK
if [ -n "${LS_JSON:-}" ]; then
	vm_run 120 "$LS_CMD -q"
	printf '%s' "$VM_OUT" | detail
	why=
	[ "$(printf '%s' "$VM_OUT" | grep -c .)" = 1 ] || why="$(printf '%s' "$VM_OUT" | grep -c .) lines"
	[ -z "$why" ] && [ "$VM_RC" != "$LS_RC" ] && why="exit $VM_RC, --json exited $LS_RC"
	[ -z "$why" ] && ! printf '%s' "$VM_OUT" | grep -qE '^lis-status: (OK - LIS '"$LS_VER"' \(kmod\)|PROBLEM - VMBus device )' &&
		why="verdict: $VM_OUT"
	say vm:lis_status:quiet_prints_one_verdict_line "$why"
fi

# take it all away: the driver, the controller, the layout
vm_run 60 'rmmod hv_storvsc; rm -rf /lib/modules /var/lib/lis /tmp/lis-status.err'
vm_ctl storvsp-rescind ls0 > /dev/null 2>&1 && wait_dev "$LS_INST" absent || echo "    (the lis-status controller is still offered)"
