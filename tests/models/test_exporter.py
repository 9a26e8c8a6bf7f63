#!/usr/bin/python3
"""Exporter tests on randomly initialized encoders (needs torch; exit 77 = skipped):

* an nn.TransformerEncoderLayer stack (post-LN and norm_first pre-LN): the
  exported float model reproduces torch's output, and the compiled INT8 model
  follows it;
* Hugging Face BERT-layout and ViT-layout state_dicts, built by hand from the
  same weights (transformers is not installed): same float model as the torch
  path;
* the command line (export_torch.py main) writes a model + labelled inputs
  that the C++ loader accepts: esact-eval (path in $ESACT_EVAL) runs on it and
  its dense output equals the numpy integer pipeline bit for bit;
* bad state_dicts and non-GELU layers give clear errors.
"""
import math
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts", "models"))
try:
    import numpy as np
    import torch
    from torch import nn
except ImportError as e:
    print(f"SKIP: {e.name} is not installed for /usr/bin/python3 (scripts/setup.sh --with-models installs python3-torch)")
    sys.exit(77)

import esact_float as ef  # noqa: E402
import esact_intsim as ei  # noqa: E402
import esact_quant as eq  # noqa: E402
import export_torch as ex  # noqa: E402

FAILS = []
D, H, F, N = 32, 4, 64, 16


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL:", what)


def make_stack(norm_first, seed):
    torch.manual_seed(seed)
    layers = [nn.TransformerEncoderLayer(D, H, F, 0.0, activation="gelu", batch_first=True, norm_first=norm_first)
              for _ in range(2)]
    for lyr in layers:  # make LayerNorm parameters non-trivial
        for p in (lyr.norm1.weight, lyr.norm2.weight):
            nn.init.normal_(p, 1.0, 0.2)
        for p in (lyr.norm1.bias, lyr.norm2.bias, lyr.self_attn.in_proj_bias, lyr.linear1.bias):
            nn.init.normal_(p, 0.0, 0.1)
    enc = nn.Sequential(*layers).eval()
    return layers, enc


def torch_out(enc, x):
    with torch.no_grad():
        return enc(torch.from_numpy(x).float()).double().numpy()


def hf_state_dict(layers, vit, prefix):
    sd = {}
    for i, lyr in enumerate(layers):
        p = f"{prefix}layer.{i}."
        w, b = lyr.self_attn.in_proj_weight.detach(), lyr.self_attn.in_proj_bias.detach()
        att = "attention.attention." if vit else "attention.self."
        for j, n in enumerate(("query", "key", "value")):
            sd[p + att + n + ".weight"] = w[j * D:(j + 1) * D].clone()
            sd[p + att + n + ".bias"] = b[j * D:(j + 1) * D].clone()
        sd[p + "attention.output.dense.weight"] = lyr.self_attn.out_proj.weight.detach().clone()
        sd[p + "attention.output.dense.bias"] = lyr.self_attn.out_proj.bias.detach().clone()
        sd[p + "intermediate.dense.weight"] = lyr.linear1.weight.detach().clone()
        sd[p + "intermediate.dense.bias"] = lyr.linear1.bias.detach().clone()
        sd[p + "output.dense.weight"] = lyr.linear2.weight.detach().clone()
        sd[p + "output.dense.bias"] = lyr.linear2.bias.detach().clone()
        ln1 = "layernorm_before" if vit else "attention.output.LayerNorm"
        ln2 = "layernorm_after" if vit else "output.LayerNorm"
        sd[p + ln1 + ".weight"], sd[p + ln1 + ".bias"] = lyr.norm1.weight.detach().clone(), lyr.norm1.bias.detach().clone()
        sd[p + ln2 + ".weight"], sd[p + ln2 + ".bias"] = lyr.norm2.weight.detach().clone(), lyr.norm2.bias.detach().clone()
        # keys an HF checkpoint also has, which the exporter must ignore
        sd[p + "extra.num_batches_tracked"] = torch.tensor(0)
    sd[prefix.replace("encoder.", "") + "embeddings.word_embeddings.weight"] = torch.zeros(10, D)
    return sd


def same_float(a, b, what):
    for li, (la, lb) in enumerate(zip(a["layers"], b["layers"])):
        check(la["norm"] == lb["norm"], f"{what}: layer {li} norm {la['norm']} != {lb['norm']}")
        for k in ef.LAYER_KEYS:
            check(np.array_equal(la[k], lb[k]), f"{what}: layer {li} {k} differs")


def test_torch_stack_and_hf_layouts():
    rng = np.random.default_rng(0)
    for norm_first in (False, True):
        layers, enc = make_stack(norm_first, 3 + norm_first)
        fm = ex.float_model_from_encoder_layers(layers)
        check(fm["layers"][0]["norm"] == ("pre" if norm_first else "post"), "norm_first not detected")
        x = rng.normal(0, 1, (8, N, D))
        ref = torch_out(enc, x)
        got = ef.forward(fm, x)
        err = np.abs(ref - got).max()
        print(f"  norm_first={norm_first}: numpy float model vs torch max |diff| {err:.2e}")
        check(err < 1e-4, f"float export of the torch stack (norm_first={norm_first}) differs from torch: {err}")
        # HF layouts from the same weights
        vit = norm_first
        sd = hf_state_dict(layers, vit, "vit.encoder." if vit else "bert.encoder.")
        fm_hf = ex.float_model_from_state_dict(sd, H)
        same_float(fm, fm_hf, "HF ViT layout" if vit else "HF BERT layout")
        # the compiled INT8 model follows torch
        qm = eq.compile_model(fm, x, {"k": 4, "window": 2, "threshold": 4, "ffn_reuse": False})
        x_int = eq.quantize_inputs(x, qm["input_scale"])
        ref_q = torch_out(enc, x_int.astype(np.float64) * qm["input_scale"])
        y = ei.run_dense(qm, x_int).astype(np.float64) * qm["layers"][-1]["scales"]["y"]
        cos = float((y * ref_q).sum() / np.sqrt((y ** 2).sum() * (ref_q ** 2).sum()))
        print(f"  norm_first={norm_first}: INT8 pipeline vs torch output cosine {cos:.4f}")
        check(cos > 0.97, f"INT8 export follows torch poorly (cosine {cos:.4f})")


