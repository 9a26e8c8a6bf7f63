#!/usr/bin/python3
"""calibrate.py (per-layer SPLS calibration) on a copy of a committed model,
on the first sequences of its validation split with the small candidate set:

* deterministic: two runs with the same seed write the same per-layer knobs
  into the manifest (and report the same numbers);
* respects its budget: esact-eval, run independently on the calibrated
  manifest and the same val sequences, measures an accuracy loss against
  INT8 dense within the budget and the reduction calibrate.py reported;
* with budget 0 no val sequence is lost; the search still saves MACs;
* never worse than uniform knobs: the calibrated reduction is >= that of the
  best uniform candidate setting within the budget, measured here
  independently (esact-eval --settings, every candidate on every layer);
* --no-sensitivity (refinement from the uniform start, for large models)
  also stays within the budget and above that uniform floor.
Exit 0 = pass, 1 = fail, 77 = skipped (numpy missing).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CAL = os.path.join(HERE, "..", "..", "scripts", "models", "calibrate.py")
try:
    import numpy  # noqa: F401
except ImportError:
    print("SKIP: numpy is not installed (/usr/bin/python3)")
    sys.exit(77)

FAILS = []
SEQS = 24


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL:", what)


def copy_model(src, dst):
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("test"))


def calibrate(exe, mdir, budget, seed, rounds=3, extra=()):
    js = os.path.join(mdir, "cal.json")
    cmd = [sys.executable, CAL, "--eval", exe, "--model", mdir, "--quick", "--max-seqs", str(SEQS),
           "--budget", str(budget), "--seed", str(seed), "--rounds", str(rounds), "--json", js, *extra]
    r = subprocess.run(cmd, capture_output=True, text=True)
    print(r.stdout.strip().splitlines()[-1] if r.stdout.strip() else "", r.stderr.strip()[-2000:])
    check(r.returncode == 0, f"calibrate.py failed (rc {r.returncode}): {r.stderr.strip()[-500:]}")
    with open(js) as f:
        res = json.load(f)
    with open(os.path.join(mdir, "manifest.json")) as f:
        knobs = [L["spls"] for L in json.load(f)["layers"]]
    return res, knobs


def eval_val(exe, mdir, extra=()):
    js = os.path.join(mdir, "eval.json")
    r = subprocess.run([exe, "--model", mdir, "--split", "val", "--max-seqs", str(SEQS), "--quiet", "--json", js,
                        *extra], capture_output=True, text=True)
    check(r.returncode == 0, f"esact-eval failed: {r.stderr.strip()}")
    with open(js) as f:
        return json.load(f)


def uniform_floor(exe, mdir, budget):
    """The largest reduction of a uniform candidate setting (calibrate --quick's candidates on
    every layer) within the budget on the same val sequences, measured by esact-eval."""
    sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts", "models"))
    from sweep import uniform_grid
    with open(os.path.join(mdir, "manifest.json")) as f:
        heads = json.load(f)["n_heads"]
    sfile = os.path.join(mdir, "uniform.json")
    with open(sfile, "w") as f:
        json.dump(uniform_grid(heads, quick=True), f)
    e = eval_val(exe, mdir, ["--settings", sfile])
    ok = [s["reduction"] for s in e["settings"]
          if 100.0 * (e["dense"]["correct"] - s["correct"]) / e["sequences"] <= budget + 1e-9]
    return max(ok, default=0.0)


def check_within(exe, mdir, budget, res, knobs, what):
    """esact-eval on the calibrated manifest: within the budget, the reported reduction, the knobs."""
    e = eval_val(exe, mdir)
    s = e["settings"][0]
    loss_pt = 100.0 * (e["dense"]["correct"] - s["correct"]) / e["sequences"]
    print(f"{what}, budget {budget} pt: esact-eval on the calibrated manifest: val loss {loss_pt:.2f} pt, "
          f"reduction {s['reduction'] * 100:.2f}%, knobs {s['layer_knobs']}")
    check(e["sequences"] == SEQS, f"{what}: {e['sequences']} val sequences evaluated")
    check(loss_pt <= budget + 1e-9, f"{what}: val loss {loss_pt:.2f} pt exceeds the budget {budget} pt")
    check(abs(s["reduction"] - res["val_reduction"]) < 1e-12,
          f"{what}: esact-eval reduction {s['reduction']} != calibrate's {res['val_reduction']}")
    check(s["layer_knobs"] == knobs, f"{what}: esact-eval did not use the manifest's per-layer knobs")
    return s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--eval", required=True)
    ap.add_argument("--model", required=True)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as td:
        m1, m2, m0, mn = (os.path.join(td, x) for x in ("a", "b", "zero", "nosens"))
        for m in (m1, m2, m0, mn):
            copy_model(a.model, m)
        budget = 5.0  # 1 of the 24 sequences
        r1, k1 = calibrate(a.eval, m1, budget, seed=3)
        r2, k2 = calibrate(a.eval, m2, budget, seed=3)
        check(k1 == k2, f"same seed, different knobs: {k1} vs {k2}")
        check(r1["val_reduction"] == r2["val_reduction"] and r1["val_spls_correct"] == r2["val_spls_correct"],
              "same seed, different reported results")
        check(len({json.dumps(k, sort_keys=True) for k in k1}) >= 1 and all(k["k"] >= 1 for k in k1), f"knobs {k1}")
        s = check_within(a.eval, m1, budget, r1, k1, "full search")
        check(s["reduction"] > 0.30, f"calibration saves only {s['reduction']:.3f} of the MACs")
        floor = uniform_floor(a.eval, m1, budget)
        print(f"best uniform candidate within {budget} pt: reduction {floor * 100:.2f}%")
        check(floor > 0.0, "no uniform candidate saves MACs within the budget (the floor check would be empty)")
        check(s["reduction"] >= floor - 1e-12, f"calibrated {s['reduction']} < best uniform {floor}")
        rn, kn = calibrate(a.eval, mn, budget, seed=3, rounds=2, extra=["--no-sensitivity", "--upgrades", "2"])
        sn = check_within(a.eval, mn, budget, rn, kn, "--no-sensitivity")
        check(sn["reduction"] >= floor - 1e-12, f"--no-sensitivity: {sn['reduction']} < best uniform {floor}")
        check(rn["settings_measured"] < r1["settings_measured"],
              f"--no-sensitivity measured {rn['settings_measured']} settings, the full search "
              f"{r1['settings_measured']}")
        r0, k0 = calibrate(a.eval, m0, 0.0, seed=3, rounds=1)
        e0 = eval_val(a.eval, m0)
        s0 = e0["settings"][0]
        print(f"budget 0: val correct {s0['correct']} / dense {e0['dense']['correct']}, reduction {s0['reduction'] * 100:.2f}%")
        check(s0["correct"] >= e0["dense"]["correct"], f"budget 0: {e0['dense']['correct'] - s0['correct']} val sequence(s) lost")
        check(s0["reduction"] > 0.0 and s0["reduction"] <= s["reduction"] + 1e-12,
              f"budget 0 reduction {s0['reduction']} (budget {budget}: {s['reduction']})")
        r = subprocess.run([sys.executable, CAL, "--eval", a.eval, "--model", m0, "--budget", "-1"],
                           capture_output=True, text=True)
        check(r.returncode != 0 and "budget" in r.stderr, f"negative budget not rejected: {r.stderr.strip()}")
    if FAILS:
        print(f"{len(FAILS)} check(s) failed")
        return 1
    print("all calibration checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
