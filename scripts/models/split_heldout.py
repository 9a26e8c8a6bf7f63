#!/usr/bin/python3
"""Split a model's held-out data into a validation and a test split.

The two demo models were trained on a train split and evaluated on one
held-out split (the old `test/`).  Choosing SPLS knobs on that same split and
reporting accuracy on it is optimistic, so the held-out sequences are divided,
deterministically, into

  MODEL/val/   knobs are chosen here (calibrate.py, sweep.py)
  MODEL/test/  accuracy is reported here only

Stratified by label: within each class, a seeded permutation (numpy
default_rng(seed)) sends the first half (rounded down) to val and the rest to
test; both keep the held-out order.  The training data are never used as
validation.  MODEL/splits.json records the seed and the held-out indices of
each split; record.json gets the INT8 dense correct count of each split from
the numpy integer pipeline (esact_intsim), which the golden model must match.

Usage: /usr/bin/python3 scripts/models/split_heldout.py MODEL [--seed 0]
(once per model: it refuses a folder that already has val/).
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import esact_intsim as ei  # noqa: E402
import esact_quant as eq  # noqa: E402


def split_indices(labels: np.ndarray, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Stratified half split of held-out positions: (val, test), each sorted."""
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    val, test = [], []
    for c in np.unique(labels):
        idx = np.flatnonzero(labels == c)
        perm = idx[rng.permutation(len(idx))]
        half = len(idx) // 2
        val += perm[:half].tolist()
        test += perm[half:].tolist()
    return np.array(sorted(val), dtype=np.int64), np.array(sorted(test), dtype=np.int64)


def split_model(model_dir: str, seed: int = 0, float_pred: np.ndarray | None = None, log=print,
                int_pred: np.ndarray | None = None) -> dict:
    """MODEL/test (the whole held-out set) -> MODEL/val + MODEL/test, splits.json, record.json fields.
    float_pred: the float model's predictions on the held-out set, if known (for per-split float accuracy);
    int_pred: the INT8 dense predictions, if the caller already ran the integer pipeline on it."""
    if os.path.exists(os.path.join(model_dir, "val")):
        raise SystemExit(f"split_heldout: {model_dir}/val exists: the held-out data are already split")
    x = np.load(os.path.join(model_dir, "test", "x.npy"))
    y = np.load(os.path.join(model_dir, "test", "labels.npy"))
    val, test = split_indices(y, seed)
    qm = eq.read_model(model_dir)
    pred = int_pred if int_pred is not None else ei.classify_int(qm, ei.run_dense(qm, x)).argmax(1)
    eq.write_inputs(os.path.join(model_dir, "val"), x[val], y[val])
    eq.write_inputs(os.path.join(model_dir, "test"), x[test], y[test])
    with open(os.path.join(model_dir, "splits.json"), "w") as f:
        json.dump({"heldout_sequences": int(len(y)), "seed": seed,
                   "rule": "per class: seeded permutation, first half -> val, rest -> test (held-out order kept)",
                   "val": val.tolist(), "test": test.tolist()}, f)
        f.write("\n")
    upd = {"n_heldout": int(len(y)), "n_val": int(len(val)), "n_test": int(len(test)), "split_seed": seed,
           "int8_dense_correct_val": int((pred[val] == y[val]).sum()),
           "int8_dense_correct": int((pred[test] == y[test]).sum())}
    upd["acc_int8_dense_numpy_val"] = upd["int8_dense_correct_val"] / len(val)
    upd["acc_int8_dense_numpy"] = upd["int8_dense_correct"] / len(test)
    if float_pred is not None:
        upd["acc_float_numpy_val"] = float((float_pred[val] == y[val]).mean())
        upd["acc_float_numpy"] = float((float_pred[test] == y[test]).mean())
    rec_path = os.path.join(model_dir, "record.json")
    rec = {}
    if os.path.exists(rec_path):
        with open(rec_path) as f:
            rec = json.load(f)
    for key in ("acc_float_torch", "acc_float_numpy", "acc_float_int8_inputs"):
        if key in rec:
            rec[key + "_heldout"] = rec.pop(key)  # measured on the whole held-out set before the split
    rec.pop("acc_int8_dense_numpy", None)
    rec.update(upd)
    rec["model_sha256"] = eq.dir_digest(model_dir)
    with open(rec_path, "w") as f:
        json.dump(rec, f, indent=1)
        f.write("\n")
    log(f"{model_dir}: {len(y)} held-out -> val {len(val)} (INT8 dense {upd['int8_dense_correct_val']} correct), "
        f"test {len(test)} (INT8 dense {upd['int8_dense_correct']} correct)")
    return rec


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model", nargs="+")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    for m in a.model:
        split_model(m, a.seed)


if __name__ == "__main__":
    main()
