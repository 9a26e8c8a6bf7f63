"""The ESACT model compiler: float encoder -> the project's INT8 model format.

docs/spec.md 1, 2 and 5.1.  Input: a float model (esact_float.py layout) and a
calibration batch of float layer-0 inputs [B, N, D].  The float model is run on
the calibration batch; every tensor of the integer pipeline gets a static
per-tensor symmetric scale s = max|t| / 127 (weights: their own max), with the
constraints the integer pipeline imposes:

* post-LN: the residual sum X + Z is exact in integers, so Z is produced at the
  scale of X and s_x covers both X and Z; likewise s_h covers H and Z2.  The
  output scale of LN2 in layer l is s_x of layer l + 1.
* pre-LN: H = sat8(X + Z) and Y = sat8(H + Z2) are all at the scale of X, so a
  run of pre-LN layers shares one residual scale that covers X, Z, H, Z2 and Y
  of every layer in the run.

Then every requantization pair is (M, S) for its real factor (spec 1 rule):

    q/k/v   s_a s_w / s_out          bias round(b / (s_a s_w))
    softmax s_q s_k / sqrt(Dh) * log2(e) * 2^8            (spec 2.3)
    av      s_v / 128 / s_o                                (probabilities Q0.7)
    o       s_o s_wo / s_x           (Z at the scale of X)
    ffn1    s_in s_w1 / s_g1         ffn2  s_g s_w2 / s_h (post) or / s_x (pre)
    ln      g / (2^10 s_out), gamma = round(gamma_f / g), beta = round(beta_f 2^10 / g)   (2.4)
    GELU_T[v + 128] = sat8(round(gelu(s_g1 v) / s_g))                                    (2.5)
"""
from __future__ import annotations

import hashlib
import json
import math
import os

import numpy as np

import esact_float as ef

REQUANT_NAMES = ("q", "k", "v", "softmax", "av", "o", "ln1", "ffn1", "ffn2", "ln2")
INT_KEYS = {"wq": np.int8, "wk": np.int8, "wv": np.int8, "wo": np.int8, "bq": np.int32, "bk": np.int32,
            "bv": np.int32, "bo": np.int32, "w1": np.int8, "b1": np.int32, "w2": np.int8, "b2": np.int32,
            "ln1_gamma": np.int16, "ln2_gamma": np.int16, "ln1_beta": np.int32, "ln2_beta": np.int32,
            "gelu": np.int8}
INT32_MAX = 2**31 - 1


class QuantError(ValueError):
    """A float model that cannot be expressed in the integer format (names the tensor)."""


def requant_from_real(f: float) -> tuple[int, int]:
    """(M, S) for a real factor f > 0: the largest S <= 47 with round(f 2^S) < 2^16 (spec 1)."""
    if not (f > 0.0) or not math.isfinite(f):
        raise QuantError(f"requantization factor must be positive and finite, got {f}")
    for s in range(47, 0, -1):
        m = round(f * 2.0**s)  # Python round: half to even, like std::nearbyint
        if m < 65536:
            if m < 1:
                raise QuantError(f"requantization factor {f:g} is below 2^-47")
            return int(m), s
    raise QuantError(f"requantization factor {f:g} is too large (needs S < 1)")


def sat8(x):
    return np.clip(x, -128, 127)


def scale_of(t, what: str, pct: float = 100.0) -> float:
    """Symmetric per-tensor scale: max|t| (or its pct-th percentile) / 127."""
    a = np.abs(np.asarray(t, dtype=np.float64)).ravel()
    if a.size == 0:
        raise QuantError(f"{what}: empty tensor")
    m = float(a.max()) if pct >= 100.0 else float(np.percentile(a, pct))
    if not math.isfinite(m):
        raise QuantError(f"{what}: non-finite values")
    return (m if m > 0 else 1.0) / 127.0


def quant_weight(w, what):
    s = scale_of(w, what)
    return sat8(np.round(np.asarray(w) / s)).astype(np.int8), s


