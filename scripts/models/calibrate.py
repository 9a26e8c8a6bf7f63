#!/usr/bin/python3
"""Per-layer SPLS calibration: for a model and an accuracy budget on its
validation split, choose k, W, T and ffn_reuse for every layer to maximise the
total MAC reduction, and write them into the model's manifest.

All measurements go through the golden model (esact-eval --split val
--settings, one process per batch of settings, sharing the dense run).

  1. Sensitivity: every candidate c of every layer l alone (the other layers at
     the neutral setting k = N, W = 0: no saving, no loss).  This gives each
     (l, c) a MAC saving and a loss (val sequences lost against INT8 dense).
  2. Combination: a knapsack over the layers (dynamic programme) maximises
     the summed saving for every loss total 0..B (B = budget in sequences),
     with the losses of step 1 and, more cautiously, with the sequences whose
     prediction changed; all these combinations are measured, and the best
     one within the budget is kept (losses interact, so only measured
     combinations count).
  3. Refinement: rounds of single-layer upgrades (to a candidate with a
     larger saving) from the kept combination, measured in one batch per
     round; the best one within the budget is taken, until none is.

Ties (same reduction and accuracy) are broken by a seeded random order, so
the result is deterministic for a seed.  The budget is checked on measured
val accuracy only: accuracy_loss = (dense correct - SPLS correct) / n <=
budget / 100.

Usage: /usr/bin/python3 scripts/models/calibrate.py --eval build/golden/esact-eval --model models/fortunes_bert
           [--budget 1.0] [--seed 0] [--quick] [--max-seqs N] [--dry-run]
"""
from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import esact_cost  # noqa: E402
import esact_quant as eq  # noqa: E402
from sweep import run_settings  # noqa: E402


def candidates(n: int, heads: int, quick: bool) -> list[dict]:
    """Per-layer candidate knobs: top-k only, and row reuse with T as a fraction of H*k."""
    ks = [k for k in ((16, 32) if quick else (8, 16, 32)) if k <= n]
    windows = (4,) if quick else (2, 4, 8)
    fracs = (0.75,) if quick else (0.5, 0.75)
    out = [{"k": k, "window": 0, "threshold": 0, "ffn_reuse": False} for k in ks]
    for k in ks:
        for w in windows:
            for t in sorted({max(1, round(f * heads * k)) for f in fracs}):
                out += [{"k": k, "window": w, "threshold": t, "ffn_reuse": r} for r in (False, True)]
    return out


class Evaluator:
    """Measures per-layer configurations on the val split; caches by configuration."""

    def __init__(self, exe, model, max_seqs, log):
        self.exe, self.model, self.log = exe, model, log
        self.extra = ["--max-seqs", str(max_seqs)] if max_seqs else []
        self.cache = {}
        self.dense_correct = self.n = None
        self.settings_run = 0

    def measure(self, configs: list[list[dict]]) -> list[dict]:
        todo = [c for c in {json.dumps(c, sort_keys=True): c for c in configs}.values()
                if json.dumps(c, sort_keys=True) not in self.cache]
        if todo:
            r = run_settings(self.exe, self.model, "val", [{"layers": c} for c in todo], self.log, self.extra)
            self.dense_correct, self.n = r["dense"]["correct"], r["sequences"]
            self.settings_run += len(todo)
            for c, s in zip(todo, r["settings"]):
                self.cache[json.dumps(c, sort_keys=True)] = {
                    "correct": s["correct"], "agree": round(s["agreement_with_dense"] * r["sequences"]),
                    "reduction": s["reduction"], "effective_reduction": esact_cost.effective_reduction(s)}
        return [self.cache[json.dumps(c, sort_keys=True)] for c in configs]

    def loss(self, m: dict) -> int:
        return self.dense_correct - m["correct"]


def knapsack(layers_opts: list[list[tuple[float, int, int]]], cap: int) -> list[int] | None:
    """layers_opts[l] = [(saving, loss, index)]; pick one per layer, sum loss <= cap, max saving."""
    best = {0: (0.0, [])}  # loss used -> (saving, choice)
    for opts in layers_opts:
        nxt = {}
        for used, (sv, ch) in best.items():
            for saving, loss, idx in opts:
                u = used + loss
                if u > cap:
                    continue
                cand = (sv + saving, ch + [idx])
                if u not in nxt or cand[0] > nxt[u][0] + 1e-15:
                    nxt[u] = cand
        best = nxt
    if not best:
        return None
    return max(best.values(), key=lambda v: v[0])[1]


