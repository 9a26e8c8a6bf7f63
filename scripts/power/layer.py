#!/usr/bin/env python3
"""Energy of a layer per unit, from per-instance replay powers (issue 12; docs/power.md).

Two subcommands:

  layer.py windows --rtl-json RUN.json --timeline TIMELINE --window W [--lead L]
      Trace windows for a run, one per phase with cycles: "phase start length
      gemm_lead" lines; each window is LEAD + W cycles; gemm_lead = 1 if its
      LEAD cycles hold cycles of a GEMM phase (where the MAC array can
      synchronise; make power-layer does not replay the array on the others).  Windows are placed on the run's
      own phase timeline (TIMELINE: scripts/power/fst_timeline.cpp's runs of
      TOP.esact_top.phase, busy and start, from the same run traced with
      --trace-only those signals; its cycles per phase must equal the RTL's
      phase counters): the W cycles in the middle of the longest stretch of a
      GEMM phase (golden MACs > 0), at the start of the longest stretch of
      any other phase (LayerNorm, synchronised by reset at an idle point,
      needs its window to begin before its first command; the softmax unit,
      which works beside the attention GEMMs, would need a window before the
      first attention command: not this one, whose W cycles hold the most
      softmax-phase cycles for the other units); the
      LEAD cycles before them let a clocked unit synchronise (the MAC array
      only on a first_i && en_i edge, once per output tile, i.e. every K
      cycles: LEAD must exceed the largest K of the layer, 3072 for BERT-base's
      FFN2).  The replay records the phase of every cycle it counts, lead
      included.  Phases shorter than --min-share of the run get no window of
      their own (the report lists them as not measured, with a bound).

  layer.py check-windows --windows WINDOWS --window W --timelines DIR
      The check of the placement: each window's own trace (the run traced
      again for that window) gives DIR/PHASE.timeline (fst_timeline of that
      trace); the first of the window's W cycles must be a cycle of the named
      phase, as the RTL ran it.  Prints per window the share of its W cycles
      in that phase; fails naming the window and the phase it really held.

  layer.py block --rtl-json RUN.json --timeline TIMELINE --phases qk,softmax,av [--lead L] [--name N]
      One trace window around a block of phases: from L cycles before the
      first counted cycle of any of them to the last ("N start length whole";
      --max-cycles M: at most M cycles after the lead, whole = 0 if cut).  For
      a unit synchronised by reset at an idle point that is busy through
      interleaved phases (the softmax, beside the attention GEMMs: no idle
      point inside the attention block): the block whole, from an idle point.

  layer.py check-block --rtl-json RUN.json --block BLOCK --timeline T --phases ... [--lead L]
      The block's own trace (T: its fst_timeline) must hold every counted
      cycle of the phases that the RTL's phase counters count (a cut block:
      cycles of each phase), none of them in the lead; fails otherwise.

  layer.py report --rtl-json RUN.json --period-ns P --out DIR
                  --unit "LABEL=COUNT=DIR[:DIR...]" [--unit ...]
                  [--sram-table data/power/sram_energy.json --liberty LIB] [--label TEXT]
      Each DIR is one instance's scripts/power/power.py output (report.json:
      power per phase group of that instance's replayed windows).  A unit's
      power in phase p is the sum over its COUNT instances; if fewer DIRs
      than COUNT were replayed, the mean instance x COUNT (reported as scaled).
      Energy of the layer per unit = sum over phases of power(p) x the RTL
      run's cycles of p x the period.  Phases with RTL cycles but no
      measurement are listed with their cycles, and bounded: at most their
      cycles x the unit's largest measured power.  SRAM energy = the run's
      read/write counts per esact_sram instance x the CACTI table.
      pJ/MAC and TOPS/W (2 x MACs / energy) on the run's golden MACs.
      Writes report.txt, report.json, report.png in OUT.
"""
import argparse
import collections
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import power  # noqa: E402  (PHASES, sram_energy, fail)


def phase_table(rtl_json):
    run = json.load(open(rtl_json))
    if not run.get("pass"):
        power.fail(f"{rtl_json}: the RTL run did not pass its golden check")
    return run, [p for p in run["phases"]]


