#!/usr/bin/python3
"""CTest for `esact-sim --compare` (docs/spls-rtl.md, "Dense vs SPLS on the same run").

    check_compare.py [--expect-kept number|n/a] [--expect-accuracy] ESACT_SIM ESACT-SIM-ARGS...

Runs ESACT_SIM --compare ARGS --json FILE and checks the behaviour, not the
timing: both runs pass; the last line has the documented format; its numbers
are the JSON's (dense_cycles, spls_cycles, dense_macs, spls_macs) and those are
the two runs' own counters; K and the percentages recomputed from them; the
dense MACs equal the spec's dense work formula (4.1) for the workload's shape;
the per-phase golden MACs add up to each run's total; dense mode has no
PREDICT phase and SPLS mode has one.  With --sequences (sums over a range of a
batched input): the per-sequence records are the range, each passed, their
cycles and golden MACs add up to the sums, the dense MACs are the formula
times the sequences, and (labelled input) the RTL's class equals the golden
model's on every sequence and the accuracies are recounted from the records
(--expect-accuracy: they must be there).  Then it shows that the checks fail
on a damaged result (a test that cannot fail is a defect).
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

LINE = re.compile(r"kept (?P<k>-?\d+\.\d\d|n/a): cycles dense (?P<cd>\d+) spls (?P<cs>\d+) \((?P<x>[+-]\d+\.\d)%\), "
                  r"MACs dense (?P<md>\d+) spls (?P<ms>\d+) \((?P<y>[+-]\d+\.\d)%\)")


class Bad(Exception):
    pass


def need(cond, what):
    if not cond:
        raise Bad(what)


def change(a, b):
    """The signed change from a to b as esact-sim prints it (one decimal, never -0.0)."""
    v = round(100.0 * (b / a - 1.0), 1)
    return "%+.1f" % (0.0 if v == 0 else v)


def dense_macs(w):
    """Spec 4.1 dense MACs of the workload: per layer 3ND^2 + N^2D + N^2D + ND^2 + 2NDF."""
    n, d, f = w["n"], w["d"], w["ffn"]
    return w["layers"] * (4 * n * d * d + 2 * n * n * d + 2 * n * d * f)


def check_sequences(c, expect_accuracy):
    """The per-sequence records and accuracy of a --sequences run; the number of sequences summed (1: one run)."""
    s = c.get("sequences")
    need(s is not None or not expect_accuracy, "no --sequences result (expected an accuracy)")
    if s is None:
        return 1
    per, n = c["per_sequence"], s["count"]
    need(n == s["last"] - s["first"] + 1 == len(per) and n > 0, "the sequence count")
    need([r["sequence"] for r in per] == list(range(s["first"], s["last"] + 1)), "the per-sequence records")
    for name in ("dense", "spls"):
        need(c[name]["workload"]["sequences"] == n, name + ": workload.sequences")
        need(all(r[name]["pass"] for r in per), name + ": a sequence failed")
        for key in ("cycles", "macs_golden"):
            need(sum(r[name][key] for r in per) == c[name][key], "%s: %s is not the sum over the sequences" % (name, key))
    acc = c["accuracy"]
    need(acc["sequences"] == n, "accuracy.sequences")
    need(acc["labelled"] or not expect_accuracy, "no accuracy (model without classifier or input without labels)")
    if not acc["labelled"]:
        return n
    for name in ("dense", "spls"):
        need(all(r[name]["class_rtl"] == r[name]["class_golden"] for r in per),
             name + ": the RTL's class differs from the golden model's on a sequence")
        rtl = sum(r[name]["class_rtl"] == r["label"] for r in per)
        gold = sum(r[name]["class_golden"] == r["label"] for r in per)
        a = acc[name]
        need((a["rtl_correct"], a["golden_correct"]) == (rtl, gold), name + ": the correct counts")
        need(abs(a["rtl"] - rtl / n) < 1e-12 and abs(a["golden"] - gold / n) < 1e-12, name + ": the accuracies")
    return n


def check(last, c, expect_kept, expect_accuracy=False):
    seqs = check_sequences(c, expect_accuracy)
    m = LINE.fullmatch(last)
    need(m, "the last line is not the kept line: %r" % last)
    dense, spls = c["dense"], c["spls"]
    need(c["pass"] and dense["pass"] and spls["pass"], "a run failed")
    need(dense["workload"]["mode"] == "dense" and spls["workload"]["mode"] == "spls", "run modes")
    cd, cs, md, ms = (c[k] for k in ("dense_cycles", "spls_cycles", "dense_macs", "spls_macs"))
    need((cd, cs) == (dense["cycles"], spls["cycles"]), "dense_cycles/spls_cycles are not the runs' cycles")
    need((md, ms) == (dense["macs_golden"], spls["macs_golden"]), "dense_macs/spls_macs are not the runs' golden MACs")
    need([int(m.group(g)) for g in ("cd", "cs", "md", "ms")] == [cd, cs, md, ms], "the line's numbers are not the JSON's")
    formula = seqs * dense_macs(dense["workload"])
    need(md == formula, "dense MACs %d != the spec's formula %d" % (md, formula))
    need(0 < ms <= md and cd > 0 and cs > 0, "figures out of range")
    need(m.group("x") == change(cd, cs) and m.group("y") == change(md, ms), "the percentages")
    if ms == md:
        need(c["kept"] is None and m.group("k") == "n/a", "K must be n/a without a MAC saving")
    else:
        k = (1 - cs / cd) / (1 - ms / md)
        need(c["kept"] is not None and abs(c["kept"] - k) <= 1e-9 * max(1.0, abs(k)), "kept %r != %r" % (c["kept"], k))
        need(m.group("k") == "%.2f" % k, "printed K %s != %.2f" % (m.group("k"), k))
    need(expect_kept is None or (m.group("k") == "n/a") == (expect_kept == "n/a"), "expected kept %s" % expect_kept)
    for name, run in (("dense", dense), ("spls", spls)):
        phases = {p["phase"]: p for p in run["phases"]}
        need(sum(p["golden_macs"] for p in run["phases"]) == run["macs_golden"], name + ": phase MACs do not add up")
        need(sum(p["cycles"] for p in run["phases"]) <= run["cycles"], name + ": phase cycles exceed the run's")
        need(c[name + "_macs_rtl"] == run["macs_rtl"], name + ": the RTL MAC counter")
        need((phases["predict"]["cycles"] > 0) == (name == "spls"), name + ": PREDICT phase cycles")
    need(c["spls_prediction_additions"] > 0, "no prediction additions in the SPLS run")
    for name in ("dense", "spls"):  # the executed-MAC counter (tile padding included) bounds the useful one
        need(c[name + "_xmacs_rtl"] == c[name]["xmacs_rtl"] >= c[name + "_macs_rtl"], name + ": executed MACs")


def damaged(c):
    """Results the checks must reject."""
    for key, delta in (("spls_cycles", 1), ("dense_macs", 16), ("kept", 0.01)):
        d = json.loads(json.dumps(c))
        d[key] = (d[key] or 0) + delta
        yield key, d
    if "per_sequence" in c:  # a --sequences result: one sequence's cycles, an accuracy, a class
        d = json.loads(json.dumps(c))
        d["per_sequence"][0]["dense"]["cycles"] += 1
        yield "per-sequence cycles", d
        if c["accuracy"]["labelled"]:
            d = json.loads(json.dumps(c))
            d["accuracy"]["spls"]["rtl_correct"] += 1
            yield "accuracy", d
            d = json.loads(json.dumps(c))
            d["per_sequence"][-1]["spls"]["class_rtl"] += 1
            yield "RTL class", d


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--expect-kept", choices=["number", "n/a"])
    ap.add_argument("--expect-accuracy", action="store_true")
    ap.add_argument("sim")
    ap.add_argument("args", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        js = os.path.join(tmp, "compare.json")
        p = subprocess.run([a.sim, "--compare", *a.args, "--json", js], capture_output=True, text=True)
        print(p.stdout, end="")
        print(p.stderr, end="", file=sys.stderr)
        if p.returncode != 0:
            sys.exit("check_compare: exit status %d" % p.returncode)
        c = json.load(open(js))
    last = p.stdout.rstrip("\n").split("\n")[-1]
    try:
        check(last, c, a.expect_kept, a.expect_accuracy)
    except Bad as e:
        sys.exit("check_compare: FAIL: %s" % e)
    for key, d in damaged(c):
        try:
            check(last, d, a.expect_kept, a.expect_accuracy)
        except Bad:
            continue
        sys.exit("check_compare: FAIL: a damaged %s was not detected" % key)
    print("check_compare: the kept line and the JSON agree (K recomputed)")


if __name__ == "__main__":
    main()