def calibrate(exe, model, budget_pt, seed, quick, max_seqs, rounds, log=print) -> dict:
    with open(os.path.join(model, "manifest.json")) as f:
        man = json.load(f)
    with open(os.path.join(model, "val", "inputs.json")) as f:
        _ = f.read()  # the split must exist (split_heldout.py)
    import numpy as np
    n_tok = int(np.load(os.path.join(model, "val", "x.npy"), mmap_mode="r").shape[1])
    nl, heads = len(man["layers"]), man["n_heads"]
    cands = candidates(n_tok, heads, quick)
    neutral = {"k": n_tok, "window": 0, "threshold": 0, "ffn_reuse": False}
    rng = random.Random(seed)
    tie = {json.dumps(c, sort_keys=True): rng.random() for c in cands}  # seeded tie-break per candidate
    ev = Evaluator(exe, model, max_seqs, log)
    t0 = time.time()

    # 1. sensitivity
    single = [[[neutral] * l + [c] + [neutral] * (nl - l - 1) for c in cands] for l in range(nl)]
    meas = ev.measure([cfg for per in single for cfg in per])
    budget_seqs = math.floor(budget_pt / 100.0 * ev.n + 1e-9)
    log(f"calibrate: {model}: {nl} layers x {len(cands)} candidates, val {ev.n} sequences, dense {ev.dense_correct} "
        f"correct, budget {budget_pt} pt = {budget_seqs} sequence(s)")
    sens = [meas[l * len(cands):(l + 1) * len(cands)] for l in range(nl)]

    def key(cfg, m):  # larger is better; seeded tie-break last
        return (m["reduction"], m["correct"], sum(tie.get(json.dumps(c, sort_keys=True), 0.0) for c in cfg))

    # 2. knapsack combinations under both loss measures, every loss total 0..B
    combos = []
    for measure in ("lost", "changed"):
        opts = []
        for l in range(nl):
            o = []
            for i, m in enumerate(sens[l]):
                loss = max(0, ev.loss(m)) if measure == "lost" else ev.n - m["agree"]
                o.append((m["reduction"] + 1e-12 * tie[json.dumps(cands[i], sort_keys=True)], loss, i))
            o.append((0.0, 0, -1))  # the neutral setting
            opts.append(o)
        for cap in range(budget_seqs + 1):
            ch = knapsack(opts, cap)
            if ch is not None:
                combos.append([cands[i] if i >= 0 else neutral for i in ch])
    combos.append([neutral] * nl)
    meas = ev.measure(combos)
    ok = [(c, m) for c, m in zip(combos, meas) if ev.loss(m) <= budget_seqs]
    cur, cur_m = max(ok, key=lambda cm: key(*cm))
    log(f"  combination: reduction {cur_m['reduction'] * 100:.2f}%, val loss {ev.loss(cur_m)} sequence(s)")

    # 3. refinement: single-layer upgrades
    for rnd in range(rounds):
        ups = []
        for l in range(nl):
            cur_l = ev.measure([[neutral] * l + [cur[l]] + [neutral] * (nl - l - 1)])[0]["reduction"] \
                if cur[l] != neutral else 0.0
            for i, c in enumerate(cands):
                if sens[l][i]["reduction"] > cur_l + 1e-12:
                    ups.append(cur[:l] + [c] + cur[l + 1:])
        if not ups:
            break
        meas = ev.measure(ups)
        better = [(c, m) for c, m in zip(ups, meas)
                  if ev.loss(m) <= budget_seqs and m["reduction"] > cur_m["reduction"] + 1e-12]
        log(f"  refinement round {rnd + 1}: {len(ups)} upgrades measured, {len(better)} better within budget")
        if not better:
            break
        cur, cur_m = max(better, key=lambda cm: key(*cm))
        log(f"    -> reduction {cur_m['reduction'] * 100:.2f}%, val loss {ev.loss(cur_m)} sequence(s)")
    return {"layers": cur, "val_sequences": ev.n, "val_dense_correct": ev.dense_correct,
            "val_spls_correct": cur_m["correct"], "val_loss_pt": 100.0 * ev.loss(cur_m) / ev.n,
            "val_reduction": cur_m["reduction"], "val_effective_reduction": cur_m["effective_reduction"],
            "budget_pt": budget_pt, "seed": seed, "quick": quick, "max_seqs": max_seqs,
            "candidates_per_layer": len(cands), "settings_measured": ev.settings_run,
            "seconds": round(time.time() - t0, 1)}


def write_knobs(model: str, res: dict) -> None:
    """The chosen knobs into manifest.json (per layer) and the calibration into record.json."""
    path = os.path.join(model, "manifest.json")
    with open(path) as f:
        man = json.load(f)
    for L, k in zip(man["layers"], res["layers"]):
        L["spls"] = dict(k)
    with open(path, "w") as f:
        json.dump(man, f, indent=1)
        f.write("\n")
    rec_path = os.path.join(model, "record.json")
    if os.path.exists(rec_path):
        with open(rec_path) as f:
            rec = json.load(f)
        rec["calibration_spls"] = {k: v for k, v in res.items() if k != "layers"}
        rec["model_sha256"] = eq.dir_digest(model)
        with open(rec_path, "w") as f:
            json.dump(rec, f, indent=1)
            f.write("\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--eval", required=True, help="path of the esact-eval binary")
    ap.add_argument("--model", required=True)
    ap.add_argument("--budget", type=float, default=1.0, help="allowed val accuracy loss vs INT8 dense, in points")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--quick", action="store_true", help="a small candidate set (tests)")
    ap.add_argument("--max-seqs", type=int, default=0, help="only the first N val sequences (tests)")
    ap.add_argument("--rounds", type=int, default=3, help="refinement rounds")
    ap.add_argument("--dry-run", action="store_true", help="print the result, do not write the manifest")
    ap.add_argument("--json", help="also write the result here")
    a = ap.parse_args()
    if a.budget < 0:
        sys.exit("calibrate: --budget must be >= 0")
    res = calibrate(a.eval, a.model, a.budget, a.seed, a.quick, a.max_seqs, a.rounds)
    for l, k in enumerate(res["layers"]):
        print(f"  layer {l}: k={k['k']} W={k['window']} T={k['threshold']} ffn_reuse {'on' if k['ffn_reuse'] else 'off'}")
    print(f"calibrate: val accuracy {res['val_spls_correct']}/{res['val_sequences']} (dense {res['val_dense_correct']}, "
          f"loss {res['val_loss_pt']:.2f} pt <= {res['budget_pt']} pt), MAC reduction {res['val_reduction'] * 100:.2f}%, "
          f"effective {res['val_effective_reduction'] * 100:.2f}%; {res['settings_measured']} settings in {res['seconds']} s")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=1)
    if not a.dry_run:
        write_knobs(a.model, res)


if __name__ == "__main__":
    main()
