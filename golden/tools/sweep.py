#!/usr/bin/python3
"""Regenerate the similarity-sweep tables of docs/golden.md.

    golden/tools/sweep.py build/golden/esact-golden [--threshold T] [--spec n=128,d=768,...]

Runs esact-golden --synthetic <spec>,similarity=S for S in 0, 0.3, 0.6, 0.9
and prints one markdown table row per level (standard library only).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("binary", help="path to esact-golden")
    ap.add_argument("--spec", default="n=128,d=768,heads=12,ffn=3072,layers=1,seed=7")
    ap.add_argument("--levels", default="0,0.3,0.6,0.9")
    ap.add_argument("--threshold", type=int, help="override T for every layer")
    a = ap.parse_args()
    print("| similarity | followers / N | qkv | qk | softmax exps | av | wo | ffn | **total MACs** "
          "| unused K/V (token, head) | int SPLS vs float: cos / mean abs | int dense vs float: cos / mean abs |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "r.json")
        for s in a.levels.split(","):
            cmd = [a.binary, "--synthetic", f"{a.spec},similarity={s}", "--json", out, "--quiet"]
            if a.threshold is not None:
                cmd += ["--threshold", str(a.threshold)]
            subprocess.run(cmd, check=True)
            r = json.load(open(out))
            w, e = r["work"], r["error"]
            first = r["layers"][0]
            rows = sum(l["rows"] for l in r["layers"])
            foll = sum(l["followers"] for l in r["layers"])
            unused = sum(l["unused_kv"] for l in r["layers"])
            total_kv = sum(l["kv_pairs_total"] for l in r["layers"])
            pct = lambda k: "%.1f %%" % (100 * w[k]["reduction"])
            ce = lambda k: "%.4f / %.4f" % (e[k]["cosine"], e[k]["mean_abs"])
            print(f"| {s} | {foll} / {rows} | {pct('qkv')} | {pct('qk')} | {100 * w['softmax_exps']['reduction']:.1f} % "
                  f"| {pct('av')} | {pct('wo')} | {pct('ffn')} | **{pct('total')}** | {unused} / {total_kv} "
                  f"| {ce('int_spls_vs_float')} | {ce('int_dense_vs_float')} |")
        print(f"\ndense MACs {w['total']['dense']}, prediction additions {w['prediction_additions']} "
              f"({w['prediction_additions'] / w['total']['dense']:.3f} per dense MAC), k = {first['k']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
