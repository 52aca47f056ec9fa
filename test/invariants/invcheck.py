#!/usr/bin/python3
"""Invariant checker for bin/bridge + host-local, run the way a container runtime runs them.

Random rounds of ADD / CHECK / DEL / GC / STATUS over a few networks and containers (CNI_*
environment, config on stdin, GC with cni.dev/valid-attachments listing the live attachments),
some concurrent (different containers at once; GC alone, SPEC: GC is exclusive). Faults:
  - SIGKILL after 0-30 ms, of the process group or of the bridge alone (an executed
    host-local then runs on)
  - --syscall-kills: half the kills injected by strace at the n-th call of a system call that
    changes state (netlink sendmsg, link, rename, unlink, write), in any process of the
    operation: the windows of microseconds a delay hits by luck only
  - --forget-p: the runtime loses track of a killed ADD (a restart) and leaves it to GC
  - --orphans: only the bridge is killed while its executed host-local is slow to start, and
    the runtime DELs as soon as it has reaped the bridge (Go's exec.CommandContext)
  - race scenario: ADD and DEL of one attachment, DEL started 0-40 ms after ADD
After every round, with nothing in flight, the whole node is read back (container interfaces,
host veths, leases, bridge state records, masquerade rules) and compared with what the runtime
believes:

  1  every address on a live attachment's container interface has exactly one lease naming
     that attachment; the attachment holds no other lease; its host veth, state record and
     masquerade rules are there (nothing of a live attachment was removed)
  2  no address is shared: no two live attachments carry the same address, no lease file is
     empty or unreadable
  3  after a completed DEL or GC of an attachment nothing of it remains: no lease, container
     interface, host veth, state record (or its temp file), masquerade rule; after a completed
     GC no host-local temp file either
  4  every lease, container interface, host veth, state record and masquerade rule belongs to
     an attachment the runtime believes live, or to one whose last operation was killed or
     failed; no empty iptables chain of ours
  5  a live attachment's ADD result lists exactly the addresses of its container interface,
     and CHECK of a live attachment succeeds
  6  an ADD that failed by itself (nothing of it killed, no race) left nothing behind
  7  verbs answer as they must: DEL and GC succeed, ADD fails only when a range set is full
     (and then it is full, when it ran alone) or the attachment is live, STATUS says 50 exactly
     when a range set is full; code 11 (try again) is accepted and retried as a runtime would

Attachments whose last operation was killed or failed are "uncertain": partial state is
allowed until the runtime's follow-up DEL, or a GC listing only the live attachments; then
everything of them must be gone.

ADD racing DEL of one attachment: afterwards the attachment must be either complete or gone;
the verb that completed last decides which (ADD last and successful: live; DEL last: gone);
when both end within RACE_MARGIN of each other either outcome is accepted, a half one never.

The seed fixes every choice (rounds, targets, delays, kill points); what the plugins answer
depends on timing, and the choices that follow depend on the answers, so a seed replays the
same run only as far as the timing repeats.

Runs only inside test/integration/sandbox.sh (CNI_SANDBOXED=1): it creates namespaces, bridges
and firewall rules and writes /var/lib/cni, all private to the sandbox.
Exit status: 0 no violation, 1 violation(s), 2 setup error, 77 cannot run here.
"""

import argparse
import ctypes
import hashlib
import ipaddress
import json
import os
import random
import re
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

HL_DIR = "/var/lib/cni/networks"
ST_DIR = "/var/lib/cni/bridge"
KILL_MAX_MS = 30
RACE_MAX_MS = 40
RACE_MARGIN = 0.010  # s: completion order closer than this is not trusted (wake-up jitter)
N_CONTAINERS = 6
IFSLOTS = 2  # attachments per container and network (eth<k>, eth<k>b)

# ---------------------------------------------------------------------------------------------
# Networks under test


class Net:
    def __init__(self, idx, name, rangesets, masq=None, exec_ipam=False, gateway=True):
        self.idx = idx
        self.gateway = gateway
        self.name = name
        self.bridge = "inv%d" % idx
        self.rangesets = rangesets  # [[{"subnet", "rangeStart"?, "rangeEnd"?}, ...], ...]
        self.masq = masq  # None, "iptables" or "nftables"
        self.exec_ipam = exec_ipam  # host-local executed (own process) instead of in-process
        self.sets = [[(ipaddress.ip_network(r["subnet"]),
                       ipaddress.ip_address(r["rangeStart"]) if "rangeStart" in r else None,
                       ipaddress.ip_address(r["rangeEnd"]) if "rangeEnd" in r else None)
                      for r in rs] for rs in rangesets]

    def conf(self):
        c = {"cniVersion": "1.1.0", "name": self.name, "type": "bridge", "bridge": self.bridge,
             "isGateway": self.gateway,
             "ipam": {"type": "host-local", "ranges": self.rangesets}}
        if self.masq:
            c["ipMasq"] = True
            c["ipMasqBackend"] = self.masq
        return c

    def set_of(self, ip):
        """Index of the range set whose subnets contain ip, or None."""
        a = ipaddress.ip_address(ip)
        for i, rs in enumerate(self.sets):
            if any(a in net for net, _, _ in rs):
                return i
        return None

    def capacity(self, i):
        """Addresses of range set i, or None when it is too big to ever fill here."""
        total = 0
        for _, start, end in self.sets[i]:
            if start is None or end is None:
                return None
            total += int(end) - int(start) + 1
        return total

    def full_sets(self, leased_ips):
        """Range sets with no free address, given the leased addresses of this network."""
        full = []
        for i in range(len(self.sets)):
            cap = self.capacity(i)
            if cap is not None and sum(1 for ip in leased_ips if self.set_of(ip) == i) >= cap:
                full.append(i)
        return full


def make_nets():
    return [
        # dual stack, masquerade through nf_tables
        Net(0, "invdual", [[{"subnet": "10.231.0.0/24"}], [{"subnet": "fd31::/64"}]],
            masq="nftables"),
        # several ranges in one set (3 + 3 addresses in two subnets), libiptc masquerade; no
        # isGateway: two IPv4 gateways on one bridge need forceAddress (so in the reference)
        Net(1, "invmulti", [[{"subnet": "10.231.1.0/24", "rangeStart": "10.231.1.10",
                              "rangeEnd": "10.231.1.12"},
                             {"subnet": "10.231.2.0/24", "rangeStart": "10.231.2.20",
                              "rangeEnd": "10.231.2.22"}],
                            [{"subnet": "fd31:0:0:1::/64"}]], masq="iptables", gateway=False),
        # a range of 3 addresses for 12 attachments: exhausted often; no masquerade
        Net(2, "invsmall", [[{"subnet": "10.231.3.0/24", "rangeStart": "10.231.3.10",
                              "rangeEnd": "10.231.3.12"}]]),
        # host-local executed as its own process (killed with the bridge, or left running)
        Net(3, "invexec", [[{"subnet": "10.231.4.0/24"}], [{"subnet": "fd31:0:0:4::/64"}]],
            masq="iptables", exec_ipam=True),
    ]


