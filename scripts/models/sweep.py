#!/usr/bin/python3
"""Sweep the SPLS knobs (k, W, T, ffn_reuse) of the trained models through the
golden model (esact-eval) on the validation AND the test split, and draw test
accuracy versus computation reduction.

Knobs are chosen on the validation split (MODEL/val) only; every accuracy
reported as the result is on the test split (MODEL/test), which no choice has
seen.  For each model folder: the model's own (per-layer, calibrated by
calibrate.py) knobs, and a uniform grid (the same knobs on every layer): k in
{8, 16, 32}, top-k only (W = 0), and W in {2, 4, 8} x T in {0.25, 0.5, 0.75} x
H*k x ffn_reuse off/on: 57 settings (--quick: k in {8, 16, 32} x {top-k only;
W = 4, T = 0.75 H*k, ffn_reuse off/on; W = 8, T in {0.125, 0.25} H*k, ffn_reuse
on}: 15 settings).
A model published with a sample only (publish_model.py: no MODEL/val) is
measured on the full splits its build folder holds (--splits-dir/<name>/val,
test; make model-langid writes them).  --grid-max-seqs N runs the uniform grid
on the first N sequences of each split only (the model's own knobs always on
the whole split); the tables and the plot say so.  Writes:
  OUT/<model>_sweep.json       every setting on both splits (esact-eval --json)
  docs/img/spls_sweep.png      test accuracy vs total MAC reduction, one panel per model
  docs/models_sweep.md         the tables included in docs/models.md
and the golden-model results ("golden": test and val) in each model's record.json.
Effective reduction: prediction additions charged at esact_cost.PRED_ADD_PER_MAC MACs each.

Usage: /usr/bin/python3 scripts/models/sweep.py --eval build/golden/esact-eval \\
           [--models models/digits_vit models/fortunes_bert models/langid_bert] [--out build/models]
           [--splits-dir build/models] [--quick] [--grid-max-seqs N]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import esact_cost  # noqa: E402
import models_tables  # noqa: E402

PAPER_REDUCTION = 52.03  # % total computation reduction claimed by the paper
PAPER_LOSS = 1.0         # < 1 % accuracy loss
BUDGETS = (0.0, 0.5, 1.0, 2.0)


def run_eval(exe, model, extra, log=print):
    """esact-eval --json into a temporary file (it writes regular files only); the parsed JSON."""
    with tempfile.TemporaryDirectory() as td:
        js = os.path.join(td, "eval.json")
        cmd = [exe, "--model", model, "--quiet", "--json", js] + list(extra)
        log("  $ " + " ".join(cmd))
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f"sweep: esact-eval failed: {r.stderr.strip()}")
        with open(js) as f:
            return json.load(f)


def run_settings(exe, model, split, settings, log=print, extra=(), splits_dir=None):
    """esact-eval on MODEL/<split> (see split_args) for a list of settings (dicts, uniform or {"layers": [...]})."""
    sel = split_args(model, split, splits_dir) if splits_dir else ["--split", split]
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(settings, f)
    try:
        return run_eval(exe, model, sel + ["--settings", f.name] + list(extra), log)
    finally:
        os.unlink(f.name)


def uniform_grid(heads, quick=False):
    ks = [8, 16, 32]
    fracs = [0.75] if quick else [0.25, 0.5, 0.75]
    windows = [4] if quick else [2, 4, 8]
    out = [{"k": k, "window": 0, "threshold": 0, "ffn_reuse": False} for k in ks]
    for k in ks:
        for w in windows:
            for t in sorted({max(1, round(fr * heads * k)) for fr in fracs}):
                out += [{"k": k, "window": w, "threshold": t, "ffn_reuse": f} for f in (False, True)]
        if quick:  # aggressive reuse: the widest window (W_MAX = 8), low thresholds
            out += [{"k": k, "window": 8, "threshold": max(1, round(fr * heads * k)), "ffn_reuse": True}
                    for fr in (0.125, 0.25)]
    return out


def split_args(model, split, splits_dir):
    """esact-eval options selecting MODEL/<split>, or, for a model published with a sample
    only, the full split in its build folder (SPLITS_DIR/<name>/<split>)."""
    if os.path.isdir(os.path.join(model, split)):
        return ["--split", split]
    alt = os.path.join(splits_dir, os.path.basename(os.path.normpath(model)), split)
    if not os.path.isdir(alt):
        sys.exit(f"sweep: {model} has no {split}/ split and {alt} does not exist (make model-langid writes it)")
    return ["--input", alt]


def pareto(points, acc=lambda s: s["accuracy"]):
    """Points not dominated (higher reduction and higher accuracy)."""
    front = []
    for p in sorted(points, key=lambda s: (-s["reduction"], -acc(s))):
        if not front or acc(p) > acc(front[-1]):
            front.append(p)
    return front


def best_under(settings, dense_acc, max_loss_pp):
    ok = [s for s in settings if (dense_acc - s["accuracy"]) * 100 <= max_loss_pp + 1e-9]
    return max(ok, key=lambda s: (s["reduction"], s["accuracy"])) if ok else None


def sweep_model(exe, model, quick, log=print, grid_too=True, splits_dir="build/models", grid_max_seqs=0):
    """The model's own knobs on the whole val and test splits and, with grid_too, the uniform
    grid (on the first grid_max_seqs sequences of each split if > 0).  r[split]["dense"] is the
    whole split's; the grid's own dense run is r[split]["grid_dense"]."""
    with open(os.path.join(model, "manifest.json")) as f:
        man = json.load(f)
    t0 = time.time()
    grid = uniform_grid(man["n_heads"], quick) if grid_too else []
    cap = ["--max-seqs", str(grid_max_seqs)] if grid_max_seqs else []
    r = {}
    for split in ("val", "test"):
        own = run_eval(exe, model, split_args(model, split, splits_dir) + ["--float"], log)  # own per-layer knobs
        g = run_settings(exe, model, split, grid, log, cap, splits_dir) if grid else dict(own, settings=[])
        g["grid_dense"], g["grid_sequences"] = g["dense"], g["sequences"]
        g["dense"], g["sequences"] = own["dense"], own["sequences"]
        g["float"] = own["float"]
        g["model_knobs"] = own["settings"][0]
        r[split] = g
    for sv, st in zip(r["val"]["settings"], r["test"]["settings"]):
        sv["test"] = st  # the same setting on the test split
    r["val"]["model_knobs"]["test"] = r["test"]["model_knobs"]
    for s in r["val"]["settings"] + r["test"]["settings"] + [r["val"]["model_knobs"], r["test"]["model_knobs"]]:
        s["effective_reduction"] = esact_cost.effective_reduction(s)
    r["sweep_seconds"] = round(time.time() - t0, 1)
    r["grid_max_seqs"] = grid_max_seqs
    log(f"{os.path.basename(model)}: {len(grid)} uniform settings x 2 splits in {r['sweep_seconds']} s")
    return r


def record_golden(model, r):
    rec_path = os.path.join(model, "record.json")
    if not os.path.exists(rec_path):
        return
    with open(rec_path) as f:
        rec = json.load(f)
    g = {}
    for split in ("test", "val"):
        R = r[split]
        mk = R["model_knobs"]
        g[split] = {"int8_dense_correct": R["dense"]["correct"], "int8_dense_accuracy": R["dense"]["accuracy"],
                    "float_reference_accuracy": R["float"]["accuracy"], "sequences": R["sequences"],
                    "spls_correct": mk["correct"], "spls_accuracy": mk["accuracy"],
                    "spls_reduction": mk["reduction"], "spls_effective_reduction": mk["effective_reduction"]}
    g["model_knobs"] = r["test"]["model_knobs"]["layer_knobs"]
    g["pred_add_per_mac"] = esact_cost.PRED_ADD_PER_MAC
    rec["golden"] = g
    with open(rec_path, "w") as f:
        json.dump(rec, f, indent=1)
        f.write("\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--eval", required=True, help="path of the esact-eval binary")
    ap.add_argument("--models", nargs="+", default=["models/digits_vit", "models/fortunes_bert", "models/langid_bert"])
    ap.add_argument("--out", default="build/models")
    ap.add_argument("--splits-dir", help="where a sample-only model's full splits are (<dir>/<name>/val, test); "
                                         "default: --out")
    ap.add_argument("--grid-max-seqs", type=int, default=0,
                    help="the uniform grid on the first N sequences of each split only (0: all)")
    ap.add_argument("--img", default="docs/img/spls_sweep.png")
    ap.add_argument("--md", default="docs/models_sweep.md")
    ap.add_argument("--models-md", default="docs/models.md",
                    help="fill its RESULTS_TABLE and KNOBS_TABLE blocks ('' = do not)")
    ap.add_argument("--only", nargs="+", default=[],
                    help="measure only these models (names); the others' results from OUT/<name>_sweep.json of an "
                         "earlier run")
    ap.add_argument("--quick", action="store_true", help="a smaller grid (15 settings)")
    ap.add_argument("--record-only", action="store_true",
                    help="only the models' own knobs into record.json (no grid, no docs)")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    results = {}
    for model in a.models:
        name = os.path.basename(os.path.normpath(model))
        if a.only and name not in a.only and not a.record_only:
            with open(os.path.join(a.out, f"{name}_sweep.json")) as f:
                results[name] = json.load(f)
            print(f"{name}: the earlier run's results ({a.out}/{name}_sweep.json)")
            continue
        r = sweep_model(a.eval, model, a.quick, grid_too=not a.record_only, splits_dir=a.splits_dir or a.out,
                        grid_max_seqs=a.grid_max_seqs)
        if a.record_only:
            record_golden(model, r)
            continue
        with open(os.path.join(a.out, f"{name}_sweep.json"), "w") as f:
            json.dump(r, f, indent=1)
        record_golden(model, r)
        results[name] = r
    if a.record_only:
        return
    plot(results, a.img)
    write_md(results, a.md)
    if a.models_md:
        models_tables.update_models_md(results, {os.path.basename(os.path.normpath(m)): m for m in a.models},
                                       a.models_md)


def plot(results, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, len(results), figsize=(6.2 * len(results), 4.8), squeeze=False)
    for ax, (name, r) in zip(axes[0], results.items()):
        V, T = r["val"], r["test"]
        dense = T["dense"]["accuracy"] * 100
        S = V["settings"]
        groups = {"uniform, top-k only (W = 0)": [s for s in S if s["window"] == 0],
                  "uniform, reuse, ffn_reuse off": [s for s in S if s["window"] > 0 and not s["ffn_reuse"]],
                  "uniform, reuse, ffn_reuse on": [s for s in S if s["window"] > 0 and s["ffn_reuse"]]}
        for (lab, pts), mk, col in zip(groups.items(), ("s", "o", "^"), ("tab:gray", "tab:blue", "tab:orange")):
            ax.scatter([s["test"]["reduction"] * 100 for s in pts], [s["test"]["accuracy"] * 100 for s in pts],
                       marker=mk, s=20, alpha=0.6, color=col, label=lab)
        b = best_under(S, V["grid_dense"]["accuracy"], PAPER_LOSS)
        if b:
            ax.plot([b["test"]["reduction"] * 100], [b["test"]["accuracy"] * 100], "D", ms=8, mfc="none", color="k",
                    label=f"uniform, chosen on val (<= 1 pt): {b['test']['reduction'] * 100:.1f}%")
        if T["grid_sequences"] != T["sequences"]:  # the grid on a prefix: its own dense accuracy there
            ax.axhline(T["grid_dense"]["accuracy"] * 100, color="tab:gray", ls="-.", lw=1,
                       label=f"INT8 dense, first {T['grid_sequences']} test seqs (the grid's)")
        mk = T["model_knobs"]
        ax.plot([mk["reduction"] * 100], [mk["accuracy"] * 100], "P", ms=11, color="tab:red",
                label=f"per-layer (calibrated on val): {mk['reduction'] * 100:.1f}% MACs")
        ax.plot([mk["effective_reduction"] * 100], [mk["accuracy"] * 100], "P", ms=11, mfc="none", color="tab:red",
                label=f"  same, effective (pred. adds x {esact_cost.PRED_ADD_PER_MAC:.2f}): "
                      f"{mk['effective_reduction'] * 100:.1f}%")
        ax.axhline(dense, color="tab:green", ls="--", lw=1, label=f"INT8 dense {dense:.2f}%")
        ax.axhline(T["float"]["accuracy"] * 100, color="tab:purple", ls=":", lw=1,
                   label=f"float ref. {T['float']['accuracy'] * 100:.2f}%")
        ax.axhspan(dense - PAPER_LOSS, dense, color="tab:green", alpha=0.08, label="<= 1 pt loss")
        ax.plot([PAPER_REDUCTION], [dense - PAPER_LOSS], marker="*", ms=14, color="tab:red", ls="none",
                label="paper: 52.03%, < 1% loss")
        lo = min(min((s["test"]["accuracy"] for s in S), default=1.0) * 100, dense - 5)
        ax.set_ylim(max(lo - 1, 0), min(100.5, max(dense, T["float"]["accuracy"] * 100) + 2))
        ax.set_xlim(0, 100)
        ax.set_xlabel("total MAC reduction vs dense (%)")
        ax.set_ylabel("TEST accuracy (%)")
        sub = (f"; uniform grid on the first {T['grid_sequences']}" if T["grid_sequences"] != T["sequences"] else "")
        ax.set_title(f"{name}: N={T['n']} D={T['d_model']} H={T['n_heads']} F={T['d_ffn']} L={T['layers']}, "
                     f"{T['sequences']} test seqs{sub}", fontsize=9)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=6.5, loc="lower left")
    fig.tight_layout()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fig.savefig(path, dpi=110)


def knobs_str(L):
    return f"k={L['k']} W={L['window']} T={L['threshold']} {'ffn' if L['ffn_reuse'] else 'no-ffn'}"


def fmt_row(sv, dv, dt, label=None):
    st = sv["test"]
    w = st["work"]
    knobs = label or f"{sv['k']} / {sv['window']} / {sv['threshold']} / {'on' if sv['ffn_reuse'] else 'off'}"
    return (f"| {knobs} | {sv['accuracy'] * 100:.2f} ({(sv['accuracy'] - dv) * 100:+.2f}) | "
            f"**{st['accuracy'] * 100:.2f} ({(st['accuracy'] - dt) * 100:+.2f})** | "
            f"{w['qkv']['reduction'] * 100:.1f} | {w['qk']['reduction'] * 100:.1f} | {w['av']['reduction'] * 100:.1f} | "
            f"{w['wo']['reduction'] * 100:.1f} | {w['ffn']['reduction'] * 100:.1f} | **{st['reduction'] * 100:.2f}** | "
            f"{st['effective_reduction'] * 100:.2f} | {w['prediction_additions_per_dense_mac']:.3f} | "
            f"{st['follower_fraction'] * 100:.1f} |")


HEADER = ("| k / W / T / ffn_reuse | val acc. % (pt vs dense) | **test acc. % (pt vs dense)** | qkv | qk | av | wo | ffn | "
          "**total MAC red. %** | effective red. % | pred. add / dense MAC | followers % |\n"
          "|---|---|---|---|---|---|---|---|---|---|---|---|")


def write_md(results, path):
    out = ["<!-- generated by scripts/models/sweep.py (make eval); do not edit by hand -->",
           f"\nReductions and followers are measured on the test split. Effective reduction charges every prediction "
           f"addition {esact_cost.PRED_ADD_PER_MAC:.3f} MAC ({esact_cost.SOURCE})."]
    for name, r in results.items():
        V, T = r["val"], r["test"]
        dv, dt = V["dense"]["accuracy"], T["dense"]["accuracy"]
        gv, gt = V["grid_dense"]["accuracy"], T["grid_dense"]["accuracy"]
        out.append(f"\n#### {name}: val {V['sequences']} / test {T['sequences']} sequences; INT8 dense val {dv * 100:.2f}%, "
                   f"test {dt * 100:.2f}%; float reference val {V['float']['accuracy'] * 100:.2f}%, "
                   f"test {T['float']['accuracy'] * 100:.2f}%")
        mk = V["model_knobs"]
        out.append("\nThe model's per-layer knobs (manifest, from calibrate.py on the validation split):\n")
        out.append(HEADER)
        out.append(fmt_row(mk, dv, dt, "per-layer (below)"))
        out.append("\n| layer | knobs | followers % (test) | unused keys % (test) | MAC reduction % (test) |\n|---|---|---|---|---|")
        for L, P in zip(mk["test"]["layer_knobs"], mk["test"]["per_layer"]):
            out.append(f"| {P['layer']} | {knobs_str(L)} | {P['follower_fraction'] * 100:.1f} | "
                       f"{P['unused_key_fraction'] * 100:.1f} | {P['reduction'] * 100:.2f} |")
        if V["grid_sequences"] != V["sequences"] or T["grid_sequences"] != T["sequences"]:
            out.append(f"\nThe uniform grid below ran on the **first {V['grid_sequences']} val and "
                       f"{T['grid_sequences']} test sequences** only (`--grid-max-seqs`); INT8 dense there: val "
                       f"{gv * 100:.2f}%, test {gt * 100:.2f}%, against which its losses are given.")
        out.append("\nUniform knobs (the same on every layer): the best setting per loss budget, **chosen on the "
                   "validation split**, and its test result:\n")
        out.append(HEADER)
        for budget in BUDGETS:
            b = best_under(V["settings"], gv, budget)
            if b:
                out.append(fmt_row(b, gv, gt, f"val loss <= {budget:g} pt: {b['k']} / {b['window']} / {b['threshold']} / "
                                              f"{'on' if b['ffn_reuse'] else 'off'}"))
        out.append("\nUniform knobs, Pareto front on the validation split, with the test result:\n")
        out.append(HEADER)
        for s in pareto(V["settings"]):
            out.append(fmt_row(s, gv, gt))
        out.append(f"\n{len(V['settings'])} uniform settings on both splits in {r['sweep_seconds']} s; all of them in "
                   f"`{name}_sweep.json`.")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
