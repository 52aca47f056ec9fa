#!/usr/bin/python3
"""Compare one reference test suite run against two plugin directories, spec by spec.

  compare.py skip SUITE
      the -ginkgo.skip regex of SUITE's not-applicable specs (test/peer/specs.txt)
  compare.py compare SUITE REF.json OURS.json SUMMARY.json
      one line per spec on stdout, "STATUS<TAB>DESCRIPTION<TAB>DIAGNOSTIC", STATUS one of
        pass     passes on ours
        same     fails on ours and on the reference, the same way (same suite line and
                 message, or a "same" entry of specs.txt): not held against ours
        differs  fails on ours for a documented deliberate difference (a "differs" entry)
        fail     anything else (also a spec missing from one run)
        harness  (an extra line) the reference fails a spec no "same" entry explains: the
                 harness, not the plugin under test, is in doubt
      and the counts into SUMMARY.json.
The reports are the JSON lines of test/peer/report_test.go: {"spec", "state", "failure",
"where", "at"}. "ours" is whatever directory the second run used (make conformance: any).
"""
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def entries(suite):
    out = []
    with open(os.path.join(HERE, "specs.txt")) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            # " | " separates; a regex may hold "|" but never a blank before it
            head, regex, reason, asserted, failure = (
                re.split(r"\s+\|(?:\s+|$)", line, 4) + ["", "", ""])[:5]
            kind, s = head.split()
            if s == suite:
                out.append({"kind": kind, "re": re.compile(regex), "regex": regex,
                            "reason": reason.strip(), "asserted": asserted.strip(),
                            "failure": re.compile(failure.strip())})
    return out


def load(path):
    specs, seen = {}, {}
    try:
        with open(path) as f:
            for line in f:
                if line.strip():
                    d = json.loads(line)
                    # the same text at the same place: an It in a loop that does not name
                    # its iteration (both runs go through them in the same order)
                    k = (d["spec"], d.get("at", ""))
                    n = seen[k] = seen.get(k, 0) + 1
                    specs[k + (n,)] = d
    except OSError:
        pass
    return specs


def norm(msg):
    """A failure message without what changes from run to run (Go pointers, temp names)."""
    msg = re.sub(r"0x[0-9a-f]+", "0x", msg or "")
    msg = re.sub(r"cni-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "cni-NS", msg)
    msg = re.sub(r"(bridge_test|host-local_test)[0-9]+", r"\1N", msg)
    return " ".join(msg.split())


def short(d):
    where = os.path.basename(d.get("where", ""))
    return "%s: %s" % (where, norm(d.get("failure", ""))[:400])


def find(ents, kind, spec, failure=None):
    for e in ents:
        if e["kind"] == kind and e["re"].search(spec) and \
                (failure is None or e["failure"].search(norm(failure))):
            return e
    return None


def compare(suite, refp, oursp, summaryp):
    ents = entries(suite)
    ref, ours = load(refp), load(oursp)
    counts = {"total": 0, "na": 0, "pass": 0, "same": 0, "differs": 0, "fail": 0,
              "ref_pass": 0}
    na = []
    used = set()
    keys = sorted(set(ref) | set(ours))
    texts = [k[0] for k in keys]
    for key in keys:
        spec = key[0]
        e = find(ents, "na", spec)
        if e:
            counts["na"] += 1
            na.append(spec)
            used.add(id(e))
            continue
        counts["total"] += 1
        r, o = ref.get(key), ours.get(key)
        # one It text can be generated at two places of the suite: then say where
        desc = "%s: %s%s" % (suite, spec, "" if texts.count(spec) == 1 else
                              " (%s #%d)" % key[1:])
        if r is None or o is None:
            counts["fail"] += 1
            print("fail\t%s\tmissing from the %s run" % (desc, "reference" if r is None else "second"))
            continue
        if r["state"] == "passed":
            counts["ref_pass"] += 1
        elif not find(ents, "same", spec):
            # the reference's run checks the harness: it fails only where specs.txt says why
            print("harness\t%s\tthe reference fails it, for no reason listed in specs.txt: %s" % (
                desc, short(r)))
        if o["state"] == "passed":
            counts["pass"] += 1
            note = "" if r["state"] == "passed" else "(the reference fails it: %s)" % short(r)
            print("pass\t%s\t%s" % (desc, note))
            continue
        exact = r["state"] != "passed" and r.get("where") == o.get("where") and \
            norm(r.get("failure")) == norm(o.get("failure"))
        d = None if exact else find(ents, "differs", spec, o.get("failure", ""))
        s = find(ents, "same", spec)
        if d:
            used.add(id(d))
            counts["differs"] += 1
            print("differs\t%s\t%s (asserted by %s)" % (desc, d["reason"], d["asserted"] or "?"))
        elif r["state"] != "passed" and r.get("where") == o.get("where"):
            counts["same"] += 1
            if s:
                used.add(id(s))
            why = s["reason"] if s else "reference %s / ours %s" % (short(r), short(o))
            print("same\t%s\tfails the same way on the reference: %s" % (desc, why))
        else:
            counts["fail"] += 1
            print("fail\t%s\tours %s; reference %s" % (
                desc, short(o), "passes" if r["state"] == "passed" else short(r)))
    counts["unused"] = [e["kind"] + " " + e["regex"] for e in ents if id(e) not in used]
    counts["na_specs"] = na
    with open(summaryp, "w") as f:
        json.dump(counts, f)


def main():
    if sys.argv[1] == "skip":
        print("|".join("(?:%s)" % e["regex"] for e in entries(sys.argv[2]) if e["kind"] == "na"))
    elif sys.argv[1] == "compare":
        compare(*sys.argv[2:6])
    else:
        sys.exit("usage: compare.py skip SUITE | compare SUITE REF.json OURS.json SUMMARY.json")


main()