# ---------------------------------------------------------------------------------------------
# The runtime's model


class Att:
    """One attachment (container, ifname) on one network, and what the runtime believes."""

    def __init__(self, net, ctr, slot):
        self.net = net
        self.ctr = ctr
        self.ifname = "eth%d%s" % (net.idx, "b" if slot else "")
        # 64 hex characters, like a runtime's container IDs
        self.cid = "inv%d-" % ctr + hashlib.sha256(b"ctr%d" % ctr).hexdigest()[:59]
        self.netns = "/run/netns/inv-c%d" % ctr
        self.alias = "c%d/%s@%s" % (ctr, self.ifname, net.name)
        self.state = "absent"  # absent | live | uncertain
        self.result = None  # the live attachment's ADD result
        self.host_veths = set()  # every host veth name ever seen for it
        self.touched = False
        self.forgotten = False  # uncertain, and unknown to the runtime: left to GC

    def key(self):
        return (self.net.name, self.cid, self.ifname)


class Kill:
    """How an operation is killed: SIGKILL after a delay (of the whole process group, or of
    the bridge alone, leaving an executed host-local running), or SIGKILL injected by strace
    at the n-th call of one system call by any process of the operation (the call is not
    made), which reaches windows of microseconds that a delay hits by luck only."""

    def __init__(self, after=None, group=True, syscall=None, nth=0):
        self.after, self.group, self.syscall, self.nth = after, group, syscall, nth

    def __str__(self):
        if self.syscall:
            return "kill@%s#%d" % (self.syscall, self.nth)
        return "kill%s@%.1fms" % ("" if self.group else "(bridge only)", self.after * 1000)


# System calls where state changes (netlink requests, lease links, renames, unlinks, writes)
# and how many of each one operation makes at most (so the n-th is a point inside it).
SYSCALLS = {"sendmsg": 16, "sendto": 4, "rename": 2, "renameat": 2, "linkat": 2, "unlink": 2,
            "unlinkat": 3, "write": 8}


class Op:
    def __init__(self, verb, net, att=None, start=0.0, kill=None, tag="", after=None):
        self.verb = verb
        self.net = net
        self.att = att
        self.start = start  # s after the round starts (or after `after` ended)
        self.kill = kill  # a Kill, or None
        self.after = after  # start once this op's bridge has exited (its children may not)
        self.bridge_done = threading.Event()
        self.injected = False  # strace's SIGKILL reached a process of this op
        self.tag = tag  # "again" for an ADD of a live attachment
        self.ipam_delay = 0.0  # s an executed host-local waits before it starts
        self.stdin = b""
        self.valid = None  # GC: the attachments passed as valid
        self.rc = None
        self.out = b""
        self.err = b""
        self.t0 = self.t1 = 0.0
        self.killed = False
        self.lock = threading.Lock()
        self.exited = False

    def error(self):
        try:
            return json.loads(self.out.decode(errors="replace"))
        except ValueError:
            return {}

    def describe(self):
        what = self.att.alias if self.att else self.net.name
        s = "%s %s" % (self.verb + ("(again)" if self.tag == "again" else ""), what)
        if self.after:
            s += " (%.1fms after the previous one's bridge exited)" % (self.start * 1000)
        elif self.start:
            s += " +%.1fms" % (self.start * 1000)
        if self.ipam_delay:
            s += " host-local-starts-after=%.1fms" % (self.ipam_delay * 1000)
        if self.kill:
            s += " " + str(self.kill)
        if self.verb == "GC":
            s += " valid=[%s]" % ",".join(a.alias.split("@")[0] for a in self.valid)
        if self.rc is None:
            return s
        if self.killed:
            res = "KILLED"
        elif self.injected:
            res = "rc=%d after a child was KILLED" % self.rc
        elif self.rc == 0:
            res = "ok"
            if self.verb == "ADD":
                res += " " + " ".join(ips_of(self.error()))
        else:
            e = self.error()
            res = "rc=%d code=%s %s" % (self.rc, e.get("code"), e.get("msg", "")[:120])
        return "%s -> %s (%.1f-%.1fms)" % (s, res, self.t0 * 1000, self.t1 * 1000)


def record_name(a):
    """The bridge's state record of an attachment: "<containerID>:<ifname>" (the IDs here are
    short, so never the hashed form); its temp file is ".<name>.tmp"."""
    return "%s:%s" % (a.cid, a.ifname)


def ips_of(result):
    return [ip["address"] for ip in result.get("ips", [])]


def norm_prefix(p):
    i = ipaddress.ip_interface(p)
    return "%s/%d" % (i.ip, i.network.prefixlen)


# ---------------------------------------------------------------------------------------------
# Running plugins