def counted_runs(path):
    """fst_timeline's runs (first_cycle cycles phase busy start) of the cycles that the
    RTL's phase counters count (busy, after the START cycle, which zeroes them; busy is
    undefined in reset): (phase name, first, cycles)."""
    runs = []
    for line in open(path):
        if line.startswith("#") or not line.strip():
            continue
        try:
            runs.append(tuple(int(x) for x in line.split()))
        except ValueError:
            power.fail(f"{path}: {line.strip()!r} is not 'first_cycle cycles phase busy start'")
        if len(runs[-1]) != 5:
            power.fail(f"{path}: {line.strip()!r} is not 'first_cycle cycles phase busy start'")
    starts = [i for i, r in enumerate(runs) if r[4]]
    for first, cycles, ph, busy, start in runs[starts[-1] + 1 if starts else 0:]:
        if not busy:
            continue
        if ph >= len(power.PHASES):
            power.fail(f"{path}: phase {ph} in cycles {first}-{first + cycles - 1} is no phase of {power.PHASES}")
        yield power.PHASES[ph], first, cycles


def read_timeline(path, run):
    """The stretches of one phase [(phase, first_cycle, cycles)] of the run's timeline;
    their sums per phase must equal the RTL's phase counters."""
    counted = []
    for ph, first, cycles in counted_runs(path):
        if counted and counted[-1][0] == ph and sum(counted[-1][1:]) == first:
            counted[-1][2] += cycles
        else:
            counted.append([ph, first, cycles])
    sums = collections.Counter()
    for ph, _, c in counted:
        sums[ph] += c
    rtl = {p["phase"]: p["cycles"] for p in run["phases"] if p["cycles"]}
    if dict(sums) != rtl:
        power.fail(f"{path}: cycles per phase {dict(sums)} differ from the RTL run's phase counters {rtl} "
                   f"(a trace of another run, or not of the whole run?)")
    return [tuple(x) for x in counted]


def cmd_windows(a):
    run, phases = phase_table(a.rtl_json)
    stretches = read_timeline(a.timeline, run)
    gemm = {p["phase"] for p in phases if p["golden_macs"] > 0}
    for p in phases:
        c = p["cycles"]
        if c <= a.min_share * run["cycles"]:
            continue
        first, n = max(((f, n) for ph, f, n in stretches if ph == p["phase"]), key=lambda x: x[1])
        s = first + (n - a.window) // 2 if p["phase"] in gemm and n > a.window else first
        lead0 = max(0, s - a.lead)
        # Whether the lead holds GEMM cycles, in which the MAC array can synchronise.
        gemm_lead = any(ph in gemm and first < s and first + n > lead0 for ph, first, n in stretches)
        print(p["phase"], lead0, a.window + min(s, a.lead), int(gemm_lead))


def cmd_gemm_windows(a):
    """Trace windows of the GEMM's control (unit_power.sh UNIT=gemm).  It
    synchronises by reset at an idle cycle, so its window cannot begin inside a
    command: a GEMM phase's trace begins LEAD cycles before the phase's FIRST
    stretch (a command's start, the GEMM idle before it) and runs up to MAX_SKIP
    + W cycles into it (layer_power.sh then counts W cycles from the first cycle
    in which the MAC array works, past the first tile's loads: 2K cycles and
    more for a K-deep GEMM); every other phase of the run (the GEMM idle; each
    under 0.4% of a BERT-base-shaped layer) is traced over the first IDLE_WINDOW
    cycles of its longest stretch.  Prints "phase trace_start trace_length
    stretch_first stretch_cycles gemm" per phase with cycles."""
    run, phases = phase_table(a.rtl_json)
    stretches = read_timeline(a.timeline, run)
    gemm = {p["phase"] for p in phases if p["golden_macs"] > 0}
    for p in phases:
        if not p["cycles"]:
            continue
        mine = [(f, n) for ph, f, n in stretches if ph == p["phase"]]
        if p["phase"] in gemm:
            first, n = mine[0]
            end = first + min(n, a.max_skip + a.window)
        else:
            # (from its 16th cycle: the GEMM may end a command in the first, as
            # the AV before the last head's exposed softmax)
            first, n = max(mine, key=lambda x: x[1])
            first, n = first + min(16, n - 1), n - min(16, n - 1)
            end = first + min(n, a.idle_window)
        start = max(0, first - a.lead)
        print(p["phase"], start, end - start, first, n, int(p["phase"] in gemm))


def cmd_check_windows(a):
    bad = []
    for line in open(a.windows):
        ph, start, length = line.split()[:3]
        start, length = int(start), int(length)
        first = start + length - min(a.window, length)  # the W cycles after the lead
        if a.count_from_column:  # gemm-windows: counted from its 4th column
            first = int(line.split()[3])
        tl = os.path.join(a.timelines, ph + ".timeline")
        own = collections.Counter()  # phase -> counted cycles of the W part
        held = None  # phase of the first W cycle
        for name, c0, n in counted_runs(tl):
            lo, hi = max(c0, first), min(c0 + n, start + length)
            if hi <= lo:
                continue
            own[name] += hi - lo
            if c0 <= first < c0 + n:
                held = name
        share = own[ph] / sum(own.values()) if own else 0.0
        print(f"{ph:<8} cycles {first}-{start + length - 1}: first cycle in {held}, {100 * share:.1f}% of the "
              f"window's counted cycles in {ph}" + ("" if held == ph else "   <- WRONG PHASE"))
        if held != ph:
            bad.append(f"{ph} (cycles {first}-{start + length - 1} start in {held})")
    if bad:
        power.fail(f"{a.windows}: windows not in their named phase: {', '.join(bad)}")


