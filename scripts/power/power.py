#!/usr/bin/env python3
"""Power flow step 4: per-net toggles -> OpenSTA per-pin activities -> power per unit.

Reads the flat netlist of scripts/power/synth.sh, the per-window toggle counts
that the gate-level esact-sim-gl wrote (--toggle-window: PREFIX.<k>.dat,
Verilator toggle coverage, and PREFIX.windows with the PHASE_CYCLES growth of
each window), groups the windows by their dominant phase, and for each group:

  * activity of every net = toggles / cycles (toggles per clock period, the
    unit of OpenSTA's set_power_pin_activity), duty 0.5 (not measured);
  * one OpenSTA process: every leaf-cell pin and every top port gets the
    activity of its net (no -global: in OpenSTA 2.0.17 it overrides every
    per-pin value), then sta::instance_power of every instance and
    sta::design_power;
  * power per unit = sum over the instances whose name starts with the unit's
    instance path (u_gemm, u_gemm.u_mac, ...); the per-unit sum is checked
    against design_power.

Energy of a group = its power x its cycles x the clock period; the run's energy
is the sum over groups (every cycle of the run is in one window).  Writes
report.json and report.txt in OUT_DIR.
"""
import argparse
import collections
import json
import math
import os
import re
import subprocess
import sys
import time

PHASES = ["desc", "predict", "qkv", "qk", "softmax", "av", "wo", "ln1", "ffn1", "ffn2", "ln2"]

# Units of the report, from the instance names of rtl/top/esact_top.sv and
# rtl/layer/*.sv (prefix -> label).  The longest matching prefix wins; cells of
# esact_top itself are "top glue".
UNITS = [
    ("u_gemm.u_mac", "MAC array"),
    ("u_gemm.g_epi", "GEMM epilogue (bias, requantizers)"),
    ("u_gemm.g_abuf", "GEMM A buffers"),
    ("u_gemm.g_bbuf", "GEMM B buffers"),
    ("u_gemm", "GEMM loaders, GELU, control"),
    ("u_softmax", "softmax"),
    ("u_layernorm", "LayerNorm"),
    ("u_spls", "SPLS front end"),
    ("u_predict", "SPLS front end"),
    ("gen_pred.u_predict", "SPLS front end"),
    ("u_seq", "sequencer"),
    ("u_cmd_fetch", "command-list fetch"),
    ("u_dispatch", "command dispatch"),
    ("u_csr", "CSRs + counters"),
    ("u_rd_arb", "AXI read arbiter"),
    ("u_wr_arb", "AXI write arbiter"),
    ("u_rd", "AXI read engine"),
    ("u_wr", "AXI write engine"),
]


def fail(msg):
    print(f"power.py: {msg}", file=sys.stderr)
    sys.exit(1)


# --- netlist -------------------------------------------------------------

