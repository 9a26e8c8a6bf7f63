#!/usr/bin/python3
"""CTest for `sim/tools/sum_compare.py` (docs/harness.md, "Several ranges at once").

    check_sum_compare.py ESACT_SIM --model M --input I

Runs ESACT_SIM --compare --sequences over 0-1 (one run) and over 0-0 and
1-1 (two runs), then sum_compare.py on the two: its kept line must equal the
one run's kept line (the sums of two ranges are the run over both), its
ceiling line must equal the ceiling recomputed here from the one run's
per-phase table, its bound line (with --front-end) the bound recomputed
here, and sum_compare.py must refuse ranges that do not follow each other
(0-0 twice), a damaged file (spls_cycles + 1) and --front-end 0.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from sum_compare import mac_rows  # noqa: E402  (the build's MAC_ROWS, read from the package)
CEILING = re.compile(r"ceiling: every MAC phase at its golden MAC ratio: kept (?P<k1>-?\d+\.\d\d) \(spls (?P<s>\d+)\); "
                     r"and PREDICT hidden: kept (?P<k2>-?\d+\.\d\d)")

BOUND = re.compile(r"bound, one sequence in flight: front end alone (?P<f>\d+), leader rows in (?P<tile>\d+)-row tiles, "
                   r"GEMMs at peak: kept (?P<k1>-?\d+\.\d\d) \(spls (?P<s>\d+)\); and LayerNorms free: "
                   r"kept (?P<k2>-?\d+\.\d\d)")
FRONT_END = 30000  # any front-end figure checks the arithmetic


def fail(what):
    sys.exit("check_sum_compare: FAIL: " + what)


def sim(args, rng, path):
    p = subprocess.run(args + ["--compare", "--quiet", "--sequences", rng, "--json", path],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if p.returncode != 0:
        fail("esact-sim --sequences %s: exit status %d\n%s" % (rng, p.returncode, p.stdout[-2000:]))
    return p.stdout.strip().splitlines()[-1]


def sum_compare(*args):
    return subprocess.run([sys.executable, os.path.join(HERE, "sum_compare.py"), *args],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def expected_ceiling(c):
    """The ceiling from one --compare --sequences JSON (the formula of docs/spls-rtl.md)."""
    cd, md, ms = c["dense_cycles"], c["dense_macs"], c["spls_macs"]
    ideal, predict = 0.0, 0
    for d, s in zip(c["dense"]["phases"], c["spls"]["phases"]):
        if d["phase"] != s["phase"]:
            fail("phase tables differ: %s / %s" % (d["phase"], s["phase"]))
        ideal += d["cycles"] * s["golden_macs"] / d["golden_macs"] if d["golden_macs"] else s["cycles"]
        if s["phase"] == "predict":
            predict = s["cycles"]
    k = lambda x: (1 - x / cd) / (1 - ms / md)  # noqa: E731
    return "%.2f" % k(ideal), round(ideal), "%.2f" % k(ideal - predict)


def expected_bound(c, front_end, tile):
    """The bound from one --compare --sequences JSON (docs/spls-rtl.md, "A bound for K"): leader rows in
    `tile`-row tiles, the array's MACs per cycle from the dense run's utilisation."""
    cd, md, ms = c["dense_cycles"], c["dense_macs"], c["spls_macs"]
    d0 = c["dense"]
    array = round(d0["macs_golden"] / (d0["cycles"] * d0["utilisation"]))  # MACs per cycle: 256
    tiles = c["sequences"]["count"] * c["dense"]["workload"]["layers"]
    least, ln_d, ln_s = front_end, 0, 0
    for d, s in zip(c["dense"]["phases"], c["spls"]["phases"]):
        name = s["phase"]
        if name in ("wo", "ffn1", "ffn2"):
            per_row = d["golden_macs"] / (tiles * c["dense"]["workload"]["n"])
            least += max(s["golden_macs"], tiles * tile * per_row) / array
        elif name in ("qk", "av"):
            least += s["golden_macs"] / array
        elif name not in ("predict", "qkv", "softmax"):
            least += s["cycles"]
        if name in ("ln1", "ln2"):
            ln_d, ln_s = ln_d + d["cycles"], ln_s + s["cycles"]
    k = lambda x, y: (1 - x / y) / (1 - ms / md)  # noqa: E731
    return "%.2f" % k(least, cd), round(least), "%.2f" % k(least - ln_s, cd - ln_d)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    args = sys.argv[1:]
    with tempfile.TemporaryDirectory() as t:
        whole, a, b = (os.path.join(t, n) for n in ("whole.json", "a.json", "b.json"))
        kept = sim(args, "0-1", whole)
        sim(args, "0-0", a)
        sim(args, "1-1", b)
        p = sum_compare(a, b)
        lines = p.stdout.strip().splitlines()
        if p.returncode != 0 or len(lines) < 2:
            fail("sum_compare.py on 0-0 and 1-1: exit status %d\n%s" % (p.returncode, p.stdout))
        if lines[-1] != kept:
            fail("sum of the ranges %r != the run over both %r" % (lines[-1], kept))
        m = CEILING.fullmatch(lines[-2])
        if not m:
            fail("the line before the kept line is not the ceiling line: %r" % lines[-2])
        want = expected_ceiling(json.load(open(whole)))
        got = (m["k1"], int(m["s"]), m["k2"])
        if got != want:
            fail("ceiling %s, recomputed %s" % (got, want))
        if float(m["k1"]) <= float(kept.split()[1].rstrip(":")):
            fail("the ceiling %s is not above the measured K (%s)" % (m["k1"], kept))
        p = sum_compare(a, b, "--front-end", str(FRONT_END))
        m = BOUND.fullmatch(p.stdout.strip().splitlines()[-3]) if p.returncode == 0 else None
        if not m or int(m["f"]) != FRONT_END or int(m["tile"]) != mac_rows():
            fail("--front-end: no bound line (front end %d, %d-row tiles) before the ceiling line:\n%s"
                 % (FRONT_END, mac_rows(), p.stdout))
        bound = (m["k1"], int(m["s"]), m["k2"])
        want_bound = expected_bound(json.load(open(whole)), FRONT_END, mac_rows())
        if bound != want_bound:
            fail("bound %s, recomputed %s" % (bound, want_bound))
        # Refusals: overlapping ranges, a damaged file, no front-end cycles.
        p = sum_compare(a, b, "--front-end", "0")
        if p.returncode == 0 or "--front-end 0" not in p.stdout:
            fail("--front-end 0 was not refused:\n" + p.stdout)
        p = sum_compare(a, a)
        if p.returncode == 0 or "do not follow each other" not in p.stdout:
            fail("0-0 twice was not refused:\n" + p.stdout)
        c = json.load(open(b))
        c["spls_cycles"] += 1
        json.dump(c, open(b, "w"))
        p = sum_compare(a, b)
        if p.returncode == 0 or "FAIL" not in p.stdout:
            fail("a damaged spls_cycles was not detected:\n" + p.stdout)
    print("check_sum_compare: kept line = the run over both ranges, ceiling %s / %s and bound %s / %s recomputed, "
          "refusals seen" % (want[0], want[2], bound[0], bound[2]))


if __name__ == "__main__":
    main()
