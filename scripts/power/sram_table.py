#!/usr/bin/env python3
"""Build data/power/sram_energy.json: per-access energy and leakage of every
esact_sram geometry, from CACTI 7 (HP Labs, github HewlettPackard/cacti; not
part of this repository: build it elsewhere and pass its binary).

    scripts/power/sram_table.py --cacti /path/to/cacti --geometries WIDTHxDEPTH ... \
        [--out data/power/sram_energy.json]

Geometries come from `esact-sim --json` ("srams": width, depth of every
instance) of the configurations to report.  Each geometry is one CACTI "ram"
(scratchpad, no tag array) with one exclusive read and one exclusive write port
(esact_sram is 1R1W), line = one word, at 45 nm (nangate45) and at 90 nm (the
largest node CACTI 7 models; sky130hd rows are that result scaled to 130 nm /
1.8 V, labelled as an extrapolation).  CACTI finds no organisation for a few
rows; such buffers are modelled with the depth doubled until it does
("at_cacti_minimum": an upper bound).
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

CFG = """-size (bytes) {size}
-block size (bytes) {block}
-associativity 1
-read-write port 0
-exclusive read port 1
-exclusive write port 1
-single ended read ports 0
-UCA bank count 1
-technology (u) {tech}
-page size (bits) 8192
-burst length 8
-internal prefetch width 8
-Data array cell type - "itrs-lstp"
-Data array peripheral type - "itrs-lstp"
-Tag array cell type - "itrs-lstp"
-Tag array peripheral type - "itrs-lstp"
-output/input bus width {bus}
-operating temperature (K) 300
-cache type "ram"
-tag size (b) "default"
-access mode (normal, sequential, fast) - "normal"
-design objective (weight delay, dynamic power, leakage power, cycle time, area) 0:100:0:0:0
-deviate (delay, dynamic power, leakage power, cycle time, area) 100000:100000:100000:100000:100000
-NUCAdesign objective (weight delay, dynamic power, leakage power, cycle time, area) 100:100:0:0:100
-NUCAdeviate (delay, dynamic power, leakage power, cycle time, area) 10:10000:10000:10000:10000
-Optimize ED or ED^2 (ED, ED^2, NONE): "NONE"
-Cache model (NUCA, UCA)  - "UCA"
-NUCA bank count 0
-Wire signaling (fullswing, lowswing, default) - "fullswing"
-Wire inside mat - "semi-global"
-Wire outside mat - "semi-global"
-Interconnect projection - "conservative"
-Core count 1
-Cache level (L2/L3) - "L2"
-Add ECC - "false"
-Print level (DETAILED, CONCISE) - "DETAILED"
-Print input parameters - "false"
-Force cache config - "false"
-Ndwl 1
-Ndbl 1
-Nspd 0
-Ndcm 1
-Ndsam1 0
-Ndsam2 0
-Array Power Gating - "false"
-WL Power Gating - "false"
-CL Power Gating - "false"
-Bitline floating - "false"
-Interconnect Power Gating - "false"
-Power Gating Performance Loss 0.01
-dram_type "DDR3"
-io state "WRITE"
-addr_timing 1.0
-mem_density 4 Gb
-bus_freq 800 MHz
-duty_cycle 1.0
-activity_dq 1.0
-activity_ca 0.5
-num_dq 72
-num_dqs 18
-num_ca 25
-num_clk  2
-num_mem_dq 2
-mem_data_width 8
-rtt_value 10000
-ron_value 34
-tflight_value
-num_bobs 1
-capacity 80
-num_channels_per_bob 1
-first metric "Cost"
-second metric "Bandwidth"
-third metric "Energy"
-DIMM model "ALL"
-mirror_in_bob "F"
"""

# sky130 from CACTI's 90 nm: dynamic energy ~ C V^2 with C ~ feature size,
# leakage left at the 90 nm value (sky130's is lower; an upper bound there).
SKY130_FROM_90NM = (130 / 90) * (1.8 / 1.2) ** 2  # 90 nm ITRS-HP Vdd 1.2 V in CACTI


def run_cacti(cacti, width, depth, tech):
    """CACTI for one geometry; a geometry CACTI cannot organise (too few rows)
    is modelled with the depth doubled until it can (flagged: an upper bound)."""
    d = depth
    while True:
        try:
            e = run_cacti_once(cacti, width, d, tech)
            e["cacti_depth"] = d
            e["at_cacti_minimum"] = d != depth
            return e
        except RuntimeError:
            if d >= 64 * depth or d >= 1 << 20:
                raise
            d *= 2


def run_cacti_once(cacti, width, depth, tech):
    block = max(width // 8, 1)
    size = block * depth
    cfg = CFG.format(size=size, block=block, tech=tech, bus=width)
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "sram.cfg")
        with open(path, "w") as f:
            f.write(cfg)
        r = subprocess.run([cacti, "-infile", path], capture_output=True, text=True, cwd=os.path.dirname(cacti))
    out = r.stdout

    def grab(pat):
        m = re.search(pat + r"\s*:?\s*([0-9.eE+-]+)", out)
        if not m:
            raise RuntimeError(f"CACTI output for {width}x{depth} @ {tech} um has no '{pat}':\n{out[-2000:]}")
        return float(m.group(1))

    return {
        "read_pj": grab(r"Total dynamic read energy per access \(nJ\)") * 1e3,
        "write_pj": grab(r"Total dynamic write energy per access \(nJ\)") * 1e3,
        "leakage_mw": grab(r"Total leakage power of a bank \(mW\)"),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cacti", required=True, help="the cacti binary (built outside this repository)")
    ap.add_argument("--geometries", nargs="+", required=True, help="WIDTHxDEPTH (bits x words)")
    ap.add_argument("--out", default="data/power/sram_energy.json")
    ap.add_argument("--add", action="store_true",
                    help="keep the rows of --out and run CACTI only for the geometries it lacks")
    a = ap.parse_args()
    geoms = []
    for g in a.geometries:
        m = re.match(r"^(\d+)x(\d+)$", g)
        if not m:
            sys.exit(f"sram_table.py: geometry '{g}' is not WIDTHxDEPTH")
        geoms.append((int(m.group(1)), int(m.group(2))))
    geoms = sorted(set(geoms))
    old = json.load(open(a.out)) if a.add else None
    if old:
        have = {(e["width"], e["depth"]) for e in old["technologies"]["nangate45"]["entries"]}
        geoms = [g for g in geoms if g not in have]
        print(f"sram_table.py: --add: {len(have)} geometries kept, {len(geoms)} new", file=sys.stderr)
    n45, n90 = [], []
    for w, d in geoms:
        e45 = run_cacti(a.cacti, w, d, 0.045)
        e90 = run_cacti(a.cacti, w, d, 0.090)
        for lst, e in ((n45, e45), (n90, e90)):
            lst.append({"width": w, "depth": d, **e})
        print(f"{w:>5} x {d:>6}: 45 nm read {e45['read_pj']:.3f} pJ write {e45['write_pj']:.3f} pJ "
              f"leak {e45['leakage_mw']:.4f} mW; 90 nm read {e90['read_pj']:.3f} pJ", file=sys.stderr)
    sky = [{**e, "read_pj": e["read_pj"] * SKY130_FROM_90NM, "write_pj": e["write_pj"] * SKY130_FROM_90NM,
            "scaled_from_90nm": SKY130_FROM_90NM} for e in n90]
    table = {
        "source": "CACTI 7.0 (HewlettPackard/cacti, commit 1ffd8df), run outside this repository by "
                  "scripts/power/sram_table.py; 'ram' type, 1R1W, itrs-lstp (low standby power) cells and periphery, 300 K, "
                  "optimised for dynamic energy",
        "configuration": CFG,
        "technologies": {
            "nangate45": {"node": "CACTI 45 nm itrs-lstp", "entries": n45},
            "sky130": {"node": f"CACTI 90 nm itrs-lstp, dynamic energy x {SKY130_FROM_90NM:.3f} "
                                 "(130/90 x (1.8/1.2)^2): an extrapolation, not a sky130 SRAM model",
                       "entries": sky},
            "osu018": {"node": "CACTI 90 nm itrs-lstp, dynamic energy x (180/90) x (1.8/1.2)^2: an extrapolation",
                       "entries": [{**e, "read_pj": e["read_pj"] * 2 * 2.25, "write_pj": e["write_pj"] * 2 * 2.25}
                                   for e in n90]},
        },
    }
    if old:
        if old["configuration"] != CFG:
            sys.exit("sram_table.py: --add: the CACTI configuration of " + a.out + " differs from this script's")
        for tech, t in table["technologies"].items():
            t["entries"] = sorted(old["technologies"][tech]["entries"] + t["entries"],
                                  key=lambda e: (e["width"], e["depth"]))
    os.makedirs(os.path.dirname(a.out) or ".", exist_ok=True)
    with open(a.out, "w") as f:
        json.dump(table, f, indent=1)
        f.write("\n")
    print(f"sram_table.py: {len(geoms)} geometries -> {a.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