_INST = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_$]*)\s+(\\\S+|[A-Za-z_][A-Za-z0-9_$]*)\s*\($")
_CONN = re.compile(r"^\s*\.([A-Za-z0-9_]+)\((.*)\),?$")


def norm_net(expr):
    """'\\u_a.c12 [3]' -> 'u_a.c12[3]'; a constant or a concatenation -> None."""
    e = expr.strip()
    if not e or e[0] == "{" or re.match(r"^\d+'[hbd]", e):
        return None
    if e.startswith("\\"):
        m = re.match(r"^\\(\S+)\s*(\[\d+\])?$", e)
        if not m:
            return None
        return m.group(1) + (m.group(2) or "")
    m = re.match(r"^([A-Za-z_][A-Za-z0-9_$]*)\s*(\[\d+\])?$", e)
    if not m:
        return None
    return m.group(1) + (m.group(2) or "")


def read_netlist(path, cell_names):
    """Leaf-cell instances: list of (instance, cell, {pin: net or None})."""
    insts = []
    cur = None
    with open(path) as f:
        for line in f:
            if cur is None:
                m = _INST.match(line)
                if m and m.group(1) in cell_names:
                    name = m.group(2)
                    name = name[1:] if name.startswith("\\") else name
                    cur = (name, m.group(1), {})
                continue
            if line.strip() == ");":
                insts.append(cur)
                cur = None
                continue
            m = _CONN.match(line)
            if m:
                cur[2][m.group(1)] = norm_net(m.group(2))
    return insts


def read_ports(path):
    """Top-level ports: list of (name, direction, width)."""
    ports = []
    with open(path) as f:
        for line in f:
            m = re.match(r"^\s*(input|output)\s+(\[(\d+):(\d+)\]\s+)?([A-Za-z_][A-Za-z0-9_]*);", line)
            if m:
                w = abs(int(m.group(3)) - int(m.group(4))) + 1 if m.group(2) else 1
                lo = min(int(m.group(3)), int(m.group(4))) if m.group(2) else 0
                ports.append((m.group(5), m.group(1), w, lo, bool(m.group(2))))
            # Yosys lists wires and ports in name order ("_0001_" before "a_i"): read
            # up to the first cell instance.
            if _INST.match(line) or line.startswith("endmodule"):
                break
    return ports


BLACK_BOXES = ("esact_sram", "esact_spls_mem")


def sta_netlist(netlist, out_dir):
    """The netlist as OpenSTA 2.0.17 can read it: without the black-box instances
    (esact_sram buffers, written with a parameter list, `#(`, which its Verilog
    reader rejects).  Their energy comes from the SRAM table; the nets they
    drive keep the activities of the replay on every load pin."""
    with open(netlist) as f:
        lines = f.readlines()
    out, skip, dropped = [], False, 0
    for line in lines:
        if not skip and re.match(r"^\s*(" + "|".join(BLACK_BOXES) + r")\b", line):
            skip, dropped = True, dropped + 1
        if not skip:
            out.append(line)
        elif line.strip() == ");":
            skip = False
    if not dropped:
        return netlist
    path = os.path.join(out_dir, "netlist_sta.v")
    with open(path, "w") as f:
        f.writelines(out)
    return path


def liberty_cells(lib):
    """Cell names and, per cell, the output pins and whether it is sequential."""
    cells = {}
    cur = None
    pin = None
    with open(lib) as f:
        for line in f:
            m = re.match(r"^\s*cell\s*\(\s*\"?([A-Za-z0-9_]+)\"?\s*\)", line)
            if m:
                cur = m.group(1)
                cells[cur] = {"outputs": [], "seq": False}
                continue
            if cur is None:
                continue
            m = re.match(r"^\s*pin\s*\(\s*\"?([A-Za-z0-9_]+)\"?\s*\)", line)
            if m:
                pin = m.group(1)
                continue
            if re.match(r"^\s*(ff|latch)\s*\(", line):
                cells[cur]["seq"] = True
            m = re.match(r"^\s*direction\s*:\s*\"?(output|input|internal)\"?", line)
            if m and pin and m.group(1) == "output":
                cells[cur]["outputs"].append(pin)
    return cells


# --- toggle counts (Verilator coverage files) ----------------------------

_MANGLE = re.compile(r"__0([0-9a-fA-F]{2})")


def read_toggles(path, top="esact_top"):
    """{net: toggles} of the top module's nets (the flat netlist's wires)."""
    page = f"v_toggle/{top}"
    counts = {}
    with open(path, encoding="latin-1") as f:
        for line in f:
            if not line.startswith("C '"):
                continue
            q = line.rfind("'")
            key, cnt = line[3:q], int(line[q + 1:])
            fields = dict(kv.split("\x02", 1) for kv in key.split("\x01") if "\x02" in kv)
            if fields.get("page") != page:
                continue
            net = _MANGLE.sub(lambda m: chr(int(m.group(1), 16)), fields["o"])
            counts[net] = counts.get(net, 0) + cnt
    return counts


def read_windows(path):
    wins = []
    with open(path) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            v = [int(x) for x in line.split()]
            wins.append({"k": v[0], "first": v[1], "cycles": v[2], "phase": v[3:]})
    return wins


# --- OpenSTA ---------------------------------------------------------------

def tcl_word(s):
    return "{" + s + "}"


def write_sta_tcl(path, lib, netlist, top, period, insts, ports, act, cells, out_file):
    """act: {net: activity per cycle}.  Every leaf pin and every port gets one."""
    missing = 0
    with open(path, "w") as f:
        f.write(f"read_liberty {lib}\nread_verilog {netlist}\nlink_design {top}\n")
        if any(p[0] == "clk_i" for p in ports):
            f.write(f"create_clock -name clk -period {period} [get_ports clk_i]\n")
        else:
            # A combinational unit (esact_requant): a virtual clock and its inputs
            # launched by it (they come from flops of esact_top), so that activities,
            # transitions per clock period, have a period; without this OpenSTA gives
            # every cell leakage only.
            f.write(f"create_clock -name clk -period {period}\nset_input_delay 0 -clock clk [all_inputs]\n")
        f.write("proc a {p v} { sta::set_power_pin_activity [sta::find_pin $p] $v 0.5 }\n")
        for name, direction, w, lo, vec in ports:
            if name == "clk_i":
                continue
            for b in range(lo, lo + w):
                net = f"{name}[{b}]" if vec else name
                f.write(f"a {tcl_word(net)} {act.get(net, 0.0):.6g}\n")
        for name, cell, pins in insts:
            info = cells.get(cell, {"outputs": [], "seq": False})
            # An unconnected output of a flop toggles with its connected twin (Q/QN).
            twin = None
            for o in info["outputs"]:
                if pins.get(o):
                    twin = act.get(pins[o])
            for pin, net in pins.items():
                if net is None:
                    v = 0.0
                elif net in act:
                    v = act[net]
                else:
                    v = 0.0
                    missing += 1
                f.write(f"a {tcl_word(name + '/' + pin)} {v:.6g}\n")
            for o in info["outputs"]:
                if o not in pins:
                    v = twin if (info["seq"] and twin is not None) else 0.0
                    f.write(f"a {tcl_word(name + '/' + o)} {v:.6g}\n")
        f.write(f"""set corner [sta::cmd_corner]
set fh [open {out_file} w]
foreach inst [get_cells *] {{
  set p [sta::instance_power $inst $corner]
  if {{[llength $p] >= 4}} {{ puts $fh "[get_full_name $inst] [lindex $p 0] [lindex $p 1] [lindex $p 2]" }}
}}
set d [sta::design_power $corner]
puts $fh "DESIGN [lindex $d 0] [lindex $d 1] [lindex $d 2]"
close $fh
""")
    return missing


def run_sta(tcl, log):
    with open(log, "w") as lf:
        r = subprocess.run(["sta", "-exit", tcl], stdout=lf, stderr=subprocess.STDOUT)
    text = open(log).read()
    errs = [l for l in text.splitlines() if l.startswith("Error")]
    if r.returncode != 0 or errs:
        fail(f"OpenSTA failed ({tcl}): {errs[:3] or r.returncode}; see {log}")


def unit_of(inst, depth_units):
    """The unit of an instance: the longest matching prefix (u_rd_arb before u_rd)."""
    for prefix, label in sorted(depth_units, key=lambda u: -len(u[0])):
        if not prefix or inst == prefix or inst.startswith(prefix + ".") or inst.startswith(prefix + "["):
            return label
    return "top glue"


def sum_units(power_file, units_table=None):
    units = collections.defaultdict(lambda: [0.0, 0.0, 0.0])
    design = None
    with open(power_file) as f:
        for line in f:
            n, i, s, l = line.split()
            v = (float(i), float(s), float(l))
            if n == "DESIGN":
                design = v
                continue
            u = units[unit_of(n, UNITS if units_table is None else units_table)]
            for j in range(3):
                u[j] += v[j]
    return units, design


# --- main --------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--netlist-dir", required=True, help="scripts/power/synth.sh output (netlist.v, cells.lib)")
    ap.add_argument("--toggles", required=True, nargs="+",
                    help="PREFIX of esact-sim-gl --toggle-prefix (or of esact-unit-replay --toggles; several "
                    "prefixes: the windows of several replays, grouped by phase together)")
    ap.add_argument("--period-ns", type=float, default=5.0)
    ap.add_argument("--out", required=True)
    ap.add_argument("--macs", type=int, default=0, help="golden MACs of the run (pJ/MAC, TOPS/W)")
    ap.add_argument("--label", default="")
    ap.add_argument("--top", default="esact_top")
    ap.add_argument("--unit", help="the netlist is this one unit (per-unit replay, scripts/power/unit_power.sh): "
                    "every cell is counted as the unit LABEL")
    ap.add_argument("--sram-run", help="esact-sim --json of the run (its srams: read/write counts per instance)")
    ap.add_argument("--sram-table", help="SRAM energy table (data/power/sram_energy.json)")
    a = ap.parse_args()

    nd = a.netlist_dir
    lib, netlist = os.path.join(nd, "cells.lib"), os.path.join(nd, "netlist.v")
    os.makedirs(a.out, exist_ok=True)
    cells = liberty_cells(lib)
    insts = read_netlist(netlist, set(cells))
    ports = read_ports(netlist)
    if not insts:
        fail(f"no Liberty cells found in {netlist}")
    sta_nl = sta_netlist(netlist, a.out)
    wins = []
    for prefix in a.toggles:
        ws = read_windows(prefix + ".windows")
        if not ws:
            fail(f"no windows in {prefix}.windows")
        wins += [dict(w, prefix=prefix) for w in ws]

    # Group the windows by their dominant phase (the one with most cycles).
    groups = collections.OrderedDict()
    for w in wins:
        ph = max(range(len(w["phase"])), key=lambda p: w["phase"][p]) if any(w["phase"]) else None
        name = PHASES[ph] if ph is not None and ph < len(PHASES) else "idle"
        groups.setdefault(name, []).append(w)

    report = {"label": a.label, "netlist": netlist, "liberty": open(os.path.join(nd, "liberty_source")).read().strip(),
              "period_ns": a.period_ns, "cells": len(insts), "groups": [], "units": {}}
    total_e = collections.defaultdict(float)  # unit -> energy (J)
    total_cycles = 0
    t0 = time.time()
    for name, ws in groups.items():
        cyc = sum(w["cycles"] for w in ws)
        tog = collections.Counter()
        for w in ws:
            tog.update(read_toggles(f"{w['prefix']}.{w['k']}.dat", a.top))
        act = {n: t / cyc for n, t in tog.items()}
        tcl = os.path.join(a.out, f"sta_{name}.tcl")
        pf = os.path.join(a.out, f"power_{name}.txt")
        missing = write_sta_tcl(tcl, lib, sta_nl, a.top, a.period_ns, insts, ports, act, cells, pf)
        ts = time.time()
        run_sta(tcl, os.path.join(a.out, f"sta_{name}.log"))
        units, design = sum_units(pf, [("", a.unit)] if a.unit else None)
        s_units = sum(sum(v) for v in units.values())
        s_design = sum(design)
        # OpenSTA 2.0.17 keeps power in 32-bit floats (design_power is itself a float
        # sum): on 32k cells the two sums differ by ~3e-6 relative, on the 4k-cell
        # requantizer by 1.1e-5.  Tolerance: the worst-case rounding of a float32
        # sum of n terms, n x 2^-24 relative (at least 1e-5).
        if not math.isclose(s_units, s_design, rel_tol=max(1e-5, len(insts) * 2.0 ** -24)):
            fail(f"{name}: per-unit sum {s_units} W != OpenSTA design power {s_design} W")
        g = {"group": name, "windows": len(ws), "cycles": cyc,
             "phase_cycles": {PHASES[p]: sum(w["phase"][p] for w in ws) for p in range(len(PHASES))},
             "toggles": sum(tog.values()), "nets_missing_toggles": missing,
             "design_power_w": s_design, "unit_sum_w": s_units, "sta_seconds": round(time.time() - ts, 1),
             "units": {u: {"internal_w": v[0], "switching_w": v[1], "leakage_w": v[2], "total_w": sum(v)}
                       for u, v in sorted(units.items())}}
        report["groups"].append(g)
        for u, v in units.items():
            total_e[u] += sum(v) * cyc * a.period_ns * 1e-9
        total_cycles += cyc
        print(f"power.py: {name}: {len(ws)} windows, {cyc} cycles, {s_design * 1e3:.3f} mW "
              f"(units sum {s_units * 1e3:.3f} mW), sta {g['sta_seconds']} s", file=sys.stderr)

    logic_e = sum(total_e.values())
    report["logic_energy_j"] = logic_e
    if a.sram_run and a.sram_table:
        sr = sram_energy(a.sram_run, a.sram_table, report["liberty"], total_cycles * a.period_ns * 1e-9)
        report["srams"] = sr
        for inst in sr["instances"]:
            total_e["SRAM " + inst["unit"]] += inst["energy_j"]
    e_total = sum(total_e.values())
    report["cycles"] = total_cycles
    report["energy_j"] = e_total
    report["units"] = {u: {"energy_j": e, "share": e / e_total if e_total else 0} for u, e in
                       sorted(total_e.items(), key=lambda x: -x[1])}
    report["seconds"] = round(time.time() - t0, 1)
    if a.macs:
        report["macs"] = a.macs
        report["pj_per_mac"] = e_total / a.macs * 1e12
        report["tops_per_w"] = 2 * a.macs / e_total / 1e12
    with open(os.path.join(a.out, "report.json"), "w") as f:
        json.dump(report, f, indent=1)
    write_text(report, os.path.join(a.out, "report.txt"))
    plot(report, os.path.join(a.out, "report.png"))
    print(open(os.path.join(a.out, "report.txt")).read(), end="")


def tech_of(liberty):
    b = os.path.basename(liberty).lower()
    for t in ("nangate45", "sky130", "osu018"):
        if t in b:
            return t
    return None


def sram_energy(run_json, table_json, liberty, seconds, extra_json=None, bank_bits=None):
    """Energy of every esact_sram instance: reads x E_read + writes x E_write + leakage x time.
    extra_json: the memories counted from a trace of the same run ("srams" of
    scripts/power/fst_mem_access.cpp): a memory that counts itself must have equal counts
    there (the check of the counting); one that does not is added as counted from the trace.
    bank_bits: a memory wider than that is modelled as ceil(width / bank_bits) macros of
    bank_bits x depth, all accessed together (CACTI's energy per access grows faster than
    the width for one wide macro: a sensitivity, docs/power.md)."""
    run = json.load(open(run_json))
    table = json.load(open(table_json))
    tech = tech_of(liberty)
    entries = {(e["width"], e["depth"]): e for e in table.get("technologies", {}).get(tech, {}).get("entries", [])}
    out = {"table": table_json, "technology": tech, "source": table.get("source", ""), "instances": [],
           "missing": []}
    srams = [dict(s, counted_by="RTL counters") for s in run.get("srams", [])]
    if extra_json:
        # The trace also holds the esact_sram instances, which count themselves:
        # their trace counts must equal the RTL counters (a check of the counting).
        own = {s["instance"]: s for s in srams}
        for s in json.load(open(extra_json))["srams"]:
            o = own.get(s["instance"])
            if o is None:
                srams.append(dict(s, counted_by="trace"))
            elif any(o[k] != s[k] for k in ("width", "depth", "reads", "writes")):
                fail(f"{extra_json}: {s['instance']} counted from the trace {s} differs from the RTL's counters {o}")
    out["bank_bits"] = bank_bits
    for s in srams:
        # Gate-level model: the instance names are the netlist's escaped ones, mangled.
        s = dict(s, instance=_MANGLE.sub(lambda m: chr(int(m.group(1), 16)), s["instance"]).strip().lstrip("\\"))
        banks, width = 1, s["width"]
        if bank_bits and width > bank_bits:
            banks, width = -(-width // bank_bits), bank_bits
        e = entries.get((width, s["depth"]))
        if e is None:
            out["missing"].append(f"{s['instance']} ({width} x {s['depth']})")
            continue
        energy = banks * ((s["reads"] * e["read_pj"] + s["writes"] * e["write_pj"]) * 1e-12
                          + e["leakage_mw"] * 1e-3 * seconds)
        out["instances"].append({"instance": s["instance"], "unit": unit_of(s["instance"], UNITS),
                                 "width": s["width"], "depth": s["depth"], "reads": s["reads"],
                                 "writes": s["writes"], "counted_by": s["counted_by"], "banks": banks,
                                 "energy_j": energy})
    if out["missing"]:
        fail(f"SRAM geometries not in {table_json} for {tech}: {', '.join(out['missing'])} "
             f"(scripts/power/sram_table.py adds them)")
    return out


def plot(r, path):
    """Stacked bars: energy per unit in each phase group (logic), SRAMs as one more bar."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("power.py: matplotlib missing, no PNG (scripts/setup.sh installs it)", file=sys.stderr)
        return
    groups = [g["group"] for g in r["groups"]]
    units = sorted({u for g in r["groups"] for u in g["units"]},
                   key=lambda u: -sum(g["units"].get(u, {}).get("total_w", 0) * g["cycles"] for g in r["groups"]))
    per = r["period_ns"] * 1e-9
    fig, ax = plt.subplots(figsize=(9, 4.5))
    bottom = [0.0] * len(groups)
    for u in units:
        vals = [g["units"].get(u, {}).get("total_w", 0) * g["cycles"] * per * 1e9 for g in r["groups"]]
        ax.bar(groups, vals, bottom=bottom, label=u)
        bottom = [b + v for b, v in zip(bottom, vals)]
    if "srams" in r:
        sram = collections.defaultdict(float)
        for inst in r["srams"]["instances"]:
            sram[inst["unit"]] += inst["energy_j"] * 1e9
        b = 0.0
        for u, v in sorted(sram.items()):
            ax.bar(["SRAMs (run)"], [v], bottom=[b], hatch="//", label=f"SRAM {u}")
            b += v
    ax.set_ylabel("energy (nJ)")
    ax.set_title(f"{r['label']}: energy per unit and phase group ({os.path.basename(r['liberty'])}, "
                 f"{r['period_ns']} ns)", fontsize=9)
    ax.legend(fontsize=6, ncol=2)
    plt.xticks(rotation=30, fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def write_text(r, path):
    L = [f"power report {r['label']}: {r['cells']} cells, {os.path.basename(r['liberty'])}, "
         f"clock {r['period_ns']} ns, {r['cycles']} cycles",
         f"energy of the run: {r['energy_j'] * 1e9:.3f} nJ, of which logic and flops "
         f"{r['logic_energy_j'] * 1e9:.3f} nJ (clock tree, wires, glitches, off-chip memory excluded)"]
    if "srams" in r:
        L.append(f"SRAMs: {len(r['srams']['instances'])} instances, {r['srams']['technology']} energies from "
                 f"{r['srams']['source']}")
    if "macs" in r:
        L.append(f"MACs {r['macs']}: {r['pj_per_mac']:.3f} pJ/MAC, {r['tops_per_w']:.3f} TOPS/W (2 x MACs / energy)")
    L.append("")
    L.append(f"{'unit':<42} {'energy nJ':>10} {'share':>7}")
    for u, v in r["units"].items():
        L.append(f"{u:<42} {v['energy_j'] * 1e9:>10.4f} {v['share'] * 100:>6.1f}%")
    L.append("")
    L.append(f"{'phase group':<10} {'windows':>7} {'cycles':>8} {'power mW':>9} {'unit sum mW':>11}  biggest units")
    for g in r["groups"]:
        top = sorted(g["units"].items(), key=lambda x: -x[1]["total_w"])[:3]
        tops = ", ".join(f"{u} {v['total_w'] * 1e3:.2f}" for u, v in top)
        L.append(f"{g['group']:<10} {g['windows']:>7} {g['cycles']:>8} {g['design_power_w'] * 1e3:>9.3f} "
                 f"{g['unit_sum_w'] * 1e3:>11.3f}  {tops}")
    with open(path, "w") as f:
        f.write("\n".join(L) + "\n")


if __name__ == "__main__":
    main()
