#!/usr/bin/python3
"""Train the ESACT text model: a small post-LN BERT-style encoder that tells
which fortune file a passage of real English text comes from.

Data: the fortune cookie corpus of Debian's `fortunes` package
(/usr/share/games/fortunes).  Classes: computers, politics, science,
songs-poems.  Each file's fortunes (split on the '%' lines) are lowercased and
tokenized into words ([a-z0-9']+), concatenated in file order with a separator
token between fortunes, and cut into non-overlapping blocks of N = 64 tokens
(every sequence is full: no padding).  A seeded, per-class 80/20 random split
of the blocks gives train and held-out test sets.  Vocabulary: the words seen
at least twice in the training blocks, plus <unk> and <sep>.
Embedding (host side): word + learned position embedding, then LayerNorm (as
BERT).  4 post-LN layers, D = 64, H = 4 (Dh = 16), F = 128, GELU; mean
pooling and a linear head (host side).

Usage: /usr/bin/python3 scripts/models/train_fortunes.py [--out models/fortunes_bert] [--float-dir build-models]
"""
from __future__ import annotations

import argparse
import collections
import os
import re
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch  # noqa: E402

import train_common as tc  # noqa: E402

D, H, F, L, N = 64, 4, 128, 4, 64
CLASSES = ("computers", "politics", "science", "songs-poems")
FORTUNE_DIR = "/usr/share/games/fortunes"


def file_words(path: str) -> list[str]:
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    words = []
    for fortune in re.split(r"\n%\n", text):
        w = re.findall(r"[a-z0-9']+", fortune.lower())
        if w:
            words.extend(w)
            words.append("<sep>")
    return words


def load_blocks(rng: np.random.Generator):
    tr, te = [], []
    for ci, name in enumerate(CLASSES):
        path = os.path.join(FORTUNE_DIR, name)
        if not os.path.exists(path):
            sys.exit(f"train_fortunes: {path} not found: install the Debian package 'fortunes' "
                     "(scripts/setup.sh --with-models)")
        w = file_words(path)
        blocks = [w[i:i + N] for i in range(0, len(w) - N + 1, N)]
        idx = rng.permutation(len(blocks))
        n_te = len(blocks) // 5
        te += [(blocks[i], ci) for i in sorted(idx[:n_te])]
        tr += [(blocks[i], ci) for i in sorted(idx[n_te:])]
    return tr, te


def load_data():
    """(train ids, train labels, held-out ids, held-out labels, vocabulary); seeded."""
    rng = np.random.default_rng(0)
    tr, te = load_blocks(rng)
    cnt = collections.Counter(w for b, _ in tr for w in b)
    vocab = ["<unk>", "<sep>"] + sorted(w for w, c in cnt.items() if c >= 2 and w != "<sep>")
    wid = {w: i for i, w in enumerate(vocab)}

    def enc(blocks):
        ids = torch.tensor([[wid.get(w, 0) for w in b] for b, _ in blocks], dtype=torch.long)
        return ids, torch.tensor([c for _, c in blocks], dtype=torch.long)

    ids_tr, y_tr = enc(tr)
    ids_te, y_te = enc(te)
    return ids_tr, y_tr, ids_te, y_te, vocab


def make_net(vocab_size: int) -> tc.Net:
    return tc.Net(tc.TextEmbed(vocab_size, D, N), D, H, F, L, norm_first=False, n_classes=len(CLASSES))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="models/fortunes_bert")
    ap.add_argument("--float-dir", default="build-models")
    ap.add_argument("--epochs", type=int, default=15)
    a = ap.parse_args()
    tc.set_determinism(0)
    ids_tr, y_tr, ids_te, y_te, vocab = load_data()
    counts = np.bincount(y_te.numpy(), minlength=len(CLASSES))
    print(f"fortunes: {len(y_tr)} train, {len(y_te)} test blocks (test per class {counts.tolist()}), "
          f"vocab {len(vocab)}, N={N} D={D} H={H} F={F} L={L} post-LN")
    net = make_net(len(vocab))
    t0 = time.time()
    tc.train(net, ids_tr, y_tr, epochs=a.epochs, batch=64, lr=2e-3)
    train_s = time.time() - t0
    spls = {"k": 16, "window": 4, "threshold": 32, "ffn_reuse": True}
    tc.package(net, "fortunes_bert", a.out, a.float_dir, ids_tr[:256], ids_te, y_te, spls, {
        "description": "post-LN BERT-style encoder: topic of 64-word passages from the fortunes corpus",
        "dataset": f"/usr/share/games/fortunes {', '.join(CLASSES)}; 64-word blocks, seeded 80/20 split",
        "classes": list(CLASSES), "vocab": len(vocab), "majority_baseline": float(counts.max() / counts.sum()),
        "train_seconds": round(train_s, 1), "epochs": a.epochs, "calibration": "first 256 training blocks"})


if __name__ == "__main__":
    main()
