#!/usr/bin/python3
"""Quantizer tests (numpy only): requantization pairs, shapes and ranges of a
compiled model, manifest round trip, dequantize ~ float, integer pipeline ~
float model, and clear errors on bad float models.  Exit 0 = pass, 1 = fail."""
import math
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts", "models"))
try:
    import numpy as np
except ImportError:
    print("SKIP: numpy is not installed (/usr/bin/python3)")
    sys.exit(77)

import esact_float as ef  # noqa: E402
import esact_intsim as ei  # noqa: E402
import esact_quant as eq  # noqa: E402

FAILS = []


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL:", what)


def random_model(rng, d=32, h=4, f=64, norms=("post", "post"), classes=3):
    layers = []
    for norm in norms:
        L = {"norm": norm}
        for n in ("wq", "wk", "wv", "wo"):
            L[n] = rng.normal(0, 1 / math.sqrt(d), (d, d))
        L["w1"] = rng.normal(0, 1 / math.sqrt(d), (d, f))
        L["w2"] = rng.normal(0, 1 / math.sqrt(f), (f, d))
        for n, k in (("bq", d), ("bk", d), ("bv", d), ("bo", d), ("b1", f), ("b2", d)):
            L[n] = rng.normal(0, 0.05, k)
        for i in (1, 2):
            L[f"ln{i}_g"] = 1 + rng.normal(0, 0.1, d)
            L[f"ln{i}_b"] = rng.normal(0, 0.1, d)
        layers.append(L)
    return {"d_model": d, "n_heads": h, "d_ffn": f, "eps": 1e-5, "layers": layers,
            "classifier": {"weight": rng.normal(0, 1, (d, classes)), "bias": np.zeros(classes), "pool": "mean"}}


def test_requant_pairs():
    for f in (1e-6, 3.3e-4, 0.0123, 0.5, 1.0, 1.7, 255.9, 12345.6):
        m, s = eq.requant_from_real(f)
        check(1 <= m <= 65535 and 1 <= s <= 47, f"requant({f}) = ({m}, {s}) out of range")
        check(abs(m / 2.0**s - f) <= f * 2.0**-15 + 2.0**-48, f"requant({f}) = {m}/2^{s} too far from f")
        # the largest S: one more bit would overflow M (or S is already 47)
        check(s == 47 or round(f * 2.0**(s + 1)) >= 65536, f"requant({f}): S={s} is not the largest")
    for bad in (0.0, -1.0, float("inf"), float("nan"), 40000.0, 1e-16):
        try:
            eq.requant_from_real(bad)
            check(False, f"requant({bad}) did not raise")
        except eq.QuantError:
            pass


def test_compile_shapes_ranges_roundtrip():
    rng = np.random.default_rng(1)
    for norms in (("post", "post"), ("pre", "pre")):
        fm = random_model(rng, norms=norms)
        x = rng.normal(0, 1, (24, 16, 32))
        qm = eq.compile_model(fm, x, {"k": 8, "window": 2, "threshold": 4, "ffn_reuse": True})
        d, f = 32, 64
        shapes = {"wq": (d, d), "wk": (d, d), "wv": (d, d), "wo": (d, d), "bq": (d,), "bk": (d,), "bv": (d,),
                  "bo": (d,), "w1": (d, f), "b1": (f,), "w2": (f, d), "b2": (d,), "ln1_gamma": (d,),
                  "ln2_gamma": (d,), "ln1_beta": (d,), "ln2_beta": (d,), "gelu": (256,)}
        for li, L in enumerate(qm["layers"]):
            for k, shp in shapes.items():
                a = L["arrays"][k]
                check(a.shape == shp, f"{norms} layer {li} {k} shape {a.shape} != {shp}")
                check(a.dtype == eq.INT_KEYS[k], f"{norms} layer {li} {k} dtype {a.dtype}")
            for k in ("wq", "wk", "wv", "wo", "w1", "w2"):
                a = L["arrays"][k]
                # symmetric per-tensor scale: the largest weight maps to +-127, never -128
                check(np.abs(a.astype(int)).max() == 127 and a.min() >= -127, f"{norms} layer {li} {k} range")
            for k, (m, s) in L["requant"].items():
                check(1 <= m <= 65535 and 1 <= s <= 47, f"{norms} layer {li} requant {k} = ({m}, {s})")
            g = L["arrays"]["gelu"].astype(int)
            check(np.all(np.diff(g[128:]) >= 0), f"{norms} layer {li} GELU table not monotone for v >= 0")
            check(g[128] == 0, f"{norms} layer {li} GELU(0) != 0")
            check(L["spls"] == {"k": 8, "window": 2, "threshold": 4, "ffn_reuse": True}, "knobs not stored")
            if norms[0] == "pre":
                check(L["scales"]["x"] == qm["layers"][0]["scales"]["x"], "pre-LN run must share one residual scale")
                check(L["scales"]["y"] == L["scales"]["x"], "pre-LN: y scale must equal x scale")
        for li in range(len(qm["layers"]) - 1):
            check(qm["layers"][li]["scales"]["y"] == qm["layers"][li + 1]["scales"]["x"],
                  f"{norms}: layer {li} y scale != layer {li + 1} x scale")
        # manifest round trip
        with tempfile.TemporaryDirectory() as td:
            eq.write_model(qm, td)
            back = eq.read_model(td)
            for li, (a, b) in enumerate(zip(qm["layers"], back["layers"])):
                for k in shapes:
                    check(np.array_equal(a["arrays"][k], b["arrays"][k]) and a["arrays"][k].dtype == b["arrays"][k].dtype,
                          f"{norms} round trip layer {li} {k}")
                check({k: tuple(v) for k, v in a["requant"].items()} == b["requant"], f"round trip requant {li}")
                check(a["scales"] == b["scales"], f"round trip scales {li}")
            # dequantized weights ~ float weights (within half a step)
            dq = eq.dequantize_model(back)
            for li, (fl, dl) in enumerate(zip(fm["layers"], dq["layers"])):
                for k in ("wq", "wk", "wv", "wo", "w1", "w2"):
                    step = back["layers"][li]["scales"][k]
                    check(np.abs(fl[k] - dl[k]).max() <= step / 2 + 1e-12, f"{norms} dequant {li} {k}")
                for k in ("ln1_g", "ln2_g", "ln1_b", "ln2_b", "bq", "b1"):
                    err = np.abs(fl[k] - dl[k]).max()
                    check(err <= 1e-3 * max(1.0, np.abs(fl[k]).max()), f"{norms} dequant {li} {k} err {err}")
            # the integer pipeline follows the float model
            x_int = eq.quantize_inputs(x, qm["input_scale"])
            y_int = ei.run_dense(back, x_int)
            y_ref = ef.forward(fm, x_int.astype(np.float64) * qm["input_scale"])
            y_q = y_int.astype(np.float64) * back["layers"][-1]["scales"]["y"]
            cos = float((y_q * y_ref).sum() / np.sqrt((y_q ** 2).sum() * (y_ref ** 2).sum()))
            rel = float(np.sqrt(((y_q - y_ref) ** 2).mean() / (y_ref ** 2).mean()))
            print(f"  {norms[0]}-LN random model: integer vs float output cosine {cos:.4f}, relative RMS error {rel:.3f}")
            check(cos > 0.97, f"{norms}: integer pipeline cosine {cos:.4f} vs float too low")


