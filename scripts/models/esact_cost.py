"""The cost currency of the accuracy reports: MACs, with SPLS's prediction
additions converted into MAC equivalents.

PRED_ADD_PER_MAC: one prediction addition (one shifted HLog term accumulated,
docs/spec.md 4.1) costs the area of one prediction lane relative to one INT8
MAC, from docs/spls-rtl.md "Area per unit" (Yosys 0.23, Nangate45 typical):
ref_pred_lane (HLog x HLog product + 26-bit accumulator) 479 um^2, ref_int8_mac
(8x8 signed multiply + 32-bit accumulator) 1236 um^2, ratio 0.388.  A lane
handles one product (one or two terms) per cycle, so charging a whole lane
per addition over-counts two-term products: the effective figure is a
conservative (low) estimate of the saving.
"""
from __future__ import annotations

LANE_UM2 = 479.0
MAC_UM2 = 1236.0
PRED_ADD_PER_MAC = LANE_UM2 / MAC_UM2
SOURCE = "docs/spls-rtl.md, Area per unit: ref_pred_lane 479 um^2 / ref_int8_mac 1236 um^2 (Nangate45)"


def effective_reduction(setting: dict) -> float:
    """1 - (SPLS MACs + PRED_ADD_PER_MAC * prediction additions) / dense MACs, from an esact-eval setting."""
    w = setting["work"]
    dense = w["total"]["dense"]
    return 1.0 - (w["total"]["spls"] + PRED_ADD_PER_MAC * w["prediction_additions"]) / dense