def quant_bias(b, s, what):
    q = np.round(np.asarray(b, dtype=np.float64) / s)
    if np.abs(q).max(initial=0) > INT32_MAX:
        raise QuantError(f"{what}: bias does not fit int32 at scale {s:g}")
    return q.astype(np.int32)


def quant_ln(gamma_f, beta_f, s_out, what):
    """LayerNorm parameters (spec 2.4): int16 gamma, int32 beta, (M, S), and the gamma scale g."""
    gamma_f = np.asarray(gamma_f, dtype=np.float64)
    beta_f = np.asarray(beta_f, dtype=np.float64)
    gmax = float(np.abs(gamma_f).max())
    bmax = float(np.abs(beta_f).max())
    g = max(gmax / 32767.0, bmax * 1024.0 / INT32_MAX * 1.0001, 1e-12)
    gamma = np.clip(np.round(gamma_f / g), -32768, 32767).astype(np.int16)
    beta = quant_bias(beta_f * 1024.0, g, what + " beta")
    return gamma, beta, requant_from_real(g / (1024.0 * s_out)), g


def gelu_table(s_g1: float, s_g: float) -> np.ndarray:
    v = np.arange(-128, 128, dtype=np.float64)
    return sat8(np.round(ef.gelu(s_g1 * v) / s_g)).astype(np.int8)


def calibrate(fm: dict, calib_x: np.ndarray, pct: float = 100.0) -> list[dict]:
    """Per-layer activation scales from a calibration batch (see module doc)."""
    recs = []
    ef.forward(fm, calib_x, recs)
    L = len(fm["layers"])
    sc = [dict() for _ in range(L)]
    for li, (layer, r) in enumerate(zip(fm["layers"], recs)):
        s = sc[li]
        for t in ("q", "k", "v", "o", "g1", "g"):
            s[t] = scale_of(r[t], f"layer {li} {t}", pct)
        if layer["norm"] == "pre":
            # both LayerNorm outputs (A = LN1(X) and LN2(H)) share the scale "h"
            # (the golden float reference's convention for pre-LN layers)
            s["a"] = s["ffn_in"] = max(scale_of(r["a"], f"layer {li} LN1 output", pct),
                                       scale_of(r["ffn_in"], f"layer {li} LN2 output", pct))
        else:
            s["x"] = max(scale_of(r["x"], f"layer {li} x", pct), scale_of(r["z"], f"layer {li} z", pct))
            s["h"] = max(scale_of(r["h"], f"layer {li} h", pct), scale_of(r["z2"], f"layer {li} z2", pct))
    # Residual scales.  Post-LN layer l+1's X scale is fixed by layer l's LN2; a
    # pre-LN layer's X/Z/H/Z2/Y all share one scale, and a run of consecutive
    # pre-LN layers shares it too (Y of one is X of the next without a rescale).
    li = 0
    while li < L:
        if fm["layers"][li]["norm"] == "pre":
            run_end = li
            while run_end < L and fm["layers"][run_end]["norm"] == "pre":
                run_end += 1
            s_res = max(scale_of(recs[j][t], f"layer {j} {t}", pct)
                        for j in range(li, run_end) for t in ("x", "z", "h", "z2", "y"))
            if run_end < L:  # a following post-LN layer takes Y of the run as its X, unscaled
                s_res = max(s_res, sc[run_end]["x"])
                sc[run_end]["x"] = s_res
            for j in range(li, run_end):
                sc[j]["x"] = sc[j]["y"] = s_res
                sc[j]["h"] = sc[j]["a"]
            li = run_end
        else:
            li += 1
    for li in range(L):
        if fm["layers"][li]["norm"] == "post":
            sc[li]["y"] = sc[li + 1]["x"] if li + 1 < L else scale_of(recs[li]["y"], f"layer {li} y", pct)
        sc[li]["a"] = sc[li].get("a", sc[li]["x"]) if fm["layers"][li]["norm"] == "pre" else sc[li]["x"]
        sc[li]["ffn_in"] = sc[li]["ffn_in"] if fm["layers"][li]["norm"] == "pre" else sc[li]["h"]
    return sc


