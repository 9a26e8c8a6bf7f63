"""Dense integer pipeline of docs/spec.md 2 in numpy (batched).

An independent second implementation of the golden model's dense mode, used by
the quantizer scripts to check a compiled model before the C++ tools run, and
by tests/models to cross-check the C++ golden model bit for bit.
"""
from __future__ import annotations

import math

import numpy as np

EXP2 = np.floor(32768.0 * np.exp2(-np.arange(256) / 256.0) + 0.5).astype(np.int64)



def imatmul(a, b):
    """a @ b of integer arrays, exact, through float64 BLAS when that is exact: every product
    and partial sum is an integer below 2^53 in magnitude (bounded by K * max|a| * max|b|),
    so float64 represents each one exactly and the order of summation does not matter.
    Falls back to numpy's integer matmul (no BLAS; 10-50x slower) otherwise."""
    a = np.asarray(a)
    b = np.asarray(b)
    bound = float(a.shape[-1]) * float(np.abs(a).max(initial=0)) * float(np.abs(b).max(initial=0))
    if bound < 2.0 ** 53:
        return np.matmul(a.astype(np.float64), b.astype(np.float64)).astype(np.int64)
    return np.matmul(a.astype(np.int64), b.astype(np.int64))

def rshr(x, s):
    return (x + (np.int64(1) << np.int64(s - 1))) >> np.int64(s)


def rq(acc, ms):
    m, s = ms
    return np.clip(rshr(np.asarray(acc, dtype=np.int64) * np.int64(m), s), -128, 127).astype(np.int64)


def softmax_int(scores, ms):
    """scores int64 [..., J] -> Q0.7 int64 [..., J] (spec 2.3, all keys selected)."""
    m, s = ms
    t = scores - scores.max(axis=-1, keepdims=True)
    w = -rshr(t * np.int64(m), s)
    sh = w >> 8
    e = np.where(sh >= 16, 0, EXP2[w & 255] >> np.minimum(sh, 62))
    tot = e.sum(axis=-1, keepdims=True)
    rho = (np.int64(1) << np.int64(32)) // tot
    return np.minimum(127, (e * rho + (np.int64(1) << np.int64(24))) >> np.int64(25))


def _isqrt(v):
    flat = v.ravel()
    out = np.fromiter((math.isqrt(int(x)) for x in flat), dtype=np.int64, count=flat.size)
    return out.reshape(v.shape)


def layernorm_int(r, gamma, beta, ms):
    """r int64 [..., D] (|r| < 2^10) -> int8 values (spec 2.4)."""
    D = r.shape[-1]
    if np.abs(r).max(initial=0) >= 1024:
        raise ValueError("layernorm input out of range (|r| >= 2^10)")
    s1 = r.sum(axis=-1, keepdims=True)
    s2 = (r * r).sum(axis=-1, keepdims=True)
    c = D * r - s1
    var = D * s2 - s1 * s1
    sig = np.maximum(1, _isqrt(var))
    iota = (np.int64(1) << np.int64(30)) // sig
    n = rshr(c * iota, 20)
    return rq(n * gamma.astype(np.int64) + beta.astype(np.int64), ms)


def layer_dense(layer, x, n_heads):
    """One layer, dense mode; x int [B, N, D] -> dict of every spec tensor (int64)."""
    a_ = {k: v.astype(np.int64) for k, v in layer["arrays"].items()}
    r = layer["requant"]
    B, N, D = x.shape
    dh = D // n_heads
    x = x.astype(np.int64)
    pre = layer["norm"] == "pre"
    a = layernorm_int(x, a_["ln1_gamma"], a_["ln1_beta"], r["ln1"]) if pre else x
    q = rq(imatmul(a, a_["wq"]) + a_["bq"], r["q"])
    k = rq(imatmul(a, a_["wk"]) + a_["bk"], r["k"])
    v = rq(imatmul(a, a_["wv"]) + a_["bv"], r["v"])
    qh = q.reshape(B, N, n_heads, dh).transpose(0, 2, 1, 3)
    kh = k.reshape(B, N, n_heads, dh).transpose(0, 2, 1, 3)
    vh = v.reshape(B, N, n_heads, dh).transpose(0, 2, 1, 3)
    p = softmax_int(imatmul(qh, kh.transpose(0, 1, 3, 2)), r["softmax"])
    o = rq(imatmul(p, vh), r["av"]).transpose(0, 2, 1, 3).reshape(B, N, D)
    z = rq(imatmul(o, a_["wo"]) + a_["bo"], r["o"])
    if pre:
        h = np.clip(x + z, -128, 127)
        fin = layernorm_int(h, a_["ln2_gamma"], a_["ln2_beta"], r["ln2"])
    else:
        h = layernorm_int(x + z, a_["ln1_gamma"], a_["ln1_beta"], r["ln1"])
        fin = h
    g1 = rq(imatmul(fin, a_["w1"]) + a_["b1"], r["ffn1"])
    g = a_["gelu"][g1 + 128]
    z2 = rq(imatmul(g, a_["w2"]) + a_["b2"], r["ffn2"])
    y = np.clip(h + z2, -128, 127) if pre else layernorm_int(h + z2, a_["ln2_gamma"], a_["ln2_beta"], r["ln2"])
    return {"a": a, "q": q, "k": k, "v": v, "p": p, "o": o, "z": z, "h": h, "ffn_in": fin, "g1": g1, "g": g,
            "z2": z2, "y": y}


def run_dense(qm, x, batch=64):
    """Whole model, dense; x int8 [B, N, D] -> int8 output [B, N, D]."""
    outs = []
    for b0 in range(0, x.shape[0], batch):
        y = x[b0:b0 + batch].astype(np.int64)
        for layer in qm["layers"]:
            y = layer_dense(layer, y, qm["n_heads"])["y"]
        outs.append(y.astype(np.int8))
    return np.concatenate(outs, axis=0)


def classify_int(qm, y_int8):
    """Host-side classifier on the dequantized output (pool per the manifest)."""
    s_y = qm["layers"][-1]["scales"]["y"]
    y = y_int8.astype(np.float64) * s_y
    cls = qm["classifier"]
    pooled = y.mean(axis=1) if cls["pool"] == "mean" else y[:, 0, :]
    return pooled @ cls["weight"].astype(np.float64) + cls["bias"].astype(np.float64)
