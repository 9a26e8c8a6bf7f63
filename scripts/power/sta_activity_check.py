#!/usr/bin/env python3
"""CTest power_sta_activity: does OpenSTA take the power flow's per-pin activities?

OpenSTA 2.0.17's activity propagation (search/Power.cc, ensureActivities)
overwrote the activity that scripts/power/power.py set on most pins (docs/power.md,
"Status (2026-12-03, session 11)").  This test synthesizes a small netlist with
flip-flops (with and without asynchronous reset), an enable, an adder, an XOR
tree, a constant and an assign alias (Yosys 0.23 onto the flow's Liberty file,
scripts/power/liberty.sh; seconds), writes toggle files for it as the replay
would (Verilator coverage format), and runs power.py on them:

  1. idle window (only the clock toggles), the flow's annotation: power.py's
     own check passes (no pin recomputed by OpenSTA, every sampled pin's used
     activity = the annotated one), and every combinational cell draws
     leakage only, every flip-flop no switching power;
  2. active window (every net its own activity), the flow's annotation: the
     check passes;
  3. the same two windows with --annotation legacy (sessions 1-10): power.py
     must FAIL (exit 1, "did not use the annotated activities"): the check can
     fail.

Usage: scripts/power/sta_activity_check.py [WORK_DIR]
       scripts/power/sta_activity_check.py --netlist-dir DIR --top MODULE [--work DIR]
The second form takes a netlist of scripts/power/synth.sh (e.g. a unit's) and
runs only the idle window on it (every net 0 toggles, the clock 2 per cycle:
what a replay of an idle window counts) with both annotations, the legacy one
with the check as a warning: the idle power both ways (docs/power-log.md, session
11).
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
import power  # noqa: E402

RTL = r"""
module esact_act_t (
  input  logic       clk_i,
  input  logic       rst_ni,
  input  logic       en_i,
  input  logic [3:0] d_i,
  output logic [3:0] q_o,
  output logic       p_o,
  output logic       k_o
);
  logic [3:0] r, s;
  always_ff @(posedge clk_i or negedge rst_ni)
    if (!rst_ni) r <= '0;
    else if (en_i) r <= r + d_i;
  always_ff @(posedge clk_i) s <= r ^ {s[2:0], 1'b1};
  assign q_o = s;
  assign p_o = ^r;
  assign k_o = 1'b0;
endmodule
"""

TOP = "esact_act_t"
CYCLES = 1000


def log(msg):
    print(f"power_sta_activity: {msg}", flush=True)


def die(msg):
    print(f"power_sta_activity: FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def synth(work):
    lib_src = subprocess.run([os.path.join(here, "liberty.sh")], check=True, capture_output=True,
                             text=True).stdout.strip()
    nd = os.path.join(work, "net")
    os.makedirs(nd, exist_ok=True)
    lib = os.path.join(nd, "cells.lib")
    if lib_src.endswith(".gz"):
        with open(lib, "wb") as f:
            subprocess.run(["gzip", "-dc", lib_src], check=True, stdout=f)
    else:
        shutil.copy(lib_src, lib)
    with open(os.path.join(nd, "liberty_source"), "w") as f:
        f.write(lib_src + "\n")
    with open(os.path.join(nd, "t.sv"), "w") as f:
        f.write(RTL)
    # As scripts/power/synth.sh maps a unit (dfflibmap, abc -liberty, flatten,
    # write_verilog -noattr -noexpr).
    r = subprocess.run(["yosys", "-q", "-p",
                        f"read_verilog -sv {nd}/t.sv; synth -top {TOP}; dfflibmap -liberty {lib}; "
                        f"abc -liberty {lib}; opt_clean; flatten; opt_clean -purge; "
                        f"write_verilog -noattr -noexpr {nd}/netlist.v"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        die(f"yosys failed:\n{r.stdout[-2000:]}{r.stderr[-2000:]}")
    return nd, lib_src


def write_toggles(prefix, nets, act):
    """One window of CYCLES cycles, phase qkv; toggles = activity x cycles."""
    with open(prefix + ".windows", "w") as f:
        f.write("# k first cycles phases...\n")
        f.write(f"0 0 {CYCLES} 0 0 {CYCLES} " + " ".join("0" for _ in power.PHASES[3:]) + "\n")
    with open(f"{prefix}.0.dat", "w", encoding="latin-1") as f:
        for n in nets:
            mangled = "".join(c if c.isalnum() or c == "_" else f"__0{ord(c):02x}" for c in n)
            cnt = int(round(act.get(n, 0.0) * CYCLES))
            f.write(f"C '\x01page\x02v_toggle/{TOP}\x01o\x02{mangled}\x01' {cnt}\n")


def run_power(nd, prefix, out, annotation, top=TOP, check="fail"):
    r = subprocess.run([sys.executable, os.path.join(here, "power.py"), "--netlist-dir", nd, "--toggles", prefix,
                        "--out", out, "--top", top, "--unit", "t", "--annotation", annotation,
                        "--activity-check", check],
                       capture_output=True, text=True)
    return r


def netlist_nets(nd):
    cells = power.liberty_cells(os.path.join(nd, "cells.lib"))
    insts = power.read_netlist(os.path.join(nd, "netlist.v"), set(cells))
    ports = power.read_ports(os.path.join(nd, "netlist.v"))
    nets = sorted({n for _, _, pins in insts for n in pins.values() if n} |
                  {f"{p[0]}[{b}]" if p[4] else p[0] for p in ports for b in range(p[3], p[3] + p[2])})
    return cells, insts, ports, nets


def idle_both_ways(nd, top, work):
    """An idle window on a flow netlist: legacy vs activity drivers."""
    global TOP
    TOP = top
    os.makedirs(work, exist_ok=True)
    cells, insts, ports, nets = netlist_nets(nd)
    clk = "clk_i" if any(p[0] == "clk_i" for p in ports) else None
    prefix = os.path.join(work, "tog_idle")
    write_toggles(prefix, nets, {clk: 2.0} if clk else {})
    res = {}
    for ann, check in (("legacy", "warn"), ("drivers", "fail")):
        t0 = time.time()
        out = os.path.join(work, ann)
        r = run_power(nd, prefix, out, ann, top, check)
        if r.returncode != 0:
            die(f"{ann}: power.py failed:\n{r.stderr[-3000:]}")
        g = json.load(open(os.path.join(out, "report.json")))["groups"][0]
        u = g["units"]["t"]
        res[ann] = g
        log(f"{top} idle, {ann}: {g['design_power_w'] * 1e3:.4f} mW (internal {u['internal_w'] * 1e3:.4f}, "
            f"switching {u['switching_w'] * 1e3:.4f}, leakage {u['leakage_w'] * 1e3:.4f}); "
            f"propagation recomputed {g['activity_check']['propagation']['visited_pins']} pins, "
            f"{g['activity_check']['used']['mismatches']} of {g['activity_check']['used']['pins_checked']} "
            f"sampled pins off; {g['drivers']} activity drivers ({g['drivers_power_w'] * 1e3:.4f} mW, not counted); "
            f"{time.time() - t0:.0f} s")
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("work", nargs="?")
    ap.add_argument("--netlist-dir")
    ap.add_argument("--top")
    ap.add_argument("--work", dest="work_opt")
    a = ap.parse_args()
    if a.netlist_dir:
        idle_both_ways(a.netlist_dir, a.top or sys.exit("--top needed"),
                       a.work_opt or a.work or os.path.join(a.netlist_dir, "sta_activity_idle"))
        return
    work = a.work or tempfile.mkdtemp(prefix="sta_activity_")
    os.makedirs(work, exist_ok=True)
    nd, lib_src = synth(work)
    cells, insts, ports, nets = netlist_nets(nd)
    seq = [i for i in insts if cells[i[1]]["seq"]]
    if len(seq) < 8 or len(insts) < 15:
        die(f"the test netlist has {len(insts)} cells, {len(seq)} flip-flops (expected >= 15, 8)")
    log(f"{os.path.basename(lib_src)}: {len(insts)} cells, {len(seq)} flip-flops, {len(nets)} nets")
    rng = random.Random(12)
    windows = {"idle": {"clk_i": 2.0},
               "active": dict({n: round(rng.uniform(0.0, 0.6), 3) for n in nets}, clk_i=2.0)}
    failed = False
    for wname, act in windows.items():
        prefix = os.path.join(work, f"tog_{wname}")
        write_toggles(prefix, nets, act)
        out = os.path.join(work, f"drivers_{wname}")
        r = run_power(nd, prefix, out, "drivers")
        if r.returncode != 0:
            die(f"{wname}: power.py with the activity drivers failed:\n{r.stderr}")
        g = json.load(open(os.path.join(out, "report.json")))["groups"][0]
        chk = g["activity_check"]
        log(f"{wname}, drivers: {g['design_power_w'] * 1e6:.3f} uW, {chk['used']['pins_checked']} pins checked, "
            f"{chk['propagation']['visited_pins']} recomputed, {g['drivers']} activity drivers")
        if chk["used"]["pins_checked"] < len(insts):
            die(f"{wname}: only {chk['used']['pins_checked']} pins checked")
        if wname == "idle":
            # Every combinational cell: leakage only; every flip-flop: no switching.
            per = {}
            with open(os.path.join(out, f"power_{g['group']}.txt")) as f:
                for line in f:
                    n, i, s, lk = line.split()
                    per[n] = (float(i), float(s), float(lk))
            for name, cell, _ in insts:
                i, s, lk = per[name]
                if cells[cell]["seq"] and s != 0.0:
                    die(f"idle: flip-flop {name} ({cell}) switching {s} W")
                if not cells[cell]["seq"] and (i != 0.0 or s != 0.0):
                    die(f"idle: combinational {name} ({cell}) internal {i} W, switching {s} W (leakage only expected)")
            log("idle, drivers: every combinational cell leakage only, no flip-flop switching")
        out = os.path.join(work, f"legacy_{wname}")
        r = run_power(nd, prefix, out, "legacy")
        if r.returncode == 0 or "did not use the annotated activities" not in r.stderr:
            log(f"{wname}: --annotation legacy was NOT refused (exit {r.returncode}): {r.stderr.strip()[-300:]}")
            failed = True
        else:
            log(f"{wname}, legacy: refused as it must be: {r.stderr.strip().splitlines()[-1][:300]}")
    if failed:
        die("the check did not fail on the legacy annotation")
    log("OK")


if __name__ == "__main__":
    main()
