#!/usr/bin/python3
"""Sum `esact-sim --compare --sequences` results of contiguous ranges of one input.

    sum_compare.py A.json B.json ... [--front-end CYCLES]

A long split can be run as several ranges at once (one process per range,
e.g. `--sequences 0-90` and `--sequences 91-181`); this prints what one run
over the whole range would end with: per mode the summed cycles and golden
MACs, the accuracies of the RTL and of the golden model, the per-phase
cycles, and last the kept line over the sums, in esact-sim's format
(`kept K: cycles dense Cd spls Cs (-X%), MACs dense Md spls Ms (-Y%)`).

The phase table's last column splits the kept fraction's loss by phase:
1 - K = sum over phases of (Cs_p - Cd_p * Ms/Md) / (Cd * (1 - Ms/Md)), the
cycles a phase takes in SPLS mode beyond its dense cycles scaled by the MAC
ratio, over the cycles the algorithm saves (a phase that saves more than the
MAC ratio has a negative share; PREDICT, absent in dense mode, counts whole).
Before the kept line, a ceiling: K if every MAC phase took its dense cycles
times its own golden MAC ratio (the other phases as measured), and with
PREDICT's exposed cycles removed too.
With --front-end CYCLES (the front end alone over the same sequences: the
last line of `esact-spls-bench --model M --sequences A-B`), a bound line
before the ceiling:
the least SPLS cycles of today's execution model (one sequence in flight,
every leader-row command after its layer's PREDICT) if the front end ran at
its own pace, K, V, Q and the softmax hid under it, every leader-row GEMM
ran at the array's peak apart from padding its rows to whole MAC_ROWS
tiles (at least one tile per layer), Q K^T and A.V computed only the golden
MACs, and desc and the LayerNorms took their measured cycles; then with the
LayerNorms free in both modes too.
Each file is first checked as check_compare.py checks a --sequences result
(passed, per-sequence records add up, accuracies recounted), and the ranges
must be of the same input and follow each other without gap or overlap.
"""
import argparse
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_compare import LINE, Bad, change, check_sequences, need  # noqa: E402


def kept_line(cd, cs, md, ms):
    k = "n/a" if ms == md else "%.2f" % ((1 - cs / cd) / (1 - ms / md))
    return "kept %s: cycles dense %d spls %d (%s%%), MACs dense %d spls %d (%s%%)" % (
        k, cd, cs, change(cd, cs), md, ms, change(md, ms))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runs", nargs="+", metavar="A.json", help="esact-sim --compare --sequences --json results")
    ap.add_argument("--front-end", type=int, metavar="CYCLES",
                    help="the front end alone over the same sequences: print the bound line")
    opt = ap.parse_args()
    if opt.front_end is not None and opt.front_end <= 0:
        sys.exit("sum_compare: FAIL: --front-end %d: the front end's cycles are positive" % opt.front_end)
    runs = []
    for path in opt.runs:
        c = json.load(open(path))
        try:
            need(c.get("pass") and "sequences" in c and "dense" in c and "spls" in c,
                 "not a passing --compare --sequences result")
            check_sequences(c, False)
            need(LINE.fullmatch(c["kept_line"]), "kept_line")
            for m in ("dense", "spls"):
                need(c[m + "_cycles"] == c[m]["cycles"] and c[m + "_macs"] == c[m]["macs_golden"],
                     "%s_cycles / %s_macs are not the %s run's own" % (m, m, m))
                need(sum(p["cycles"] for p in c[m]["phases"]) == c[m]["cycles"], m + ": the phases do not add up")
                need(all(c[m]["workload"].get(f) for f in ("n", "layers")), m + ": no workload n / layers")
        except Bad as e:
            sys.exit("sum_compare: FAIL: %s: %s" % (path, e))
        runs.append(c)
    runs.sort(key=lambda c: c["sequences"]["first"])
    for a, b in zip(runs, runs[1:]):
        if any(a[m]["workload"][f] != b[m]["workload"][f] for m in ("dense", "spls") for f in ("n", "layers")):
            sys.exit("sum_compare: FAIL: the ranges' shapes differ")
        if a["sequences"]["input"] != b["sequences"]["input"] or a["sequences"]["last"] + 1 != b["sequences"]["first"]:
            sys.exit("sum_compare: FAIL: the ranges %d..%d and %d..%d (of %s, %s) do not follow each other" % (
                a["sequences"]["first"], a["sequences"]["last"], b["sequences"]["first"], b["sequences"]["last"],
                a["sequences"]["input"], b["sequences"]["input"]))
    first, last = runs[0]["sequences"]["first"], runs[-1]["sequences"]["last"]
    n = last - first + 1
    tot = lambda f: sum(f(c) for c in runs)  # noqa: E731
    print("sequences %d..%d (%d) of %s, from %d run(s)" % (first, last, n, runs[0]["sequences"]["input"], len(runs)))
    labelled = all(c["accuracy"]["labelled"] for c in runs)
    for m in ("dense", "spls"):
        if labelled:
            rc = tot(lambda c: c["accuracy"][m]["rtl_correct"])
            gc = tot(lambda c: c["accuracy"][m]["golden_correct"])
            print("%s accuracy over %d sequences: rtl %.4f (%d/%d), golden %.4f (%d/%d)" % (m, n, rc / n, rc, n, gc / n,
                                                                                             gc, n))
    print("%-8s %11s %11s %13s %13s %6s %6s %7s" % ("phase", "cyc dense", "cyc spls", "MACs dense", "MACs spls",
                                                    "util d", "util s", "K loss"))
    cd, cs = tot(lambda c: c["dense_cycles"]), tot(lambda c: c["spls_cycles"])
    md, ms = tot(lambda c: c["dense_macs"]), tot(lambda c: c["spls_macs"])
    names = [p["phase"] for p in runs[0]["dense"]["phases"]]
    d0 = runs[0]["dense"]  # the MAC array's cells, from the first run's utilisation
    array = round(d0["macs_golden"] / (d0["cycles"] * d0["utilisation"]))
    rows = []  # per phase: cycles dense, golden MACs dense, cycles SPLS, golden MACs SPLS (sums)
    for i, name in enumerate(names):
        row = []
        for m in ("dense", "spls"):
            row.append(tot(lambda c: c[m]["phases"][i]["cycles"]))
            row.append(tot(lambda c: c[m]["phases"][i]["golden_macs"]))
        rows.append(row)
        util = [row[1] / (row[0] * array) if row[0] else 0, row[3] / (row[2] * array) if row[2] else 0]
        loss = "n/a" if ms == md else "%+.3f" % ((row[2] - row[0] * ms / md) / (cd * (1 - ms / md)))
        print("%-8s %11d %11d %13d %13d %5.1f%% %5.1f%% %7s" % (name, row[0], row[2], row[1], row[3], 100 * util[0],
                                                               100 * util[1], loss))
    for m in ("dense", "spls"):
        print("%s: cycles %d, golden MACs %d, RTL MACS %d, XMACS %d, wall %.0f s" % (
            m, tot(lambda c: c[m]["cycles"]), tot(lambda c: c[m]["macs_golden"]), tot(lambda c: c[m]["macs_rtl"]),
            tot(lambda c: c[m]["xmacs_rtl"]), tot(lambda c: c[m]["wall_seconds"])))
    if opt.front_end is not None:
        shape = runs[0]["dense"]["workload"]
        print(bound_line(dict(zip(names, rows)), cd, md, ms, opt.front_end, n * shape["layers"], shape["n"], array))
    print(ceiling_line(names, rows, cd, md, ms))
    print(kept_line(cd, cs, md, ms))