def block_phases(a):
    ps = [p for p in a.phases.replace(",", " ").split() if p]
    bad = [p for p in ps if p not in power.PHASES]
    if not ps or bad:
        power.fail(f"--phases {a.phases!r}: not phases of {power.PHASES}")
    return ps


def cmd_block(a):
    """One trace window around every cycle of some phases (the attention block:
    qk, softmax, av), LEAD cycles before its first: "NAME start length"."""
    run, _ = phase_table(a.rtl_json)
    ps = block_phases(a)
    runs = [(f, n) for ph, f, n in read_timeline(a.timeline, run) if ph in ps]
    if not runs:
        power.fail(f"{a.timeline}: no cycle of {ps} in the run")
    first, last = min(f for f, _ in runs), max(f + n for f, n in runs)
    start = max(0, first - a.lead)
    whole = not a.max_cycles or last - first <= a.max_cycles
    print(a.name, start, (last if whole else first + a.max_cycles) - start, int(whole))


def cmd_check_block(a):
    """The block's own trace (DIR/NAME.timeline) holds every counted cycle of its
    phases that the RTL run's phase counters count, none in its LEAD cycles."""
    run, phases = phase_table(a.rtl_json)
    ps = block_phases(a)
    name, start, length, whole = open(a.block).read().split()[:4]
    start, length, whole = int(start), int(length), whole == "1"
    held = collections.Counter()
    in_lead = 0
    for ph, c0, n in counted_runs(a.timeline):
        lo, hi = max(c0, start), min(c0 + n, start + length)
        if hi <= lo or ph not in ps:
            continue
        held[ph] += hi - lo
        in_lead += max(0, min(hi, start + a.lead) - lo)
    rtl = {p["phase"]: p["cycles"] for p in phases if p["phase"] in ps}
    print(f"{name}: cycles {start}-{start + length - 1} ({a.lead} lead, {'the whole block' if whole else 'its start'}): "
          + ", ".join(f"{p} {held[p]} of {rtl[p]}" for p in ps) + f"; {in_lead} of them in the lead")
    if in_lead or (any(held[p] != rtl[p] for p in ps) if whole else not all(held[p] for p in ps)):
        power.fail(f"{a.block}: the window does not hold " + (f"exactly the run's {ps} cycles" if whole else
                   f"cycles of each of {ps}") + " after its lead, or holds some in its lead")


def read_instance(d):
    r = json.load(open(os.path.join(d, "report.json")))
    return {g["group"]: g for g in r["groups"]}, r


def unit_power(spec, period_s):
    """LABEL=COUNT=DIR,DIR,...: {phase: W} for the whole unit, how it was obtained."""
    try:
        label, count, dirs = spec.split("=", 2)
        count = int(count)
        dirs = [d for d in dirs.split(os.pathsep) if d]
    except ValueError:
        power.fail(f"--unit {spec!r} is not LABEL=COUNT=DIR[:DIR...]")
    if not dirs or len(dirs) > count:
        power.fail(f"--unit {label}: {len(dirs)} instance directories for {count} instances")
    insts = [read_instance(d) for d in dirs]
    phases = set.intersection(*[set(g) for g, _ in insts])
    partial = set.union(*[set(g) for g, _ in insts]) - phases
    scale = count / len(dirs)
    pw = {p: scale * sum(g[p]["design_power_w"] for g, _ in insts) for p in phases}
    window = {"cycles": sum(g["cycles"] for gs, _ in insts for g in gs.values()),
              "energy_j": scale * sum(g["design_power_w"] * g["cycles"] for gs, _ in insts for g in gs.values())}
    per_phase = {p: {"power_w": pw[p],
                     "window_cycles_per_instance": [g[p]["cycles"] for g, _ in insts],
                     "toggles": sum(g[p]["toggles"] for g, _ in insts),
                     "units_sum_equals_design_power": all(
                         abs(g[p]["unit_sum_w"] - g[p]["design_power_w"])
                         <= max(1e-5, r["cells"] * 2.0 ** -24) * g[p]["design_power_w"]  # as power.py
                         for g, r in insts)}
                 for p in sorted(phases, key=power.PHASES.index)}
    return label, {"instances": count, "replayed": len(dirs), "dirs": dirs, "scaled": len(dirs) < count,
                   "cells_per_instance": insts[0][1]["cells"], "liberty": insts[0][1]["liberty"],
                   "phases": per_phase, "phases_not_in_every_instance": sorted(partial),
                   "window_cycles": window["cycles"], "window_energy_j": window["energy_j"] * period_s}


