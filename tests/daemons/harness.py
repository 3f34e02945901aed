#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""
Drive hypervkvpd, hypervvssd and hypervfcopyd as the kernel would: the test
is the "kernel" end of a SOCK_SEQPACKET socket (message boundaries like
/dev/vmbus/hv_*) given to the daemon with --device, and builds every message
with struct at the offsets of the fact sheet (§6.4, §6.5) — not from our C
headers.  One PASS/FAIL line per check, as tests/check.sh counts them.

usage: harness.py BINDIR WORKDIR [kvp|vss|fcopy|...]
  VSS_LOOP_MNT=<dir>  a mounted scratch filesystem (its own block device)
                      the VSS checks may freeze; without it they are skipped
  HARNESS_WRAP="valgrind -q --error-exitcode=9"  run the daemons under it
"""
import os
import shlex
import signal
import socket
import struct
import subprocess
import sys
import time

S_OK, E_FAIL, S_CONT = 0, 0x80004005, 0x80070103
E_ALREADY_EXISTS = 0x80070050
KVP_MSG = 7432
RESULTS = []


def result(name, ok, why=""):
    RESULTS.append(ok)
    print(("PASS daemons:%s" % name) if ok else ("FAIL daemons:%s: %s" % (name, why)))
    sys.stdout.flush()


class Daemon:
    """one daemon on a socket; the test plays the kernel"""

    def __init__(self, bindir, work, prog, args=()):
        self.work = work
        os.makedirs(work, exist_ok=True)
        self.sock_path = os.path.join(work, "dev.sock")
        if os.path.exists(self.sock_path):
            os.unlink(self.sock_path)
        self.lsock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.lsock.bind(self.sock_path)
        self.lsock.listen(1)
        self.log = open(os.path.join(work, prog + ".log"), "ab")
        wrap = shlex.split(os.environ.get("HARNESS_WRAP", ""))
        cmd = wrap + [os.path.join(bindir, prog), "-n", "-d", "--device", self.sock_path] + list(args)
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=self.log)
        self.lsock.settimeout(20)
        self.conn, _ = self.lsock.accept()
        self.conn.settimeout(20)

    def recv(self, cap=65536):
        return self.conn.recv(cap)

    def send(self, data):
        self.conn.send(data)

    def request(self, data, cap=65536):
        self.send(data)
        return self.recv(cap)

    def close(self, how="eof"):
        """end the daemon; its exit status"""
        if how == "eof":
            self.conn.close()
        elif how == "term":
            self.proc.send_signal(signal.SIGTERM)
        elif how == "kill":
            self.proc.kill()
        try:
            rc = self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        for s in (self.conn, self.lsock):
            try:
                s.close()
            except OSError:
                pass
        self.log.close()
        return rc


def u32(b, off=0):
    return struct.unpack_from("<I", b, off)[0]


def cstr(b, off, size):
    raw = bytes(b[off:off + size])
    return raw.split(b"\0", 1)[0].decode("utf-8", "replace")


# ---- KVP (§6.5: 7432 bytes; +0 op, +1 pool, +4 body; value record:
#      +4 type, +8 key_size, +12 value_size, +16 key[512], +528 value[2048]) ----

def kvp_msg(op, pool, key=None, value=None, index=None, raw=None):
    m = bytearray(KVP_MSG)
    m[0], m[1] = op, pool
    if op == 2 and key is not None:          # DELETE: key_size, key[512]
        k = key.encode() + b"\0"
        struct.pack_into("<I", m, 4, len(k))
        m[8:8 + len(k)] = k
    elif op == 3:                            # ENUMERATE: index, record
        struct.pack_into("<I", m, 4, index)
    else:
        if key is not None:
            k = key.encode() + b"\0"
            struct.pack_into("<II", m, 4, 1, len(k))
            m[16:16 + len(k)] = k
        if value is not None:
            v = value.encode() + b"\0"
            struct.pack_into("<I", m, 12, len(v))
            m[528:528 + len(v)] = v
    if raw:
        for off, data in raw:
            m[off:off + len(data)] = data
    return bytes(m)


def kvp_ip_msg(op, mac, addrs="", masks="", gws="", dns="", family=1, dhcp=0):
    # the daemon's message keeps the 4-byte header (the host's IP message has
    # no pad; the kernel moves the body): +4 adapter[256] +260 family
    # +261 dhcp +262 ip[2048] +2310 subnet[2048] +4358 gw[1024] +5382 dns[2048]
    m = bytearray(KVP_MSG)
    m[0] = op
    for off, text in ((4, mac), (262, addrs), (2310, masks), (4358, gws), (5382, dns)):
        t = text.encode()
        m[off:off + len(t)] = t
    m[260], m[261] = family, dhcp
    return bytes(m)


def a_mac():
    for n in sorted(os.listdir("/sys/class/net")):
        try:
            with open("/sys/class/net/%s/address" % n) as f:
                mac = f.read().strip()
        except OSError:
            continue
        if n != "lo" and len(mac) == 17 and mac != "00:00:00:00:00:00":
            return n, mac
    return None, None


def test_kvp(bindir, work):
    root = os.path.join(work, "root")
    os.makedirs(os.path.join(root, "etc"), exist_ok=True)
    with open(os.path.join(root, "etc/os-release"), "w") as f:
        f.write('NAME="Red Hat Enterprise Linux"\nVERSION_ID="8.10"\n')
    with open(os.path.join(root, "etc/resolv.conf"), "w") as f:
        f.write("search example.test\nnameserver 10.1.2.3\nnameserver bogus\n")
    d = Daemon(bindir, work, "hypervkvpd", ["--root", root])
    reg = d.recv()
    result("kvp:registers_with_op_100", len(reg) == KVP_MSG and reg[0] == 100,
           "%d bytes, op %d" % (len(reg), reg[0] if reg else -1))
    ans = bytearray(KVP_MSG)
    ans[0] = 100
    ans[4:4 + 7] = b"9.8.7-x"
    d.send(bytes(ans))

    r = d.request(kvp_msg(1, 0, "HostName", "host-1"))
    pool0 = os.path.join(root, "var/lib/hyperv/.kvp_pool_0")
    data = open(pool0, "rb").read() if os.path.exists(pool0) else b""
    result("kvp:set_writes_the_pool_file_record",
           len(r) == KVP_MSG and u32(r) == S_OK and len(data) == 2560 and
           data[:9] == b"HostName\0" and data[512:519] == b"host-1\0" and
           data[2559] == 0, "status %#x, file %d bytes" % (u32(r) if r else -1, len(data)))
    mode = os.stat(pool0).st_mode & 0o777 if os.path.exists(pool0) else 0
    result("kvp:pool_files_are_0644_all_five",
           mode == 0o644 and all(os.path.exists(os.path.join(root, "var/lib/hyperv/.kvp_pool_%d" % i))
                                 for i in range(5)), "mode %o" % mode)

    r = d.request(kvp_msg(0, 0, "HostName"))
    result("kvp:get_answers_the_value", u32(r) == S_OK and cstr(r, 528, 2048) == "host-1" and
           u32(r, 12) == 7 and u32(r, 4) == 1, "status %#x value %r" % (u32(r), cstr(r, 528, 2048)))
    r = d.request(kvp_msg(0, 0, "Nope"))
    result("kvp:get_of_a_missing_key_is_s_cont", u32(r) == S_CONT, "status %#x" % u32(r))

    # cloud-init appends to pool 1 under flock; the daemon must see it
    import fcntl
    pool1 = os.path.join(root, "var/lib/hyperv/.kvp_pool_1")
    with open(pool1, "ab") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        f.write(struct.pack("512s2048s", b"CLOUD_INIT|1|init", b'{"result":"SUCCESS"}'))
        fcntl.flock(f, fcntl.LOCK_UN)
    r = d.request(kvp_msg(3, 1, index=0))
    r2 = d.request(kvp_msg(3, 1, index=1))
    result("kvp:enumerate_reads_what_cloud_init_wrote",
           u32(r) == S_OK and cstr(r, 20, 512) == "CLOUD_INIT|1|init" and
           cstr(r, 532, 2048) == '{"result":"SUCCESS"}' and u32(r2) == S_CONT,
           "status %#x/%#x key %r" % (u32(r), u32(r2), cstr(r, 20, 512)))

    names = []
    values = {}
    for i in range(11):
        r = d.request(kvp_msg(3, 2, index=i))
        if u32(r) != S_OK:
            break
        names.append(cstr(r, 20, 512))
        values[names[-1]] = cstr(r, 532, 2048)
    want = ["FullyQualifiedDomainName", "IntegrationServicesVersion", "NetworkAddressIPv4",
            "NetworkAddressIPv6", "OSBuildNumber", "OSName", "OSMajorVersion",
            "OSMinorVersion", "OSVersion", "ProcessorArchitecture"]
    result("kvp:auto_pool_lists_the_ten_facts_then_s_cont", names == want and u32(r) == S_CONT,
           "got %r" % names)
    result("kvp:auto_pool_values",
           values.get("OSName") == "Red Hat Enterprise Linux" and values.get("OSMajorVersion") == "8"
           and values.get("OSMinorVersion") == "10" and
           values.get("IntegrationServicesVersion") == "9.8.7-x" and
           values.get("ProcessorArchitecture") == os.uname().machine and
           values.get("OSBuildNumber") == os.uname().release, "values %r" % values)

    r = d.request(kvp_msg(2, 0, "HostName"))
    r2 = d.request(kvp_msg(2, 0, "HostName"))
    data = open(pool0, "rb").read()
    result("kvp:delete_removes_the_record", u32(r) == S_OK and u32(r2) == S_CONT and data == b"",
           "status %#x/%#x, %d bytes left" % (u32(r), u32(r2), len(data)))

    bad = [
        ("short_message", kvp_msg(1, 0, "k", "v")[:100]),
        ("unknown_operation", kvp_msg(9, 0, "k", "v")),
        ("unknown_pool", kvp_msg(1, 7, "k", "v")),
        ("key_without_nul", kvp_msg(1, 0, raw=[(4, struct.pack("<II", 1, 512)), (16, b"k" * 512)])),
        ("empty_key", kvp_msg(1, 0, "", "v")),
        ("set_on_the_auto_pool", kvp_msg(1, 2, "k", "v")),
    ]
    for name, msg in bad:
        r = d.request(msg)
        result("kvp:refuses_" + name, len(r) == KVP_MSG and u32(r) == E_FAIL,
               "%d bytes, status %#x" % (len(r), u32(r) if r else -1))
    files_ok = all(os.path.getsize(os.path.join(root, "var/lib/hyperv/.kvp_pool_%d" % i)) == 0
                   for i in (0, 2, 7 % 5))
    result("kvp:refused_requests_change_no_pool", files_ok, "a pool file grew")

    ifname, mac = a_mac()
    if mac:
        r = d.request(kvp_ip_msg(4, mac.upper().replace(":", "-")))
        addrs = cstr(r, 262, 2048)
        result("kvp:get_ip_info_names_the_interface_addresses",
               u32(r) == S_OK and cstr(r, 5382, 2048) == "10.1.2.3" and r[260] in (1, 2, 3),
               "status %#x addrs %r dns %r" % (u32(r), addrs, cstr(r, 5382, 2048)))
        r = d.request(kvp_ip_msg(5, mac, "192.0.2.10;2001:db8::10", "255.255.255.0;64",
                                 "192.0.2.1", "192.0.2.53;2001:db8::53"))
        cfg = os.path.join(root, "etc/sysconfig/network-scripts/ifcfg-" + ifname)
        text = open(cfg).read() if os.path.exists(cfg) else ""
        result("kvp:set_ip_info_writes_the_ifcfg_file",
               u32(r) == S_OK and "IPADDR=192.0.2.10\n" in text and "PREFIX=24\n" in text and
               "GATEWAY=192.0.2.1\n" in text and "IPV6ADDR=2001:db8::10/64\n" in text and
               "DNS2=2001:db8::53\n" in text and "BOOTPROTO=none\n" in text,
               "status %#x file %r" % (u32(r), text))
        r = d.request(kvp_ip_msg(5, mac, "192.0.2.10\nEVIL=1", "255.255.255.0"))
        text2 = open(cfg).read() if os.path.exists(cfg) else ""
        result("kvp:set_ip_info_refuses_what_does_not_parse",
               u32(r) != S_OK and text2 == text, "status %#x" % u32(r))
    else:
        print("SKIP daemons:kvp:ip_info: no interface with a MAC address")
    r = d.request(kvp_ip_msg(4, "00:15:5D:FF:FF:FE"))
    result("kvp:ip_info_for_an_unknown_mac_fails", u32(r) == E_FAIL, "status %#x" % u32(r))
    rc = d.close("eof")
    result("kvp:exits_when_the_device_goes", rc == 1, "exit %s" % rc)


# ---- VSS (12 bytes: +0 op, +8 flags; answers: +0 status) ----

def vss_msg(op, flags=0):
    return struct.pack("<B7xI", op, flags)


def writable(path, timeout=1.0):
    """can a new file be written in path within timeout s"""
    p = subprocess.Popen(["sh", "-c", "echo x > '%s/.probe' && sync -f '%s/.probe' 2>/dev/null;"
                          " rm -f '%s/.probe'" % (path, path, path)])
    try:
        return p.wait(timeout=timeout) == 0
    except subprocess.TimeoutExpired:
        return False


def wait_writable(path, seconds):
    end = time.time() + seconds
    while time.time() < end:
        if writable(path, 1.0):
            return True
    return False


def vss_daemon(bindir, work, mounts, extra=()):
    d = Daemon(bindir, work, "hypervvssd", ["--mounts", mounts] + list(extra))
    reg = d.recv()
    ok = len(reg) == 12 and reg[0] == 129
    d.send(struct.pack("<I", 129))
    return d, ok, reg


def test_vss(bindir, work):
    mnt = os.environ.get("VSS_LOOP_MNT")
    os.makedirs(work, exist_ok=True)
    empty = os.path.join(work, "mounts.none")
    with open(empty, "w") as f:
        f.write("proc /proc proc rw 0 0\n")
    d, ok, reg = vss_daemon(bindir, work, empty)
    result("vss:registers_with_op_129", ok, "%d bytes" % len(reg))
    r = d.request(vss_msg(2))
    result("vss:hot_backup_check_is_ok", len(r) == 12 and u32(r) == S_OK, "status %#x" % u32(r))
    r = d.request(vss_msg(5))
    r2 = d.request(vss_msg(6))
    result("vss:freeze_thaw_with_nothing_to_freeze", u32(r) == S_OK and u32(r2) == S_OK,
           "status %#x/%#x" % (u32(r), u32(r2)))
    r = d.request(vss_msg(0))
    r2 = d.request(vss_msg(5)[:8])
    result("vss:refuses_operations_and_sizes_not_its_own", u32(r) == E_FAIL and u32(r2) == E_FAIL,
           "status %#x/%#x" % (u32(r), u32(r2)))
    rc = d.close("eof")
    result("vss:exits_when_the_device_goes", rc == 1, "exit %s" % rc)

    if not mnt:
        print("SKIP daemons:vss:real_freeze: no scratch filesystem (VSS_LOOP_MNT)")
        return
    dev = None
    for line in open("/proc/self/mounts"):
        f = line.split()
        if f[1] == mnt:
            dev, fstype = f[0], f[2]
    if not dev:
        result("vss:real_freeze", False, "%s is not mounted" % mnt)
        return
    table = os.path.join(work, "mounts.loop")
    with open(table, "w") as f:
        f.write("%s %s %s rw,relatime 0 0\n" % (dev, mnt, fstype))

    d, ok, _ = vss_daemon(bindir, work, table)
    r = d.request(vss_msg(5))
    frozen = not writable(mnt, 1.0)
    r2 = d.request(vss_msg(6))
    result("vss:freeze_blocks_writes_thaw_releases_them",
           u32(r) == S_OK and frozen and u32(r2) == S_OK and wait_writable(mnt, 5),
           "status %#x/%#x frozen=%s" % (u32(r), u32(r2), frozen))
    r = d.request(vss_msg(5))
    rc = d.close("term")
    result("vss:sigterm_while_frozen_thaws", u32(r) == S_OK and rc == 0 and wait_writable(mnt, 5),
           "exit %s" % rc)

    d, ok, _ = vss_daemon(bindir, work, table)
    r = d.request(vss_msg(5))
    frozen = not writable(mnt, 1.0)
    d.close("kill")
    result("vss:killed_while_frozen_the_guard_thaws", u32(r) == S_OK and frozen and
           wait_writable(mnt, 10), "frozen=%s" % frozen)

    d, ok, _ = vss_daemon(bindir, work, table, ["--thaw-timeout", "2"])
    r = d.request(vss_msg(5))
    frozen = not writable(mnt, 0.5)
    thawed = wait_writable(mnt, 10)
    r2 = d.request(vss_msg(6))
    rc = d.close("eof")
    result("vss:no_thaw_in_time_the_guard_thaws", u32(r) == S_OK and frozen and thawed and
           u32(r2) == S_OK, "frozen=%s thawed=%s thaw status %#x" % (frozen, thawed, u32(r2)))

    # freeze fails part-way: the second entry is the same filesystem, which
    # the kernel refuses (EBUSY) only if not deduplicated; use a missing one
    with open(table, "w") as f:
        f.write("%s %s %s rw 0 0\n/dev/nonexistent %s/missing ext4 rw 0 0\n" %
                (dev, mnt, fstype, mnt))
    d, ok, _ = vss_daemon(bindir, work, table)
    r = d.request(vss_msg(5))
    rc = d.close("eof")
    result("vss:failed_freeze_leaves_everything_thawed", u32(r) == E_FAIL and writable(mnt, 2),
           "status %#x" % u32(r))


# ---- fcopy (§6.4/6.5: START 1088, WRITE 6196, answers: 4-byte status) ----

def fc_start(name, path, flags, size):
    m = bytearray(1088)
    n, p = name.encode(), path.encode()
    m[36:36 + len(n)] = n
    m[556:556 + len(p)] = p
    struct.pack_into("<IQ", m, 1076, flags, size)
    return bytes(m)


def fc_write(offset, data):
    m = bytearray(6196)
    struct.pack_into("<I", m, 0, 1)
    struct.pack_into("<QI", m, 40, offset, len(data))
    m[52:52 + len(data)] = data
    return bytes(m)


def fc_op(op):
    return struct.pack("<I", op) + bytes(32)


def test_fcopy(bindir, work):
    root = os.path.join(work, "root")
    os.makedirs(root, exist_ok=True)
    d = Daemon(bindir, work, "hypervfcopyd", ["--root", root])
    reg = d.recv()
    result("fcopy:registers_with_version_1", reg == struct.pack("<I", 1), "got %r" % reg)
    d.send(struct.pack("<I", 1))

    payload = os.urandom(20000)
    st = [u32(d.request(fc_start("data.bin", "/srv/in", 2, len(payload))))]
    for off in range(0, len(payload), 6144):
        st.append(u32(d.request(fc_write(off, payload[off:off + 6144]))))
    st.append(u32(d.request(fc_op(2))))
    dst = os.path.join(root, "srv/in/data.bin")
    got = open(dst, "rb").read() if os.path.exists(dst) else b""
    result("fcopy:delivers_the_file", st == [S_OK] * len(st) and got == payload and
           os.listdir(os.path.dirname(dst)) == ["data.bin"], "statuses %r" % st)

    r = d.request(fc_start("data.bin", "/srv/in", 0, 3))
    result("fcopy:existing_file_is_already_exists", u32(r) == E_ALREADY_EXISTS, "%#x" % u32(r))

    os.symlink("/tmp", os.path.join(root, "srv/evil"))
    attacks = [fc_start("x", "/srv/evil", 2, 1), fc_start("x", "/srv/../../tmp", 2, 1),
               fc_start("../x", "/srv/in", 0, 1), fc_start("x", "srv", 2, 1)]
    st = [u32(d.request(m)) for m in attacks]
    result("fcopy:path_attacks_are_refused", st == [E_FAIL] * len(st), "statuses %r" % st)

    r1 = u32(d.request(fc_start("c.txt", "/srv/in", 0, 10)))
    r2 = u32(d.request(fc_write(8, b"abcd")))
    r3 = u32(d.request(fc_op(3)))
    result("fcopy:write_past_the_size_fails_cancel_cleans_up",
           (r1, r2, r3) == (S_OK, E_FAIL, S_OK) and os.listdir(os.path.join(root, "srv/in")) ==
           ["data.bin"], "statuses %r, dir %r" % ((r1, r2, r3), os.listdir(os.path.join(root, "srv/in"))))

    bad = [bytes(20), fc_start("x", "/", 0, 1)[:1000], struct.pack("<I", 7) + bytes(32),
           fc_write(0, b"")[:40]]
    st = [u32(d.request(m)) for m in bad]
    result("fcopy:malformed_messages_fail", st == [E_FAIL] * len(st), "statuses %r" % st)
    rc = d.close("term")
    result("fcopy:sigterm_exits_cleanly", rc == 0, "exit %s" % rc)


def main():
    bindir, work = sys.argv[1], sys.argv[2]
    which = sys.argv[3:] or ["kvp", "vss", "fcopy"]
    for w in which:
        {"kvp": test_kvp, "vss": test_vss, "fcopy": test_fcopy}[w](bindir, os.path.join(work, w))
    return 0 if all(RESULTS) else 1


if __name__ == "__main__":
    sys.exit(main())
