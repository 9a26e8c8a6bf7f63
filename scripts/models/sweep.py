#!/usr/bin/python3
"""Sweep the SPLS knobs (k, W, T, ffn_reuse) of the trained models through the
golden model (esact-eval) and draw accuracy versus computation reduction.

For each model folder: esact-eval on its labelled test split, once per k with a
grid over W, T (as fractions of the maximum overlap H*k) and ffn_reuse, plus
the top-k-only points (W = 0).  Writes:
  OUT/<model>_sweep.json       every setting (esact-eval --json, merged)
  docs/img/spls_sweep.png      accuracy loss vs total MAC reduction, one panel per model
  docs/models_sweep.md         the tables included in docs/models.md
and adds the golden-model results ("golden") to each model's record.json.

Usage: /usr/bin/python3 scripts/models/sweep.py --eval build/golden/esact-eval \\
           [--models models/digits_vit models/fortunes_bert] [--out build/models] [--quick]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

PAPER_REDUCTION = 52.03  # % total computation reduction claimed by the paper
PAPER_LOSS = 1.0         # < 1 % accuracy loss


def run_eval(exe, model, extra, log):
    cmd = [exe, "--model", model, "--quiet", "--json", "/dev/stdout"] + extra
    log("  $ " + " ".join(cmd))
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"sweep: esact-eval failed: {r.stderr.strip()}")
    return json.loads(r.stdout)


def pareto(points):
    """Points (reduction, accuracy) not dominated (higher reduction and higher accuracy)."""
    front = []
    for p in sorted(points, key=lambda s: (-s["reduction"], -s["accuracy"])):
        if not front or p["accuracy"] > front[-1]["accuracy"]:
            front.append(p)
    return front


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--eval", required=True, help="path of the esact-eval binary")
    ap.add_argument("--models", nargs="+", default=["models/digits_vit", "models/fortunes_bert"])
    ap.add_argument("--out", default="build/models")
    ap.add_argument("--img", default="docs/img/spls_sweep.png")
    ap.add_argument("--md", default="docs/models_sweep.md")
    ap.add_argument("--quick", action="store_true", help="a small grid (for trying things out)")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    log = print
    ks = [8, 16, 32] if a.quick else [4, 8, 16, 32]
    fracs = [0.75] if a.quick else [0.5, 0.75, 0.875]
    windows = "4" if a.quick else "2,4,8"
    results = {}
    for model in a.models:
        name = os.path.basename(os.path.normpath(model))
        with open(os.path.join(model, "manifest.json")) as f:
            man = json.load(f)
        heads = man["n_heads"]
        t0 = time.time()
        merged = None
        # the model's own knobs (for the record) + --float accuracy
        own = run_eval(a.eval, model, ["--float"], log)
        # top-k only (W = 0: no reuse, T and ffn_reuse have no effect)
        merged = run_eval(a.eval, model, ["--grid", f"k={','.join(map(str, ks))};window=0;threshold=0;ffn_reuse=off"], log)
        for k in ks:
            ts = sorted({max(1, round(fr * heads * k)) for fr in fracs})
            grid = f"k={k};window={windows};threshold={','.join(map(str, ts))};ffn_reuse=off,on"
            merged["settings"] += run_eval(a.eval, model, ["--grid", grid], log)["settings"]
        uniq = merged["settings"]
        merged["float"] = own.get("float")
        merged["model_knobs"] = own["settings"][0]
        merged["sweep_seconds"] = round(time.time() - t0, 1)
        with open(os.path.join(a.out, f"{name}_sweep.json"), "w") as f:
            json.dump(merged, f, indent=1)
        results[name] = (model, merged)
        log(f"{name}: {len(uniq)} settings in {merged['sweep_seconds']} s")
        # the golden model's numbers, recorded beside the Python ones
        rec_path = os.path.join(model, "record.json")
        if not os.path.exists(rec_path):
            continue
        with open(rec_path) as f:
            rec = json.load(f)
        mk = merged["model_knobs"]
        rec["golden"] = {"int8_dense_correct": merged["dense"]["correct"], "int8_dense_accuracy": merged["dense"]["accuracy"],
                         "float_reference_accuracy": merged["float"]["accuracy"] if merged.get("float") else None,
                         "model_knobs": {k: mk[k] for k in ("k", "window", "threshold", "ffn_reuse")},
                         "spls_correct": mk["correct"], "spls_accuracy": mk["accuracy"], "spls_reduction": mk["reduction"]}
        with open(rec_path, "w") as f:
            json.dump(rec, f, indent=1)
            f.write("\n")
    plot(results, a.img)
    write_md(results, a.md, a.img)


def best_under(settings, dense_acc, max_loss_pp):
    ok = [s for s in settings if (dense_acc - s["accuracy"]) * 100 <= max_loss_pp + 1e-9]
    return max(ok, key=lambda s: (s["reduction"], s["accuracy"])) if ok else None


def plot(results, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, len(results), figsize=(6.2 * len(results), 4.8), squeeze=False)
    for ax, (name, (model, r)) in zip(axes[0], results.items()):
        dense = r["dense"]["accuracy"] * 100
        S = r["settings"]
        groups = {"top-k only (W = 0)": [s for s in S if s["window"] == 0],
                  "reuse, ffn_reuse off": [s for s in S if s["window"] > 0 and not s["ffn_reuse"]],
                  "reuse, ffn_reuse on": [s for s in S if s["window"] > 0 and s["ffn_reuse"]]}
        for (lab, pts), mk, col in zip(groups.items(), ("s", "o", "^"), ("tab:gray", "tab:blue", "tab:orange")):
            ax.scatter([s["reduction"] * 100 for s in pts], [s["accuracy"] * 100 for s in pts], marker=mk, s=22,
                       alpha=0.75, color=col, label=lab)
        fr = pareto(S)
        ax.plot([s["reduction"] * 100 for s in fr], [s["accuracy"] * 100 for s in fr], "-", color="k", lw=1,
                label="Pareto front")
        ax.axhline(dense, color="tab:green", ls="--", lw=1, label=f"INT8 dense {dense:.2f}%")
        if r.get("float"):
            ax.axhline(r["float"]["accuracy"] * 100, color="tab:purple", ls=":", lw=1,
                       label=f"float ref. {r['float']['accuracy'] * 100:.2f}%")
        ax.axhspan(dense - PAPER_LOSS, dense, color="tab:green", alpha=0.08, label="< 1 pt loss")
        ax.plot([PAPER_REDUCTION], [dense - PAPER_LOSS], marker="*", ms=16, color="tab:red", ls="none",
                label="paper: 52.03%, < 1% loss")
        b = best_under(S, r["dense"]["accuracy"], PAPER_LOSS)
        if b:
            ax.annotate(f"best < 1 pt: k={b['k']} W={b['window']} T={b['threshold']}\n"
                        f"ffn_reuse {'on' if b['ffn_reuse'] else 'off'}: {b['reduction'] * 100:.1f}%",
                        (b["reduction"] * 100, b["accuracy"] * 100), textcoords="axes fraction", xytext=(0.52, 0.30),
                        fontsize=8, arrowprops={"arrowstyle": "->", "lw": 0.8})
        lo = min(min(s["accuracy"] for s in S) * 100, dense - 5)
        ax.set_ylim(max(lo - 1, 0), min(100, max(dense, r.get("float", {}).get("accuracy", 0) * 100) + 2))
        ax.set_xlim(0, 100)
        ax.set_xlabel("total MAC reduction vs dense (%)  [prediction additions not included]")
        ax.set_ylabel("test accuracy (%)")
        ax.set_title(f"{name}: N={r['n']} D={r['d_model']} H={r['n_heads']} F={r['d_ffn']} L={r['layers']}, "
                     f"{r['sequences']} test seqs", fontsize=9)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fig.savefig(path, dpi=110)


def fmt_row(s, dense_acc):
    w = s["work"]
    return (f"| {s['k']} | {s['window']} | {s['threshold']} | {'on' if s['ffn_reuse'] else 'off'} | "
            f"{s['accuracy'] * 100:.2f} | {(s['accuracy'] - dense_acc) * 100:+.2f} | "
            f"{w['qkv']['reduction'] * 100:.1f} | {w['qk']['reduction'] * 100:.1f} | {w['av']['reduction'] * 100:.1f} | "
            f"{w['wo']['reduction'] * 100:.1f} | {w['ffn']['reduction'] * 100:.1f} | **{s['reduction'] * 100:.2f}** | "
            f"{w['prediction_additions_per_dense_mac']:.3f} | {s['follower_fraction'] * 100:.1f} |")


HEADER = ("| k | W | T | ffn_reuse | accuracy % | vs dense (pt) | qkv | qk | av | wo | ffn | **total MAC red. %** | "
          "pred. add / dense MAC | followers % |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")


def write_md(results, path, img):
    out = ["<!-- generated by scripts/models/sweep.py (make eval); do not edit by hand -->"]
    for name, (model, r) in results.items():
        dense = r["dense"]["accuracy"]
        S = r["settings"]
        out.append(f"\n#### {name}: {r['sequences']} test sequences, INT8 dense accuracy {dense * 100:.2f}%"
                   + (f", float reference {r['float']['accuracy'] * 100:.2f}%" if r.get("float") else ""))
        out.append("\nBest setting per accuracy-loss budget (loss measured against INT8 dense, in points):\n")
        out.append(HEADER)
        for budget in (0.0, 0.5, 1.0, 2.0, 5.0):
            b = best_under(S, dense, budget)
            if b:
                out.append(fmt_row(b, dense).replace(f"| {b['k']} |", f"| {b['k']} (loss <= {budget:g}) |", 1))
        out.append("\nPareto front (no other setting has both more reduction and more accuracy):\n")
        out.append(HEADER)
        for s in pareto(S):
            out.append(fmt_row(s, dense))
        mk = r["model_knobs"]
        out.append(f"\nThe model's stored knobs (k={mk['k']}, W={mk['window']}, T={mk['threshold']}, ffn_reuse "
                   f"{'on' if mk['ffn_reuse'] else 'off'}), per layer:\n")
        out.append("| layer | followers % | unused keys % | MAC reduction % |\n|---|---|---|---|")
        for L in mk["per_layer"]:
            out.append(f"| {L['layer']} | {L['follower_fraction'] * 100:.1f} | {L['unused_key_fraction'] * 100:.1f} | "
                       f"{L['reduction'] * 100:.2f} |")
        out.append(f"\n{len(S)} settings swept in {r['sweep_seconds']} s; all of them in `{name}_sweep.json`.")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
