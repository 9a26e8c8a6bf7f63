"""Float encoder in numpy: the reference the quantizer calibrates against.

A float model is a dict

    {"d_model": D, "n_heads": H, "d_ffn": F, "eps": 1e-5,
     "layers": [FloatLayer, ...],
     "classifier": {"weight": [D, C], "bias": [C], "pool": "mean"|"first"}  (optional)}

and a FloatLayer is a dict with "norm" ("post" or "pre") and float64 numpy
arrays, weights INPUT-MAJOR as in docs/spec.md 2 (W[d][c] maps input channel d
to output channel c; torch.nn.Linear stores the transpose):

    wq wk wv wo [D, D]   bq bk bv bo [D]   w1 [D, F]  b1 [F]  w2 [F, D]  b2 [D]
    ln1_g ln1_b ln2_g ln2_b [D]

The layer is docs/spec.md 2.1 (post-LN) / 2.2 (pre-LN) in real numbers, i.e.
exactly torch.nn.TransformerEncoderLayer(activation="gelu", batch_first=True,
norm_first=(norm == "pre")) in eval mode.
"""
from __future__ import annotations

import math

import numpy as np

LAYER_KEYS = ("wq", "bq", "wk", "bk", "wv", "bv", "wo", "bo", "w1", "b1", "w2", "b2",
              "ln1_g", "ln1_b", "ln2_g", "ln2_b")

_erf = np.vectorize(math.erf, otypes=[np.float64])


def gelu(x: np.ndarray) -> np.ndarray:
    """Exact (erf) GELU, as torch's default and docs/spec.md 2.5."""
    x = np.asarray(x, dtype=np.float64)
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))