def take_phase_as(units, spec):
    """LABEL:PHASE=FROM: the unit's power in PHASE (not replayed) is its power in FROM."""
    try:
        label, rest = spec.rsplit(":", 1)
        phase, src = rest.split("=")
    except ValueError:
        power.fail(f"--phase-as {spec!r} is not LABEL:PHASE=FROM")
    u = units.get(label)
    if u is None:
        return  # that unit is not in this report
    if phase in u["phases"]:
        power.fail(f"--phase-as {spec!r}: {label} has a measurement of {phase}")
    if src not in u["phases"]:
        power.fail(f"--phase-as {spec!r}: {label} has no measurement of {src} to take")
    u["phases"][phase] = dict(u["phases"][src], taken_from=src)
    u.setdefault("phases_taken_from", {})[phase] = src


def cmd_report(a):
    per = a.period_ns * 1e-9
    run, phases = phase_table(a.rtl_json)
    cycles = {p["phase"]: p["cycles"] for p in phases if p["cycles"] > 0}
    total_cycles = run["cycles"]
    macs = run["macs_golden"]
    units = dict(unit_power(s, per) for s in a.unit)
    for spec in a.phase_as or []:
        take_phase_as(units, spec)
    rep = {"label": a.label, "rtl_json": a.rtl_json, "period_ns": a.period_ns, "cycles": total_cycles,
           "phase_cycles": cycles, "macs_golden": macs, "units": {}, "energy_j": 0.0}
    for label, u in units.items():
        e = {p: u["phases"][p]["power_w"] * c * per for p, c in cycles.items() if p in u["phases"]}
        missing = {p: c for p, c in cycles.items() if p not in u["phases"]}
        pmax = max((v["power_w"] for v in u["phases"].values()), default=0.0)
        u.update({"energy_j_by_phase": e, "energy_j": sum(e.values()), "unmeasured_phase_cycles": missing,
                  "unmeasured_bound_j": sum(missing.values()) * pmax * per})
        rep["units"][label] = u
        rep["energy_j"] += u["energy_j"]
    if a.sram_table:
        sr = power.sram_energy(a.rtl_json, a.sram_table, a.liberty or next(iter(units.values()))["liberty"],
                               total_cycles * per, a.extra_srams, a.sram_bank_bits)
        by = collections.defaultdict(float)
        for inst in sr["instances"]:
            by[inst["unit"]] += inst["energy_j"]
        rep["srams"] = {"technology": sr["technology"], "source": sr["source"], "instances": len(sr["instances"]),
                        "reads": sum(i["reads"] for i in sr["instances"]),
                        "writes": sum(i["writes"] for i in sr["instances"]),
                        "energy_j_by_unit": dict(by), "energy_j": sum(by.values()), "bank_bits": a.sram_bank_bits,
                        "counted_from_trace": sorted(i["instance"] for i in sr["instances"]
                                                     if i["counted_by"] == "trace")}
        rep["energy_j"] += rep["srams"]["energy_j"]
    rep["unmeasured_bound_j"] = sum(u["unmeasured_bound_j"] for u in rep["units"].values())
    # pJ/MAC and TOPS/W only when every unit covers (almost) the whole run: a
    # window of one phase divided by the layer's MACs would mean nothing.
    worst = max((sum(u["unmeasured_phase_cycles"].values()) for u in rep["units"].values()), default=0)
    # Executed MACs: CSR_XMACS, every cell of every array cycle (tile padding and
    # masked keys included), what the array really did.
    rep["macs_executed"] = run.get("xmacs_rtl", 0)
    if macs and rep["energy_j"] and worst <= 0.01 * total_cycles:
        rep["pj_per_mac"] = rep["energy_j"] / macs * 1e12
        rep["tops_per_w"] = 2 * macs / rep["energy_j"] / 1e12
        if rep["macs_executed"]:
            rep["tops_per_w_executed"] = 2 * rep["macs_executed"] / rep["energy_j"] / 1e12
    write_outputs(a.out, "report", rep, report_text(rep))
    plot(rep, os.path.join(a.out, "report.png"))


def write_outputs(out, name, rep, text):
    """OUT/NAME.json (the figures) and OUT/NAME.txt (the text, also printed)."""
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, name + ".json"), "w") as f:
        json.dump(rep, f, indent=1)
    with open(os.path.join(out, name + ".txt"), "w") as f:
        f.write(text)
    print(text, end="")


