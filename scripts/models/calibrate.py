#!/usr/bin/python3
"""Per-layer SPLS calibration: for a model and an accuracy budget on its
validation split, choose k, W, T and ffn_reuse for every layer to maximise the
total MAC reduction, and write them into the model's manifest.

All measurements go through the golden model (esact-eval --split val
--settings, one process per batch of settings, sharing the dense run).

  0. Uniform start: every candidate on every layer (a uniform grid).  The
     best one within the budget is a floor: the result is never worse on val
     than the best uniform setting of the candidates.  Its per-layer
     reductions (esact-eval's per_layer) also estimate each candidate's
     saving in each layer.
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
     --upgrades U keeps, per layer, only the U upgrades with the smallest
     saving above the current one (small steps: cheaper rounds).

--no-sensitivity skips steps 1-2 (for large models: 6 layers x candidates of
a full model run are hours here) and refines from the uniform start with the
per-layer savings of step 0 as the "saving alone" of step 3.

Ties (same reduction and accuracy) are broken by a seeded random order, so
the result is deterministic for a seed.  The budget is checked on measured
val accuracy only: accuracy_loss = (dense correct - SPLS correct) / n <=
budget / 100.

A model published with a sample only (publish_model.py, no MODEL/val) is
calibrated on SPLITS_DIR/<name>/val (--splits-dir, default build/models).

Usage: /usr/bin/python3 scripts/models/calibrate.py --eval build/golden/esact-eval --model models/fortunes_bert
           [--budget 1.0] [--seed 0] [--quick] [--max-seqs N] [--no-sensitivity] [--upgrades U]
           [--splits-dir build/models] [--dry-run]
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
from publish_model import golden_sample  # noqa: E402
from sweep import run_settings, split_args, uniform_grid  # noqa: E402


def candidates(n: int, heads: int, quick: bool) -> list[dict]:
    """Per-layer candidate knobs = the uniform grid of sweep.py (top-k only, and row reuse with T a
    fraction of H*k): 57, or 8 with quick; k > N dropped."""
    return [c for c in uniform_grid(heads, quick) if c["k"] <= n]


class Evaluator:
    """Measures per-layer configurations on the val split; caches by configuration."""

    def __init__(self, exe, model, max_seqs, log, splits_dir):
        self.exe, self.model, self.log, self.splits_dir = exe, model, log, splits_dir
        self.extra = ["--max-seqs", str(max_seqs)] if max_seqs else []
        self.cache = {}
        self.dense_correct = self.n = None
        self.settings_run = 0

    def measure(self, configs: list[list[dict]]) -> list[dict]:
        todo = [c for c in {json.dumps(c, sort_keys=True): c for c in configs}.values()
                if json.dumps(c, sort_keys=True) not in self.cache]
        if todo:
            r = run_settings(self.exe, self.model, "val", [{"layers": c} for c in todo], self.log, self.extra,
                             self.splits_dir)
            self.dense_correct, self.n = r["dense"]["correct"], r["sequences"]
            self.settings_run += len(todo)
            for c, s in zip(todo, r["settings"]):
                self.cache[json.dumps(c, sort_keys=True)] = {
                    "correct": s["correct"], "agree": round(s["agreement_with_dense"] * r["sequences"]),
                    "reduction": s["reduction"], "effective_reduction": esact_cost.effective_reduction(s),
                    "layer_reduction": [p["reduction"] for p in s["per_layer"]]}
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


class Search:
    """The calibration's state: candidates, the neutral setting, the budget, the seeded
    tie-break and the current best configuration (one knob dict per layer)."""

    def __init__(self, ev: Evaluator, cands: list[dict], nl: int, n_tok: int, seed: int):
        self.ev, self.cands, self.nl = ev, cands, nl
        self.neutral = {"k": n_tok, "window": 0, "threshold": 0, "ffn_reuse": False}
        rng = random.Random(seed)
        self.tie = {json.dumps(c, sort_keys=True): rng.random() for c in cands}  # seeded tie-break per candidate
        self.budget_seqs = 0
        self.cur = self.cur_m = self.uniform = None
        self.est = None  # est[l][i]: the saving of candidate i in layer l (alone, or its share in a uniform run)

    def key(self, cfg, m):  # larger is better; seeded tie-break last
        return (m["reduction"], m["correct"], sum(self.tie.get(json.dumps(c, sort_keys=True), 0.0) for c in cfg))

    def within(self, configs, meas):
        return [(c, m) for c, m in zip(configs, meas) if self.ev.loss(m) <= self.budget_seqs]

    def alone(self, l, c):
        return [self.neutral] * l + [c] + [self.neutral] * (self.nl - l - 1)

    def uniform_start(self, budget_pt, log):
        """Step 0: every candidate on every layer; the best within the budget."""
        uni = [[c] * self.nl for c in self.cands] + [[self.neutral] * self.nl]
        meas = self.ev.measure(uni)
        self.budget_seqs = math.floor(budget_pt / 100.0 * self.ev.n + 1e-9)
        log(f"calibrate: {self.ev.model}: {self.nl} layers x {len(self.cands)} candidates, val {self.ev.n} "
            f"sequences, dense {self.ev.dense_correct} correct, budget {budget_pt} pt = {self.budget_seqs} "
            f"sequence(s)")
        self.cur, self.cur_m = max(self.within(uni, meas), key=lambda cm: self.key(*cm))
        self.uniform = (self.cur[0], self.cur_m)
        self.est = [[m["layer_reduction"][l] / self.nl for m in meas[:len(self.cands)]] for l in range(self.nl)]
        log(f"  uniform start: {self.cur[0]}: reduction {self.cur_m['reduction'] * 100:.2f}%, "
            f"val loss {self.ev.loss(self.cur_m)} sequence(s)")

    def sensitivity_combination(self, log):
        """Steps 1-2: every candidate of every layer alone, then knapsack combinations."""
        single = [self.alone(l, c) for l in range(self.nl) for c in self.cands]
        meas = self.ev.measure(single)
        sens = [meas[l * len(self.cands):(l + 1) * len(self.cands)] for l in range(self.nl)]
        self.est = [[m["reduction"] for m in sens[l]] for l in range(self.nl)]
        combos = []
        for measure in ("lost", "changed"):
            opts = []
            for l in range(self.nl):
                o = []
                for i, m in enumerate(sens[l]):
                    loss = max(0, self.ev.loss(m)) if measure == "lost" else self.ev.n - m["agree"]
                    o.append((m["reduction"] + 1e-12 * self.tie[json.dumps(self.cands[i], sort_keys=True)], loss, i))
                o.append((0.0, 0, -1))  # the neutral setting
                opts.append(o)
            for cap in range(self.budget_seqs + 1):
                ch = knapsack(opts, cap)
                if ch is not None:
                    combos.append([self.cands[i] if i >= 0 else self.neutral for i in ch])
        ok = self.within(combos, self.ev.measure(combos)) + [(self.cur, self.cur_m)]
        self.cur, self.cur_m = max(ok, key=lambda cm: self.key(*cm))
        log(f"  combination (or the uniform start): reduction {self.cur_m['reduction'] * 100:.2f}%, "
            f"val loss {self.ev.loss(self.cur_m)} sequence(s)")

    def upgrades(self, limit):
        """Single-layer upgrades of the current configuration: candidates that save more in that layer."""
        cidx = {json.dumps(c, sort_keys=True): i for i, c in enumerate(self.cands)}
        ups = []
        for l in range(self.nl):
            cur_l = self.est[l][cidx[json.dumps(self.cur[l], sort_keys=True)]] if self.cur[l] != self.neutral else 0.0
            better = sorted((self.est[l][i], i) for i in range(len(self.cands)) if self.est[l][i] > cur_l + 1e-12)
            ups += [self.cur[:l] + [self.cands[i]] + self.cur[l + 1:] for _, i in (better[:limit] if limit else better)]
        return ups

    def refine(self, rounds, limit, log):
        """Step 3: rounds of single-layer upgrades; the best within the budget, until none is."""
        for rnd in range(rounds):
            ups = self.upgrades(limit)
            if not ups:
                break
            better = [(c, m) for c, m in self.within(ups, self.ev.measure(ups))
                      if m["reduction"] > self.cur_m["reduction"] + 1e-12]
            log(f"  refinement round {rnd + 1}: {len(ups)} upgrades measured, {len(better)} better within budget")
            if not better:
                break
            self.cur, self.cur_m = max(better, key=lambda cm: self.key(*cm))
            log(f"    -> reduction {self.cur_m['reduction'] * 100:.2f}%, val loss {self.ev.loss(self.cur_m)} "
                f"sequence(s)")


def calibrate(exe, model, budget_pt, seed, quick, max_seqs, rounds, log=print, splits_dir="build/models",
              sensitivity=True, upgrades=0) -> dict:
    with open(os.path.join(model, "manifest.json")) as f:
        man = json.load(f)
    val_dir = os.path.join(model, "val")
    if not os.path.isdir(val_dir):
        val_dir = split_args(model, "val", splits_dir)[1]  # a sample-only model's full split
    import numpy as np
    n_tok = int(np.load(os.path.join(val_dir, "x.npy"), mmap_mode="r").shape[1])
    cands = candidates(n_tok, man["n_heads"], quick)
    ev = Evaluator(exe, model, max_seqs, log, splits_dir)
    t0 = time.time()
    s = Search(ev, cands, len(man["layers"]), n_tok, seed)
    s.uniform_start(budget_pt, log)
    if sensitivity:
        s.sensitivity_combination(log)
    s.refine(rounds, upgrades, log)
    uni_knobs, uni_m = s.uniform
    return {"layers": s.cur, "val_sequences": ev.n, "val_dense_correct": ev.dense_correct,
            "val_spls_correct": s.cur_m["correct"], "val_loss_pt": 100.0 * ev.loss(s.cur_m) / ev.n,
            "val_reduction": s.cur_m["reduction"], "val_effective_reduction": s.cur_m["effective_reduction"],
            "uniform_start": {"knobs": uni_knobs, "val_spls_correct": uni_m["correct"],
                              "val_reduction": uni_m["reduction"]},
            "budget_pt": budget_pt, "seed": seed, "quick": quick, "max_seqs": max_seqs,
            "sensitivity": sensitivity, "upgrades": upgrades, "rounds": rounds,
            "candidates_per_layer": len(cands), "settings_measured": ev.settings_run,
            "seconds": round(time.time() - t0, 1)}


def write_knobs(model: str, res: dict, exe: str) -> None:
    """The chosen knobs into manifest.json (per layer) and the calibration into record.json; for a
    model published with a sample (publish_model.py), the sample's golden SPLS result again."""
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
        rec.pop("published_knobs", None)  # publish_model.py's uniform knobs, replaced
        if "sample" in rec:
            rec["sample"].update(golden_sample(exe, model))
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
    ap.add_argument("--no-sensitivity", action="store_true",
                    help="skip the single-layer sensitivity pass and the knapsack: refine from the uniform start")
    ap.add_argument("--upgrades", type=int, default=0,
                    help="per layer and round, only the U upgrades with the smallest larger saving (0: all)")
    ap.add_argument("--splits-dir", default="build/models",
                    help="a sample-only model's full splits: <dir>/<name>/val (publish_model.py)")
    ap.add_argument("--dry-run", action="store_true", help="print the result, do not write the manifest")
    ap.add_argument("--json", help="also write the result here")
    a = ap.parse_args()
    if a.budget < 0:
        sys.exit("calibrate: --budget must be >= 0")
    if a.upgrades < 0 or a.rounds < 0:
        sys.exit("calibrate: --upgrades and --rounds must be >= 0")
    res = calibrate(a.eval, a.model, a.budget, a.seed, a.quick, a.max_seqs, a.rounds, splits_dir=a.splits_dir,
                    sensitivity=not a.no_sensitivity, upgrades=a.upgrades)
    for l, k in enumerate(res["layers"]):
        print(f"  layer {l}: k={k['k']} W={k['window']} T={k['threshold']} ffn_reuse {'on' if k['ffn_reuse'] else 'off'}")
    print(f"calibrate: val accuracy {res['val_spls_correct']}/{res['val_sequences']} (dense {res['val_dense_correct']}, "
          f"loss {res['val_loss_pt']:.2f} pt <= {res['budget_pt']} pt), MAC reduction {res['val_reduction'] * 100:.2f}%, "
          f"effective {res['val_effective_reduction'] * 100:.2f}%; {res['settings_measured']} settings in {res['seconds']} s")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=1)
    if not a.dry_run:
        write_knobs(a.model, res, a.eval)


if __name__ == "__main__":
    main()