def layernorm(x: np.ndarray, g: np.ndarray, b: np.ndarray, eps: float) -> np.ndarray:
    mu = x.mean(axis=-1, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * g + b


def softmax(s: np.ndarray) -> np.ndarray:
    s = s - s.max(axis=-1, keepdims=True)
    e = np.exp(s)
    return e / e.sum(axis=-1, keepdims=True)


def check_model(m: dict) -> None:
    """Shapes and keys of a float model; raises ValueError naming the problem."""
    d, h, f = m["d_model"], m["n_heads"], m["d_ffn"]
    if h < 1 or d % h != 0:
        raise ValueError(f"d_model {d} is not a multiple of n_heads {h}")
    want = {"wq": (d, d), "wk": (d, d), "wv": (d, d), "wo": (d, d), "bq": (d,), "bk": (d,),
            "bv": (d,), "bo": (d,), "w1": (d, f), "b1": (f,), "w2": (f, d), "b2": (d,),
            "ln1_g": (d,), "ln1_b": (d,), "ln2_g": (d,), "ln2_b": (d,)}
    if not m["layers"]:
        raise ValueError("model has no layers")
    for li, layer in enumerate(m["layers"]):
        if layer.get("norm") not in ("post", "pre"):
            raise ValueError(f"layer {li}: norm must be 'post' or 'pre', got {layer.get('norm')!r}")
        for k, shape in want.items():
            if k not in layer:
                raise ValueError(f"layer {li}: missing array {k}")
            if tuple(np.shape(layer[k])) != shape:
                raise ValueError(f"layer {li}: {k} has shape {np.shape(layer[k])}, expected {shape}")
            if not np.all(np.isfinite(layer[k])):
                raise ValueError(f"layer {li}: {k} has non-finite values")
    cls = m.get("classifier")
    if cls is not None:
        if np.shape(cls["weight"])[0] != d or np.shape(cls["bias"])[0] != np.shape(cls["weight"])[1]:
            raise ValueError("classifier weight must be [D, C] and bias [C]")
        if cls.get("pool", "mean") not in ("mean", "first"):
            raise ValueError("classifier pool must be 'mean' or 'first'")


def layer_forward(layer: dict, x: np.ndarray, n_heads: int, eps: float, rec: dict | None = None) -> np.ndarray:
    """One encoder layer on x [B, N, D] (float64).  If rec is a dict, every
    intermediate tensor of docs/spec.md 2 is stored in it under its spec name."""
    B, N, D = x.shape
    dh = D // n_heads
    pre = layer["norm"] == "pre"
    a = layernorm(x, layer["ln1_g"], layer["ln1_b"], eps) if pre else x
    q = a @ layer["wq"] + layer["bq"]
    k = a @ layer["wk"] + layer["bk"]
    v = a @ layer["wv"] + layer["bv"]
    qh = q.reshape(B, N, n_heads, dh).transpose(0, 2, 1, 3)
    kh = k.reshape(B, N, n_heads, dh).transpose(0, 2, 1, 3)
    vh = v.reshape(B, N, n_heads, dh).transpose(0, 2, 1, 3)
    p = softmax(qh @ kh.transpose(0, 1, 3, 2) / math.sqrt(dh))
    o = (p @ vh).transpose(0, 2, 1, 3).reshape(B, N, D)
    z = o @ layer["wo"] + layer["bo"]
    if pre:
        h = x + z
        fin = layernorm(h, layer["ln2_g"], layer["ln2_b"], eps)
    else:
        h = layernorm(x + z, layer["ln1_g"], layer["ln1_b"], eps)
        fin = h
    g1 = fin @ layer["w1"] + layer["b1"]
    g = gelu(g1)
    z2 = g @ layer["w2"] + layer["b2"]
    y = h + z2 if pre else layernorm(h + z2, layer["ln2_g"], layer["ln2_b"], eps)
    if rec is not None:
        rec.update(x=x, a=a, q=q, k=k, v=v, o=o, z=z, h=h, ffn_in=fin, g1=g1, g=g, z2=z2, y=y)
    return y


def forward(m: dict, x: np.ndarray, records: list | None = None, batch: int = 64) -> np.ndarray:
    """All layers; x [B, N, D].  records (a list) receives one dict per layer
    (of the whole batch at once).  Without records the sequences go through in
    chunks of `batch`: the score tensors of a whole held-out set do not fit in
    memory (langid_bert's 2,988 sequences took more than 15 GB at once)."""
    if records is None and len(x) > batch:
        return np.concatenate([forward(m, x[b0:b0 + batch], None, batch) for b0 in range(0, len(x), batch)])
    x = np.asarray(x, dtype=np.float64)
    for layer in m["layers"]:
        rec = {} if records is not None else None
        x = layer_forward(layer, x, m["n_heads"], m.get("eps", 1e-5), rec)
        if records is not None:
            records.append(rec)
    return x


def classify(m: dict, y: np.ndarray) -> np.ndarray:
    """Logits [B, C] from the encoder output y [B, N, D] with the model's classifier."""
    cls = m["classifier"]
    pooled = y.mean(axis=1) if cls.get("pool", "mean") == "mean" else y[:, 0, :]
    return pooled @ np.asarray(cls["weight"], dtype=np.float64) + np.asarray(cls["bias"], dtype=np.float64)


def save_npz(m: dict, path: str) -> None:
    """Store a float model as one .npz (float32 arrays + a small header)."""
    arrs = {"header": np.array([m["d_model"], m["n_heads"], m["d_ffn"], len(m["layers"])], dtype=np.int64),
            "eps": np.array([m.get("eps", 1e-5)], dtype=np.float64)}
    for li, layer in enumerate(m["layers"]):
        arrs[f"l{li}_norm"] = np.array([1 if layer["norm"] == "pre" else 0], dtype=np.int64)
        for k in LAYER_KEYS:
            arrs[f"l{li}_{k}"] = np.asarray(layer[k], dtype=np.float32)
    if m.get("classifier") is not None:
        arrs["cls_weight"] = np.asarray(m["classifier"]["weight"], dtype=np.float32)
        arrs["cls_bias"] = np.asarray(m["classifier"]["bias"], dtype=np.float32)
        arrs["cls_pool_first"] = np.array([1 if m["classifier"].get("pool") == "first" else 0], dtype=np.int64)
    for k, v in m.get("extra", {}).items():
        arrs[f"extra_{k}"] = np.asarray(v)
    np.savez(path, **arrs)


def load_npz(path: str) -> dict:
    z = np.load(path)
    d, h, f, nl = (int(v) for v in z["header"])
    m = {"d_model": d, "n_heads": h, "d_ffn": f, "eps": float(z["eps"][0]), "layers": []}
    for li in range(nl):
        layer = {"norm": "pre" if int(z[f"l{li}_norm"][0]) else "post"}
        for k in LAYER_KEYS:
            layer[k] = z[f"l{li}_{k}"].astype(np.float64)
        m["layers"].append(layer)
    if "cls_weight" in z:
        m["classifier"] = {"weight": z["cls_weight"].astype(np.float64), "bias": z["cls_bias"].astype(np.float64),
                           "pool": "first" if int(z["cls_pool_first"][0]) else "mean"}
    m["extra"] = {k[len("extra_"):]: z[k] for k in z.files if k.startswith("extra_")}
    check_model(m)
    return m