class Runner:
    def __init__(self, bindir, scratch):
        self.bindir = bindir
        self.scratch = scratch
        self.wrapper_dir = os.path.join(scratch, "exec-ipam")
        os.makedirs(self.wrapper_dir)
        # Same code, another file: the bridge executes it instead of running it in-process.
        # It inherits the bridge's environment: INVCHECK_IPAM_DELAY makes it a slow starter.
        w = os.path.join(self.wrapper_dir, "host-local")
        with open(w, "w") as f:
            f.write("#!/bin/sh\n[ -n \"$INVCHECK_IPAM_DELAY\" ] && sleep \"$INVCHECK_IPAM_DELAY\"\n"
                    "exec %s/host-local \"$@\"\n" % bindir)
        os.chmod(w, 0o755)

    def env(self, op):
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "CNI_COMMAND": op.verb,
               "CNI_PATH": self.wrapper_dir if op.net.exec_ipam else self.bindir}
        if op.att:
            env.update(CNI_CONTAINERID=op.att.cid, CNI_NETNS=op.att.netns,
                       CNI_IFNAME=op.att.ifname)
        if op.ipam_delay:
            env["INVCHECK_IPAM_DELAY"] = "%.3f" % op.ipam_delay
        return env

    def _run(self, op, base, scratch):
        if op.after:
            op.after.bridge_done.wait()
            time.sleep(op.start)
        else:
            delay = base + op.start - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        argv = [os.path.join(self.bindir, "bridge")]
        trace = None
        if op.kill and op.kill.syscall:
            k = op.kill
            trace = os.path.join(scratch, "strace.%d" % threading.get_ident())
            # (no --seccomp-bpf: strace 6.1 then skips the injection)
            argv = ["strace", "-f", "-o", trace, "-e", "trace=" + k.syscall,
                    "-e", "inject=%s:signal=KILL:when=%d" % (k.syscall, k.nth)] + argv
        op.t0 = time.monotonic() - base
        # Own session: the group kill reaches the bridge and any host-local it executed.
        p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, env=self.env(op), start_new_session=True)
        timer = None
        if op.kill and op.kill.after is not None:
            timer = threading.Timer(op.kill.after, self._kill, (op, p))
            timer.start()
        try:
            p.stdin.write(op.stdin)
            p.stdin.close()
        except BrokenPipeError:
            pass
        op.out = p.stdout.read()
        op.t1 = time.monotonic() - base  # the bridge has exited (or closed its stdout)
        with op.lock:
            op.exited = True
        op.rc = p.wait()
        op.bridge_done.set()
        # stderr is shared with an executed host-local: EOF once every process of the op ended
        op.err = p.stderr.read()
        if timer:
            timer.cancel()
        op.killed = op.rc == -signal.SIGKILL
        if trace:
            with open(trace) as f:
                op.injected = "killed by SIGKILL" in f.read()
            os.unlink(trace)

    @staticmethod
    def _kill(op, p):
        with op.lock:
            if op.exited:
                return
            try:
                if op.kill.group:
                    os.killpg(p.pid, signal.SIGKILL)
                else:
                    os.kill(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def run(self, ops):
        """Run ops (each at its start offset), return when every process of every op ended."""
        base = time.monotonic() + 0.002
        threads = [threading.Thread(target=self._run, args=(op, base, self.scratch))
                   for op in ops]
        for t in threads:
            t.start()
        for t in threads:
            t.join()


# ---------------------------------------------------------------------------------------------
# Reading the node back


def sh(*args):
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        raise RuntimeError("%s: rc=%d %s" % (" ".join(args), p.returncode,
                                              p.stderr.decode(errors="replace")))
    return p.stdout.decode(errors="replace")


class Rtnl:
    """An rtnetlink socket in one network namespace (it stays there once created): link and
    address dumps without a process per namespace and snapshot."""

    RTM_GETLINK, RTM_GETADDR, NLMSG_ERROR, NLMSG_DONE = 18, 22, 2, 3
    IFLA_IFNAME, IFLA_LINK, IFLA_MASTER, IFLA_LINKINFO, IFLA_INFO_KIND = 3, 5, 10, 18, 1
    IFA_ADDRESS, IFA_LOCAL, RT_SCOPE_LINK = 1, 2, 253

    def __init__(self, netns=None):
        """A socket in /run/netns/<netns> (None: this namespace)."""
        back = None
        if netns:
            libc = ctypes.CDLL(None, use_errno=True)
            back = os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
            fd = os.open("/run/netns/" + netns, os.O_RDONLY | os.O_CLOEXEC)
            try:
                if libc.setns(fd, 0x40000000) != 0:  # CLONE_NEWNET, this thread only
                    raise OSError(ctypes.get_errno(), "setns " + netns)
            finally:
                os.close(fd)
        try:
            self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW | socket.SOCK_CLOEXEC,
                                      socket.NETLINK_ROUTE)
            self.sock.bind((0, 0))
        finally:
            if back is not None:
                if ctypes.CDLL(None).setns(back, 0x40000000) != 0:
                    raise OSError("cannot return to the sandbox's network namespace")
                os.close(back)
        self.seq = 0

    def close(self):
        self.sock.close()

    @staticmethod
    def u32(attrs, t):
        return struct.unpack("I", attrs[t])[0] if t in attrs else None

    @staticmethod
    def attrs(buf, off, end):
        out = {}
        while off + 4 <= end:
            alen, atype = struct.unpack_from("HH", buf, off)
            if alen < 4:
                break
            out[atype & 0x3fff] = buf[off + 4:off + alen]
            off += (alen + 3) & ~3
        return out

    def dump(self, msg_type, body, hdr_len):
        """[(fixed header bytes, {attribute type: bytes})] of one dump request."""
        self.seq += 1
        req = struct.pack("IHHII", 16 + len(body), msg_type, 0x301, self.seq, 0) + body
        self.sock.send(req)
        out = []
        while True:
            buf = self.sock.recv(1 << 20)
            off = 0
            while off + 16 <= len(buf):
                mlen, mtype, _, seq, _ = struct.unpack_from("IHHII", buf, off)
                if mlen < 16:
                    raise OSError("bad netlink message")
                if seq == self.seq:
                    if mtype == self.NLMSG_DONE:
                        return out
                    if mtype == self.NLMSG_ERROR:
                        err = struct.unpack_from("i", buf, off + 16)[0]
                        raise OSError(-err, "netlink dump %d" % msg_type)
                    out.append((buf[off + 16:off + 16 + hdr_len],
                                self.attrs(buf, off + 16 + hdr_len, off + mlen)))
                off += (mlen + 3) & ~3

    def links(self):
        """ifindex -> {"name", "kind", "link" (peer ifindex), "master" (ifindex)}"""
        out = {}
        for hdr, a in self.dump(self.RTM_GETLINK, struct.pack("BxHiII", 0, 0, 0, 0, 0), 16):
            index = struct.unpack_from("i", hdr, 4)[0]
            info = a.get(self.IFLA_LINKINFO)
            kind = self.attrs(info, 0, len(info)).get(self.IFLA_INFO_KIND) if info else None
            out[index] = {"name": a[self.IFLA_IFNAME].rstrip(b"\0").decode(),
                          "kind": kind.rstrip(b"\0").decode() if kind else None,
                          "link": self.u32(a, self.IFLA_LINK),
                          "master": self.u32(a, self.IFLA_MASTER)}
        return out

    def addrs(self):
        """ifindex -> set of "address/prefixlen", link-local scope left out"""
        out = {}
        for hdr, a in self.dump(self.RTM_GETADDR, struct.pack("BBBBI", 0, 0, 0, 0, 0), 8):
            family, plen, _, scope, index = struct.unpack("BBBBI", hdr)
            raw = a.get(self.IFA_LOCAL, a.get(self.IFA_ADDRESS))
            if scope == self.RT_SCOPE_LINK or raw is None:
                continue
            ip = socket.inet_ntop(family, raw)
            out.setdefault(index, set()).add("%s/%d" % (ipaddress.ip_address(ip), plen))
        return out


IPT_COMMENT = re.compile(r'name: \\"([^"\\]*)\\" id: \\"([^"\\]*)\\"(?: if: \\"([^"\\]*)\\")?')
NFT_RULE = re.compile(r'^\s*ip6? saddr (\S+) .*masquerade comment "([^"]*)"')
NFT_COMMENT = re.compile(r'^[0-9a-f]+-[0-9a-f]+, net: (.*), if: (.*), id: (.*)$')