def mode_summary(d, floors, ff_w):
    """One make power-layer output: energy per unit (replayed units, SRAMs per
    owner, clock-pin floors), MACs, the PREDICT phase's share."""
    r = json.load(open(os.path.join(d, "report.json")))
    run = json.load(open(r["rtl_json"]))
    per = r["period_ns"] * 1e-9
    rows = {label: u["energy_j"] for label, u in r["units"].items()}
    for owner, e in r.get("srams", {}).get("energy_j_by_unit", {}).items():
        rows[f"SRAM {owner}"] = e
    floor_rows = {f"floor: {label} ({bits} flip-flops x {ff_w * 1e6:.3f} uW)": bits * ff_w * r["cycles"] * per
                  for label, bits in floors}
    pred_cycles = r["phase_cycles"].get("predict", 0)
    units_in_predict = sum(u["energy_j_by_phase"].get("predict", 0.0) for u in r["units"].values())
    fe_sram = r.get("srams", {}).get("energy_j_by_unit", {}).get("SPLS front end", 0.0)
    fe_floor = sum(e for k, e in floor_rows.items() if "front end" in k)
    measured = r["energy_j"]
    total = measured + sum(floor_rows.values())
    return {"dir": d, "mode": run["workload"]["mode"], "workload": {k: v for k, v in run["workload"].items()
                                                                       if k != "mode"},
            "model": run["model"], "period_ns": r["period_ns"], "liberty": next(iter(r["units"].values()))["liberty"],
            "sram_bank_bits": r.get("srams", {}).get("bank_bits"),
            "cycles": r["cycles"], "phase_cycles": r["phase_cycles"], "macs_golden": run["macs_golden"],
            "macs_executed": run.get("xmacs_rtl", 0), "prediction_additions": run.get("prediction_additions", 0),
            "energy_j_by_row": rows, "floor_j_by_row": floor_rows, "measured_j": measured, "with_floors_j": total,
            "unmeasured_bound_j": r["unmeasured_bound_j"], "complete": "pj_per_mac" in r,
            "phases_taken_from": {l: u["phases_taken_from"] for l, u in r["units"].items()
                                  if u.get("phases_taken_from")},
            "predict": {"cycles": pred_cycles, "units_in_predict_phase_j": units_in_predict,
                        "front_end_srams_j": fe_sram, "front_end_floor_j": fe_floor,
                        "share_of_measured": (units_in_predict + fe_sram) / measured if measured else 0.0,
                        "share_with_floors": (units_in_predict + fe_sram + fe_floor) / total if total else 0.0}}


def cmd_compare(a):
    """Dense vs SPLS on the same workload and hardware (issue 13): energy per
    unit, ratio, pJ per golden MAC, TOPS/W effective (2 x the dense run's MACs /
    energy) and on executed MACs, the prediction's share."""
    floors = []
    for f in a.floor:
        try:
            label, bits = f.rsplit("=", 1)
            floors.append((label, int(bits)))
        except ValueError:
            power.fail(f"--floor {f!r} is not LABEL=BITS")
    ff_w = a.ff_uw * 1e-6
    m = {"dense": mode_summary(a.dense, floors, ff_w), "spls": mode_summary(a.spls, floors, ff_w)}
    d, s = m["dense"], m["spls"]
    if d["mode"] != "dense" or s["mode"] != "spls":
        power.fail(f"compare: --dense is a {d['mode']} run, --spls a {s['mode']} run")
    for k in ("workload", "model", "period_ns", "liberty", "sram_bank_bits"):
        if d[k] != s[k]:
            power.fail(f"compare: the two runs differ in {k}: {d[k]} vs {s[k]} (same workload, model, clock, "
                       f"library needed)")
    if set(d["energy_j_by_row"]) - set(s["energy_j_by_row"]) - {"SRAM SPLS front end"}:
        power.fail(f"compare: units measured in the dense run only: "
                   f"{sorted(set(d['energy_j_by_row']) - set(s['energy_j_by_row']))}")
    dense_macs = d["macs_golden"]
    for x in m.values():
        for key, e in (("measured", x["measured_j"]), ("with_floors", x["with_floors_j"])):
            x[key] = {"energy_j": e,
                      "pj_per_golden_mac": e / x["macs_golden"] * 1e12,
                      "pj_per_dense_equivalent_mac": e / dense_macs * 1e12,
                      "tops_per_w_effective": 2 * dense_macs / e / 1e12,
                      "tops_per_w_executed": 2 * x["macs_executed"] / e / 1e12 if x["macs_executed"] else None}
    rep = {"dense": d, "spls": s, "dense_equivalent_macs": dense_macs, "ff_uw": a.ff_uw,
           "ratio_measured": s["measured_j"] / d["measured_j"], "ratio_with_floors": s["with_floors_j"] / d["with_floors_j"],
           "cycle_ratio": s["cycles"] / d["cycles"], "mac_ratio": s["macs_golden"] / d["macs_golden"]}
    write_outputs(a.out, "compare", rep, compare_text(rep))


