#!/usr/bin/python3
"""The committed models, through the C++ golden model (esact-eval):

* val and test are disjoint halves of the held-out data (splits.json); INT8
  dense accuracy on each split equals, to the sequence, the
  number recorded when the model was made (record.json: int8_dense_correct,
  computed by the independent numpy integer pipeline, scripts/models/esact_intsim.py);
* SPLS with the model's stored knobs gives exactly the recorded golden result
  (correct count and MAC reduction), and saves work;
* the golden dense output of the first sequences equals the numpy integer
  pipeline bit for bit (first differing sequence/row/column reported);
* bad invocations fail with a clear message (no labels, bad grid).
Exit 0 = pass, 1 = fail, 77 = skipped (numpy missing).
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
except ImportError:
    print("SKIP: numpy is not installed (/usr/bin/python3)")
    sys.exit(77)
import esact_cost  # noqa: E402
import esact_intsim as ei  # noqa: E402
import esact_quant as eq  # noqa: E402

FAILS = []


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL:", what)


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    return r.returncode, r.stdout, r.stderr


def check_val_split(exe, mdir, name, rec):
    """val and test are disjoint halves of the held-out data (splits.json), and the golden
    INT8 dense count on val equals the numpy pipeline's (record.json)."""
    with open(os.path.join(mdir, "splits.json")) as f:
        sp = json.load(f)
    val, test = set(sp["val"]), set(sp["test"])
    check(not (val & test), f"{name}: val and test share held-out sequences {sorted(val & test)[:5]}")
    check(val | test == set(range(sp["heldout_sequences"])), f"{name}: val + test do not cover the held-out data")
    check((len(val), len(test)) == (rec["n_val"], rec["n_test"]), f"{name}: split sizes differ from record.json")
    with tempfile.TemporaryDirectory() as td:
        js = os.path.join(td, "val.json")
        rc, out, err = run([exe, "--model", mdir, "--split", "val", "--quiet", "--json", js])
        check(rc == 0, f"{name}: esact-eval --split val failed: {err.strip()}")
        r = None
        if rc == 0:
            with open(js) as f:
                r = json.load(f)
    if r is not None:
        check(r["sequences"] == rec["n_val"], f"{name}: {r['sequences']} val sequences, record says {rec['n_val']}")
        check(r["dense"]["correct"] == rec["int8_dense_correct_val"],
              f"{name}: golden INT8 dense correct on val {r['dense']['correct']} != recorded (numpy) "
              f"{rec['int8_dense_correct_val']}")
        g = rec.get("golden", {}).get("val")
        if g:
            check(r["settings"][0]["correct"] == g["spls_correct"], f"{name}: val SPLS correct differs from record")


def check_bitexact(exe, mdir, name, xdir, nb):
    """The golden model's dense output on the first nb sequences of xdir equals the numpy
    integer pipeline's bit for bit (first differing sequence/row/column reported)."""
    with tempfile.TemporaryDirectory() as td:
        dense = os.path.join(td, "dense.npy")
        rc, _, err = run([exe, "--model", mdir, "--input", xdir, "--max-seqs", str(nb), "--dense-output", dense,
                          "--quiet"])
        check(rc == 0, f"{name}: esact-eval --dense-output failed: {err.strip()}")
        if rc != 0:
            return
        qm = eq.read_model(mdir)
        x = np.load(os.path.join(xdir, "x.npy"))[:nb]
        want = ei.run_dense(qm, x)
        got = np.load(dense)
    check(got.shape == want.shape, f"{name}: dense output shape {got.shape} != {want.shape}")
    if got.shape == want.shape and not np.array_equal(got, want):
        b, i, c = np.argwhere(got != want)[0]
        check(False, f"{name}: golden vs numpy dense output differ first at sequence {b} row {i} "
                     f"column {c}: {got[b, i, c]} vs {want[b, i, c]}")
    else:
        print(f"{name}: golden dense output == numpy integer pipeline on {len(x)} sequences (bit-exact)")


def eval_json(exe, args, name):
    """esact-eval with args; its JSON, or None (and a failed check)."""
    with tempfile.TemporaryDirectory() as td:
        js = os.path.join(td, "r.json")
        rc, out, err = run([exe, *args, "--json", js])
        check(rc == 0, f"{name}: esact-eval {' '.join(args)} failed: {err.strip()}")
        if rc != 0:
            return None
        print(out)
        with open(js) as f:
            return json.load(f)


def check_spls_saves(name, s):
    t = s["work"]["total"]
    check(abs(s["reduction"] - (1 - t["spls"] / t["dense"])) < 1e-12 and abs(t["reduction"] - s["reduction"]) < 1e-12,
          f"{name}: work.total {t} does not give the setting's reduction {s['reduction']}")
    check(s["reduction"] > 0.05, f"{name}: SPLS with the stored knobs saves only {s['reduction']:.3f} of the MACs")
    check(0 < s["follower_fraction"] < 1, f"{name}: follower fraction {s['follower_fraction']}")