class Snapshot:
    """Everything of ours on the node, at one moment with nothing in flight."""

    host_rtnl = None
    ctr_rtnl = {}  # ctr -> Rtnl in its netns (opened by setup_node)

    def __init__(self, nets):
        self.links = {}  # ctr -> ifname -> {"addrs": set, "peer": ifindex}
        for ctr in range(N_CONTAINERS):
            nl = Snapshot.ctr_rtnl[ctr]
            addrs = nl.addrs()
            self.links[ctr] = {l["name"]: {"addrs": addrs.get(i, set()), "peer": l["link"]}
                               for i, l in nl.links().items() if l["name"] != "lo"}
        self.veths = {}  # ifindex -> {"name", "master"}
        host = Snapshot.host_rtnl.links()
        for i, l in host.items():
            if l["kind"] == "veth":
                m = host.get(l["master"]) if l["master"] else None
                self.veths[i] = {"name": l["name"], "master": m["name"] if m else None}
        self.leases = {}  # net -> ip -> content (bytes)
        self.hl_tmp = {}  # net -> [temp file names]
        self.records = {}  # net -> set of file names
        for n in nets:
            self.leases[n.name], self.hl_tmp[n.name] = {}, []
            d = os.path.join(HL_DIR, n.name)
            for f in os.listdir(d) if os.path.isdir(d) else []:
                if f == "lock" or f.startswith("last_reserved_ip.") or f == ".owners":
                    continue
                if f.startswith(".tmp-host-local."):
                    self.hl_tmp[n.name].append(f)
                    continue
                with open(os.path.join(d, f), "rb") as fh:
                    self.leases[n.name][f] = fh.read()
            d = os.path.join(ST_DIR, n.name)
            self.records[n.name] = set(os.listdir(d)) if os.path.isdir(d) else set()
        # masquerade: (backend, net, cid-or-prefix, ifname, source address, text)
        self.masq = []
        self.ipt_chains = {}  # family -> {chain: number of rules}
        for fam, tool in (("4", "iptables-legacy"), ("6", "ip6tables-legacy")):
            chains = {}
            for line in sh(tool, "-w", "-t", "nat", "-S").splitlines():
                w = line.split()
                if w[:1] == ["-N"]:
                    chains.setdefault(w[1], 0)
                if w[:1] != ["-A"]:
                    continue
                if w[1].startswith("CNI-"):
                    chains[w[1]] = chains.get(w[1], 0) + 1
                m = IPT_COMMENT.search(line)
                if m:
                    src = w[w.index("-s") + 1] if "-s" in w else None
                    self.masq.append(("iptables", m.group(1), m.group(2), m.group(3) or "",
                                      src, line))
            self.ipt_chains[fam] = chains
        for line in sh("nft", "list", "ruleset").splitlines():
            m = NFT_RULE.match(line)
            if not m:
                continue
            c = NFT_COMMENT.match(m.group(2))
            if c:
                self.masq.append(("nftables", c.group(1), c.group(3), c.group(2), m.group(1),
                                  line.strip()))


# ---------------------------------------------------------------------------------------------
# Invariants


INV_NAMES = {
    1: "live attachment: each address leased once to it, nothing of it missing",
    2: "no shared address, no empty lease",
    3: "nothing left after a completed DEL/GC",
    4: "every lease/veth/record/rule belongs to a live or uncertain attachment",
    5: "ADD result matches the interface; CHECK of a live attachment succeeds",
    6: "a failed ADD left nothing",
    7: "verbs answer as they must",
}


class Violation:
    def __init__(self, inv, msg, atts=()):
        self.inv = inv
        self.msg = msg
        self.atts = list(atts)
        self.key = (inv, msg)  # reported once (a leftover stays a leftover)