def compare_text(r):
    d, s = r["dense"], r["spls"]
    w = d["workload"]
    L = [f"dense vs SPLS energy: {w.get('source') or ''} n={w['n']} d={w['d']} heads={w['heads']} ffn={w['ffn']} "
         f"layers={w['layers']}, model {d['model']}, {os.path.basename(d['liberty'])}, {d['period_ns']} ns"
         + (f"; SRAMs wider than {d['sram_bank_bits']} bits as banks of {d['sram_bank_bits']}-bit macros"
            if d["sram_bank_bits"] else ""),
         f"cycles dense {d['cycles']} spls {s['cycles']} (x{r['cycle_ratio']:.3f}); golden MACs dense "
         f"{d['macs_golden']} spls {s['macs_golden']} (x{r['mac_ratio']:.3f}); executed MACs dense "
         f"{d['macs_executed']} spls {s['macs_executed']}", "",
         f"{'unit':<58} {'dense nJ':>12} {'spls nJ':>12} {'spls/dense':>10}"]
    rows = list(dict.fromkeys(list(d["energy_j_by_row"]) + list(s["energy_j_by_row"])))

    def line(label, a, b):
        ratio = f"{b / a:>10.3f}" if a else f"{'-':>10}"
        return f"{label:<58} {a * 1e9:>12.3f} {b * 1e9:>12.3f} {ratio}"
    for k in rows:
        L.append(line(k, d["energy_j_by_row"].get(k, 0.0), s["energy_j_by_row"].get(k, 0.0)))
    L.append(line("measured (units replayed at gate level + SRAMs)", d["measured_j"], s["measured_j"]))
    for k in d["floor_j_by_row"]:
        L.append(line(k, d["floor_j_by_row"][k], s["floor_j_by_row"][k]))
    if d["floor_j_by_row"]:
        L.append(line("measured + floors", d["with_floors_j"], s["with_floors_j"]))
    L.append("")
    for key, name in (("measured", "measured"), ("with_floors", "measured + floors")):
        if key == "with_floors" and not d["floor_j_by_row"]:
            continue
        for x in (d, s):
            v = x[key]
            ex = (f", {v['tops_per_w_executed']:.3f} TOPS/W on {x['macs_executed']} executed MACs"
                  if v["tops_per_w_executed"] else "")
            L.append(f"{x['mode']:<5} {name}: {v['energy_j'] * 1e9:.3f} nJ = {v['pj_per_golden_mac']:.3f} pJ per "
                     f"golden MAC ({x['macs_golden']}), {v['pj_per_dense_equivalent_mac']:.3f} pJ per dense-equivalent "
                     f"MAC; {v['tops_per_w_effective']:.3f} TOPS/W effective (2 x {r['dense_equivalent_macs']} "
                     f"dense MACs / energy){ex}")
    p = s["predict"]
    L += ["", f"prediction (SPLS run): PREDICT phase {p['cycles']} cycles ({100 * p['cycles'] / s['cycles']:.2f}% of "
          f"the run); replayed units in that phase {p['units_in_predict_phase_j'] * 1e9:.3f} nJ, front end SRAMs "
          f"{p['front_end_srams_j'] * 1e9:.3f} nJ (whole run): {100 * p['share_of_measured']:.2f}% of the measured "
          f"energy" + (f"; with the front end's flip-flop floor {p['front_end_floor_j'] * 1e9:.3f} nJ: "
                       f"{100 * p['share_with_floors']:.2f}% of measured + floors" if p["front_end_floor_j"] else ""),
          f"ratio SPLS / dense: measured {r['ratio_measured']:.3f}"
          + (f", measured + floors {r['ratio_with_floors']:.3f}" if d["floor_j_by_row"] else "")]
    for x in (d, s):
        for label, t in x["phases_taken_from"].items():
            L.append(f"{x['mode']}: {label}: phases not replayed, power taken from: {t}")
        if not x["complete"]:
            L.append(f"{x['mode']}: phases of more than 1% of the run not measured for some unit "
                     f"(bound {x['unmeasured_bound_j'] * 1e9:.3f} nJ): see its report.txt")
    L.append("excluded: clock tree, wires, glitches (zero-delay toggles: a lower bound), off-chip memory, every "
             "unit not listed (floors: clock pins only, a lower bound for that unit)")
    return "\n".join(L) + "\n"


