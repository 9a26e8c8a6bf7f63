#!/usr/bin/python3
"""finetune_spls.py (SPLS-aware fine-tuning) on a tiny model:

* with neutral knobs (k = N, W = 0) the SPLS forward equals the plain torch
  forward (both norms), so the fine-tuning changes only what SPLS changes;
* the leader decisions equal a plain port of esact::similarity
  (golden/src/spls.cpp) on random masks, for several W and T;
* with reuse, a follower's attention output is its leader's (checked on Z);
* fine-tuning a tiny model on a small learnable task lowers its SPLS-forward
  loss, is deterministic for a seed, and the re-quantized model (same
  quantizer, per-layer knobs) loads and runs in esact-eval on its val split.
Exit 0 = pass, 1 = fail, 77 = skipped (torch missing).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts", "models"))
try:
    import numpy as np
    import torch
    from torch import nn
except ImportError:
    print("SKIP: torch/numpy is not installed (/usr/bin/python3)")
    sys.exit(77)
import finetune_spls as fs  # noqa: E402
import train_common as tc  # noqa: E402

FAILS = []
N, D, H, FF, L = 12, 16, 2, 32, 2


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL:", what)


def tiny_net(norm_first, seed=0):
    torch.manual_seed(seed)
    return tc.Net(nn.Linear(4, D), D, H, FF, L, norm_first=norm_first, n_classes=2)


def task(seed=1, count=256):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(count, N, 4, generator=g)
    y = (x[:, :, 0].mean(1) + 0.5 * x[:, :3, 1].mean(1) > 0).long()
    return x, y


def similarity_ref(masks, window, threshold):
    """Plain port of esact::similarity for one sequence: masks [H, N, N] bool."""
    h, n, _ = masks.shape
    lead = [-1] * n
    for i in range(1, n):
        best, best_ov = -1, -1
        for j in range(i - 1, max(0, i - window) - 1, -1):
            if lead[j] != -1:
                continue
            ov = int((masks[:, i, :] & masks[:, j, :]).sum())
            if ov > best_ov:
                best, best_ov = j, ov
        if best >= 0 and best_ov >= threshold:
            lead[i] = best
    return [i if lead[i] == -1 else lead[i] for i in range(n)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--eval", required=True)
    a = ap.parse_args()
    torch.set_num_threads(1)
    x, y = task()
    neutral = [{"k": N, "window": 0, "threshold": 0, "ffn_reuse": False}] * L
    for pre in (False, True):
        net = tiny_net(pre).eval()
        with torch.no_grad():
            diff = float((fs.spls_forward(net, x[:32], neutral) - net(x[:32])).abs().max())
        check(diff < 1e-5, f"norm_first={pre}: neutral SPLS forward differs from torch by {diff}")
    # leader decisions vs the reference port
    g = torch.Generator().manual_seed(5)
    scores = torch.randn(6, H, N, N, generator=g)
    scores[:, :, 1::2] = scores[:, :, 0:-1:2] + 0.1 * torch.randn(6, H, N // 2, N, generator=g)  # similar pairs
    for k in (3, 6):
        masks = fs.topk_masks(scores, k)
        check(bool((masks.sum(-1) == k).all()), f"top-k masks do not hold k = {k} keys")
        for window, thr in ((1, 0), (2, k), (4, H * k // 2), (8, H * k)):
            lead = fs.leaders(masks, window, thr)
            for b in range(masks.shape[0]):
                want = similarity_ref(masks[b], window, thr)
                check(lead[b].tolist() == want, f"k={k} W={window} T={thr} seq {b}: {lead[b].tolist()} != {want}")
    # followers take the leader's Z
    net = tiny_net(False).eval()
    kn = {"k": 4, "window": 2, "threshold": 0, "ffn_reuse": True}
    with torch.no_grad():
        xe = net.embed(x[:8])
        _, lead = fs.spls_layer(net.layers[0], xe, kn)
    n_fol = int((lead != torch.arange(N)).sum())
    check(n_fol > 0, "W=2, T=0 made no followers")
    check(bool((lead <= torch.arange(N)).all()), "a row follows a later row")
    # fine-tuning: loss goes down, deterministic, re-quantized model runs in esact-eval
    knobs = [{"k": 4, "window": 2, "threshold": 4, "ffn_reuse": True}] * L
    runs = []
    for rep in range(2):
        tc.set_determinism(0)
        net = tiny_net(False)
        runs.append(fs.finetune(net, knobs, x, y, epochs=4, lr=3e-3, batch=32, seed=0))
    print("fine-tune losses:", runs[0])
    check(runs[0] == runs[1], f"same seed, different losses {runs[0]} vs {runs[1]}")
    check(runs[0][-1] < runs[0][0], f"fine-tuning did not lower the loss: {runs[0]}")
    xt, yt = task(seed=2, count=64)
    with tempfile.TemporaryDirectory() as td:
        out = os.path.join(td, "tiny_ft")
        rec = tc.package(net, "tiny_ft", out, td, x[:64], xt, yt, knobs, {"description": "test"})
        with open(os.path.join(out, "manifest.json")) as f:
            man = json.load(f)
        check([L_["spls"] for L_ in man["layers"]] == knobs, "re-quantized manifest lost the per-layer knobs")
        js = os.path.join(td, "eval.json")
        r = subprocess.run([a.eval, "--model", out, "--split", "val", "--quiet", "--json", js],
                           capture_output=True, text=True)
        check(r.returncode == 0, f"esact-eval on the fine-tuned model failed: {r.stderr.strip()}")
        if r.returncode == 0:
            with open(js) as f:
                j = json.load(f)
            check(j["dense"]["correct"] == rec["int8_dense_correct_val"], "golden vs numpy INT8 dense count on val")
            check(j["settings"][0]["reduction"] > 0, "no MAC saving with the fine-tuned model's knobs")
            print(f"re-quantized tiny model: val dense {j['dense']['accuracy']:.3f}, "
                  f"SPLS {j['settings'][0]['accuracy']:.3f}, reduction {j['settings'][0]['reduction'] * 100:.1f}%")
    if FAILS:
        print(f"{len(FAILS)} check(s) failed")
        return 1
    print("all fine-tuning checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