def ceiling_line(names, rows, cd, md, ms):
    """What K would be if every MAC phase shrank exactly as its golden MACs do.

    Each phase with golden MACs in dense mode takes Cd_p x Ms_p / Md_p SPLS
    cycles, the other phases (PREDICT, softmax alone, LayerNorms, desc) their
    measured SPLS cycles; then also without PREDICT's exposed cycles.  A
    ceiling for work on the MAC phases alone (padding, K/V on all tokens,
    attention over all keys, weight loads), not a measurement.  rows: per
    phase (cycles dense, golden MACs dense, cycles SPLS, golden MACs SPLS).
    """
    if ms == md:
        return "ceiling: n/a (no MAC saving)"
    ideal = sum(cd_p * ms_p / md_p if md_p else cs_p for cd_p, md_p, cs_p, ms_p in rows)
    predict = sum(row[2] for name, row in zip(names, rows) if name == "predict")
    k = lambda c: (1 - c / cd) / (1 - ms / md)  # noqa: E731
    return "ceiling: every MAC phase at its golden MAC ratio: kept %.2f (spls %d); and PREDICT hidden: kept %.2f" % (
        k(ideal), round(ideal), k(ideal - predict))


def mac_rows():
    """MAC_ROWS of the build, from the package (rtl/pkg/esact_pkg.sv)."""
    pkg = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "rtl", "pkg", "esact_pkg.sv")
    m = re.search(r"\bMAC_ROWS\s*=\s*(\d+)\s*;", open(pkg).read())
    if not m:
        sys.exit("sum_compare: FAIL: %s has no MAC_ROWS" % pkg)
    return int(m.group(1))


# The phases of a bound: hidden under the front end; leader-row GEMMs (padded
# to whole tiles); the attention GEMMs (their golden MACs only).
HIDDEN, LEADER_GEMMS, ATTENTION = ("predict", "qkv", "softmax"), ("wo", "ffn1", "ffn2"), ("qk", "av")


def bound_line(phase, cd, md, ms, front_end, seq_layers, n, array):
    """K's bound for today's execution model (docs/spls-rtl.md, "A bound for K").

    phase: name -> (cycles dense, golden MACs dense, cycles SPLS, golden MACs
    SPLS), summed over the runs; seq_layers: sequences x layers; n: rows.
    """
    if ms == md:
        return "bound: n/a (no MAC saving)"
    tile = mac_rows()
    least = front_end
    for name, (_, md_p, cs_p, ms_p) in phase.items():
        if name in LEADER_GEMMS:  # rows padded to tiles: at least one tile per (sequence, layer)
            per_row = md_p / (seq_layers * n)  # the dense run computes every row
            least += max(ms_p, seq_layers * tile * per_row) / array
        elif name in ATTENTION:
            least += ms_p / array
        elif name not in HIDDEN:
            least += cs_p
    ln_s = sum(row[2] for name, row in phase.items() if name.startswith("ln"))
    ln_d = sum(row[0] for name, row in phase.items() if name.startswith("ln"))
    k = lambda c, d: (1 - c / d) / (1 - ms / md)  # noqa: E731
    return ("bound, one sequence in flight: front end alone %d, leader rows in %d-row tiles, GEMMs at peak: "
            "kept %.2f (spls %d); and LayerNorms free: kept %.2f" % (
                front_end, tile, k(least, cd), round(least), k(least - ln_s, cd - ln_d)))


if __name__ == "__main__":
    main()
