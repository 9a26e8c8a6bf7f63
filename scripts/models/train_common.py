"""Shared training and packaging code for the two ESACT demo models.

Training is seeded and deterministic (single thread, deterministic algorithms),
so `make models` regenerates the same float weights and therefore the same INT8
model on the same software stack (Debian torch 1.13 / numpy 1.24).
"""
from __future__ import annotations

import json
import os
import shutil
import time

import numpy as np
import torch
from torch import nn

import esact_float as ef
import esact_intsim as ei
import esact_quant as eq
import split_heldout
from export_torch import float_model_from_encoder_layers


def set_determinism(seed: int) -> None:
    torch.manual_seed(seed)
    np.random.seed(seed)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)


class TextEmbed(nn.Module):
    """Host-side text embedding (as BERT): word + learned position embedding, then LayerNorm."""

    def __init__(self, vocab: int, d: int, n: int):
        super().__init__()
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Parameter(torch.zeros(n, d))
        nn.init.normal_(self.pos, std=0.02)
        self.norm = nn.LayerNorm(d)

    def forward(self, ids):
        return self.norm(self.tok(ids) + self.pos)


class Net(nn.Module):
    """embed -> L x nn.TransformerEncoderLayer (GELU) -> pool -> linear head."""

    def __init__(self, embed: nn.Module, d: int, h: int, f: int, n_layers: int, norm_first: bool,
                 n_classes: int, dropout: float = 0.1):
        super().__init__()
        self.embed = embed
        self.layers = nn.ModuleList([
            nn.TransformerEncoderLayer(d, h, f, dropout, activation="gelu", batch_first=True, norm_first=norm_first)
            for _ in range(n_layers)])
        self.head = nn.Linear(d, n_classes)

    def encode(self, x0):
        for lyr in self.layers:
            x0 = lyr(x0)
        return x0

    def forward(self, inp):
        return self.head(self.encode(self.embed(inp)).mean(dim=1))


def train(net: Net, x_tr, y_tr, epochs: int, batch: int, lr: float, weight_decay: float = 0.01, log=print):
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=weight_decay)
    steps = epochs * ((len(y_tr) + batch - 1) // batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.1)
    lossf = nn.CrossEntropyLoss()
    g = torch.Generator().manual_seed(1234)
    t0 = time.time()
    for ep in range(epochs):
        net.train()
        perm = torch.randperm(len(y_tr), generator=g)
        tot, cnt = 0.0, 0
        for b0 in range(0, len(y_tr), batch):
            idx = perm[b0:b0 + batch]
            opt.zero_grad()
            loss = lossf(net(x_tr[idx]), y_tr[idx])
            loss.backward()
            opt.step()
            sched.step()
            tot += float(loss) * len(idx)
            cnt += len(idx)
        if True:
            log(f"  epoch {ep + 1}/{epochs}: loss {tot / cnt:.4f}  ({time.time() - t0:.0f} s)")
    net.eval()


@torch.no_grad()
def accuracy(net: Net, x, y) -> float:
    net.eval()
    return float((net(x).argmax(dim=1) == y).float().mean())


@torch.no_grad()
def package(net: Net, name: str, out_dir: str, float_dir: str, calib_inp, test_inp, y_test, spls, info: dict,
            log=print) -> dict:
    """Export the trained net: the float model with its float calibration and
    test inputs (float_dir/<name>.npz), then compile it (build_from_float)."""
    net.eval()
    fm = float_model_from_encoder_layers(list(net.layers), {
        "weight": net.head.weight.detach().double().numpy().T, "bias": net.head.bias.detach().double().numpy(),
        "pool": "mean"})
    fm["extra"] = {"x_calib": net.embed(calib_inp).float().numpy(), "x_test": net.embed(test_inp).float().numpy(),
                   "y_test": y_test.numpy().astype(np.int32)}
    info = dict(info)
    info["acc_float_torch"] = accuracy(net, test_inp, y_test)
    os.makedirs(float_dir, exist_ok=True)
    path = os.path.join(float_dir, f"{name}.npz")
    ef.save_npz(fm, path)
    # the whole torch model (embedding included): the starting point of SPLS-aware fine-tuning
    torch.save(net.state_dict(), os.path.join(float_dir, f"{name}.pt"))
    with open(os.path.join(float_dir, f"{name}.info.json"), "w") as f:
        json.dump(info, f, indent=1)
    return build_from_float(path, name, out_dir, spls, info, log)


def build_from_float(path: str, name: str, out_dir: str, spls, info: dict, log=print) -> dict:
    """Float model .npz (with x_calib, x_test, y_test) -> INT8 model folder with
    its held-out data split into out_dir/val and out_dir/test (split_heldout.py) and
    record.json (float / INT8 accuracies; the whole-held-out ones as *_heldout)."""
    fm = ef.load_npz(path)
    ex = fm.pop("extra")
    x_cal, x_te, y_te = ex["x_calib"].astype(np.float64), ex["x_test"].astype(np.float64), ex["y_test"]
    pred_float = ef.classify(fm, ef.forward(fm, x_te)).argmax(1)
    acc_np = float((pred_float == y_te).mean())
    qm = eq.compile_model(fm, x_cal, spls)
    x_int = eq.quantize_inputs(x_te, qm["input_scale"])
    y_int = ei.run_dense(qm, x_int)
    pred = ei.classify_int(qm, y_int).argmax(1)
    acc_int = float((pred == y_te).mean())
    # the float model on the int8-quantized inputs (input quantization alone)
    acc_fq = float((ef.classify(fm, ef.forward(fm, x_int.astype(np.float64) * qm["input_scale"])).argmax(1)
                    == y_te).mean())
    if os.path.isdir(out_dir):
        shutil.rmtree(out_dir)
    eq.write_model(qm, out_dir, {"name": name, "description": info.get("description", "")})
    eq.write_inputs(os.path.join(out_dir, "test"), x_int, y_te)
    n_correct = int((pred == y_te).sum())
    rec = dict(info)
    rec.update({"name": name, "n_test": int(len(y_te)), "seq_len": int(x_te.shape[1]),
                "d_model": fm["d_model"], "n_heads": fm["n_heads"], "d_ffn": fm["d_ffn"],
                "layers": len(fm["layers"]), "norm": fm["layers"][0]["norm"],
                "acc_float_numpy": acc_np, "acc_float_int8_inputs": acc_fq,
                "acc_int8_dense_numpy": acc_int, "int8_dense_correct": n_correct,
                "model_sha256": eq.dir_digest(out_dir)})
    with open(os.path.join(out_dir, "record.json"), "w") as f:
        json.dump(rec, f, indent=1)
        f.write("\n")
    # the held-out data -> val (knobs are chosen there) + test (accuracy is reported there)
    rec = split_heldout.split_model(out_dir, 0, float_pred=pred_float, log=log, int_pred=pred)
    log(f"{name} (whole held-out set): float (torch) {rec.get('acc_float_torch_heldout', float('nan')):.4f}  "
        f"float (numpy) {acc_np:.4f}  "
        f"float on int8 inputs {acc_fq:.4f}  INT8 dense (numpy) {acc_int:.4f}  [{n_correct}/{len(y_te)}]")
    return rec
