#!/usr/bin/python3
"""Export a PyTorch transformer encoder to the ESACT model format.

Reads the encoder's weights from a state_dict in one of three layouts, builds
the float model of esact_float.py and compiles it with the project quantizer
(esact_quant.py), calibrating on float layer-0 inputs that the user provides
(the embedding output for a batch of real inputs: [B, N, D] float .npy).

Layouts (detected from the key names; a key prefix such as "encoder." or
"bert.encoder." is found automatically):

* torch: torch.nn.TransformerEncoder / a list of nn.TransformerEncoderLayer
  ("layers.{i}.self_attn.in_proj_weight", "...out_proj", "linear1", "linear2",
  "norm1", "norm2"); activation must be GELU; --norm pre for norm_first=True.
* hf-bert: Hugging Face BERT/RoBERTa ("layer.{i}.attention.self.query",
  "attention.output.dense", "attention.output.LayerNorm", "intermediate.dense",
  "output.dense", "output.LayerNorm"), post-LN.
* hf-vit: Hugging Face ViT ("layer.{i}.attention.attention.query",
  "attention.output.dense", "layernorm_before", "intermediate.dense",
  "output.dense", "layernorm_after"), pre-LN.

torch.nn.Linear stores weight[out][in]; ESACT stores input-major W[in][out], so
every weight is transposed here.

Usage:
  /usr/bin/python3 scripts/models/export_torch.py --state-dict model.pt --heads 12 \\
      --calib calib_x.npy --out models/my_model [--layout auto] [--norm post] \\
      [--classifier-weight cls.weight --classifier-bias cls.bias --pool first] \\
      [--inputs test_x.npy --labels test_y.npy --inputs-out models/my_model/test] \\
      [--k 32 --window 4 --threshold 40 --ffn-reuse]
"""
from __future__ import annotations

import argparse
import re
import sys

import numpy as np

import esact_float as ef
import esact_quant as eq


def _np(t):
    if hasattr(t, "detach"):
        t = t.detach().cpu().double().numpy()
    return np.asarray(t, dtype=np.float64)


def detect_layout(keys) -> tuple[str, str]:
    """(layout, prefix) from state_dict keys."""
    pats = {"torch": r"^(.*?)layers\.0\.self_attn\.in_proj_weight$",
            "hf-vit": r"^(.*?)layer\.0\.attention\.attention\.query\.weight$",
            "hf-bert": r"^(.*?)layer\.0\.attention\.self\.query\.weight$"}
    for name, pat in pats.items():
        for k in keys:
            m = re.match(pat, k)
            if m:
                return name, m.group(1)
    raise ValueError("state_dict layout not recognised: expected 'layers.0.self_attn.in_proj_weight' (torch), "
                     "'layer.0.attention.self.query.weight' (HF BERT) or "
                     "'layer.0.attention.attention.query.weight' (HF ViT) under some prefix")


def _count_layers(keys, prefix, word):
    idx = set()
    pat = re.compile("^" + re.escape(prefix) + word + r"\.(\d+)\.")
    for k in keys:
        m = pat.match(k)
        if m:
            idx.add(int(m.group(1)))
    n = len(idx)
    if sorted(idx) != list(range(n)):
        raise ValueError(f"layer indices under '{prefix}{word}.' are not 0..{n - 1}: {sorted(idx)}")
    return n


def float_model_from_state_dict(sd: dict, n_heads: int, layout: str = "auto", norm: str | None = None,
                                eps: float | None = None) -> dict:
    """The float model (esact_float layout) of an encoder state_dict."""
    keys = list(sd.keys())
    det, prefix = detect_layout(keys)
    if layout != "auto" and layout != det:
        raise ValueError(f"--layout {layout} given but the keys look like {det}")
    layout = det

    def get(name):
        if name not in sd:
            raise ValueError(f"state_dict has no key '{name}' (layout {layout})")
        return _np(sd[name])

    layers = []
    if layout == "torch":
        nl = _count_layers(keys, prefix, "layers")
        for i in range(nl):
            p = f"{prefix}layers.{i}."
            w_in, b_in = get(p + "self_attn.in_proj_weight"), get(p + "self_attn.in_proj_bias")
            D = w_in.shape[1]
            if w_in.shape[0] != 3 * D:
                raise ValueError(f"{p}self_attn.in_proj_weight has shape {w_in.shape}, expected [3D, D]")
            layers.append({
                "norm": norm or "post",
                "wq": w_in[:D].T, "wk": w_in[D:2 * D].T, "wv": w_in[2 * D:].T,
                "bq": b_in[:D], "bk": b_in[D:2 * D], "bv": b_in[2 * D:],
                "wo": get(p + "self_attn.out_proj.weight").T, "bo": get(p + "self_attn.out_proj.bias"),
                "w1": get(p + "linear1.weight").T, "b1": get(p + "linear1.bias"),
                "w2": get(p + "linear2.weight").T, "b2": get(p + "linear2.bias"),
                "ln1_g": get(p + "norm1.weight"), "ln1_b": get(p + "norm1.bias"),
                "ln2_g": get(p + "norm2.weight"), "ln2_b": get(p + "norm2.bias")})
    else:
        nl = _count_layers(keys, prefix, "layer")
        vit = layout == "hf-vit"
        att = "attention.attention." if vit else "attention.self."
        for i in range(nl):
            p = f"{prefix}layer.{i}."
            L = {"norm": norm or ("pre" if vit else "post")}
            for n, hf in (("q", "query"), ("k", "key"), ("v", "value")):
                L["w" + n] = get(p + att + hf + ".weight").T
                L["b" + n] = get(p + att + hf + ".bias")
            L["wo"], L["bo"] = get(p + "attention.output.dense.weight").T, get(p + "attention.output.dense.bias")
            L["w1"], L["b1"] = get(p + "intermediate.dense.weight").T, get(p + "intermediate.dense.bias")
            L["w2"], L["b2"] = get(p + "output.dense.weight").T, get(p + "output.dense.bias")
            if vit:
                L["ln1_g"], L["ln1_b"] = get(p + "layernorm_before.weight"), get(p + "layernorm_before.bias")
                L["ln2_g"], L["ln2_b"] = get(p + "layernorm_after.weight"), get(p + "layernorm_after.bias")
            else:
                L["ln1_g"], L["ln1_b"] = get(p + "attention.output.LayerNorm.weight"), get(p + "attention.output.LayerNorm.bias")
                L["ln2_g"], L["ln2_b"] = get(p + "output.LayerNorm.weight"), get(p + "output.LayerNorm.bias")
            layers.append(L)
    if not layers:
        raise ValueError("state_dict has no encoder layers")
    D = layers[0]["wq"].shape[0]
    if n_heads < 1 or D % n_heads:
        raise ValueError(f"--heads {n_heads} does not divide d_model {D}")
    m = {"d_model": D, "n_heads": n_heads, "d_ffn": layers[0]["w1"].shape[1],
         "eps": 1e-5 if eps is None else eps, "layers": layers}
    ef.check_model(m)
    return m


