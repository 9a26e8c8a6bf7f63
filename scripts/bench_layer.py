#!/usr/bin/env python3
"""Per-phase benchmark of one layer under several memory settings (issue 8's tables).

Runs build/sim/esact-sim on one --synthetic workload once per memory setting (every
run is also a bit-exact check against the golden model) and prints, as markdown:

  * the per-phase table of the first setting (cycles, share, MAC-array utilisation,
    bytes read and written),
  * one summary row per setting (cycles, whole-layer utilisation, weight-GEMM and
    attention utilisation, read stall cycles, bytes), with the ratio to the first.

Utilisation = golden MACs / (cycles x MAC_ROWS x MAC_COLS), as esact-sim reports it.

  scripts/bench_layer.py [--build build] [--workload SPEC]
                         [--setting "label|esact-sim options"]... [--json-dir DIR]

Default workload: the BERT-base layer; default settings: the default memory model
(latency 16), read latency 64, and 2 outstanding bursts.
"""
import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time

BERT = "n=128,d=768,heads=12,ffn=3072,layers=1,seed=9"
DEFAULT_SETTINGS = [
    "default (latency 16, 8 bursts)|",
    "read latency 64|--latency 64",
    "2 outstanding bursts|--outstanding 2",
]
WEIGHT_PHASES = ("qkv", "wo", "ffn1", "ffn2")
ATTENTION_PHASES = ("qk", "softmax", "av")


def run(sim, workload, options, json_dir):
    """One esact-sim run; returns its JSON record (raises on a failed run)."""
    fd, path = tempfile.mkstemp(suffix=".json", dir=json_dir)
    os.close(fd)
    cmd = [sim, "--synthetic", workload, "--json", path, "--quiet"] + shlex.split(options)
    t0 = time.time()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"bench_layer.py: error: {' '.join(cmd)} exited {proc.returncode}:\n{proc.stdout}{proc.stderr}")
    with open(path) as f:
        rec = json.load(f)
    if json_dir is None:
        os.unlink(path)
    rec["_opts"] = options
    rec["_wall"] = time.time() - t0
    return rec


def group_util(rec, names, array):
    ph = [p for p in rec["phases"] if p["phase"] in names]
    cyc = sum(p["cycles"] for p in ph)
    macs = sum(p["golden_macs"] for p in ph)
    return macs / (cyc * array) if cyc else 0.0


def phase_table(rec):
    total = rec["cycles"]
    print("| phase | cycles | share | util | bytes read | written |")
    print("|---|---:|---:|---:|---:|---:|")
    for p in rec["phases"]:
        if p["cycles"] == 0:
            continue
        print(f"| {p['phase']} | {p['cycles']:,} | {100 * p['cycles'] / total:.1f}% | "
              f"{100 * p['utilisation']:.1f}% | {p['bytes_read']:,} | {p['bytes_written']:,} |")
    print(f"| **total** | **{total:,}** | | **{100 * rec['utilisation']:.1f}%** | "
          f"**{rec['bytes_read']:,}** | **{rec['bytes_written']:,}** |")


def summary_table(rows, array):
    base = rows[0][1]["cycles"]
    print("| memory | result | cycles | vs first | util | weight GEMMs | attention | read stall | sim wall s |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for label, rec in rows:
        print(f"| {label} | {'PASS' if rec['pass'] else 'FAIL'} | {rec['cycles']:,} | {rec['cycles'] / base:.3f} | "
              f"{100 * rec['utilisation']:.1f}% | {100 * group_util(rec, WEIGHT_PHASES, array):.1f}% | "
              f"{100 * group_util(rec, ATTENTION_PHASES, array):.1f}% | {rec['rd_stall']:,} | {rec['_wall']:.0f} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--workload", default=BERT)
    ap.add_argument("--setting", action="append", help='"label|esact-sim options" (repeatable)')
    ap.add_argument("--json-dir", help="keep each run's esact-sim JSON here")
    ap.add_argument("--array", type=int, default=256, help="MAC_ROWS x MAC_COLS (default 256)")
    a = ap.parse_args()
    sim = os.path.join(a.build, "sim", "esact-sim")
    if not os.access(sim, os.X_OK):
        sys.exit(f"bench_layer.py: error: {sim} is not built (make build)")
    if a.json_dir:
        os.makedirs(a.json_dir, exist_ok=True)
    rows = []
    for s in a.setting or DEFAULT_SETTINGS:
        if "|" not in s:
            sys.exit(f"bench_layer.py: error: --setting {s!r}: expected \"label|options\"")
        label, options = s.split("|", 1)
        rows.append((label, run(sim, a.workload, options, a.json_dir)))
    print(f"Workload `--synthetic {a.workload}`, {sim}\n")
    phase_table(rows[0][1])
    print()
    summary_table(rows, a.array)
    print("\nCommands:")
    for _, rec in rows:
        print(f"    {sim} --synthetic {a.workload} {rec['_opts']}".rstrip())


if __name__ == "__main__":
    main()