def check_full_model(a, mdir, name, rec):
    """A model committed with its val and test splits."""
    r = eval_json(a.eval, ["--model", mdir], name)
    if r is None:
        return
    check(r["sequences"] == rec["n_test"], f"{name}: {r['sequences']} sequences, record says {rec['n_test']}")
    check(r["dense"]["correct"] == rec["int8_dense_correct"],
          f"{name}: golden INT8 dense correct {r['dense']['correct']} != recorded (numpy) {rec['int8_dense_correct']}")
    s = r["settings"][0]
    g = rec.get("golden", {}).get("test")
    check(g is not None, f"{name}: record.json has no golden SPLS result on the test split (run make eval)")
    if g:
        check(s["correct"] == g["spls_correct"], f"{name}: SPLS correct {s['correct']} != recorded {g['spls_correct']}")
        check(abs(s["reduction"] - g["spls_reduction"]) < 1e-12,
              f"{name}: SPLS reduction {s['reduction']} != recorded {g['spls_reduction']}")
        check(abs(esact_cost.effective_reduction(s) - g["spls_effective_reduction"]) < 1e-12,
              f"{name}: effective reduction {esact_cost.effective_reduction(s)} (from the work JSON) != recorded "
              f"{g['spls_effective_reduction']}")
        check(s["layer_knobs"] == rec["golden"]["model_knobs"],
              f"{name}: manifest knobs {s['layer_knobs']} != recorded {rec['golden']['model_knobs']}")
    check_val_split(a.eval, mdir, name, rec)
    check_spls_saves(name, s)
    check_bitexact(a.eval, mdir, name, os.path.join(mdir, "test"), a.bitexact_seqs)


def check_sample_model(a, mdir, name, rec):
    """A model too large to commit whole, committed with a sample/ of its test split: the
    sample gives the recorded INT8 dense count (numpy pipeline) and SPLS count."""
    smp = rec.get("sample")
    check(smp is not None, f"{name}: record.json has no 'sample' entry")
    if not smp:
        return
    sdir = os.path.join(mdir, "sample")
    r = eval_json(a.eval, ["--model", mdir, "--input", sdir], name)
    if r is None:
        return
    check(r["sequences"] == smp["sequences"], f"{name}: {r['sequences']} sample sequences, record says "
                                              f"{smp['sequences']}")
    check(r["dense"]["correct"] == smp["int8_dense_correct"],
          f"{name}: golden INT8 dense correct {r['dense']['correct']} on the sample != recorded (numpy) "
          f"{smp['int8_dense_correct']}")
    s = r["settings"][0]
    if "spls_correct" in smp:
        check(s["correct"] == smp["spls_correct"], f"{name}: SPLS correct {s['correct']} on the sample != recorded "
                                                   f"{smp['spls_correct']}")
    check_spls_saves(name, s)
    check_bitexact(a.eval, mdir, name, sdir, smp["sequences"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--eval", required=True)
    ap.add_argument("--models", required=True)
    ap.add_argument("--bitexact-seqs", type=int, default=24)
    a = ap.parse_args()
    names = sorted(d for d in os.listdir(a.models) if os.path.exists(os.path.join(a.models, d, "record.json")))
    full = [n for n in names if os.path.isdir(os.path.join(a.models, n, "test"))]
    check(len(full) >= 2, f"expected the two committed models with test splits under {a.models}, found {full}")
    for name in names:
        mdir = os.path.join(a.models, name)
        with open(os.path.join(mdir, "record.json")) as f:
            rec = json.load(f)
        if name in full:
            check_full_model(a, mdir, name, rec)
        else:
            check_sample_model(a, mdir, name, rec)
    # error handling
    mdir = os.path.join(a.models, full[0]) if full else None
    if mdir:
        rc, _, err = run([a.eval, "--model", mdir, "--grid", "k=4;window=2;threshold=x;ffn_reuse=on"])
        check(rc != 0 and "threshold" in err, f"bad --grid not rejected clearly: rc {rc}, {err.strip()}")
        rc, _, err = run([a.eval, "--model", mdir, "--k", "0"])
        check(rc != 0 and "k = 0" in err, f"--k 0 not rejected clearly: rc {rc}, {err.strip()}")
        with tempfile.TemporaryDirectory() as td:
            eq.write_inputs(td, np.load(os.path.join(mdir, "test", "x.npy"))[:2])
            rc, _, err = run([a.eval, "--model", mdir, "--input", td])
            check(rc != 0 and "labels" in err, f"inputs without labels not rejected clearly: rc {rc}, {err.strip()}")
    if FAILS:
        print(f"{len(FAILS)} check(s) failed")
        return 1
    print("all evaluation checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
