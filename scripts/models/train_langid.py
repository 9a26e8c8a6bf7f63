#!/usr/bin/python3
"""Train ESACT's larger text model (issue 11): a BERT-shaped post-LN encoder
that tells which language a 128-word passage is written in.

Data: the fortune cookie files of six Debian packages, one class each:
English (`fortunes`), German (`fortunes-de`), Spanish (`fortunes-es`),
Italian (`fortunes-it`), Polish (`fortunes-pl`) and Czech/Slovak
(`fortunes-cs`).  Every file of a language is read in sorted path order,
split into fortunes on the '%' lines, lowercased and tokenized into words
(runs of Unicode letters, digits and apostrophes); a language's words are
concatenated in that order with a separator token between fortunes and cut
into non-overlapping blocks of N = 128 words (every sequence is full).  Each
class keeps the same number of blocks (the smallest language's count, taken
evenly over its text), and a seeded per-class random split sends 60% of the
blocks to training and 40% to the held-out set, which split_heldout.py
divides into validation and test halves (>= 1,000 test sequences).  The
texts contain code, IRC logs, quotations and names in other languages, so the
passages are not all clean.  Vocabulary: the words seen at least 3 times in
the training blocks (at most VOCAB_MAX, most frequent first), plus <unk> and
<sep>.

Model: word + learned position embedding and LayerNorm on the host (as BERT),
then 6 post-LN layers, D = 128, H = 4 (Dh = 32), F = 256, GELU, on the
accelerator; mean pooling and a linear head on the host.  Training is
single-threaded and seeded (train_common.set_determinism), so a rerun on the
same Debian stack gives the same weights.

The model folder is large (its held-out inputs are about 45 MB), so it is
written under the build directory, not committed: `make model-langid`.

Usage: /usr/bin/python3 scripts/models/train_langid.py [--out build/models/langid_bert]
                                                       [--float-dir build/models] [--epochs 1]
"""
from __future__ import annotations

import argparse
import collections
import glob
import os
import re
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch  # noqa: E402

import train_common as tc  # noqa: E402

D, H, F, L, N = 128, 4, 256, 6, 128
VOCAB_MAX = 20000
FORTUNES = "/usr/share/games/fortunes"
# class name -> (Debian package, folder under FORTUNES; "" = the English top-level files)
LANGUAGES = {
    "en": ("fortunes", ""),
    "de": ("fortunes-de", "de"),
    "es": ("fortunes-es", "es"),
    "it": ("fortunes-it", "it"),
    "pl": ("fortunes-pl", "pl"),
    "cs": ("fortunes-cs", "cs"),
}
WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")


def language_files(folder: str) -> list[str]:
    """The fortune text files of one language, sorted (index files and links excluded)."""
    root = os.path.join(FORTUNES, folder)
    pattern = os.path.join(root, "*") if folder == "" else os.path.join(root, "**", "*")
    files = []
    for p in sorted(glob.glob(pattern, recursive=True)):
        if os.path.islink(p) or not os.path.isfile(p) or p.endswith((".dat", ".u8", ".gz")):
            continue
        if folder == "es" and "/off/" in p:  # fortunes-es-off content: not part of fortunes-es proper
            continue
        files.append(p)
    return files


def language_words(name: str) -> list[str]:
    package, folder = LANGUAGES[name]
    files = language_files(folder)
    if not files:
        sys.exit(f"train_langid: no fortune files for '{name}' under {os.path.join(FORTUNES, folder)}: "
                 f"install the Debian package '{package}' (scripts/setup.sh --with-models)")
    words: list[str] = []
    for path in files:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        for fortune in re.split(r"\n%\n", text):
            w = WORD.findall(fortune.lower())
            if w:
                words.extend(w)
                words.append("<sep>")
    return words