class Checker:
    def __init__(self, nets, atts):
        self.nets = nets
        self.atts = atts
        self.by_key = {a.key(): a for a in atts}
        self.passed = {i: 0 for i in INV_NAMES}
        self.tmp_must_be_gone = set()  # networks GC'ed (completely) since the last check

    def ok(self, inv, cond, msg, atts=(), out=None):
        """Count one check of invariant inv; a failed one goes to out."""
        if cond:
            self.passed[inv] += 1
        else:
            out.append(Violation(inv, msg, atts))
        return cond

    def owner(self, net, content):
        """The attachment a lease names (None when it names no attachment of ours)."""
        parts = content.decode(errors="replace").split("\r\n")
        if len(parts) != 2:
            return None
        return self.by_key.get((net.name, parts[0], parts[1]))

    @staticmethod
    def masq_is(m, a):
        """Masquerade rule m is attachment a's (nft cuts long comments: a prefix of the ID)."""
        return m[1] == a.net.name and m[3] == a.ifname and (
            m[2] == a.cid or (m[0] == "nftables" and a.cid.startswith(m[2])))

    def masq_of(self, snap, a):
        return [m for m in snap.masq if self.masq_is(m, a)]

    def host_veths_of(self, snap, a):
        """Host veths that are a's: the peer of its container interface, or named for it."""
        found = set()
        link = snap.links[a.ctr].get(a.ifname)
        if link and link["peer"] in snap.veths:
            found.add(snap.veths[link["peer"]]["name"])
        names = {v["name"] for v in snap.veths.values()}
        found |= a.host_veths & names
        return found

    def record_of(self, snap, a):
        recs = snap.records[a.net.name]
        return [r for r in (record_name(a), ".%s.tmp" % record_name(a)) if r in recs]

    def learn(self, snap):
        """Remember the host veth names of every attachment (for the checks after its DEL)."""
        for a in self.atts:
            link = snap.links[a.ctr].get(a.ifname)
            if link and link["peer"] in snap.veths:
                a.host_veths.add(snap.veths[link["peer"]]["name"])
            rec = os.path.join(ST_DIR, a.net.name, record_name(a))
            if os.path.basename(rec) in snap.records[a.net.name]:
                try:
                    with open(rec) as f:
                        h = json.load(f).get("hostInterface")
                    if h:
                        a.host_veths.add(h)
                except (OSError, ValueError):
                    pass

    def check_live(self, snap, a, out):
        net, link = a.net, snap.links[a.ctr].get(a.ifname)
        leases = snap.leases[net.name]
        if not self.ok(1, link is not None,
                       "live %s: no interface %s in %s" % (a.alias, a.ifname, a.netns), [a],
                       out):
            return
        for addr in sorted(link["addrs"]):
            ip = addr.split("/")[0]
            content = leases.get(ip)
            self.ok(1, content is not None and self.owner(net, content) is a,
                    "live %s: address %s on %s has %s" %
                    (a.alias, addr, a.ifname,
                     "no lease file %s/%s/%s" % (HL_DIR, net.name, ip) if content is None
                     else "a lease naming %r" % content.decode(errors="replace")), [a], out)
        held = sorted(ip for ip, c in leases.items() if self.owner(net, c) is a)
        on_link = {x.split("/")[0] for x in link["addrs"]}
        for ip in held:
            self.ok(1, ip in on_link, "live %s: holds lease %s/%s/%s not on its interface "
                    "(leaked)" % (a.alias, HL_DIR, net.name, ip), [a], out)
        sets = [net.set_of(ip) for ip in held]
        self.ok(1, sorted(sets) == list(range(len(net.sets))),
                "live %s: leases %s, want one per range set (%d)" %
                (a.alias, held, len(net.sets)), [a], out)
        peer = snap.veths.get(link["peer"])
        self.ok(1, peer is not None and peer["master"] == net.bridge,
                "live %s: host veth %s not on bridge %s" %
                (a.alias, peer["name"] if peer else "(none)", net.bridge), [a], out)
        self.ok(1, record_name(a) in snap.records[net.name],
                "live %s: state record %s/%s/%s:%s missing" %
                (a.alias, ST_DIR, net.name, a.cid, a.ifname), [a], out)
        if net.masq:
            rules = self.masq_of(snap, a)
            for addr in sorted(link["addrs"]):
                ip = addr.split("/")[0]
                self.ok(1, any(m[0] == net.masq and m[4] and m[4].split("/")[0] == ip
                               for m in rules),
                        "live %s: no %s masquerade rule for %s" % (a.alias, net.masq, addr),
                        [a], out)
        want = sorted(norm_prefix(p) for p in ips_of(a.result or {}))
        self.ok(5, want == sorted(link["addrs"]),
                "live %s: ADD result %s, interface %s has %s" %
                (a.alias, want, a.ifname, sorted(link["addrs"])), [a], out)

    def check_gone(self, snap, a, out, inv=3, why="after its completed DEL/GC"):
        """Nothing of attachment a on the node: one check per kind of leftover."""
        net = a.net
        link = snap.links[a.ctr].get(a.ifname)
        left = {
            "interface": ["%s in %s (addresses %s)" % (a.ifname, a.netns, sorted(link["addrs"]))]
            if link else [],
            "lease": ["%s/%s/%s" % (HL_DIR, net.name, ip)
                      for ip, c in sorted(snap.leases[net.name].items())
                      if self.owner(net, c) is a],
            "host veth": sorted(self.host_veths_of(snap, a)),
            "state record": ["%s/%s/%s" % (ST_DIR, net.name, r) for r in self.record_of(snap, a)],
            "masquerade rule": ["(%s) %s" % (m[0], m[5]) for m in self.masq_of(snap, a)],
        }
        for kind, things in left.items():
            if not things:
                self.passed[inv] += 1
            for t in things:
                out.append(Violation(inv, "%s %s: %s %s remains" % (a.alias, why, kind, t), [a]))

    def check_node(self, snap, out):
        """Invariants 2 and 4 (and 3 for GC'ed temp files) over the whole node."""
        seen = {}
        for a in self.atts:
            link = snap.links[a.ctr].get(a.ifname)
            if a.state != "live" or not link:
                continue
            for addr in link["addrs"]:
                ip = addr.split("/")[0]
                other = seen.get(ip)
                self.ok(2, other is None, "address %s is on both %s and %s" %
                        (ip, other.alias if other else "", a.alias), [a] + ([other] if other
                                                                           else []), out)
                seen[ip] = a
        for net in self.nets:
            for ip, c in sorted(snap.leases[net.name].items()):
                path = "%s/%s/%s" % (HL_DIR, net.name, ip)
                parts = c.decode(errors="replace").split("\r\n")
                if not self.ok(2, len(parts) == 2 and parts[0] and parts[1],
                               "lease %s has content %r (no owner)" % (path, c), out=out):
                    continue
                o = self.owner(net, c)
                self.ok(4, o is not None and o.state in ("live", "uncertain"),
                        "lease %s names %s, which the runtime believes %s" %
                        (path, o.alias if o else repr(c), o.state if o else "unknown"),
                        [o] if o else [], out)
            for r in sorted(snap.records[net.name]):
                base = r[1:-4] if r.startswith(".") and r.endswith(".tmp") else r
                o = next((a for a in self.atts if a.net is net and
                          record_name(a) == base), None)
                self.ok(4, o is not None and o.state in ("live", "uncertain"),
                        "state record %s/%s/%s belongs to %s (%s)" %
                        (ST_DIR, net.name, r, o.alias if o else "nobody",
                         o.state if o else "unknown"), [o] if o else [], out)
            if net.name in self.tmp_must_be_gone:
                self.ok(3, not snap.hl_tmp[net.name],
                        "after a completed GC of %s: host-local temp files %s remain" %
                        (net.name, snap.hl_tmp[net.name]), out=out)
        self.tmp_must_be_gone.clear()
        known = {(a.ctr, a.ifname) for a in self.atts}
        for ctr, links in sorted(snap.links.items()):
            for ifname in sorted(links):
                self.ok(4, (ctr, ifname) in known, "interface %s in /run/netns/inv-c%d is no "
                        "attachment's" % (ifname, ctr), out=out)
        owners = {}
        for a in self.atts:
            link = snap.links[a.ctr].get(a.ifname)
            if link and link["peer"] in snap.veths:
                owners[link["peer"]] = a
        for ifindex, v in sorted(snap.veths.items()):
            o = owners.get(ifindex)
            self.ok(4, o is not None and o.state in ("live", "uncertain"),
                    "host veth %s (master %s) belongs to %s (%s)" %
                    (v["name"], v["master"], o.alias if o else "no container interface of ours",
                     o.state if o else "unknown"), [o] if o else [], out)
        for m in snap.masq:
            o = next((a for a in self.atts if self.masq_is(m, a)), None)
            self.ok(4, o is not None and o.state in ("live", "uncertain"),
                    "%s masquerade rule of %s (%s): %s" %
                    (m[0], o.alias if o else "nobody", o.state if o else "unknown", m[5]),
                    [o] if o else [], out)
        for fam, chains in snap.ipt_chains.items():
            for ch, n in sorted(chains.items()):
                if ch.startswith("CNI-"):
                    self.ok(4, n > 0, "empty iptables chain %s (IPv%s nat) left" % (ch, fam),
                            out=out)

    def check(self, snap):
        out = []
        self.learn(snap)
        for a in self.atts:
            if a.state == "live":
                self.check_live(snap, a, out)
            elif a.state == "absent":
                self.check_gone(snap, a, out)
        self.check_node(snap, out)
        return out


# ---------------------------------------------------------------------------------------------
# The runtime


