#!/usr/bin/python3
"""Recompile a trained float model (the .npz that train_*.py writes, with its
float calibration and test inputs) into the INT8 model folder, without
retraining: e.g. after a quantizer change.

Usage: /usr/bin/python3 scripts/models/compile_float.py --float build/models/digits_vit.npz \\
           --out models/digits_vit [--k 16 --window 4 --threshold 32 --ffn-reuse]
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train_common as tc  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--float", required=True, dest="fpath")
    ap.add_argument("--out", required=True)
    ap.add_argument("--k", type=int, default=16)
    ap.add_argument("--window", type=int, default=4)
    ap.add_argument("--threshold", type=int, default=32)
    ap.add_argument("--ffn-reuse", action="store_true")
    a = ap.parse_args()
    name = os.path.basename(a.fpath)[:-len(".npz")]
    info_path = a.fpath[:-len(".npz")] + ".info.json"
    info = json.load(open(info_path)) if os.path.exists(info_path) else {}
    spls = {"k": a.k, "window": a.window, "threshold": a.threshold, "ffn_reuse": a.ffn_reuse}
    tc.build_from_float(a.fpath, name, a.out, spls, info)


if __name__ == "__main__":
    main()