def compile_model(fm: dict, calib_x: np.ndarray, spls=None, pct: float = 100.0, embedding=None) -> dict:
    """Quantize a float model.  spls: one knob dict for every layer, or a list
    per layer ({"k", "window", "threshold", "ffn_reuse"}).  Returns the integer
    model (manifest dict + arrays per layer), ready for write_model()."""
    ef.check_model(fm)
    calib_x = np.asarray(calib_x, dtype=np.float64)
    if calib_x.ndim != 3 or calib_x.shape[2] != fm["d_model"]:
        raise QuantError(f"calibration inputs must be [B, N, {fm['d_model']}], got {calib_x.shape}")
    D, H = fm["d_model"], fm["n_heads"]
    dh = D // H
    N = calib_x.shape[1]
    if spls is None:
        spls = {"k": N, "window": 0, "threshold": 0, "ffn_reuse": False}
    if isinstance(spls, dict):
        spls = [spls] * len(fm["layers"])
    sc = calibrate(fm, calib_x, pct)
    out = {"d_model": D, "n_heads": H, "d_ffn": fm["d_ffn"], "layers": [], "input_scale": sc[0]["x"]}
    for li, (fl, s) in enumerate(zip(fm["layers"], sc)):
        arr, rq, scales = {}, {}, {}
        w = {}
        for n in ("wq", "wk", "wv", "wo", "w1", "w2"):
            arr[n], w[n] = quant_weight(fl[n], f"layer {li} {n}")
        for n, s_in, s_out in (("q", s["a"], s["q"]), ("k", s["a"], s["k"]), ("v", s["a"], s["v"])):
            rq[n] = requant_from_real(s_in * w["w" + n] / s_out)
            arr["b" + n] = quant_bias(fl["b" + n], s_in * w["w" + n], f"layer {li} b{n}")
        rq["softmax"] = requant_from_real(s["q"] * s["k"] / math.sqrt(dh) * math.log2(math.e) * 256.0)
        rq["av"] = requant_from_real(s["v"] / 128.0 / s["o"])
        rq["o"] = requant_from_real(s["o"] * w["wo"] / s["x"])
        arr["bo"] = quant_bias(fl["bo"], s["o"] * w["wo"], f"layer {li} bo")
        if fl["norm"] == "post":
            ln1_out, ln2_out = s["h"], s["y"]
        else:
            ln1_out, ln2_out = s["a"], s["ffn_in"]
        arr["ln1_gamma"], arr["ln1_beta"], rq["ln1"], g_ln1 = quant_ln(fl["ln1_g"], fl["ln1_b"], ln1_out, f"layer {li} ln1")
        arr["ln2_gamma"], arr["ln2_beta"], rq["ln2"], g_ln2 = quant_ln(fl["ln2_g"], fl["ln2_b"], ln2_out, f"layer {li} ln2")
        rq["ffn1"] = requant_from_real(s["ffn_in"] * w["w1"] / s["g1"])
        arr["b1"] = quant_bias(fl["b1"], s["ffn_in"] * w["w1"], f"layer {li} b1")
        res2 = s["h"] if fl["norm"] == "post" else s["x"]  # Z2 at the scale of the residual H
        rq["ffn2"] = requant_from_real(s["g"] * w["w2"] / res2)
        arr["b2"] = quant_bias(fl["b2"], s["g"] * w["w2"], f"layer {li} b2")
        arr["gelu"] = gelu_table(s["g1"], s["g"])
        scales = {"x": s["x"], "wq": w["wq"], "wk": w["wk"], "wv": w["wv"], "wo": w["wo"], "w1": w["w1"],
                  "w2": w["w2"], "q": s["q"], "k": s["k"], "v": s["v"], "o": s["o"], "h": s["h"],
                  "g1": s["g1"], "g": s["g"], "y": s["y"], "ln1_g": g_ln1, "ln2_g": g_ln2}
        knobs = dict(spls[li])
        out["layers"].append({"norm": fl["norm"], "spls": {"k": int(knobs["k"]), "window": int(knobs["window"]),
                                                            "threshold": int(knobs["threshold"]),
                                                            "ffn_reuse": bool(knobs["ffn_reuse"])},
                              "requant": {k: [int(rq[k][0]), int(rq[k][1])] for k in REQUANT_NAMES},
                              "scales": {k: float(v) for k, v in scales.items()}, "arrays": arr,
                              "scale_a": float(s["a"]), "scale_ffn_in": float(s["ffn_in"])})
    if fm.get("classifier") is not None:
        out["classifier"] = {"weight": np.asarray(fm["classifier"]["weight"], dtype=np.float32),
                             "bias": np.asarray(fm["classifier"]["bias"], dtype=np.float32),
                             "pool": fm["classifier"].get("pool", "mean")}
    if embedding is not None:
        out["embedding"] = quantize_inputs(embedding, out["input_scale"])
    return out