class Runtime:
    def __init__(self, args, nets, atts, runner, checker):
        self.args = args
        self.rng = random.Random(args.seed)
        self.nets, self.atts, self.runner, self.checker = nets, atts, runner, checker
        self.log = []  # (round, line)
        self.round = 0
        self.stats = dict(ops=0, kills=0, kills_landed=0, syscall_kills=0,
                          syscall_kills_landed=0, orphans=0, concurrent=0, races=0,
                          races_overlapped=0, races_violated=0, rounds=0, verbs={})
        self.violations = []
        self.reported = set()
        self.snap = None

    # -- helpers --

    def note(self, line):
        self.log.append((self.round, line))
        if self.args.verbose:
            print("  [%d] %s" % (self.round, line), flush=True)

    def conf_for(self, op):
        c = op.net.conf()
        if op.verb in ("CHECK", "DEL") and op.att and op.att.state == "live" and op.att.result:
            c["prevResult"] = op.att.result
        if op.verb == "GC":
            c["cni.dev/valid-attachments"] = [{"containerID": a.cid, "ifname": a.ifname}
                                              for a in op.valid]
        return json.dumps(c).encode()

    def kill_plan(self, p):
        if self.rng.random() >= p:
            return None
        if self.args.syscall_kills and self.rng.random() < 0.5:
            name = self.rng.choice(sorted(SYSCALLS))
            return Kill(syscall=name, nth=self.rng.randint(1, SYSCALLS[name]))
        return Kill(after=self.rng.uniform(0, KILL_MAX_MS) / 1000.0,
                    group=self.rng.random() < 0.5)

    def pick(self, pred, busy):
        cands = [a for a in self.atts if pred(a) and a.ctr not in busy and not a.forgotten]
        return self.rng.choice(cands) if cands else None

    def choose_att_op(self, busy, kill_p):
        """One operation on one attachment, as a runtime would issue it."""
        uncertain = self.pick(lambda a: a.state == "uncertain", busy)
        if uncertain and self.rng.random() < 0.6:
            verb, a = "DEL", uncertain  # the runtime's follow-up DEL
        else:
            r = self.rng.random()
            a = None
            if r < 0.45:
                verb, a = "ADD", self.pick(lambda x: x.state == "absent", busy)
            elif r < 0.75:
                verb, a = "DEL", self.pick(lambda x: x.state == "live", busy)
            elif r < 0.92:
                verb, a = "CHECK", self.pick(lambda x: x.state == "live", busy)
            elif r < 0.96:
                verb, a = "DEL", self.pick(lambda x: x.state == "absent", busy)  # idempotent
            else:
                verb, a = "ADD", self.pick(lambda x: x.state == "live", busy)  # refused
            if a is None:
                verb, a = "ADD", self.pick(lambda x: x.state == "absent", busy)
            if a is None:
                return None
        tag = "again" if verb == "ADD" and a.state == "live" else ""
        return Op(verb, a.net, a, kill=self.kill_plan(kill_p if verb != "CHECK" else kill_p / 3),
                  tag=tag)

    # -- rounds --

    def plan_round(self):
        r = self.rng.random()
        sc = self.args.scenario
        if sc == "race" or (sc == "all" and r < 0.10):
            a = self.pick(lambda x: x.state == "absent", set())
            if a:
                # 0-40 ms, skewed to 0 (median 2.5 ms): the window where DEL releases ADD's
                # fresh lease before ADD has written its state record is about 1 ms wide
                d = RACE_MAX_MS * self.rng.random() ** 4 / 1000.0
                return "race", [Op("ADD", a.net, a), Op("DEL", a.net, a, start=d)]
        execs = [n for n in self.nets if n.exec_ipam]
        if execs and self.rng.random() < self.args.orphans:
            # a runtime that kills only its plugin (Go's exec.CommandContext) and DELs as soon
            # as it has reaped it, while the host-local the bridge executed (slow to start
            # here: a loaded node) may still run
            net = self.rng.choice(execs)
            a = self.pick(lambda x: x.state == "absent" and x.net is net, set())
            if a:
                add = Op("ADD", net, a, kill=Kill(after=self.rng.uniform(0, KILL_MAX_MS) /
                                                  1000.0, group=False))
                add.ipam_delay = self.rng.uniform(0, 0.250)
                return "orphan", [add, Op("DEL", net, a, after=add,
                                          start=self.rng.uniform(0, 0.001))]
        r = self.rng.random()
        if r < 0.08:
            lost = [a.net for a in self.atts if a.forgotten]
            net = self.rng.choice(lost if lost and self.rng.random() < 0.7 else self.nets)
            op = Op("GC", net, kill=self.kill_plan(self.args.kill_p))
            op.valid = [a for a in self.atts if a.net is net and a.state == "live"]
            return "gc", [op]  # SPEC: GC is exclusive, nothing runs beside it
        if r < 0.13:
            return "status", [Op("STATUS", self.rng.choice(self.nets))]
        n = 1 if r < 0.55 else self.rng.randint(2, 4)
        ops, busy = [], set()
        for _ in range(n):
            op = self.choose_att_op(busy, self.args.kill_p)
            if op is None:
                break
            busy.add(op.att.ctr)
            op.start = self.rng.uniform(0, 0.010) if ops else 0.0
            ops.append(op)
        if n > 1 and self.rng.random() < 0.3:
            ops.append(Op("STATUS", self.rng.choice(self.nets),
                          start=self.rng.uniform(0, 0.010)))
        return ("concurrent" if len(ops) > 1 else "single"), ops

    def run_round(self, kind, ops):
        self.round += 1
        self.stats["rounds"] += 1
        for op in ops:
            op.stdin = self.conf_for(op)
        self.runner.run(ops)
        for op in ops:
            self.stats["ops"] += 1
            self.stats["verbs"][op.verb] = self.stats["verbs"].get(op.verb, 0) + 1
            if op.kill:
                k = "syscall_kills" if op.kill.syscall else "kills"
                self.stats[k] += 1
                self.stats[k + "_landed"] += op.killed or op.injected
            self.note({"race": "race: ", "concurrent": "par: ", "orphan": "orphan: "}.get(
                kind, "") + op.describe())
        if kind == "concurrent":
            self.stats["concurrent"] += 1
        if kind == "orphan":
            self.stats["orphans"] += 1
        out = []
        failed_adds = []
        if kind == "race":
            self.settle_race(ops, out)
        else:
            for op in ops:
                self.settle(op, kind, out, failed_adds)
        snap = Snapshot(self.nets)
        for a in failed_adds:
            self.checker.check_gone(snap, a, out, inv=6, why="after its failed ADD")
        out += self.checker.check(snap)
        self.snap = snap
        if kind == "race":
            self.stats["races"] += 1
            self.stats["races_overlapped"] += ops[1].t0 < ops[0].t1
            self.stats["races_violated"] += bool(out)
        self.report(out, kind, ops)
        return not out

    def uncertain(self, a, why):
        a.state, a.result, a.forgotten = "uncertain", None, False
        self.note("%s is uncertain now: %s" % (a.alias, why))

    def settle(self, op, kind, out, failed_adds):
        """Update the runtime's belief from one finished operation; check its answer."""
        a, e = op.att, op.error()
        if a:
            a.touched = True
        code = e.get("code")
        # a child killed by strace (executed host-local): the verb may fail, as when killed
        hit = op.killed or (op.injected and op.rc != 0)
        if op.verb == "ADD" and op.tag == "again":
            if not hit:
                self.checker.ok(7, op.rc != 0, "ADD of live %s succeeded (must be refused): "
                                "%s" % (a.alias, op.out[:300]), [a], out)
            if op.rc == 0 and not op.killed:
                self.uncertain(a, "second ADD accepted")
        elif op.verb == "ADD":
            if op.killed:
                self.uncertain(a, "ADD killed")
                # a runtime that restarts loses track of it: only a GC will clean it
                a.forgotten = self.rng.random() < self.args.forget_p
            elif op.rc == 0:
                a.state, a.result = "live", e
                for itf in e.get("interfaces", []):
                    if "sandbox" not in itf and itf.get("name") != a.net.bridge:
                        a.host_veths.add(itf["name"])
            elif op.injected:
                # the bridge releases IPAM only after IPAM's ADD succeeded (as the reference):
                # what the killed host-local left is for the runtime's DEL
                self.uncertain(a, "ADD failed, its host-local killed")
            else:
                exhausted = "no IP addresses available" in e.get("msg", "")
                # code 11 (try again: a lock was busy) is an answer a runtime retries
                self.checker.ok(7, exhausted or code == 11, "ADD %s failed: %s" % (a.alias,
                                op.out.decode(errors="replace")[:300]), [a], out)
                if exhausted and kind == "single" and self.snap is not None:
                    full = a.net.full_sets(list(self.snap.leases[a.net.name]))
                    self.checker.ok(7, bool(full), "ADD %s says exhausted, but every range "
                                    "set of %s had a free address (leases: %s)" %
                                    (a.alias, a.net.name,
                                     sorted(self.snap.leases[a.net.name])), [a], out)
                self.uncertain(a, "ADD failed")  # the runtime DELs it anyway
                failed_adds.append(a)
        elif op.verb == "DEL":
            if op.killed:
                self.uncertain(a, "DEL killed")
            elif hit:
                self.uncertain(a, "DEL failed, its host-local killed")
            elif op.rc != 0 and code == 11:
                self.uncertain(a, "DEL answered try again")  # the runtime DELs again
            elif self.checker.ok(7, op.rc == 0, "DEL %s failed: %s" %
                                 (a.alias, op.out.decode(errors="replace")[:300]), [a], out):
                a.state, a.result, a.forgotten = "absent", None, False
            else:
                self.uncertain(a, "DEL failed")
        elif op.verb == "CHECK":
            if not hit:
                self.checker.ok(5, op.rc == 0, "CHECK of live %s failed: %s" %
                                (a.alias, op.out.decode(errors="replace")[:300]), [a], out)
        elif op.verb == "GC":
            if not hit and self.checker.ok(7, op.rc == 0, "GC %s failed: %s" % (
                    op.net.name, op.out.decode(errors="replace")[:300]), out=out):
                for x in self.atts:
                    if x.net is op.net and x.state != "live":
                        x.state, x.result, x.forgotten = "absent", None, False
                self.checker.tmp_must_be_gone.add(op.net.name)
        elif op.verb == "STATUS" and not op.killed:
            self.checker.ok(7, op.rc == 0 or code == 50, "STATUS %s: rc=%d %s" %
                            (op.net.name, op.rc, op.out[:300]), out=out)
            if kind == "status" and self.snap is not None:
                full = op.net.full_sets(list(self.snap.leases[op.net.name]))
                self.checker.ok(7, (code == 50) == bool(full),
                                "STATUS %s answered %s, but full range sets are %s" %
                                (op.net.name, "50" if code == 50 else "rc=%d" % op.rc, full),
                                out=out)

    def settle_race(self, ops, out):
        add, dele = ops
        a = add.att
        a.touched = True
        retry = dele.rc != 0 and dele.error().get("code") == 11
        self.checker.ok(7, dele.rc == 0 or retry, "DEL %s (racing ADD) failed: %s" %
                        (a.alias, dele.out.decode(errors="replace")[:300]), [a], out)
        add_ok = add.rc == 0
        if dele.rc != 0:
            self.uncertain(a, "DEL racing ADD did not complete")  # the runtime DELs again
        elif add_ok and add.t1 > dele.t1 + RACE_MARGIN:
            a.state, a.result = "live", add.error()  # ADD answered last: the runtime keeps it
        elif dele.t1 > add.t1 + RACE_MARGIN or not add_ok:
            a.state, a.result = "absent", None  # DEL answered last
        else:  # too close to tell: whatever the node shows must be complete
            link = Snapshot(self.nets).links[a.ctr].get(a.ifname)
            if link:
                a.state, a.result = "live", add.error()
            else:
                a.state, a.result = "absent", None
        if a.state == "live":
            for itf in a.result.get("interfaces", []):
                if "sandbox" not in itf and itf.get("name") != a.net.bridge:
                    a.host_veths.add(itf["name"])
        self.note("race: ADD ended %.1fms, DEL ended %.1fms: runtime believes %s" %
                  (add.t1 * 1000, dele.t1 * 1000, a.state))

    # -- reporting --

    def report(self, out, kind, ops):
        new = [v for v in out if v.key not in self.reported]
        for v in out:
            for a in v.atts:
                if a is not None and a.state != "uncertain":
                    self.uncertain(a, "violation")  # the runtime would DEL it
        if not new:
            return
        for v in new:
            self.reported.add(v.key)
            self.violations.append((self.round, v))
        print("VIOLATION in round %d (%s), seed %d:" % (self.round, kind, self.args.seed))
        for v in new:
            print("  invariant %d (%s): %s" % (v.inv, INV_NAMES[v.inv], v.msg))
        involved = {a for v in new for a in v.atts if a is not None}
        print("  operations of this round:")
        for op in ops:
            print("    " + op.describe())
            err = op.err.decode(errors="replace").strip()
            if err:
                for line in err.splitlines()[:6]:
                    print("      stderr: " + line)
        print("  operation log (last %d rounds, and every round touching %s):" %
              (self.args.log_rounds, ", ".join(sorted(a.alias for a in involved)) or "-"))
        for rnd, line in self.log:
            if rnd > self.round - self.args.log_rounds or any(a.alias in line
                                                               for a in involved):
                print("    [%d] %s" % (rnd, line))
        for a in sorted(involved, key=lambda x: x.alias):
            print("  %s = container ID %s, ifname %s, netns %s, network %s (bridge %s)" %
                  (a.alias, a.cid, a.ifname, a.netns, a.net.name, a.net.bridge))
        sys.stdout.flush()

    # -- the run --

    def teardown(self):
        """The runtime removes everything: DEL of every attachment it touched, then a GC
        with an empty list per network. Afterwards nothing of ours may remain."""
        self.round += 1
        ops = [Op("DEL", a.net, a) for a in self.atts if a.touched]
        for op in ops:
            op.stdin = self.conf_for(op)
        # one container at a time (SPEC: no parallel operations for the same container)
        for ctr in range(N_CONTAINERS):
            self.runner.run([op for op in ops if op.att.ctr == ctr])
        out = []
        for op in ops:
            self.stats["ops"] += 1
            self.note("teardown: " + op.describe())
            self.settle(op, "teardown", out, [])
        gcs = []
        for net in self.nets:
            op = Op("GC", net)
            op.valid = []
            op.stdin = self.conf_for(op)
            self.runner.run([op])
            self.stats["ops"] += 1
            self.note("teardown: " + op.describe())
            self.settle(op, "teardown", out, [])
            gcs.append(op)
        for a in self.atts:
            a.state = "absent"
        out += self.checker.check(Snapshot(self.nets))
        self.report(out, "teardown", ops + gcs)

    def run(self):
        t_end = time.monotonic() + self.args.seconds if self.args.seconds else None
        self.snap = Snapshot(self.nets)
        while True:
            if t_end and time.monotonic() >= t_end:
                break
            if self.args.ops and self.stats["ops"] >= self.args.ops:
                break
            if self.args.scenario == "race" and self.stats["races"] >= self.args.races:
                break
            if self.violations and not self.args.keep_going:
                break
            kind, ops = self.plan_round()
            if not ops:
                continue
            self.run_round(kind, ops)
            # race scenario: a live winner is DELeted before the next race
            if self.args.scenario == "race":
                for a in self.atts:
                    if a.state != "absent":
                        self.run_round("single", [Op("DEL", a.net, a)])
        self.teardown()