def test_cli_and_cpp_loader():
    layers, enc = make_stack(False, 7)
    torch.manual_seed(8)
    head = nn.Linear(D, 3)
    sd = {f"encoder.layers.{i}.{k}": v for i, lyr in enumerate(layers) for k, v in lyr.state_dict().items()}
    sd["head.weight"], sd["head.bias"] = head.weight.detach(), head.bias.detach()
    rng = np.random.default_rng(1)
    with tempfile.TemporaryDirectory() as td:
        torch.save(sd, os.path.join(td, "sd.pt"))
        np.save(os.path.join(td, "calib.npy"), rng.normal(0, 1, (16, N, D)).astype(np.float32))
        xt = rng.normal(0, 1, (6, N, D)).astype(np.float32)
        np.save(os.path.join(td, "x.npy"), xt)
        np.save(os.path.join(td, "y.npy"), np.array([0, 1, 2, 0, 1, 2], dtype=np.int64))
        out = os.path.join(td, "model")
        rc = ex.main(["--state-dict", os.path.join(td, "sd.pt"), "--heads", str(H), "--calib",
                      os.path.join(td, "calib.npy"), "--out", out, "--classifier-weight", "head.weight",
                      "--classifier-bias", "head.bias", "--inputs", os.path.join(td, "x.npy"), "--labels",
                      os.path.join(td, "y.npy"), "--k", "8", "--window", "2", "--threshold", "6", "--ffn-reuse"])
        check(rc == 0, f"export_torch.py returned {rc}")
        qm = eq.read_model(out)
        check(len(qm["layers"]) == 2 and qm["layers"][0]["spls"]["k"] == 8, "exported manifest content")
        check(np.allclose(qm["classifier"]["weight"], head.weight.detach().numpy().T), "classifier not transposed to [D, C]")
        exe = os.environ.get("ESACT_EVAL")
        if exe and os.path.exists(exe):
            dense = os.path.join(td, "dense.npy")
            r = subprocess.run([exe, "--model", out, "--input", os.path.join(out, "inputs"), "--dense-output", dense,
                                "--quiet"], capture_output=True, text=True)
            check(r.returncode == 0, f"esact-eval rejected the exported model: {r.stderr.strip()}")
            if r.returncode == 0:
                x_int = np.load(os.path.join(out, "inputs", "x.npy"))
                check(np.array_equal(np.load(dense), ei.run_dense(qm, x_int)),
                      "C++ golden dense output differs from the numpy integer pipeline on the exported model")
        else:
            print("  (ESACT_EVAL not set: C++ loader check not run)")
        # bad inputs to the CLI: a clear error and a non-zero exit, no traceback
        np.save(os.path.join(td, "bad.npy"), np.zeros((4, N, D + 1), dtype=np.float32))
        rc = ex.main(["--state-dict", os.path.join(td, "sd.pt"), "--heads", str(H), "--calib",
                      os.path.join(td, "bad.npy"), "--out", os.path.join(td, "m2")])
        check(rc == 2, "calibration of the wrong width not rejected by the CLI")
        rc = ex.main(["--state-dict", os.path.join(td, "sd.pt"), "--heads", "5", "--calib",
                      os.path.join(td, "calib.npy"), "--out", os.path.join(td, "m3")])
        check(rc == 2, "--heads not dividing D not rejected by the CLI")


def test_errors():
    try:
        ex.float_model_from_state_dict({"foo.weight": torch.zeros(2)}, 2)
        check(False, "unknown layout accepted")
    except ValueError as e:
        check("layout" in str(e), f"unclear error: {e}")
    layers, _ = make_stack(False, 1)
    sd = hf_state_dict(layers, False, "")
    del sd["layer.1.output.dense.bias"]
    try:
        ex.float_model_from_state_dict(sd, H)
        check(False, "missing key accepted")
    except ValueError as e:
        check("layer.1.output.dense.bias" in str(e), f"error does not name the missing key: {e}")
    relu = [nn.TransformerEncoderLayer(D, H, F, 0.0, activation="relu", batch_first=True)]
    try:
        ex.float_model_from_encoder_layers(relu)
        check(False, "ReLU layer accepted")
    except ValueError as e:
        check("GELU" in str(e), f"unclear activation error: {e}")


if __name__ == "__main__":
    torch.set_num_threads(1)
    for name, fn in list(globals().items()):
        if name.startswith("test_") and callable(fn):
            print(name)
            fn()
    if FAILS:
        print(f"{len(FAILS)} check(s) failed")
        sys.exit(1)
    print("all exporter checks passed")
