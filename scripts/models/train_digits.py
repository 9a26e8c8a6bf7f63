#!/usr/bin/python3
"""Train the ESACT vision model: a small pre-LN ViT on sklearn's digits.

Data: sklearn.datasets.load_digits (1797 real 8x8 handwritten digits, 10
classes; shipped by Debian's python3-sklearn), stratified 80/20 split
(random_state 0): 1437 train, 360 held-out test images.
Tokens: one token per pixel (N = 64), the token's patch is the 3x3
neighbourhood around the pixel (zero padded, values / 16), linearly embedded
to D plus a learned position embedding (host side).  4 pre-LN layers, D = 64,
H = 4 (Dh = 16), F = 128, GELU; mean pooling and a linear head (host side).

Usage: /usr/bin/python3 scripts/models/train_digits.py [--out models/digits_vit] [--float-dir build-models]
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch  # noqa: E402
from torch import nn  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

import train_common as tc  # noqa: E402

D, H, F, L, N = 64, 4, 128, 4, 64


def patches(images: np.ndarray) -> np.ndarray:
    """[B, 8, 8] -> [B, 64, 9]: the 3x3 neighbourhood of every pixel, raster order."""
    x = np.pad(images / 16.0, ((0, 0), (1, 1), (1, 1)))
    out = np.stack([x[:, dy:dy + 8, dx:dx + 8] for dy in range(3) for dx in range(3)], axis=-1)
    return out.reshape(images.shape[0], 64, 9).astype(np.float32)


class PatchEmbed(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(9, D)
        self.pos = nn.Parameter(torch.zeros(N, D))
        nn.init.normal_(self.pos, std=0.02)

    def forward(self, p):
        return self.proj(p) + self.pos


def load_data():
    """(train patches, train labels, held-out patches, held-out labels) as torch tensors."""
    ds = load_digits()
    x_tr, x_te, y_tr, y_te = train_test_split(ds.images, ds.target, test_size=0.2, random_state=0,
                                              stratify=ds.target)
    p_tr, p_te = torch.from_numpy(patches(x_tr)), torch.from_numpy(patches(x_te))
    return p_tr, torch.from_numpy(y_tr).long(), p_te, torch.from_numpy(y_te).long()


def make_net() -> tc.Net:
    return tc.Net(PatchEmbed(), D, H, F, L, norm_first=True, n_classes=10)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="models/digits_vit")
    ap.add_argument("--float-dir", default="build-models")
    ap.add_argument("--epochs", type=int, default=15)
    a = ap.parse_args()
    tc.set_determinism(0)
    p_tr, y_tr, p_te, y_te = load_data()
    print(f"digits: {len(y_tr)} train, {len(y_te)} test, N={N} D={D} H={H} F={F} L={L} pre-LN")
    net = make_net()
    t0 = time.time()
    tc.train(net, p_tr, y_tr, epochs=a.epochs, batch=64, lr=2e-3)
    train_s = time.time() - t0
    spls = {"k": 16, "window": 4, "threshold": 32, "ffn_reuse": True}
    tc.package(net, "digits_vit", a.out, a.float_dir, p_tr[:256], p_te, y_te, spls, {
        "description": "pre-LN ViT on sklearn digits (8x8, 10 classes); one token per pixel (3x3 patch)",
        "dataset": "sklearn.datasets.load_digits, stratified 80/20 split, random_state 0",
        "train_seconds": round(train_s, 1), "epochs": a.epochs, "calibration": "first 256 training images"})


if __name__ == "__main__":
    main()