def float_model_from_encoder_layers(layers, classifier=None) -> dict:
    """The float model of a list (or nn.TransformerEncoder) of nn.TransformerEncoderLayer."""
    import torch.nn.functional as F  # noqa: N812
    if hasattr(layers, "layers"):
        layers = list(layers.layers)
    sd = {}
    norm = None
    for i, lyr in enumerate(layers):
        act = getattr(lyr, "activation", None)
        if act is not F.gelu and type(act).__name__ != "GELU":
            raise ValueError(f"layer {i}: activation must be GELU (exact erf), got {act}")
        if getattr(act, "approximate", "none") != "none":
            raise ValueError(f"layer {i}: tanh-approximate GELU is not the ESACT table function")
        this = "pre" if lyr.norm_first else "post"
        if norm is not None and this != norm:
            raise ValueError("mixed norm_first layers: export them as separate models")
        norm = this
        for k, v in lyr.state_dict().items():
            sd[f"layers.{i}.{k}"] = v
    m = float_model_from_state_dict(sd, layers[0].self_attn.num_heads, "torch", norm, layers[0].norm1.eps)
    if classifier is not None:
        m["classifier"] = classifier
    return m


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--state-dict", required=True, help="torch.save()d state_dict (.pt) or a .npz of arrays")
    ap.add_argument("--heads", type=int, required=True)
    ap.add_argument("--layout", default="auto", choices=["auto", "torch", "hf-bert", "hf-vit"])
    ap.add_argument("--norm", choices=["post", "pre"], help="override the layout's default LayerNorm placement")
    ap.add_argument("--eps", type=float, default=None)
    ap.add_argument("--calib", required=True, help="float32 .npy [B, N, D]: layer-0 inputs for calibration")
    ap.add_argument("--out", required=True)
    ap.add_argument("--classifier-weight", help="state_dict key of a torch Linear head weight [C, D]")
    ap.add_argument("--classifier-bias")
    ap.add_argument("--pool", default="mean", choices=["mean", "first"])
    ap.add_argument("--inputs", help="float .npy [B, N, D] to quantize into an ESACT inputs folder")
    ap.add_argument("--labels", help="int .npy [B] labels for --inputs")
    ap.add_argument("--inputs-out", help="folder for the quantized inputs (default OUT/inputs)")
    ap.add_argument("--k", type=int, default=None, help="SPLS k (default N: dense)")
    ap.add_argument("--window", type=int, default=0)
    ap.add_argument("--threshold", type=int, default=0)
    ap.add_argument("--ffn-reuse", action="store_true")
    ap.add_argument("--percentile", type=float, default=100.0, help="calibration percentile of |x| (100 = max)")
    a = ap.parse_args(argv)
    try:
        if a.state_dict.endswith(".npz"):
            sd = dict(np.load(a.state_dict))
        else:
            import torch
            sd = torch.load(a.state_dict, map_location="cpu")
            if hasattr(sd, "state_dict"):
                sd = sd.state_dict()
        fm = float_model_from_state_dict(sd, a.heads, a.layout, a.norm, a.eps)
        if a.classifier_weight:
            w = _np(sd[a.classifier_weight]).T
            b = _np(sd[a.classifier_bias]) if a.classifier_bias else np.zeros(w.shape[1])
            fm["classifier"] = {"weight": w, "bias": b, "pool": a.pool}
        calib = np.load(a.calib)
        if calib.ndim == 2:
            calib = calib[None]
        N = calib.shape[1]
        knobs = {"k": a.k or N, "window": a.window, "threshold": a.threshold, "ffn_reuse": a.ffn_reuse}
        qm = eq.compile_model(fm, calib, knobs, a.percentile)
        eq.write_model(qm, a.out)
        print(f"export: {len(fm['layers'])} layers, D={fm['d_model']} H={fm['n_heads']} F={fm['d_ffn']} "
              f"-> {a.out} (input scale {qm['input_scale']:.6g})")
        if a.inputs:
            x = np.load(a.inputs)
            lab = np.load(a.labels) if a.labels else None
            dst = a.inputs_out or f"{a.out}/inputs"
            eq.write_inputs(dst, eq.quantize_inputs(x, qm["input_scale"]), lab)
            print(f"export: inputs {x.shape} -> {dst}")
    except (ValueError, KeyError, OSError) as e:
        print(f"export_torch: error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