def test_gelu_table():
    t = eq.gelu_table(0.05, 0.04).astype(int)
    v = np.arange(-128, 128)
    want = np.clip(np.round(ef.gelu(0.05 * v) / 0.04), -128, 127)
    check(np.array_equal(t, want), "GELU table differs from sat8(round(gelu(s_g1 v) / s_g))")
    check(t[255] == 127 and t[0] == 0, f"GELU table ends {t[0]}, {t[255]}")


def test_ln_quant():
    g, b, (m, s), gs = eq.quant_ln(np.array([1.0, -0.5, 2.0]), np.array([0.1, -3.0, 0.0]), 0.05, "t")
    check(g.dtype == np.int16 and b.dtype == np.int32, "LN dtypes")
    check(abs(int(g[2]) - 32767) <= 1, f"LN gamma does not use the int16 range: {g}")
    check(abs(m / 2.0**s - gs / (1024 * 0.05)) <= 1e-4 * gs / (1024 * 0.05), "LN requant factor")
    check(abs(b[1] * gs / 1024 + 3.0) < 1e-3, "LN beta")


def test_errors():
    rng = np.random.default_rng(2)
    fm = random_model(rng)
    fm["layers"][1]["w1"] = fm["layers"][1]["w1"][:, :10]
    try:
        eq.compile_model(fm, rng.normal(0, 1, (2, 8, 32)))
        check(False, "bad w1 shape not rejected")
    except ValueError as e:
        check("layer 1" in str(e) and "w1" in str(e), f"error does not name layer 1 w1: {e}")
    fm = random_model(rng)
    fm["layers"][0]["bq"][3] = np.nan
    try:
        eq.compile_model(fm, rng.normal(0, 1, (2, 8, 32)))
        check(False, "NaN bias not rejected")
    except ValueError as e:
        check("bq" in str(e), f"error does not name bq: {e}")
    fm = random_model(rng)
    try:
        eq.compile_model(fm, rng.normal(0, 1, (2, 8, 31)))
        check(False, "calibration width mismatch not rejected")
    except ValueError as e:
        check("calibration" in str(e), f"error does not name the calibration inputs: {e}")
    fm = random_model(rng)
    fm["n_heads"] = 5
    try:
        eq.compile_model(fm, rng.normal(0, 1, (2, 8, 32)))
        check(False, "heads not dividing D not rejected")
    except ValueError as e:
        check("n_heads" in str(e), f"error does not name n_heads: {e}")


if __name__ == "__main__":
    for name, fn in list(globals().items()):
        if name.startswith("test_") and callable(fn):
            print(name)
            fn()
    if FAILS:
        print(f"{len(FAILS)} check(s) failed")
        sys.exit(1)
    print("all quantizer checks passed")