def quantize_inputs(x, s_x: float) -> np.ndarray:
    """Float layer-0 inputs -> int8 at the model's input scale."""
    return sat8(np.round(np.asarray(x, dtype=np.float64) / s_x)).astype(np.int8)


def write_model(qm: dict, path: str, extra: dict | None = None) -> None:
    """Write manifest.json + .npy files (docs/spec.md 5.1)."""
    os.makedirs(path, exist_ok=True)
    man = {"format": "esact-model", "version": 1, "d_model": qm["d_model"], "n_heads": qm["n_heads"],
           "d_ffn": qm["d_ffn"], "layers": []}
    for li, layer in enumerate(qm["layers"]):
        os.makedirs(os.path.join(path, f"l{li}"), exist_ok=True)
        arrays = {}
        for k, dt in INT_KEYS.items():
            a = np.ascontiguousarray(layer["arrays"][k], dtype=dt)
            rel = f"l{li}/{k}.npy"
            np.save(os.path.join(path, rel), a)
            arrays[k] = rel
        man["layers"].append({"norm": layer["norm"], "spls": layer["spls"], "requant": layer["requant"],
                              "scales": layer["scales"], "arrays": arrays})
        # calibration details the loader does not need: the attention-input and
        # FFN-input scales (pre-LN: the LN outputs, both equal to "h")
        man["layers"][-1]["meta"] = {"scale_a": layer["scale_a"], "scale_ffn_in": layer["scale_ffn_in"]}
    if "embedding" in qm:
        np.save(os.path.join(path, "embedding.npy"), np.ascontiguousarray(qm["embedding"], dtype=np.int8))
        man["embedding"] = "embedding.npy"
    if "classifier" in qm:
        np.save(os.path.join(path, "cls_w.npy"), np.ascontiguousarray(qm["classifier"]["weight"], dtype=np.float32))
        np.save(os.path.join(path, "cls_b.npy"), np.ascontiguousarray(qm["classifier"]["bias"], dtype=np.float32))
        man["classifier"] = {"weight": "cls_w.npy", "bias": "cls_b.npy", "pool": qm["classifier"]["pool"]}
    man["meta"] = {"input_scale": qm["input_scale"], "compiler": "scripts/models/esact_quant.py"}
    if extra:
        man["meta"].update(extra)
    with open(os.path.join(path, "manifest.json"), "w") as f:
        json.dump(man, f, indent=1, sort_keys=False)
        f.write("\n")


