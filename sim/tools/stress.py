#!/usr/bin/env python3
"""Random-layer campaign: the RTL (esact-sim) against the golden model.

Every case is drawn from (SEED, case index) alone, so a campaign is replayable
and splits into shards that run anywhere (GNU parallel across hosts, a Slurm
job array: docs/reliability.md).  Each case prints the one esact-sim command
that reproduces it.

  stress.py run --sim BUILD/sim/esact-sim --params BUILD/generated/esact/params.hpp
                --count N --seed S [--shard I/K] [--sizes small|medium|full]
                [--faults FRACTION] [--modes dense[,spls]] [--out FILE.jsonl]
  stress.py merge [--first M] FILE.jsonl...   one summary over the shards' result files

Cases: shapes from 1 token up to the build's maxima (N_MAX, D_MAX, H_MAX,
DH_MAX, F_MAX; --sizes caps them for quick campaigns), 1..3 chained layers,
post- or pre-LN, random input similarity and SPLS knobs (k, W, T, FFN reuse),
random memory read/write latency, bandwidth, back-pressure and outstanding
bursts, and on a fraction of the cases a fault: SLVERR on a read or a write,
or a reset in the middle of the run (esact-sim --fault); SPLS cases (--modes)
also draw SLVERR on PREDICT's reads (slverr-read-predict).  Output ends with
"N passed, N failed"; the exit status is 0 only when every case passed.
"""
import argparse
import json
import os
import random
import re
import shlex
import subprocess
import sys
import time

# Caps of --sizes (the build's maxima apply too).  "full" is the build's maxima.
SIZES = {
    "small": dict(n=24, d=64, dh=32, f=128, layers=2),
    "medium": dict(n=64, d=192, dh=64, f=512, layers=3),
    "full": dict(n=None, d=None, dh=None, f=None, layers=3),
}
FAULTS = ["slverr-read", "slverr-write", "reset"]
# SPLS mode adds an error response on PREDICT's Wq^T reads (esact-sim refuses it in dense mode).
FAULTS_SPLS = FAULTS + ["slverr-read-predict"]
RESULT_KEYS = {"index", "pass", "layers", "seconds", "command", "output"}  # one case's line in a result file


def read_params(path):
    """The build's maxima from the generated params.hpp (from rtl/pkg/esact_pkg.sv)."""
    text = open(path).read()
    out = {}
    for key in ("N_MAX", "D_MAX", "H_MAX", "DH_MAX", "F_MAX", "L_MAX", "W_MAX"):
        m = re.search(r"\b%s\s*=\s*(\d+)u?;" % key, text)
        if not m:
            sys.exit("stress.py: %s: no %s (is it the generated esact/params.hpp?)" % (path, key))
        out[key] = int(m.group(1))
    return out


def read_spls_limits(path):
    """N_MAX and D_MAX of the SPLS model esact-sim runs in --mode spls, from the
    sim/CMakeLists.txt that builds it (ESACT_SPLS_N_MAX, ESACT_SPLS_D_MAX)."""
    text = open(path).read()
    out = {}
    for key in ("N_MAX", "D_MAX"):
        m = re.search(r"set\(ESACT_SPLS_%s\s+(\d+)\)" % key, text)
        if not m:
            sys.exit("stress.py: %s: no set(ESACT_SPLS_%s ...)" % (path, key))
        out[key] = int(m.group(1))
    return out


def skewed(rng, lo, hi):
    """An integer in lo..hi, small values more likely (log-uniform), both ends reachable."""
    if hi <= lo:
        return lo
    r = rng.random()
    if r < 0.05:
        return lo
    if r < 0.10:
        return hi
    return min(hi, max(lo, int(round(lo * (hi / lo) ** rng.random())))) if lo > 0 else rng.randint(lo, hi)