# ---------------------------------------------------------------------------------------------
# Setup and main


def setup_node(nets):
    Snapshot.host_rtnl = Rtnl()
    for ctr in range(N_CONTAINERS):
        ns = "inv-c%d" % ctr
        sh("ip", "netns", "add", ns)
        sh("ip", "-n", ns, "link", "set", "lo", "up")
        Snapshot.ctr_rtnl[ctr] = Rtnl(ns)
    # IPv6 forwarding (isGateway) and the nat tables exist before the first round, as on a
    # node that runs containers; the bridges are created by the first ADD of each network.
    sh("sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1")


def teardown_node(nets):
    for nl in [Snapshot.host_rtnl] + list(Snapshot.ctr_rtnl.values()):
        if nl:
            nl.close()
    Snapshot.host_rtnl, Snapshot.ctr_rtnl = None, {}
    for ctr in range(N_CONTAINERS):
        subprocess.run(["ip", "netns", "del", "inv-c%d" % ctr], stderr=subprocess.DEVNULL)
    for n in nets:
        subprocess.run(["ip", "link", "del", n.bridge], stderr=subprocess.DEVNULL)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", required=True, help="directory with bridge and host-local")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--seconds", type=float, default=60, help="stop after this long (0: no limit)")
    ap.add_argument("--ops", type=int, default=0, help="stop after this many operations (0: no limit)")
    ap.add_argument("--scenario", choices=("mix", "race", "all"), default="mix",
                    help="mix: kills and concurrent different attachments; race: only ADD "
                    "racing DEL of one attachment; all: both")
    ap.add_argument("--nets", help="comma-separated subset of the networks (default: all)")
    ap.add_argument("--races", type=int, default=20, help="race scenario: how many races")
    ap.add_argument("--kill-p", type=float, default=0.3, help="share of operations killed")
    ap.add_argument("--syscall-kills", action="store_true",
                    help="half of the kills injected by strace at a system call")
    ap.add_argument("--orphans", type=float, default=0.0,
                    help="share of rounds where only the bridge is killed, its host-local "
                    "(slow to start) runs on, and the runtime DELs at once")
    ap.add_argument("--forget-p", type=float, default=0.3,
                    help="share of killed ADDs the runtime forgets (left to GC)")
    ap.add_argument("--keep-going", action="store_true", help="go on after a violation")
    ap.add_argument("--log-rounds", type=int, default=25)
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    if os.environ.get("CNI_SANDBOXED") != "1" or os.geteuid() != 0:
        print("invcheck: runs only inside test/integration/sandbox.sh (as root)")
        return 77
    if args.seed is None:
        args.seed = int.from_bytes(os.urandom(4), "little")
    nets = make_nets()
    if args.nets:
        nets = [n for n in nets if n.name in args.nets.split(",")]
    atts = [Att(n, c, s) for n in nets for c in range(N_CONTAINERS) for s in range(IFSLOTS)]
    print("invcheck: seed %d (INVARIANT_SEED=%d reproduces the choices), scenario %s, "
          "networks %s" % (args.seed, args.seed, args.scenario,
                           ", ".join("%s(%s%s%s)" % (n.name, n.bridge,
                                                      ",masq=" + n.masq if n.masq else "",
                                                      ",exec-ipam" if n.exec_ipam else "")
                                     for n in nets)), flush=True)
    scratch = tempfile.mkdtemp(prefix="invcheck.", dir=os.environ.get("T", "/tmp"))
    rt = None
    try:
        setup_node(nets)
        rt = Runtime(args, nets, atts, Runner(args.bin, scratch), Checker(nets, atts))
        t0 = time.monotonic()
        rt.run()
        elapsed = time.monotonic() - t0
    except (RuntimeError, OSError) as e:
        print("invcheck: setup/observation error: %s" % e)
        return 2
    finally:
        teardown_node(nets)
        subprocess.run(["rm", "-rf", scratch])
    s = rt.stats
    passed = sum(rt.checker.passed.values())
    print("invcheck: %d rounds, %d operations (%s) in %.1fs; %d kills planned, %d landed "
          "mid-operation; %d kills at a system call, %d landed; %d killed ADDs DELeted while "
          "their host-local ran on; %d concurrent rounds on different attachments; %d ADD/DEL "
          "races on one attachment (%d overlapped, %d violated)" %
          (s["rounds"], s["ops"], " ".join("%s=%d" % kv for kv in sorted(s["verbs"].items())),
           elapsed, s["kills"], s["kills_landed"], s["syscall_kills"],
           s["syscall_kills_landed"], s["orphans"], s["concurrent"], s["races"],
           s["races_overlapped"], s["races_violated"]))
    print("invcheck: %d invariant checks passed (%s), %d violations; seed %d" %
          (passed, " ".join("inv%d=%d" % kv for kv in sorted(rt.checker.passed.items())),
           len(rt.violations), args.seed))
    return 1 if rt.violations else 0


if __name__ == "__main__":
    sys.exit(main())