def read_model(path: str) -> dict:
    """Read a model folder back into the compile_model() layout (for checks and intsim)."""
    with open(os.path.join(path, "manifest.json")) as f:
        man = json.load(f)
    qm = {"d_model": man["d_model"], "n_heads": man["n_heads"], "d_ffn": man["d_ffn"], "layers": [],
          "input_scale": man["layers"][0]["scales"]["x"], "meta": man.get("meta", {})}
    for layer in man["layers"]:
        arr = {k: np.load(os.path.join(path, rel)) for k, rel in layer["arrays"].items()}
        sc = layer["scales"]
        meta = layer.get("meta", {})
        pre = layer["norm"] == "pre"
        qm["layers"].append({"norm": layer["norm"], "spls": layer["spls"],
                             "requant": {k: tuple(v) for k, v in layer["requant"].items()},
                             "scales": sc, "arrays": arr,
                             "scale_a": meta.get("scale_a", sc["h"] if pre else sc["x"]),
                             "scale_ffn_in": meta.get("scale_ffn_in", sc["h"])})
    if "classifier" in man:
        c = man["classifier"]
        qm["classifier"] = {"weight": np.load(os.path.join(path, c["weight"])),
                            "bias": np.load(os.path.join(path, c["bias"])), "pool": c.get("pool", "mean")}
    if "embedding" in man:
        qm["embedding"] = np.load(os.path.join(path, man["embedding"]))
    return qm


def write_inputs(path: str, x_int8: np.ndarray, labels=None) -> None:
    """An inputs folder (docs/spec.md 5.2): inputs.json + x.npy [+ labels.npy]."""
    os.makedirs(path, exist_ok=True)
    np.save(os.path.join(path, "x.npy"), np.ascontiguousarray(x_int8, dtype=np.int8))
    man = {"format": "esact-input", "version": 1, "tokens": "x.npy"}
    if labels is not None:
        np.save(os.path.join(path, "labels.npy"), np.ascontiguousarray(labels, dtype=np.int32))
        man["labels"] = "labels.npy"
    with open(os.path.join(path, "inputs.json"), "w") as f:
        json.dump(man, f, indent=1)
        f.write("\n")


def dequantize_model(qm: dict) -> dict:
    """The float model the integer weights stand for (weights * scale, biases * their scale)."""
    layers = []
    for layer in qm["layers"]:
        a, s = layer["arrays"], layer["scales"]
        fl = {"norm": layer["norm"]}
        for n in ("wq", "wk", "wv", "wo", "w1", "w2"):
            fl[n] = a[n].astype(np.float64) * s[n]
        sa, sf = layer["scale_a"], layer["scale_ffn_in"]
        for n, s_in in (("bq", sa * s["wq"]), ("bk", sa * s["wk"]), ("bv", sa * s["wv"]),
                        ("bo", s["o"] * s["wo"]), ("b1", sf * s["w1"]), ("b2", s["g"] * s["w2"])):
            fl[n] = a[n].astype(np.float64) * s_in
        for i in (1, 2):
            g = s[f"ln{i}_g"]
            fl[f"ln{i}_g"] = a[f"ln{i}_gamma"].astype(np.float64) * g
            fl[f"ln{i}_b"] = a[f"ln{i}_beta"].astype(np.float64) * g / 1024.0
        layers.append(fl)
    fm = {"d_model": qm["d_model"], "n_heads": qm["n_heads"], "d_ffn": qm["d_ffn"], "eps": 1e-5, "layers": layers}
    if "classifier" in qm:
        fm["classifier"] = {k: v for k, v in qm["classifier"].items()}
    return fm


def dir_digest(path: str) -> str:
    """sha256 over every file of a model folder (names and bytes), to check bit-for-bit regeneration."""
    h = hashlib.sha256()
    for root, _, files in sorted(os.walk(path)):
        for fn in sorted(files):
            if fn == "record.json":
                continue
            p = os.path.join(root, fn)
            h.update(os.path.relpath(p, path).encode())
            with open(p, "rb") as f:
                h.update(f.read())
    return h.hexdigest()