def draw_case(seed, index, p, sizes, fault_fraction, modes, spls=None):
    """Case `index` of campaign `seed`: the esact-sim arguments and the layer count.
    spls: the SPLS model's N_MAX and D_MAX; an SPLS case drawn beyond them is
    clamped to them (n, and the head width; k and T with them).  The draws
    themselves do not change, so every case within them is as before."""
    rng = random.Random("esact-stress:%d:%d" % (seed, index))
    cap = SIZES[sizes]
    lim = lambda key, pkey: p[pkey] if cap[key] is None else min(cap[key], p[pkey])
    n = skewed(rng, 1, lim("n", "N_MAX"))
    dh_max = lim("dh", "DH_MAX")
    d_max = lim("d", "D_MAX")
    heads = skewed(rng, 1, min(p["H_MAX"], d_max))
    dh = skewed(rng, 1, max(1, min(dh_max, d_max // heads)))
    d = heads * dh
    f = skewed(rng, 1, lim("f", "F_MAX"))
    layers = rng.randint(1, min(cap["layers"], p["L_MAX"]))
    norm, similarity, mseed = rng.choice(["post", "pre"]), rng.random(), rng.randrange(1 << 31)
    k, window, thresh, reuse = (rng.randint(1, n), rng.randint(0, p["W_MAX"]), rng.randint(0, heads * n),
                                rng.choice(["on", "off"]))
    mode = rng.choice(modes)
    if mode == "spls" and spls and (n > spls["N_MAX"] or d > spls["D_MAX"]):
        n = min(n, spls["N_MAX"])
        heads = min(heads, spls["D_MAX"])
        dh = max(1, min(dh, spls["D_MAX"] // heads))
        d = heads * dh
        k, thresh = min(k, n), min(thresh, heads * n)
    spec = "n=%d,d=%d,heads=%d,ffn=%d,layers=%d,norm=%s,similarity=%.2f,seed=%d" % (
        n, d, heads, f, layers, norm, similarity, mseed)
    spec += ",k=%d,window=%d,threshold=%d,ffn_reuse=%s" % (k, window, thresh, reuse)
    args = ["--synthetic", spec, "--mode", mode,
            "--latency", str(skewed(rng, 1, 200)), "--write-latency", str(skewed(rng, 1, 50)),
            "--bandwidth", "%.2f" % rng.choice([1.0, 1.0, rng.uniform(0.05, 1.0)]),
            "--backpressure", "%.2f" % rng.choice([0.0, rng.uniform(0.0, 0.8)]),
            "--outstanding", str(rng.randint(1, 16)), "--seed", str(rng.randrange(1 << 31))]
    if rng.random() < fault_fraction:
        fault = rng.choice(FAULTS_SPLS if mode == "spls" else FAULTS)
        args += ["--fault", fault, "--fault-at", "%.2f" % rng.uniform(0.05, 0.95)]
    return args, layers


def run_case(sim, args, timeout):
    cmd = [sim] + args + ["--quiet"]
    t0 = time.time()
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout)
        ok, text = p.returncode == 0, p.stdout
        if not ok:
            text = "exit %d: %s" % (p.returncode, text)
    except subprocess.TimeoutExpired:
        ok, text = False, "no answer in %d s (hang?)" % timeout
    return ok, text, time.time() - t0


def parse_shard(s):
    m = re.fullmatch(r"(\d+)/(\d+)", s)
    if not m or not 1 <= int(m.group(1)) <= int(m.group(2)):
        raise argparse.ArgumentTypeError("shard '%s' is not I/K with 1 <= I <= K" % s)
    return int(m.group(1)), int(m.group(2))


def cmd_run(a):
    p = read_params(a.params)
    spls = read_spls_limits(a.spls_cmake)
    modes = a.modes.split(",")
    for m in modes:
        if m not in ("dense", "spls"):
            sys.exit("stress.py: --modes: '%s' is not dense or spls" % m)
    i_shard, k_shard = a.shard
    out = open(a.out, "w") if a.out else None
    head = {"campaign": {"seed": a.seed, "count": a.count, "shard": [i_shard, k_shard], "sizes": a.sizes,
                         "faults": a.faults, "modes": modes, "params": p}}
    if out:
        out.write(json.dumps(head) + "\n")
    passed = failed = layers_total = 0
    t_start = time.time()
    for idx in range(i_shard - 1, a.count, k_shard):
        args, layers = draw_case(a.seed, idx, p, a.sizes, a.faults, modes, spls)
        ok, text, secs = run_case(a.sim, args, a.timeout)
        repro = " ".join(shlex.quote(x) for x in [a.sim] + args)
        passed += ok
        failed += not ok
        layers_total += layers
        print("%s case %d (%d layer%s, %.1f s): %s" % ("PASS" if ok else "FAIL", idx, layers, "s"[:layers > 1], secs, repro),
              flush=True)
        if not ok:
            for line in text.strip().splitlines()[:6]:
                print("     | " + line, flush=True)
        if out:
            out.write(json.dumps({"index": idx, "pass": ok, "layers": layers, "seconds": round(secs, 2),
                                  "command": repro, "output": "" if ok else text[-2000:]}) + "\n")
            out.flush()
    print("shard %d/%d of seed %d: %d cases, %d layers in %.0f s" % (i_shard, k_shard, a.seed, passed + failed,
                                                                    layers_total, time.time() - t_start))
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


def read_results(path):
    """The JSON lines of one shard's result file; a damaged line is an error naming the file and line."""
    try:
        with open(path) as f:
            text = f.read()
    except OSError as e:
        sys.exit("stress.py merge: %s: %s" % (path, e.strerror))
    lines = []
    for no, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            lines.append(json.loads(line))
        except ValueError:
            sys.exit("stress.py merge: %s line %d: not a JSON result line (a shard still running, "
                     "or two campaigns writing one file?)" % (path, no))
    return lines


def cmd_merge(a):
    """One summary over shard files; checks that every case of the campaign ran exactly once."""
    campaign, seen, results = None, {}, []
    for path in a.files:
        lines = read_results(path)
        if not lines or "campaign" not in lines[0]:
            sys.exit("stress.py merge: %s: not a stress.py result file (no campaign header)" % path)
        c = dict(lines[0]["campaign"])
        c.pop("shard")
        if campaign is None:
            campaign = c
        elif c != campaign:
            sys.exit("stress.py merge: %s belongs to another campaign (%s, not %s)" % (path, c, campaign))
        for no, r in enumerate(lines[1:], 2):
            if not isinstance(r, dict) or not RESULT_KEYS <= r.keys():
                sys.exit("stress.py merge: %s line %d: not a case result (keys %s)" % (path, no, sorted(RESULT_KEYS)))
            if r["index"] in seen:
                sys.exit("stress.py merge: case %d is in %s and in %s" % (r["index"], seen[r["index"]], path))
            seen[r["index"]] = path
            results.append(r)
    count = campaign["count"]
    if a.first is not None:  # a campaign stopped early: its first cases, all of which must be there
        if not 0 < a.first <= count:
            sys.exit("stress.py merge: --first %d is not in 1..%d" % (a.first, count))
        count = a.first
        results = [r for r in results if r["index"] < count]
        seen = {i: p for i, p in seen.items() if i < count}
    missing = sorted(set(range(count)) - set(seen))
    for r in sorted(results, key=lambda r: r["index"]):
        if not r["pass"]:
            print("FAIL case %d: %s" % (r["index"], r["command"]))
            for line in r["output"].strip().splitlines()[:6]:
                print("     | " + line)
    passed = sum(r["pass"] for r in results)
    failed = len(results) - passed
    layers = sum(r["layers"] for r in results)
    secs = sum(r["seconds"] for r in results)
    print("seed %d, %d shard file(s): %d of %d cases%s, %d layers, %.0f s of simulation" % (
        campaign["seed"], len(a.files), len(results), count,
        "" if count == campaign["count"] else " (the first %d of %d)" % (count, campaign["count"]), layers, secs))
    if missing:
        print("missing cases (a shard did not finish): %s%s" % (missing[:20], " ..." if len(missing) > 20 else ""))
        failed += len(missing)
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="run one shard of a campaign")
    r.add_argument("--sim", required=True, help="the esact-sim executable")
    r.add_argument("--params", required=True, help="the build's generated esact/params.hpp (the maxima)")
    r.add_argument("--count", type=int, required=True, help="cases in the whole campaign")
    r.add_argument("--seed", type=int, required=True)
    r.add_argument("--shard", type=parse_shard, default=(1, 1), help="I/K: cases I-1, I-1+K, ... (default 1/1)")
    r.add_argument("--sizes", choices=sorted(SIZES), default="medium", help="shape caps (default medium)")
    r.add_argument("--faults", type=float, default=0.1, help="fraction of cases with a fault (default 0.1)")
    r.add_argument("--modes", default="dense", help="comma list of dense, spls (default dense)")
    r.add_argument("--spls-cmake", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "CMakeLists.txt"),
                   help="the sim/CMakeLists.txt whose ESACT_SPLS_N_MAX / ESACT_SPLS_D_MAX bound the SPLS cases "
                        "(default: this tree's)")
    r.add_argument("--timeout", type=int, default=1800, help="seconds per case before it counts as hung")
    r.add_argument("--out", help="result file (JSON lines) for `merge`")
    m = sub.add_parser("merge", help="merge the result files of a campaign's shards")
    m.add_argument("--first", type=int, help="summarise only cases 0..FIRST-1 (a campaign stopped early)")
    m.add_argument("files", nargs="+")
    a = ap.parse_args()
    if a.cmd == "run":
        if a.count < 0 or not 0 <= a.faults <= 1:
            ap.error("--count must be >= 0 and --faults in [0, 1]")
        if not os.access(a.sim, os.X_OK):
            sys.exit("stress.py: %s is not an executable (build esact-sim first)" % a.sim)
        return cmd_run(a)
    return cmd_merge(a)


if __name__ == "__main__":
    sys.exit(main())