def report_text(r):
    L = [f"energy per unit: {r['label']}",
         f"RTL run {r['rtl_json']}: {r['cycles']} cycles, {r['macs_golden']} MACs, clock {r['period_ns']} ns",
         f"energy (measured units + SRAMs): {r['energy_j'] * 1e9:.3f} nJ"
         + (f" = {r['pj_per_mac']:.3f} pJ/MAC, {r['tops_per_w']:.3f} TOPS/W (2 x MACs / energy)"
            if "pj_per_mac" in r else "")
         + (f"; {r['tops_per_w_executed']:.3f} TOPS/W on the {r['macs_executed']} executed MACs"
            if "tops_per_w_executed" in r else "")
         + (" (phases not measured for some unit: see below; their energy is not in this figure)"
            if r["unmeasured_bound_j"] > 0 else "")
         + ("" if "pj_per_mac" in r else "; no pJ/MAC or TOPS/W: phases of more than 1% of the run "
            "are not measured"),
         "excluded: clock tree, wires, glitches (zero-delay toggles: a lower bound), off-chip memory, "
         "and every unit not listed below", ""]
    L.append(f"{'unit':<28} {'energy nJ':>11} {'instances':>10}  how")
    for label, u in r["units"].items():
        how = (f"{u['replayed']} of {u['instances']} replayed, scaled" if u["scaled"] else
               f"all {u['instances']} replayed") + f", {u['cells_per_instance']} cells each"
        L.append(f"{label:<28} {u['energy_j'] * 1e9:>11.3f} {u['instances']:>10}  {how}")
    if "srams" in r:
        s = r["srams"]
        L.append(f"{'SRAMs (CACTI x counts)':<28} {s['energy_j'] * 1e9:>11.3f} {s['instances']:>10}  "
                 f"{s['reads']} reads, {s['writes']} writes, {s['technology']}"
                 + (f"; {len(s['counted_from_trace'])} counted from a trace of the run"
                    if s.get("counted_from_trace") else "")
                 + (f"; memories wider than {s['bank_bits']} bits as banks of {s['bank_bits']}-bit macros"
                    if s.get("bank_bits") else ""))
        for u, e in sorted(s["energy_j_by_unit"].items(), key=lambda x: -x[1]):
            L.append(f"  SRAM {u:<23} {e * 1e9:>11.3f}")
    L += ["", "power per phase (mW, whole unit) x RTL cycles of the phase:"]
    phs = [p for p in power.PHASES if p in r["phase_cycles"]]
    L.append(f"{'phase':<9} {'cycles':>9}  " + "  ".join(f"{u[:18]:>18}" for u in r["units"]))
    for p in phs:
        cells = []
        for u in r["units"].values():
            v = u["phases"].get(p)
            cells.append(f"{v['power_w'] * 1e3:>18.3f}" if v else f"{'not measured':>18}")
        L.append(f"{p:<9} {r['phase_cycles'][p]:>9}  " + "  ".join(cells))
    for label, u in r["units"].items():
        if u["unmeasured_phase_cycles"]:
            c = sum(u["unmeasured_phase_cycles"].values())
            L.append(f"{label}: phases not measured {u['unmeasured_phase_cycles']} = {c} cycles "
                     f"({100 * c / r['cycles']:.2f}% of the run), not in its energy; at most "
                     f"{u['unmeasured_bound_j'] * 1e9:.3f} nJ (those cycles x its largest measured power)")
        for p, src in u.get("phases_taken_from", {}).items():
            L.append(f"{label}: {p} not replayed, its power taken as that of {src} "
                     f"({r['phase_cycles'].get(p, 0)} cycles)")
        bad = [p for p, v in u["phases"].items() if not v["units_sum_equals_design_power"]]
        L.append(f"{label}: per-cell sum equals OpenSTA design_power in every window: "
                 f"{'yes' if not bad else 'NO ' + str(bad)}")
    return "\n".join(L) + "\n"


