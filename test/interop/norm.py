#!/usr/bin/env python3
"""Normalisers for the interop / differential tests.

norm.py result [KEEP_MAC...] < result.json
    CNI result (or any JSON) with key order irrelevant and an empty "dns" dropped: MACs become "<mac>" (except the
    ones listed, kept as given in lower case), host veth names "vethXXXXXXXX" become
    "veth*", printed sorted and compact. Non-JSON input is printed as "<not json: ...>".

norm.py kstate DIR ASPECT [KEEP_MAC...]
    Kernel state dumped by test/interop/lib.sh (kstate_dump) into DIR, reduced to one
    stable, sorted text per ASPECT:
      ctr-links   container netns links: name kind mtu operstate mac
      ctr-addrs   container netns addresses (link-local IPv6 reduced to "fe80::/64")
      ctr-routes  container netns main-table routes, both families
      bridge      bridges of the host netns: name mtu operstate promisc addresses
      ports       bridge ports: master kind mtu operstate hairpin
      sysctl      the forwarding sysctls of the host netns
      ctr-sysctl  eth0's arp_notify, accept_dad, disable_ipv6 in the container netns
      all         every aspect above, one "ASPECT=text" line each
"""
import json
import re
import sys

MAC_RE = re.compile(r"\b[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5}\b")
VETH_RE = re.compile(r"^veth[0-9a-f]{8}$")


def norm_mac(s, keep):
    return MAC_RE.sub(lambda m: m.group(0).lower() if m.group(0).lower() in keep else "<mac>", s)


def norm_value(v, keep):
    if isinstance(v, dict):
        return {k: norm_value(x, keep) for k, x in v.items()}
    if isinstance(v, list):
        return [norm_value(x, keep) for x in v]
    if isinstance(v, str):
        if VETH_RE.match(v):
            return "veth*"
        return norm_mac(v, keep)
    return v


def cmd_result(keep):
    data = sys.stdin.read()
    try:
        v = json.loads(data)
    except ValueError:
        print("<not json: %r>" % data[:200])
        return
    # An empty "dns" object means the same as none: Debian's 1.1.1 prints "dns":{} in 1.0.0
    # results, upstream HEAD omits it.
    if isinstance(v, dict) and v.get("dns") == {}:
        del v["dns"]
    print(json.dumps(norm_value(v, keep), sort_keys=True, separators=(",", ":")))


def load(path):
    try:
        with open(path) as f:
            s = f.read().strip()
        return json.loads(s) if s else []
    except (OSError, ValueError):
        return []


def name(n):
    return "veth*" if VETH_RE.match(n) else n


ASPECTS = ("ctr-links", "ctr-addrs", "ctr-routes", "ctr-sysctl", "bridge", "ports", "sysctl")


def cmd_kstate(d, aspect, keep):
    if aspect == "all":
        for a in ASPECTS:
            sys.stdout.write(a + "=")
            cmd_kstate(d, a, keep)
        return
    out = []
    if aspect == "ctr-links":
        for l in load(d + "/ctr-link.json"):
            kind = l.get("linkinfo", {}).get("info_kind", "")
            mac = norm_mac(l.get("address", ""), keep)
            out.append("%s %s mtu=%s %s %s" % (l["ifname"], kind or "-", l.get("mtu"),
                                               l.get("operstate"), mac))
    elif aspect == "ctr-addrs":
        for l in load(d + "/ctr-addr.json"):
            for a in l.get("addr_info", []):
                local = a.get("local", "")
                if a.get("scope") == "link" and local.startswith("fe80:"):
                    local = "fe80::"
                out.append("%s %s %s/%s %s" % (l["ifname"], a.get("family"), local,
                                               a.get("prefixlen"), a.get("scope")))
    elif aspect == "ctr-routes":
        for fam in ("4", "6"):
            for r in load(d + "/ctr-route%s.json" % fam):
                if r.get("dst", "").startswith("fe80::") or r.get("dst") == "multicast":
                    continue
                out.append("v%s %s via=%s dev=%s proto=%s scope=%s metric=%s" % (
                    fam, r.get("dst"), r.get("gateway", "-"), r.get("dev"),
                    r.get("protocol", "-"), r.get("scope", "-"), r.get("metric", "-")))
    elif aspect == "bridge":
        addrs = {}
        for l in load(d + "/host-addr.json"):
            addrs[l["ifname"]] = sorted(
                "%s/%s" % (a["local"], a["prefixlen"]) for a in l.get("addr_info", [])
                if a.get("scope") != "link")
        for l in load(d + "/host-link.json"):
            if l.get("linkinfo", {}).get("info_kind") != "bridge":
                continue
            promisc = "promisc" if "PROMISC" in l.get("flags", []) else "-"
            out.append("%s mtu=%s %s %s addrs=%s" % (l["ifname"], l.get("mtu"), l.get("operstate"),
                                                    promisc, ",".join(addrs.get(l["ifname"], []))))
    elif aspect == "ports":
        hairpin = {}
        for p in load(d + "/bridge-link.json"):
            hairpin[p.get("ifname")] = p.get("hairpin", "-")
        for l in load(d + "/host-link.json"):
            if "master" not in l:
                continue
            kind = l.get("linkinfo", {}).get("info_kind", "")
            out.append("%s master=%s %s mtu=%s %s hairpin=%s" % (
                name(l["ifname"]), l["master"], kind, l.get("mtu"), l.get("operstate"),
                hairpin.get(l["ifname"], "-")))
    elif aspect in ("sysctl", "ctr-sysctl"):
        try:
            with open(d + "/" + aspect + ".txt") as f:
                out = [x.strip() for x in f if x.strip()]
        except OSError:
            pass
    else:
        sys.exit("unknown aspect " + aspect)
    print("; ".join(sorted(out)))


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    keep = set()
    if sys.argv[1] == "result":
        keep = {m.lower() for m in sys.argv[2:]}
        cmd_result(keep)
    elif sys.argv[1] == "kstate" and len(sys.argv) >= 4:
        keep = {m.lower() for m in sys.argv[4:]}
        cmd_kstate(sys.argv[2], sys.argv[3], keep)
    else:
        sys.exit(__doc__)


main()