def load_blocks(rng: np.random.Generator):
    """Balanced, seeded 60/40 split of N-word blocks: (train, held-out), lists of (words, class)."""
    per_lang = {name: language_words(name) for name in LANGUAGES}
    blocks = {name: [w[i:i + N] for i in range(0, len(w) - N + 1, N)] for name, w in per_lang.items()}
    n_keep = min(len(b) for b in blocks.values())
    tr, ho = [], []
    for ci, name in enumerate(LANGUAGES):
        b = blocks[name]
        keep = np.linspace(0, len(b) - 1, n_keep).round().astype(int)  # evenly over the language's text
        idx = keep[rng.permutation(n_keep)]
        n_ho = (n_keep * 2) // 5
        ho += [(b[i], ci) for i in sorted(idx[:n_ho])]
        tr += [(b[i], ci) for i in sorted(idx[n_ho:])]
    return tr, ho, {name: len(b) for name, b in blocks.items()}, n_keep


def load_data():
    """(train ids, train labels, held-out ids, held-out labels, vocabulary, block counts); seeded."""
    rng = np.random.default_rng(0)
    tr, ho, counts, n_keep = load_blocks(rng)
    cnt = collections.Counter(w for b, _ in tr for w in b)
    common = sorted((w for w, c in cnt.items() if c >= 3 and w != "<sep>"), key=lambda w: (-cnt[w], w))
    vocab = ["<unk>", "<sep>"] + common[:VOCAB_MAX]
    wid = {w: i for i, w in enumerate(vocab)}

    def enc(blocks):
        ids = torch.tensor([[wid.get(w, 0) for w in b] for b, _ in blocks], dtype=torch.long)
        return ids, torch.tensor([c for _, c in blocks], dtype=torch.long)

    ids_tr, y_tr = enc(tr)
    ids_ho, y_ho = enc(ho)
    return ids_tr, y_tr, ids_ho, y_ho, vocab, counts, n_keep


def make_net(vocab_size: int) -> tc.Net:
    return tc.Net(tc.TextEmbed(vocab_size, D, N), D, H, F, L, norm_first=False, n_classes=len(LANGUAGES))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="build/models/langid_bert")
    ap.add_argument("--float-dir", default="build/models")
    ap.add_argument("--epochs", type=int, default=1)
    a = ap.parse_args()
    tc.set_determinism(0)
    ids_tr, y_tr, ids_ho, y_ho, vocab, counts, n_keep = load_data()
    print(f"langid: blocks per language {counts}, {n_keep} kept per language; {len(y_tr)} train, "
          f"{len(y_ho)} held-out; vocab {len(vocab)}; N={N} D={D} H={H} F={F} L={L} post-LN", flush=True)
    net = make_net(len(vocab))
    t0, c0 = time.time(), time.process_time()
    tc.train(net, ids_tr, y_tr, epochs=a.epochs, batch=32, lr=1e-3)
    train_s, train_cpu = time.time() - t0, time.process_time() - c0
    print(f"langid: trained in {train_s:.0f} s wall, {train_cpu:.0f} s CPU (1 thread)", flush=True)
    spls = {"k": 32, "window": 4, "threshold": 64, "ffn_reuse": True}
    tc.package(net, "langid_bert", a.out, a.float_dir, ids_tr[:256], ids_ho, y_ho, spls, {
        "description": "post-LN BERT-shaped encoder: language of 128-word passages from the fortunes packages",
        "dataset": f"{FORTUNES} (packages {', '.join(p for p, _ in LANGUAGES.values())}); "
                   f"128-word blocks, {n_keep} per language, seeded 60/40 split",
        "classes": list(LANGUAGES), "vocab": len(vocab), "blocks_per_language": counts,
        "majority_baseline": 1.0 / len(LANGUAGES), "train_seconds": round(train_s, 1),
        "train_cpu_seconds": round(train_cpu, 1), "epochs": a.epochs, "calibration": "first 256 training blocks"})


if __name__ == "__main__":
    main()