def plot(r, path):
    """Stacked bars: energy per unit in each phase, SRAMs as one more bar."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("layer.py: matplotlib missing, no PNG (scripts/setup.sh installs it)", file=sys.stderr)
        return
    phs = [p for p in power.PHASES if p in r["phase_cycles"]]
    fig, ax = plt.subplots(figsize=(9, 4.5))
    bottom = [0.0] * len(phs)
    for label, u in r["units"].items():
        vals = [u["energy_j_by_phase"].get(p, 0.0) * 1e9 for p in phs]
        ax.bar(phs, vals, bottom=bottom, label=label)
        bottom = [b + v for b, v in zip(bottom, vals)]
    if "srams" in r:
        b = 0.0
        for u, e in sorted(r["srams"]["energy_j_by_unit"].items()):
            ax.bar(["SRAMs (run)"], [e * 1e9], bottom=[b], hatch="//", label=f"SRAM {u}")
            b += e * 1e9
    ax.set_ylabel("energy (nJ)")
    ax.set_title(r["label"], fontsize=8)
    ax.legend(fontsize=6, ncol=2)
    plt.xticks(rotation=30, fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("windows")
    w.add_argument("--rtl-json", required=True)
    w.add_argument("--timeline", required=True,
                   help="fst_timeline TRACE TOP.esact_top.phase TOP.esact_top.busy TOP.esact_top.start output")
    w.add_argument("--window", type=int, default=1000)
    w.add_argument("--lead", type=int, default=3200)
    w.add_argument("--min-share", type=float, default=0.005,
                   help="no window of its own for a phase shorter than this share of the run")
    g = sub.add_parser("gemm-windows")
    g.add_argument("--rtl-json", required=True)
    g.add_argument("--timeline", required=True, help="as for windows")
    g.add_argument("--window", type=int, default=3200, help="counted cycles per window")
    g.add_argument("--max-skip", type=int, default=8000,
                   help="cycles traced before the counted ones at most (the first tile's loads)")
    g.add_argument("--lead", type=int, default=64, help="cycles before a window's command start (an idle cycle)")
    g.add_argument("--idle-window", type=int, default=1000, help="counted cycles of a phase without GEMM work")
    k = sub.add_parser("check-windows")
    k.add_argument("--windows", required=True, help="layer.py windows output")
    k.add_argument("--window", type=int, required=True, help="W, as given to layer.py windows")
    k.add_argument("--timelines", required=True, help="directory of PHASE.timeline (fst_timeline of each window's trace)")
    k.add_argument("--count-from-column", action="store_true",
                   help="the windows are gemm-windows': the counted part starts at the 4th column's cycle")
    b = sub.add_parser("block")
    b.add_argument("--rtl-json", required=True)
    b.add_argument("--timeline", required=True, help="as for windows")
    b.add_argument("--phases", required=True, help="the block's phases, e.g. qk,softmax,av")
    b.add_argument("--lead", type=int, default=64, help="cycles before the block's first cycle")
    b.add_argument("--name", default="attention")
    b.add_argument("--max-cycles", type=int, default=0,
                   help="at most this many cycles after the lead (0: the whole block); the block's start only")
    kb = sub.add_parser("check-block")
    kb.add_argument("--rtl-json", required=True)
    kb.add_argument("--block", required=True, help="layer.py block output")
    kb.add_argument("--timeline", required=True, help="fst_timeline of the block's own trace")
    kb.add_argument("--phases", required=True)
    kb.add_argument("--lead", type=int, default=64)
    r = sub.add_parser("report")
    r.add_argument("--rtl-json", required=True)
    r.add_argument("--period-ns", type=float, required=True)
    r.add_argument("--out", required=True)
    r.add_argument("--unit", action="append", required=True, help="LABEL=COUNT=DIR[:DIR...]")
    r.add_argument("--sram-table")
    r.add_argument("--liberty")
    r.add_argument("--label", default="")
    r.add_argument("--extra-srams", help="more memories and their counts (fst_mem_access.cpp's JSON)")
    r.add_argument("--sram-bank-bits", type=int,
                   help="model a memory wider than this as banks of macros this wide (a sensitivity)")
    r.add_argument("--phase-as", action="append",
                   help="LABEL:PHASE=FROM: a phase the unit could not replay takes its power in FROM")
    c = sub.add_parser("compare")
    c.add_argument("--dense", required=True, help="make power-layer MODE=dense output directory")
    c.add_argument("--spls", required=True, help="make power-layer MODE=spls output directory (same workload)")
    c.add_argument("--out", required=True)
    c.add_argument("--floor", action="append", default=[],
                   help="LABEL=BITS: a unit not replayed, as a clock-pin floor of BITS flip-flops")
    c.add_argument("--ff-uw", type=float, default=2.485,
                   help="clock-pin power per flip-flop (uW) for --floor (docs/power-log.md, session 7)")
    a = ap.parse_args()
    {"windows": cmd_windows, "gemm-windows": cmd_gemm_windows, "check-windows": cmd_check_windows, "block": cmd_block,
     "check-block": cmd_check_block, "report": cmd_report, "compare": cmd_compare}[a.cmd](a)


if __name__ == "__main__":
    main()
