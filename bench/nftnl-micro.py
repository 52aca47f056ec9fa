#!/usr/bin/env python3
"""The nftables masquerade path alone, two builds of build/test/masqctl side by side (from
bench/nftnl-trial.sh, inside its sandbox: a private netns and a fresh-node /run).

    nftnl-micro.py N NAME=MASQCTL NAME=MASQCTL

N ADDs per side, alternating AB BA ..., each its own attachment (one v4 + one v6 rule), so the
chain grows to 4 N rules as on a busy node; then the N DELs, alternating alike. Wall time
(posix_spawn .. wait4) and CPU (user+sys of wait4's rusage) per operation; prints medians and
p95 per side and operation."""
import os
import statistics
import sys
import time


def run(argv):
    t0 = time.monotonic()
    pid = os.posix_spawn(argv[0], argv, os.environ)
    _, status, ru = os.wait4(pid, 0)
    ms = (time.monotonic() - t0) * 1e3
    if status != 0:
        sys.exit("nftnl-micro: %s: exit status %d" % (" ".join(argv), status))
    return ms, (ru.ru_utime + ru.ru_stime) * 1e3


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]


def main():
    n = int(sys.argv[1])
    sides = [a.split("=", 1) for a in sys.argv[2:4]]
    res = {(s, op, k): [] for s, _ in sides for op in ("ADD", "DEL") for k in ("ms", "cpu")}
    for op in ("ADD", "DEL"):
        for i in range(n):
            order = sides if i % 2 == 0 else sides[::-1]
            for k, (name, prog) in enumerate(order):
                side = sides.index(order[k])
                ctr = "c%d-%d" % (side, i)
                if op == "ADD":
                    v4 = "10.%d.%d.%d/16" % (100 + side, i // 250, i % 250 + 2)
                    v6 = "fd00:%x::%x/64" % (100 + side, i + 2)
                    argv = [prog, "-b", "nftables", "add", "micro", ctr, "eth0", v4, v6]
                else:
                    argv = [prog, "del", "micro", ctr, "eth0"]
                ms, cpu = run(argv)
                res[(name, op, "ms")].append(ms)
                res[(name, op, "cpu")].append(cpu)
    print("| masqctl, %d per side | %s | %s | ratio |" % (n, sides[0][0], sides[1][0]))
    print("|---|---|---|---|")
    for op in ("ADD", "DEL"):
        for k, what in (("ms", "wall"), ("cpu", "CPU")):
            for p in (50, 95):
                a = pct(res[(sides[0][0], op, k)], p)
                b = pct(res[(sides[1][0], op, k)], p)
                label = "%s %s %s" % (op, what, "median" if p == 50 else "p95")
                print("| %s | %.3f ms | %.3f ms | %.3f |" % (label, a, b, a / b if b else 0))
    for op in ("ADD", "DEL"):
        a = statistics.mean(res[(sides[0][0], op, "cpu")])
        b = statistics.mean(res[(sides[1][0], op, "cpu")])
        print("| %s CPU mean | %.3f ms | %.3f ms | %.3f |" % (op, a, b, a / b if b else 0))


main()
