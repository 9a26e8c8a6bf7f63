#!/usr/bin/python3
"""SPLS-aware fine-tuning of a trained demo model, then re-quantization.

The float model (the torch state_dict that `make models` saves beside the
float weights) is fine-tuned for a few epochs with the SPLS decisions of its
per-layer knobs (from the model's manifest, e.g. after calibrate.py) applied
in the forward pass, as the accelerator applies them (golden/src/layer.cpp):

  * top-k masks: each query row and head attends only to its k keys with the
    largest scores (the rest get -inf before the softmax);
  * row reuse: the similarity rule of golden/src/spls.cpp (row i follows the
    nearest leader j among the W rows before it with the largest mask
    overlap, summed over heads, if the overlap is >= T); a follower takes its
    leader's attention output Z (after Wo) and, with ffn_reuse, its leader's
    FFN output Z2, and keeps its own residuals.

The decisions are discrete, so they are made on detached values and treated
as constants (straight-through): the gradient flows through the kept scores
and, for followers, into the leader's row.  One difference from the
accelerator: the masks come from the float scores Q K^T, not from the HLog
prediction of the INT8 model (close, not equal).  The embedding stays frozen,
so the INT8 inputs and the val/test splits are those of the original model;
the encoder layers and the head are trained.  The result is re-quantized with
the same quantizer (esact_quant, calibration on the first 256 training
sequences) into OUT with the same per-layer knobs.

Usage: /usr/bin/python3 scripts/models/finetune_spls.py --task digits --state build/models/digits_vit.pt \\
           --knobs-from models/digits_vit --out build/models/digits_vit_ft --float-dir build/models [--epochs 3]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

import train_common as tc  # noqa: E402


def topk_masks(scores: torch.Tensor, k: int) -> torch.Tensor:
    """scores [B, H, N, N] -> bool masks, the k largest keys of every (row, head)."""
    n = scores.shape[-1]
    idx = scores.topk(min(k, n), dim=-1).indices
    return torch.zeros_like(scores, dtype=torch.bool).scatter_(-1, idx, True)


def leaders(masks: torch.Tensor, window: int, threshold: int) -> torch.Tensor:
    """masks [B, H, N, N] -> [B, N] long: the row whose outputs row i uses (itself for a leader).
    The rule of esact::similarity: nearest-first over rows i-1 .. i-W that are leaders,
    strictly larger overlap wins, follower if the best overlap >= threshold."""
    b, h, n, _ = masks.shape
    m = masks.permute(0, 2, 1, 3).reshape(b, n, h * n).float()
    ov = m @ m.transpose(1, 2)  # [B, N, N] overlap summed over heads
    lead = torch.arange(n).repeat(b, 1)
    is_leader = torch.ones(b, n, dtype=torch.bool)
    for i in range(1, n):
        best = torch.full((b,), -1, dtype=torch.long)
        best_ov = torch.full((b,), -1.0)
        for j in range(i - 1, max(0, i - window) - 1, -1):
            o = torch.where(is_leader[:, j], ov[:, i, j], torch.full((b,), -1.0))
            take = o > best_ov
            best = torch.where(take, torch.full((b,), j), best)
            best_ov = torch.where(take, o, best_ov)
        follow = (best >= 0) & (best_ov >= threshold)
        lead[:, i] = torch.where(follow, best, lead[:, i])
        is_leader[:, i] = ~follow
    return lead


def take_rows(t: torch.Tensor, lead: torch.Tensor) -> torch.Tensor:
    """t [B, N, D]: row i replaced by row lead[b, i]."""
    return t.gather(1, lead.unsqueeze(-1).expand(-1, -1, t.shape[-1]))


def spls_layer(lyr: nn.TransformerEncoderLayer, x: torch.Tensor, knobs: dict):
    """One nn.TransformerEncoderLayer (batch_first, GELU) with the SPLS decisions; returns (y, lead)."""
    att = lyr.self_attn
    b, n, d = x.shape
    h = att.num_heads
    dh = d // h
    pre = lyr.norm_first
    a = lyr.norm1(x) if pre else x
    q, k, v = F.linear(a, att.in_proj_weight, att.in_proj_bias).chunk(3, dim=-1)
    q, k, v = (t.reshape(b, n, h, dh).transpose(1, 2) for t in (q, k, v))
    scores = q @ k.transpose(-1, -2) / dh ** 0.5  # [B, H, N, N]
    with torch.no_grad():
        masks = topk_masks(scores, knobs["k"])
        lead = leaders(masks, knobs["window"], knobs["threshold"]) if knobs["window"] > 0 \
            else torch.arange(n).repeat(b, 1)
    p = att.dropout if isinstance(att.dropout, float) else 0.0
    attn = F.dropout(scores.masked_fill(~masks, float("-inf")).softmax(-1), p, lyr.training)
    o = (attn @ v).transpose(1, 2).reshape(b, n, d)
    z = take_rows(att.out_proj(o), lead)
    if pre:
        hh = x + lyr.dropout1(z)
        ffn_in = lyr.norm2(hh)
    else:
        hh = lyr.norm1(x + lyr.dropout1(z))
        ffn_in = hh
    z2 = lyr.dropout2(lyr.linear2(lyr.dropout(lyr.activation(lyr.linear1(ffn_in)))))
    if knobs["ffn_reuse"] and knobs["window"] > 0:
        z2 = take_rows(z2, lead)
    y = hh + z2 if pre else lyr.norm2(hh + z2)
    return y, lead


def spls_forward(net: tc.Net, inp: torch.Tensor, knobs: list[dict]) -> torch.Tensor:
    x = net.embed(inp)
    for lyr, kn in zip(net.layers, knobs):
        x, _ = spls_layer(lyr, x, kn)
    return net.head(x.mean(dim=1))


def finetune(net: tc.Net, knobs: list[dict], x_tr, y_tr, epochs: int, lr: float, batch: int = 64, seed: int = 0,
             log=print) -> list[float]:
    """AdamW on the layers and the head (embedding frozen), cosine LR, SPLS forward; mean loss per epoch."""
    for p_ in net.embed.parameters():
        p_.requires_grad_(False)
    params = [p_ for p_ in net.parameters() if p_.requires_grad]
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    steps = max(1, epochs * ((len(y_tr) + batch - 1) // batch))
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    lossf = nn.CrossEntropyLoss()
    g = torch.Generator().manual_seed(seed)
    losses = []
    t0 = time.time()
    for ep in range(epochs):
        net.train()
        perm = torch.randperm(len(y_tr), generator=g)
        tot = 0.0
        for b0 in range(0, len(y_tr), batch):
            idx = perm[b0:b0 + batch]
            opt.zero_grad()
            loss = lossf(spls_forward(net, x_tr[idx], knobs), y_tr[idx])
            loss.backward()
            opt.step()
            sched.step()
            tot += float(loss) * len(idx)
        losses.append(tot / len(y_tr))
        log(f"  fine-tune epoch {ep + 1}/{epochs}: SPLS-forward loss {losses[-1]:.4f}  ({time.time() - t0:.0f} s)")
    net.eval()
    return losses


@torch.no_grad()
def spls_accuracy(net, knobs, x, y) -> float:
    net.eval()
    return float((spls_forward(net, x, knobs).argmax(1) == y).float().mean())


def load_task(task: str):
    """(net, x_tr, y_tr, x_heldout, y_heldout, name) of a demo model, data exactly as its training script."""
    if task == "digits":
        import train_digits as t
        x_tr, y_tr, x_te, y_te = t.load_data()
        return t.make_net(), x_tr, y_tr, x_te, y_te, "digits_vit"
    if task == "fortunes":
        import train_fortunes as t
        x_tr, y_tr, x_te, y_te, vocab = t.load_data()
        return t.make_net(len(vocab)), x_tr, y_tr, x_te, y_te, "fortunes_bert"
    raise SystemExit(f"finetune_spls: unknown --task {task} (digits, fortunes)")


def compare(exe, orig, ft, knobs, rec):
    """The original and the fine-tuned INT8 models through the golden model, same knobs, val and test:
    the per-layer knobs, and each layer's knobs applied uniformly (the more aggressive settings)."""
    from sweep import run_settings
    settings = [{"layers": knobs}] + [dict(k) for k in {json.dumps(k, sort_keys=True): k for k in knobs}.values()]
    out = {}
    print(f"{'split':5} {'setting':44} | {'original: dense / SPLS / red.':30} | {'fine-tuned: dense / SPLS / red.':30}")
    for split in ("val", "test"):
        r0 = run_settings(exe, orig, split, settings, log=lambda s: None)
        r1 = run_settings(exe, ft, split, settings, log=lambda s: None)
        out[split] = {"original": r0, "finetuned": r1}
        for s, s0, s1 in zip(settings, r0["settings"], r1["settings"]):
            lab = "per-layer (manifest)" if "layers" in s else \
                f"uniform k={s['k']} W={s['window']} T={s['threshold']} ffn={'on' if s['ffn_reuse'] else 'off'}"
            print(f"{split:5} {lab:44} | {r0['dense']['accuracy'] * 100:6.2f} / {s0['accuracy'] * 100:6.2f} / "
                  f"{s0['reduction'] * 100:5.1f}%     | {r1['dense']['accuracy'] * 100:6.2f} / "
                  f"{s1['accuracy'] * 100:6.2f} / {s1['reduction'] * 100:5.1f}%")
    path = os.path.join(ft, "finetune_compare.json")
    with open(path, "w") as f:
        json.dump({"settings": settings, "results": out, "record": rec}, f, indent=1)
    print(f"written {path}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--task", required=True, choices=("digits", "fortunes"))
    ap.add_argument("--state", required=True, help="torch state_dict saved by make models (FLOAT_DIR/<name>.pt)")
    ap.add_argument("--knobs-from", required=True, help="model folder whose manifest holds the per-layer knobs")
    ap.add_argument("--out", required=True, help="folder of the re-quantized fine-tuned model")
    ap.add_argument("--float-dir", default="build/models")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--lr", type=float, default=3e-4)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--eval", help="esact-eval: compare the original and the fine-tuned INT8 model (val, test)")
    a = ap.parse_args()
    tc.set_determinism(a.seed)
    torch.set_num_threads(a.threads)
    net, x_tr, y_tr, x_te, y_te, name = load_task(a.task)
    if not os.path.exists(a.state):
        sys.exit(f"finetune_spls: {a.state} not found: run make models (it saves the torch state_dict there)")
    net.load_state_dict(torch.load(a.state))
    with open(os.path.join(a.knobs_from, "manifest.json")) as f:
        knobs = [L["spls"] for L in json.load(f)["layers"]]
    if len(knobs) != len(net.layers):
        sys.exit(f"finetune_spls: {a.knobs_from} has {len(knobs)} layers, the net {len(net.layers)}")
    before = {"float_dense": tc.accuracy(net, x_te, y_te), "float_spls": spls_accuracy(net, knobs, x_te, y_te)}
    print(f"{name}: held-out float accuracy dense {before['float_dense']:.4f}, with SPLS (float masks) "
          f"{before['float_spls']:.4f}; knobs {knobs}")
    t0 = time.time()
    losses = finetune(net, knobs, x_tr, y_tr, a.epochs, a.lr, seed=a.seed)
    secs = time.time() - t0
    after = {"float_dense": tc.accuracy(net, x_te, y_te), "float_spls": spls_accuracy(net, knobs, x_te, y_te)}
    print(f"{name}: after {a.epochs} epochs ({secs:.0f} s): held-out float dense {after['float_dense']:.4f}, "
          f"SPLS (float masks) {after['float_spls']:.4f}")
    rec = tc.package(net, f"{name}_ft", a.out, a.float_dir, x_tr[:256], x_te, y_te, knobs, {
        "description": f"{name} after {a.epochs} epochs of SPLS-aware fine-tuning (finetune_spls.py)",
        "finetune": {"epochs": a.epochs, "lr": a.lr, "seed": a.seed, "seconds": round(secs, 1), "losses": losses,
                     "knobs_from": a.knobs_from, "heldout_before": before, "heldout_after": after},
        "calibration": "first 256 training sequences"})
    if a.eval:
        compare(a.eval, a.knobs_from, a.out, knobs, rec)


if __name__ == "__main__":
    main()
