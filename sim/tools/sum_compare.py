#!/usr/bin/python3
"""Sum `esact-sim --compare --sequences` results of contiguous ranges of one input.

    sum_compare.py A.json B.json ...

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
Each file is first checked as check_compare.py checks a --sequences result
(passed, per-sequence records add up, accuracies recounted), and the ranges
must be of the same input and follow each other without gap or overlap.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_compare import LINE, Bad, change, check_sequences, need  # noqa: E402


def kept_line(cd, cs, md, ms):
    k = "n/a" if ms == md else "%.2f" % ((1 - cs / cd) / (1 - ms / md))
    return "kept %s: cycles dense %d spls %d (%s%%), MACs dense %d spls %d (%s%%)" % (
        k, cd, cs, change(cd, cs), md, ms, change(md, ms))


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    runs = []
    for path in sys.argv[1:]:
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
        except Bad as e:
            sys.exit("sum_compare: FAIL: %s: %s" % (path, e))
        runs.append(c)
    runs.sort(key=lambda c: c["sequences"]["first"])
    for a, b in zip(runs, runs[1:]):
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

if __name__ == "__main__":
    main()
