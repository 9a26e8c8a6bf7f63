#!/usr/bin/env python3
"""Power flow step 4: per-net toggles -> OpenSTA per-pin activities -> power per unit.

Reads the flat netlist of scripts/power/synth.sh, the per-window toggle counts
that the gate-level esact-sim-gl wrote (--toggle-window: PREFIX.<k>.dat,
Verilator toggle coverage, and PREFIX.windows with the PHASE_CYCLES growth of
each window), groups the windows by their dominant phase, and for each group:

  * activity of every net = toggles / cycles (toggles per clock period, the
    unit of OpenSTA's set_power_pin_activity), duty 0.5 (not measured);
  * one OpenSTA process: every leaf-cell pin gets the activity of its net (no
    -global: in OpenSTA 2.0.17 it overrides every per-pin value), every net
    that would be a root of OpenSTA's activity propagation (input ports,
    undriven nets) an annotated "activity driver" flip-flop, so that the
    propagation recomputes nothing (sta_netlist below; without them OpenSTA
    2.0.17 replaced most annotations, docs/power-log.md session 11); then
    sta::instance_power of every instance and sta::design_power;
  * the check that OpenSTA used the annotations: its propagation's debug
    output must list no recomputed pin, and on a sample of instances the
    activity in its power debug output must be the annotated one on every
    pin, or the flow fails (--activity-check);
  * power per unit = sum over the instances whose name starts with the unit's
    instance path (u_gemm, u_gemm.u_mac, ...); the per-unit sum is checked
    against design_power.

Energy of a group = its power x its cycles x the clock period; the run's energy
is the sum over groups (every cycle of the run is in one window).  Writes
report.json and report.txt in OUT_DIR.
"""
import argparse
import collections
import json
import math
import os
import re
import subprocess
import sys
import time

PHASES = ["desc", "predict", "qkv", "qk", "softmax", "av", "wo", "ln1", "ffn1", "ffn2", "ln2"]

# Units of the report, from the instance names of rtl/top/esact_top.sv and
# rtl/layer/*.sv (prefix -> label).  The longest matching prefix wins; cells of
# esact_top itself are "top glue".
UNITS = [
    ("u_gemm.u_mac", "MAC array"),
    ("u_gemm.g_epi", "GEMM epilogue (bias, requantizers)"),
    ("u_gemm.g_abuf", "GEMM A buffers"),
    ("u_gemm.g_bbuf", "GEMM B buffers"),
    ("u_gemm", "GEMM loaders, GELU, control"),
    ("u_softmax", "softmax"),
    ("u_layernorm", "LayerNorm"),
    ("u_spls", "SPLS front end"),
    ("u_predict", "SPLS front end"),
    ("gen_pred.u_predict", "SPLS front end"),
    ("u_seq", "sequencer"),
    ("u_cmd_fetch", "command-list fetch"),
    ("u_dispatch", "command dispatch"),
    ("u_csr", "CSRs + counters"),
    ("u_rd_arb", "AXI read arbiter"),
    ("u_wr_arb", "AXI write arbiter"),
    ("u_rd", "AXI read engine"),
    ("u_wr", "AXI write engine"),
]


def fail(msg):
    print(f"power.py: {msg}", file=sys.stderr)
    sys.exit(1)


# --- netlist -------------------------------------------------------------

_INST = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_$]*)\s+(\\\S+|[A-Za-z_][A-Za-z0-9_$]*)\s*\($")
_CONN = re.compile(r"^\s*\.([A-Za-z0-9_]+)\((.*)\),?$")


def norm_net(expr):
    """'\\u_a.c12 [3]' -> 'u_a.c12[3]'; a constant or a concatenation -> None."""
    e = expr.strip()
    if not e or e[0] == "{" or re.match(r"^\d+'[hbd]", e):
        return None
    if e.startswith("\\"):
        m = re.match(r"^\\(\S+)\s*(\[\d+\])?$", e)
        if not m:
            return None
        return m.group(1) + (m.group(2) or "")
    m = re.match(r"^([A-Za-z_][A-Za-z0-9_$]*)\s*(\[\d+\])?$", e)
    if not m:
        return None
    return m.group(1) + (m.group(2) or "")


def read_netlist(path, cell_names):
    """Leaf-cell instances: list of (instance, cell, {pin: net or None})."""
    insts = []
    cur = None
    with open(path) as f:
        for line in f:
            if cur is None:
                m = _INST.match(line)
                if m and m.group(1) in cell_names:
                    name = m.group(2)
                    name = name[1:] if name.startswith("\\") else name
                    cur = (name, m.group(1), {})
                continue
            if line.strip() == ");":
                insts.append(cur)
                cur = None
                continue
            m = _CONN.match(line)
            if m:
                cur[2][m.group(1)] = norm_net(m.group(2))
    return insts


def read_ports(path):
    """Top-level ports: list of (name, direction, width)."""
    ports = []
    with open(path) as f:
        for line in f:
            m = re.match(r"^\s*(input|output)\s+(\[(\d+):(\d+)\]\s+)?([A-Za-z_][A-Za-z0-9_]*);", line)
            if m:
                w = abs(int(m.group(3)) - int(m.group(4))) + 1 if m.group(2) else 1
                lo = min(int(m.group(3)), int(m.group(4))) if m.group(2) else 0
                ports.append((m.group(5), m.group(1), w, lo, bool(m.group(2))))
            # Yosys lists wires and ports in name order ("_0001_" before "a_i"): read
            # up to the first cell instance.
            if _INST.match(line) or line.startswith("endmodule"):
                break
    return ports


# A black box of a flat netlist: an instance of an esact_ module (the rest is
# Liberty cells): the esact_sram / esact_spls_mem buffers, and the GEMM
# control's MAC array and requantizers (scripts/power/synth.sh BLACK_BOXES),
# measured by their own replays.  scripts/power/unit_build.sh reads them the
# same way.
_BLACK_BOX = re.compile(r"^\s*(esact_[a-z0-9_]+)\b")


def black_box_modules(path):
    """The modules of the black-box instances of the flat netlist at path, sorted."""
    with open(path) as f:
        return sorted({m.group(1) for m in map(_BLACK_BOX.match, f) if m})


def drop_black_boxes(lines):
    """The netlist's lines without the black-box instances (esact_sram buffers,
    written with a parameter list, `#(`, which OpenSTA 2.0.17's Verilog reader
    rejects).  Their energy comes from the SRAM table; the nets they drive keep
    the activities of the replay on every load pin (they get activity drivers,
    below)."""
    out, skip, dropped = [], False, 0
    for line in lines:
        if not skip and _BLACK_BOX.match(line):
            skip, dropped = True, dropped + 1
        if not skip:
            out.append(line)
        elif line.strip() == ");":
            skip = False
    return out, dropped


def sta_netlist_legacy(netlist, out_dir):
    """Session 1-10's netlist for OpenSTA (--annotation legacy): only the black
    boxes dropped."""
    with open(netlist) as f:
        out, dropped = drop_black_boxes(f.readlines())
    n = len(out)
    out = split_concat_assigns(out, decl_widths(out)[0], netlist)
    if not dropped and len(out) == n:
        return netlist
    path = os.path.join(out_dir, "netlist_sta.v")
    with open(path, "w") as f:
        f.writelines(out)
    return path


# --- activity drivers (OpenSTA 2.0.17's activity propagation) ------------
#
# OpenSTA 2.0.17 (Debian 0~20191111gitc018cb2, search/Power.cc) does not keep
# a pin activity set with set_power_pin_activity on most pins: at the first
# power query, Power::ensureActivities() seeds every root of the timing graph
# (top input ports, undriven nets, unconnected input pins; not clocks, not
# constants) and walks forward from them (BFS over every arc but timing checks
# and a flip-flop's CK->Q): each load pin reached gets its driver's activity
# and each driver pin reached gets its Liberty function evaluated on its
# inputs' activities and duties (probabilistic, inputs independent), over the
# user's value.  A flip-flop's Q is reached through the asynchronous reset arc
# (RN->Q, from the rst_ni port) and evaluated as its function "IQ": the
# internal pin IQ has no activity, so it gets the default input activity 0.1,
# which then spreads through the logic it drives.  Only pins outside the
# roots' forward cone keep the user's values.
#
# The fix: OpenSTA gets a netlist whose only non-clock roots lead nowhere.
# Every net that would be a root (an input port bit, a net with loads and no
# driver: a black box's output, an undriven wire; an unconnected input pin)
# is driven by an "activity driver", a flip-flop whose CK->Q arc the
# propagation does not cross, clocked by the unit's clock (a new port
# pwr_clk_i for a combinational unit) and annotated with the net's activity.
# Nothing is then propagated and every pin keeps its annotation; the check
# (check_propagation, check_used_activity) fails the flow otherwise.  The
# drivers' own power (their clock pins, the port nets' switching) is reported
# apart (drivers_power_w) and not counted: the input nets are driven from
# outside the unit and were in no unit's power before either.

DRIVER_PREFIX = "pwr_drv_"
DRIVER_CLOCK = "pwr_clk_i"

_DECL = re.compile(r"^\s*(input|output|inout|wire|reg)\s+(?:signed\s+)?(\[(-?\d+):(-?\d+)\]\s+)?(\\\S+|[A-Za-z_][A-Za-z0-9_$]*)\s*;")
_ID = re.compile(r"\s*(\\\S+|[A-Za-z_][A-Za-z0-9_$]*)\s*(\[\s*(\d+)\s*(?::\s*(\d+)\s*)?\])?")
_CONST = re.compile(r"\s*(\d+)'([bhdo])([0-9a-fA-FxXzZ_]+)")


def expr_bits(expr, widths):
    """A Yosys -noexpr expression as a list of bits, MSB first: net bit names as
    norm_net writes them ('u_a.c[3]', 'x'), constants as '0'/'1'/'x';
    None if it cannot be read."""
    e = expr.strip()
    if not e:
        return []
    if e[0] == "{":
        if e[-1] != "}":
            return None
        parts, depth, cur = [], 0, ""
        for ch in e[1:-1]:
            if ch == "," and depth == 0:
                parts.append(cur)
                cur = ""
                continue
            depth += (ch == "{") - (ch == "}")
            cur += ch
        parts.append(cur)
        bits = []
        for part in parts:
            b = expr_bits(part, widths)
            if b is None:
                return None
            bits += b
        return bits
    m = _CONST.fullmatch(e)
    if m:
        w, base, digits = int(m.group(1)), m.group(2), m.group(3).replace("_", "")
        if base == "b":
            val = digits
        elif base == "h":
            val = "".join("x" if c in "xXzZ" else format(int(c, 16), "04b") for c in digits)
        elif base == "o":
            val = "".join("x" if c in "xXzZ" else format(int(c, 8), "03b") for c in digits)
        else:
            val = format(int(digits), "b")
        val = val.replace("X", "x").replace("z", "x").replace("Z", "x")
        val = val.rjust(w, "x" if val[:1] == "x" else "0")[-w:]
        return list(val)
    m = _ID.fullmatch(e)
    if not m:
        return None
    name = m.group(1)
    name = name[1:] if name.startswith("\\") else name
    w = widths.get(name)
    if m.group(2):
        hi = int(m.group(3))
        lo = int(m.group(4)) if m.group(4) is not None else hi
        step = -1 if hi >= lo else 1
        return [f"{name}[{i}]" for i in range(hi, lo + step, step)]
    if w is None or w[0] is None:
        return [name]
    msb, lsb = w
    step = -1 if msb >= lsb else 1
    return [f"{name}[{i}]" for i in range(msb, lsb + step, step)]


def bit_expr(bit):
    """'u_a.c[3]' -> '\\u_a.c [3]'; 'x' -> 'x' (a Verilog reference to the bit)."""
    m = re.match(r"^(.*?)(\[\d+\])?$", bit)
    base, idx = m.group(1), m.group(2) or ""
    if not re.match(r"^[A-Za-z_][A-Za-z0-9_$]*$", base):
        base = "\\" + base + " "
    return base + idx


def decl_widths(lines):
    """{net: (msb, lsb) or (None, None)}, {port: direction} from the declarations."""
    widths, dirs = {}, {}
    for line in lines:
        m = _DECL.match(line)
        if m:
            name = m.group(5)
            name = name[1:] if name.startswith("\\") else name
            widths[name] = (int(m.group(3)), int(m.group(4))) if m.group(2) else (None, None)
            if m.group(1) != "wire" and m.group(1) != "reg":
                dirs[name] = m.group(1)
    return widths, dirs


def split_concat_assigns(lines, widths, netlist):
    """`assign { a[3:0], b } = 5'h10;` (Yosys writes these for partly constant
    vectors) as one assign per bit: OpenSTA 2.0.17's Verilog reader rejects a
    concatenation on the left-hand side."""
    out = []
    for i, line in enumerate(lines):
        s = line.strip()
        if not (s.startswith("assign {") or s.startswith("assign{")):
            out.append(line)
            continue
        m = re.match(r"^assign\s+(.*?)\s*=\s*(.*?)\s*;$", s)
        lb = expr_bits(m.group(1), widths) if m else None
        rb = expr_bits(m.group(2), widths) if m else None
        if lb is None or rb is None or len(lb) != len(rb):
            fail(f"{netlist}:{i + 1}: cannot split the assign '{s}'")
        for a, b in zip(lb, rb):
            rhs = f"1'b{b}" if b in ("0", "1", "x") else bit_expr(b)
            out.append(f"  assign {bit_expr(a)} = {rhs};\n")
    return out


def pick_driver_cell(lib_cells):
    """The activity driver: a D flip-flop with one clock pin, one data pin and
    one or two outputs (no set/clear, no scan), the fewest pins, then the
    largest (the strongest drive: the input nets had the ideal slew of a port
    before)."""
    best = None
    for name, c in lib_cells.items():
        if not c["seq"] or not c.get("ff_plain") or not c.get("clock") or not c["outputs"]:
            continue
        ins = [p for p in c["inputs"] if p != c["clock"]]
        if len(ins) != 1:
            continue
        key = (len(c["inputs"]) + len(c["outputs"]), -c["area"], name)
        if best is None or key < best[0]:
            best = (key, name, c["clock"], ins[0], c["outputs"][0], c["outputs"][1:])
    if best is None:
        fail("no plain D flip-flop in the Liberty file for the activity drivers")
    return best[1:]


def sta_netlist(netlist, out_dir, lib_cells, clock):
    """The netlist given to OpenSTA: without the black boxes, and with an
    activity driver on every net that would otherwise be a root of OpenSTA's
    activity propagation (above).  clock: the unit's clock port, or None (a
    combinational unit: a new port DRIVER_CLOCK clocks the drivers).
    Returns (path, drivers, clock port, classes): drivers = [(instance, net bit,
    Q pin, other pins)], classes = {net bit: its names joined by assigns}."""
    with open(netlist) as f:
        lines, _ = drop_black_boxes(f.readlines())
    widths, dirs = decl_widths(lines)
    lines = split_concat_assigns(lines, widths, netlist)
    # Union of the nets joined by assigns (OpenSTA merges them into one net).
    parent = {}

    def find(x):
        while parent.get(x, x) != x:
            parent[x] = parent.get(parent[x], parent[x])
            x = parent[x]
        return x

    def union(a, b):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[ra] = rb

    driven, loads, floating = set(), {}, []
    cur = None
    for i, line in enumerate(lines):
        s = line.strip()
        if s.startswith("assign "):
            m = re.match(r"^assign\s+(.*?)\s*=\s*(.*?)\s*;$", s)
            lb = expr_bits(m.group(1), widths) if m else None
            rb = expr_bits(m.group(2), widths) if m else None
            if lb is None or rb is None or len(lb) != len(rb):
                fail(f"{netlist}:{i + 1}: cannot read the assign '{s}' (activity drivers)")
            for a, b in zip(lb, rb):
                if b in ("0", "1", "x"):
                    # A constant: OpenSTA makes the net constant (not a root) for 0/1.
                    if b != "x":
                        driven.add(("const", a))
                    continue
                union(a, b)
            continue
        if cur is None:
            m = _INST.match(line)
            if m and m.group(1) in lib_cells:
                name = m.group(2)
                cur = (name[1:] if name.startswith("\\") else name, lib_cells[m.group(1)])
            continue
        if s == ");":
            cur = None
            continue
        m = _CONN.match(line)
        if m:
            pin, ex = m.group(1), m.group(2)
            bits = expr_bits(ex, widths)
            if bits is None or len(bits) > 1:
                fail(f"{netlist}:{i + 1}: cannot read the connection '{s}' (activity drivers)")
            if pin in cur[1]["outputs"]:
                if bits:
                    driven.add(("net", bits[0]))
            elif not bits:
                floating.append((i, cur[0], pin))
            elif bits[0] not in ("0", "1", "x"):
                loads.setdefault(bits[0], (i, cur[0], pin))
    driven_roots = {find(b) for kind, b in driven if kind == "net"}
    const_roots = {find(b) for kind, b in driven if kind == "const"}
    clk_roots = {find(clock)} if clock else set()
    need = []  # net bits to drive: one per undriven class with loads
    seen = set()
    for bit in sorted(loads):
        r = find(bit)
        if r in driven_roots or r in const_roots or r in clk_roots or r in seen:
            continue
        seen.add(r)
        need.append(bit)
    groups = collections.defaultdict(list)
    for x in set(parent) | set(loads):
        groups[find(x)].append(x)
    # The activity of a driven net: its toggles under any of its names (assigns).
    classes = {bit: [bit] + sorted(set(groups[find(bit)]) - {bit}) for bit in need}
    cell, ck, d, q, qx = pick_driver_cell(lib_cells)
    clk = clock or DRIVER_CLOCK
    drivers, extra = [], []
    for k, bit in enumerate(need):
        inst = f"{DRIVER_PREFIX}{k}"
        drivers.append((inst, bit, q, [d] + qx))
        extra.append(f"  {cell} {inst} (.{ck}({clk}), .{d}(), .{q}({bit_expr(bit)}));\n")
    # Unconnected input pins: each on a net of its own, driven, activity 0.
    for n, (i, inst, pin) in enumerate(floating):
        net = f"pwr_float_{n}"
        lines[i] = re.sub(r"\(\s*\)", f"({net})", lines[i], count=1)
        extra.append(f"  wire {net};\n")
        dname = f"{DRIVER_PREFIX}f{n}"
        drivers.append((dname, net, q, [d] + qx))
        extra.append(f"  {cell} {dname} (.{ck}({clk}), .{d}(), .{q}({net}));\n")
    # Input ports other than the clock become wires (their drivers drive them);
    # a combinational unit gets the drivers' clock port.
    inputs = {n for n, dr in dirs.items() if dr == "input" and n != clock}
    wire_decl = set()
    for line in lines:
        m = _DECL.match(line)
        if m and m.group(1) == "wire":
            wire_decl.add(m.group(5).lstrip("\\"))
    out = []
    header = None  # the module header's lines (Yosys breaks long port lists)
    for i, line in enumerate(lines):
        if line.startswith("module ") or header is not None:
            header = (header or "") + line.rstrip("\n")
            if not header.rstrip().endswith(");"):
                continue
            m = re.match(r"^module\s+(\S+)\s*\((.*)\);\s*$", header, re.S)
            header = None
            if not m:
                fail(f"{netlist}:{i + 1}: cannot read the module header (activity drivers)")
            names = [x.strip() for x in m.group(2).split(",") if x.strip()]
            kept = [x for x in names if x.lstrip("\\") not in inputs]
            if clock is None:
                kept.append(DRIVER_CLOCK)
            out.append(f"module {m.group(1)}({', '.join(kept)});\n")
            if clock is None:
                out.append(f"  input {DRIVER_CLOCK};\n")
            continue
        m = _DECL.match(line)
        if m and m.group(1) == "input" and m.group(5).lstrip("\\") in inputs:
            if m.group(5).lstrip("\\") not in wire_decl:
                out.append(line.replace("input", "wire", 1))
            continue
        if line.startswith("endmodule"):
            out.extend(extra)
        out.append(line)
    path = os.path.join(out_dir, "netlist_sta.v")
    with open(path, "w") as f:
        f.writelines(out)
    return path, drivers, clk, classes


def liberty_cells(lib):
    """Cell names and, per cell, the input and output pins, the clock pin,
    whether it is sequential and whether it is a plain flip-flop (no set,
    clear)."""
    cells = {}
    cur = None
    pin = None
    with open(lib) as f:
        for line in f:
            m = re.match(r"^\s*cell\s*\(\s*\"?([A-Za-z0-9_]+)\"?\s*\)", line)
            if m:
                cur = m.group(1)
                cells[cur] = {"outputs": [], "inputs": [], "seq": False, "ff_plain": False, "clock": None,
                              "area": 0.0}
                pin = None
                continue
            if cur is None:
                continue
            m = re.match(r"^\s*pin\s*\(\s*\"?([A-Za-z0-9_]+)\"?\s*\)", line)
            if m:
                pin = m.group(1)
                continue
            if re.match(r"^\s*(ff|latch)\s*\(", line):
                cells[cur]["seq"] = True
                cells[cur]["ff_plain"] = line.strip().startswith("ff")
            m = re.match(r"^\s*area\s*:\s*([0-9.eE+-]+)", line)
            if m and pin is None:
                cells[cur]["area"] = float(m.group(1))
            if re.match(r"^\s*(clear|preset|clear_preset_var[12])\s*:", line):
                cells[cur]["ff_plain"] = False
            m = re.match(r"^\s*direction\s*:\s*\"?(output|input|internal)\"?", line)
            if m and pin and m.group(1) in ("output", "input"):
                cells[cur][m.group(1) + "s"].append(pin)
            if pin and re.match(r"^\s*clock\s*:\s*\"?true\"?", line):
                cells[cur]["clock"] = pin
    return cells


# --- toggle counts (Verilator coverage files) ----------------------------

_MANGLE = re.compile(r"__0([0-9a-fA-F]{2})")


def read_toggles(path, top="esact_top"):
    """{net: toggles} of the top module's nets (the flat netlist's wires)."""
    page = f"v_toggle/{top}"
    counts = {}
    with open(path, encoding="latin-1") as f:
        for line in f:
            if not line.startswith("C '"):
                continue
            q = line.rfind("'")
            key, cnt = line[3:q], int(line[q + 1:])
            fields = dict(kv.split("\x02", 1) for kv in key.split("\x01") if "\x02" in kv)
            if fields.get("page") != page:
                continue
            net = _MANGLE.sub(lambda m: chr(int(m.group(1), 16)), fields["o"])
            counts[net] = counts.get(net, 0) + cnt
    return counts


def read_windows(path):
    wins = []
    with open(path) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            v = [int(x) for x in line.split()]
            wins.append({"k": v[0], "first": v[1], "cycles": v[2], "phase": v[3:]})
    return wins


# --- OpenSTA ---------------------------------------------------------------

def tcl_word(s):
    return "{" + s + "}"


def write_sta_tcl(path, lib, netlist, top, period, insts, ports, act, cells, out_file,
                  drivers=None, clock=None, sample=(), classes=None):
    """act: {net: activity per cycle}.  Every leaf pin (and port) gets one.
    drivers None: session 1-10's annotation (--annotation legacy: ports, then
    every pin; a combinational unit gets a virtual clock).  Otherwise the
    netlist of sta_netlist(): its activity drivers' Q pins get the activity
    of the net they drive, clocked by `clock`.  The instances in `sample` are
    queried with OpenSTA's power debug output on (the used activities, for
    check_used_activity), and the first query with the activity propagation's
    debug output on (check_propagation).  Returns (pins without toggles,
    {(instance, pin): annotated activity} of the sampled instances)."""
    missing = 0
    sample = set(sample)
    ann = {}
    with open(path, "w") as f:
        f.write(f"read_liberty {lib}\nread_verilog {netlist}\nlink_design {top}\n")
        if drivers is not None:
            f.write(f"create_clock -name clk -period {period} [get_ports {clock}]\n")
        elif any(p[0] == "clk_i" for p in ports):
            f.write(f"create_clock -name clk -period {period} [get_ports clk_i]\n")
        else:
            # A combinational unit (esact_requant): a virtual clock and its inputs
            # launched by it (they come from flops of esact_top), so that activities,
            # transitions per clock period, have a period; without this OpenSTA gives
            # every cell leakage only.
            f.write(f"create_clock -name clk -period {period}\nset_input_delay 0 -clock clk [all_inputs]\n")
        f.write("proc a {p v} { sta::set_power_pin_activity [sta::find_pin $p] $v 0.5 }\n")
        for name, direction, w, lo, vec in ports:
            if name == "clk_i" or (drivers is not None and direction == "input"):
                continue  # (with drivers the inputs are wires of the netlist, not ports)
            for b in range(lo, lo + w):
                net = f"{name}[{b}]" if vec else name
                f.write(f"a {tcl_word(net)} {act.get(net, 0.0):.6g}\n")
        for dname, bit, q, others in drivers or []:
            v = next((act[n] for n in (classes or {}).get(bit, [bit]) if n in act), 0.0)
            f.write(f"a {tcl_word(dname + '/' + q)} {v:.6g}\n")
            for o in others:
                f.write(f"a {tcl_word(dname + '/' + o)} 0\n")
        for name, cell, pins in insts:
            info = cells.get(cell, {"outputs": [], "seq": False})
            # An unconnected output of a flop toggles with its connected twin (Q/QN).
            twin = None
            for o in info["outputs"]:
                if pins.get(o):
                    twin = act.get(pins[o])
            vals = []
            for pin, net in pins.items():
                if net is None:
                    v = 0.0
                elif net in act:
                    v = act[net]
                else:
                    v = 0.0
                    missing += 1
                vals.append((pin, v))
            for o in info["outputs"]:
                if o not in pins:
                    vals.append((o, twin if (info["seq"] and twin is not None) else 0.0))
            for pin, v in vals:
                f.write(f"a {tcl_word(name + '/' + pin)} {v:.6g}\n")
                if name in sample:
                    ann[(name, pin)] = float(f"{v:.6g}")
        f.write("set chk_names {" + " ".join(tcl_word(n) for n in sorted(sample)) + "}\n")
        f.write(f"""foreach n $chk_names {{ set chk($n) 1 }}
set corner [sta::cmd_corner]
set fh [open {out_file} w]
set first 1
foreach inst [get_cells *] {{
  set name [get_full_name $inst]
  # The first power query runs OpenSTA's activity propagation: its debug output
  # lists every pin it recomputes (check_propagation).
  if {{$first}} {{ sta::set_debug power_activity 3 }}
  if {{[info exists chk($name)]}} {{ sta::set_debug power 2 }}
  set p [sta::instance_power $inst $corner]
  sta::set_debug power 0
  if {{$first}} {{ sta::set_debug power_activity 0; set first 0 }}
  if {{[llength $p] >= 4}} {{ puts $fh "$name [lindex $p 0] [lindex $p 1] [lindex $p 2]" }}
}}
set d [sta::design_power $corner]
puts $fh "DESIGN [lindex $d 0] [lindex $d 1] [lindex $d 2]"
close $fh
""")
    return missing, ann


def check_sample(insts, n=3000):
    """Instances whose used activities are checked: all up to n, else every k-th."""
    names = sorted(i[0] for i in insts)
    if len(names) <= n:
        return names
    k = len(names) / n
    return [names[int(j * k)] for j in range(n)]


def _unescape(name):
    return re.sub(r"\\(.)", r"\1", name)


def check_propagation(log):
    """OpenSTA's activity propagation as its debug output shows it: the pins it
    visited (each one's annotation replaced by a propagated value)."""
    visits, sets, seeds = [], [], []
    with open(log, errors="replace") as f:
        for line in f:
            if line.startswith("power_activity: visit "):
                visits.append(_unescape(line.split(None, 2)[2].strip()))
            elif line.startswith("power_activity: set "):
                sets.append(_unescape(line.split()[2]))
            elif line.startswith("power_activity: seed "):
                seeds.append(_unescape(line.split(None, 2)[2].strip()))
    return {"visited_pins": len(visits), "recomputed_drivers": len(sets), "seeded_roots": len(seeds),
            "examples": (sets or visits)[:5]}


_SW = re.compile(r"^power: switching (\S+)/(\S+) activity = (\S+) volt")
_INT_HDR = re.compile(r"^power: internal (.+)/([^/\s]+) \((\S+)\)$")
_INT_ROW = re.compile(r"^power:\s+(\S+) -> (\S+) (.*)$")


def check_used_activity(log, ann, period_ns):
    """The activity OpenSTA used on each pin of the sampled instances (its power
    debug output: "switching CELL/PIN activity = A" per second, %.2e, printed
    just before the pin's "internal INST/PIN" header; per internal-power row
    the pin's activity per ns, %.2f) against the annotation.  Returns
    {pins_checked, mismatches, examples}."""
    used = {}  # (inst, pin) -> [(value per cycle, tolerance)]
    pending_sw = None
    cur = None
    with open(log, errors="replace") as f:
        for line in f:
            if not line.startswith("power: "):
                continue
            line = line.rstrip("\n")
            m = _SW.match(line)
            if m:
                pending_sw = (m.group(2), float(m.group(3)) * period_ns * 1e-9)
                continue
            m = _INT_HDR.match(line)
            if m:
                cur = (_unescape(m.group(1)), m.group(2))
                if pending_sw and pending_sw[0] == cur[1]:
                    v = pending_sw[1]
                    used.setdefault(cur, []).append((v, 0.006 * abs(v) + 1e-9, "switching"))
                pending_sw = None
                continue
            m = _INT_ROW.match(line)
            if m and cur and m.group(2) == cur[1]:
                t = m.group(3).split()
                t = t[:-2] if t[-2:] == ["no", "pg_pin"] else t[:-1]
                try:
                    v = float(t[-4]) * period_ns
                except (IndexError, ValueError):
                    continue
                used.setdefault(cur, []).append((v, (0.0051 + 0.006 * abs(v) / period_ns) * period_ns, "internal"))
    checked, bad = 0, []
    for key, obs in used.items():
        if key not in ann:
            continue  # internal pins (IQ, IQN) are not annotated
        checked += 1
        want = ann[key]
        for v, tol, kind in obs:
            if abs(v - want) > tol:
                bad.append(f"{key[0]}/{key[1]}: annotated {want:.4g}, OpenSTA used {v:.4g} per cycle ({kind})")
                break
    return {"pins_checked": checked, "pins_annotated_in_sample": len(ann), "mismatches": len(bad),
            "examples": bad[:5]}


def run_sta(tcl, log):
    with open(log, "w") as lf:
        r = subprocess.run(["sta", "-exit", tcl], stdout=lf, stderr=subprocess.STDOUT)
    text = open(log).read()
    errs = [l for l in text.splitlines() if l.startswith("Error")]
    if r.returncode != 0 or errs:
        fail(f"OpenSTA failed ({tcl}): {errs[:3] or r.returncode}; see {log}")


def unit_of(inst, depth_units):
    """The unit of an instance: the longest matching prefix (u_rd_arb before u_rd)."""
    for prefix, label in sorted(depth_units, key=lambda u: -len(u[0])):
        if not prefix or inst == prefix or inst.startswith(prefix + ".") or inst.startswith(prefix + "["):
            return label
    return "top glue"


def sum_units(power_file, units_table=None):
    """Per unit (internal, switching, leakage) W, OpenSTA's design power, and the
    activity drivers' power (not in any unit)."""
    units = collections.defaultdict(lambda: [0.0, 0.0, 0.0])
    design = None
    drivers = [0.0, 0.0, 0.0]
    with open(power_file) as f:
        for line in f:
            n, i, s, l = line.split()
            v = (float(i), float(s), float(l))
            if n == "DESIGN":
                design = v
                continue
            u = drivers if n.startswith(DRIVER_PREFIX) else units[unit_of(n, UNITS if units_table is None else units_table)]
            for j in range(3):
                u[j] += v[j]
    return units, design, drivers


# --- main --------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--netlist-dir", required=True, help="scripts/power/synth.sh output (netlist.v, cells.lib)")
    ap.add_argument("--toggles", required=True, nargs="+",
                    help="PREFIX of esact-sim-gl --toggle-prefix (or of esact-unit-replay --toggles; several "
                    "prefixes: the windows of several replays, grouped by phase together)")
    ap.add_argument("--period-ns", type=float, default=5.0)
    ap.add_argument("--out", required=True)
    ap.add_argument("--macs", type=int, default=0, help="golden MACs of the run (pJ/MAC, TOPS/W)")
    ap.add_argument("--label", default="")
    ap.add_argument("--top", default="esact_top")
    ap.add_argument("--unit", help="the netlist is this one unit (per-unit replay, scripts/power/unit_power.sh): "
                    "every cell is counted as the unit LABEL")
    ap.add_argument("--sram-run", help="esact-sim --json of the run (its srams: read/write counts per instance)")
    ap.add_argument("--sram-table", help="SRAM energy table (data/power/sram_energy.json)")
    ap.add_argument("--annotation", choices=["drivers", "legacy"], default="drivers",
                    help="drivers: every root net of OpenSTA's activity propagation driven by an annotated "
                    "flip-flop, so that every pin keeps its annotation (default); legacy: sessions 1-10's "
                    "annotation, which OpenSTA 2.0.17 overwrites on most pins (for comparisons)")
    ap.add_argument("--activity-check", choices=["fail", "warn", "off"], default="fail",
                    help="compare the activities OpenSTA used with the annotated ones: fail (default), "
                    "warn, or off")
    a = ap.parse_args()

    nd = a.netlist_dir
    lib, netlist = os.path.join(nd, "cells.lib"), os.path.join(nd, "netlist.v")
    os.makedirs(a.out, exist_ok=True)
    cells = liberty_cells(lib)
    insts = read_netlist(netlist, set(cells))
    ports = read_ports(netlist)
    if not insts:
        fail(f"no Liberty cells found in {netlist}")
    if a.annotation == "legacy":
        sta_nl, drivers, clock, classes = sta_netlist_legacy(netlist, a.out), None, None, None
    else:
        clock = "clk_i" if any(p[0] == "clk_i" for p in ports) else None
        sta_nl, drivers, clock, classes = sta_netlist(netlist, a.out, cells, clock)
    sample = check_sample(insts) if a.activity_check != "off" else []
    wins = []
    for prefix in a.toggles:
        ws = read_windows(prefix + ".windows")
        if not ws:
            fail(f"no windows in {prefix}.windows")
        wins += [dict(w, prefix=prefix) for w in ws]

    # Group the windows by their dominant phase (the one with most cycles).
    groups = collections.OrderedDict()
    for w in wins:
        ph = max(range(len(w["phase"])), key=lambda p: w["phase"][p]) if any(w["phase"]) else None
        name = PHASES[ph] if ph is not None and ph < len(PHASES) else "idle"
        groups.setdefault(name, []).append(w)

    report = {"label": a.label, "netlist": netlist, "liberty": open(os.path.join(nd, "liberty_source")).read().strip(),
              "period_ns": a.period_ns, "cells": len(insts), "groups": [], "units": {}}
    total_e = collections.defaultdict(float)  # unit -> energy (J)
    total_cycles = 0
    t0 = time.time()
    for name, ws in groups.items():
        cyc = sum(w["cycles"] for w in ws)
        tog = collections.Counter()
        for w in ws:
            tog.update(read_toggles(f"{w['prefix']}.{w['k']}.dat", a.top))
        act = {n: t / cyc for n, t in tog.items()}
        tcl = os.path.join(a.out, f"sta_{name}.tcl")
        pf = os.path.join(a.out, f"power_{name}.txt")
        missing, ann = write_sta_tcl(tcl, lib, sta_nl, a.top, a.period_ns, insts, ports, act, cells, pf,
                                     drivers, clock, sample, classes)
        ts = time.time()
        log = os.path.join(a.out, f"sta_{name}.log")
        run_sta(tcl, log)
        units, design, drv = sum_units(pf, [("", a.unit)] if a.unit else None)
        s_units = sum(sum(v) for v in units.values())
        s_drivers = sum(drv)
        # The design power without the activity drivers (none with --annotation legacy).
        s_design = sum(design) - s_drivers
        # Did OpenSTA use the annotated activities?  (1) its propagation pass must
        # not have recomputed any pin; (2) on the sampled instances the activity
        # it used on every pin must be the annotated one.
        chk = {"propagation": check_propagation(log), "used": check_used_activity(log, ann, a.period_ns)}
        bad = []
        if chk["propagation"]["visited_pins"]:
            bad.append(f"OpenSTA's activity propagation recomputed {chk['propagation']['visited_pins']} pins "
                       f"(e.g. {', '.join(chk['propagation']['examples'][:3])})")
        if chk["used"]["mismatches"]:
            bad.append(f"{chk['used']['mismatches']} of {chk['used']['pins_checked']} sampled pins have an "
                       f"activity other than the annotated one: {'; '.join(chk['used']['examples'][:3])}")
        if a.activity_check != "off" and chk["used"]["pins_checked"] == 0:
            bad.append("no pin's activity could be read from OpenSTA's debug output")
        if bad:
            msg = f"{name}: OpenSTA did not use the annotated activities ({log}): " + " / ".join(bad)
            if a.activity_check == "fail":
                fail(msg)
            print(f"power.py: WARNING: {msg}", file=sys.stderr)
        # OpenSTA 2.0.17 keeps power in 32-bit floats (design_power is itself a float
        # sum): on 32k cells the two sums differ by ~3e-6 relative, on the 4k-cell
        # requantizer by 1.1e-5.  Tolerance: the worst-case rounding of a float32
        # sum of n terms, n x 2^-24 relative (at least 1e-5).
        if not math.isclose(s_units + s_drivers, sum(design), rel_tol=max(1e-5, len(insts) * 2.0 ** -24)):
            fail(f"{name}: per-unit sum {s_units} W + activity drivers {s_drivers} W != OpenSTA design power "
                 f"{sum(design)} W")
        g = {"group": name, "windows": len(ws), "cycles": cyc,
             "phase_cycles": {PHASES[p]: sum(w["phase"][p] for w in ws) for p in range(len(PHASES))},
             "toggles": sum(tog.values()), "nets_missing_toggles": missing,
             "design_power_w": s_design, "unit_sum_w": s_units, "sta_seconds": round(time.time() - ts, 1),
             "annotation": a.annotation, "drivers": len(drivers or []), "drivers_power_w": s_drivers,
             "activity_check": dict(chk, mode=a.activity_check, failed=bool(bad)),
             "units": {u: {"internal_w": v[0], "switching_w": v[1], "leakage_w": v[2], "total_w": sum(v)}
                       for u, v in sorted(units.items())}}
        report["groups"].append(g)
        for u, v in units.items():
            total_e[u] += sum(v) * cyc * a.period_ns * 1e-9
        total_cycles += cyc
        print(f"power.py: {name}: {len(ws)} windows, {cyc} cycles, {s_design * 1e3:.3f} mW "
              f"(units sum {s_units * 1e3:.3f} mW), sta {g['sta_seconds']} s", file=sys.stderr)

    logic_e = sum(total_e.values())
    report["logic_energy_j"] = logic_e
    if a.sram_run and a.sram_table:
        sr = sram_energy(a.sram_run, a.sram_table, report["liberty"], total_cycles * a.period_ns * 1e-9)
        report["srams"] = sr
        for inst in sr["instances"]:
            total_e["SRAM " + inst["unit"]] += inst["energy_j"]
    e_total = sum(total_e.values())
    report["cycles"] = total_cycles
    report["energy_j"] = e_total
    report["units"] = {u: {"energy_j": e, "share": e / e_total if e_total else 0} for u, e in
                       sorted(total_e.items(), key=lambda x: -x[1])}
    report["seconds"] = round(time.time() - t0, 1)
    if a.macs:
        report["macs"] = a.macs
        report["pj_per_mac"] = e_total / a.macs * 1e12
        report["tops_per_w"] = 2 * a.macs / e_total / 1e12
    with open(os.path.join(a.out, "report.json"), "w") as f:
        json.dump(report, f, indent=1)
    write_text(report, os.path.join(a.out, "report.txt"))
    plot(report, os.path.join(a.out, "report.png"))
    print(open(os.path.join(a.out, "report.txt")).read(), end="")


def tech_of(liberty):
    b = os.path.basename(liberty).lower()
    for t in ("nangate45", "sky130", "osu018"):
        if t in b:
            return t
    return None


def sram_energy(run_json, table_json, liberty, seconds, extra_json=None, bank_bits=None):
    """Energy of every esact_sram instance: reads x E_read + writes x E_write + leakage x time.
    extra_json: the memories counted from a trace of the same run ("srams" of
    scripts/power/fst_mem_access.cpp): a memory that counts itself must have equal counts
    there (the check of the counting); one that does not is added as counted from the trace.
    bank_bits: a memory wider than that is modelled as ceil(width / bank_bits) macros of
    bank_bits x depth, all accessed together (CACTI's energy per access grows faster than
    the width for one wide macro: a sensitivity, docs/power.md)."""
    run = json.load(open(run_json))
    table = json.load(open(table_json))
    tech = tech_of(liberty)
    entries = {(e["width"], e["depth"]): e for e in table.get("technologies", {}).get(tech, {}).get("entries", [])}
    out = {"table": table_json, "technology": tech, "source": table.get("source", ""), "instances": [],
           "missing": []}
    srams = [dict(s, counted_by="RTL counters") for s in run.get("srams", [])]
    if extra_json:
        # The trace also holds the esact_sram instances, which count themselves:
        # their trace counts must equal the RTL counters (a check of the counting).
        own = {s["instance"]: s for s in srams}
        for s in json.load(open(extra_json))["srams"]:
            o = own.get(s["instance"])
            if o is None:
                srams.append(dict(s, counted_by="trace"))
            elif any(o[k] != s[k] for k in ("width", "depth", "reads", "writes")):
                fail(f"{extra_json}: {s['instance']} counted from the trace {s} differs from the RTL's counters {o}")
    out["bank_bits"] = bank_bits
    for s in srams:
        # Gate-level model: the instance names are the netlist's escaped ones, mangled.
        s = dict(s, instance=_MANGLE.sub(lambda m: chr(int(m.group(1), 16)), s["instance"]).strip().lstrip("\\"))
        banks, width = 1, s["width"]
        if bank_bits and width > bank_bits:
            banks, width = -(-width // bank_bits), bank_bits
        e = entries.get((width, s["depth"]))
        if e is None:
            out["missing"].append(f"{s['instance']} ({width} x {s['depth']})")
            continue
        energy = banks * ((s["reads"] * e["read_pj"] + s["writes"] * e["write_pj"]) * 1e-12
                          + e["leakage_mw"] * 1e-3 * seconds)
        out["instances"].append({"instance": s["instance"], "unit": unit_of(s["instance"], UNITS),
                                 "width": s["width"], "depth": s["depth"], "reads": s["reads"],
                                 "writes": s["writes"], "counted_by": s["counted_by"], "banks": banks,
                                 "energy_j": energy})
    if out["missing"]:
        fail(f"SRAM geometries not in {table_json} for {tech}: {', '.join(out['missing'])} "
             f"(scripts/power/sram_table.py adds them)")
    return out


def plot(r, path):
    """Stacked bars: energy per unit in each phase group (logic), SRAMs as one more bar."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("power.py: matplotlib missing, no PNG (scripts/setup.sh installs it)", file=sys.stderr)
        return
    groups = [g["group"] for g in r["groups"]]
    units = sorted({u for g in r["groups"] for u in g["units"]},
                   key=lambda u: -sum(g["units"].get(u, {}).get("total_w", 0) * g["cycles"] for g in r["groups"]))
    per = r["period_ns"] * 1e-9
    fig, ax = plt.subplots(figsize=(9, 4.5))
    bottom = [0.0] * len(groups)
    for u in units:
        vals = [g["units"].get(u, {}).get("total_w", 0) * g["cycles"] * per * 1e9 for g in r["groups"]]
        ax.bar(groups, vals, bottom=bottom, label=u)
        bottom = [b + v for b, v in zip(bottom, vals)]
    if "srams" in r:
        sram = collections.defaultdict(float)
        for inst in r["srams"]["instances"]:
            sram[inst["unit"]] += inst["energy_j"] * 1e9
        b = 0.0
        for u, v in sorted(sram.items()):
            ax.bar(["SRAMs (run)"], [v], bottom=[b], hatch="//", label=f"SRAM {u}")
            b += v
    ax.set_ylabel("energy (nJ)")
    ax.set_title(f"{r['label']}: energy per unit and phase group ({os.path.basename(r['liberty'])}, "
                 f"{r['period_ns']} ns)", fontsize=9)
    ax.legend(fontsize=6, ncol=2)
    plt.xticks(rotation=30, fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def write_text(r, path):
    L = [f"power report {r['label']}: {r['cells']} cells, {os.path.basename(r['liberty'])}, "
         f"clock {r['period_ns']} ns, {r['cycles']} cycles",
         f"energy of the run: {r['energy_j'] * 1e9:.3f} nJ, of which logic and flops "
         f"{r['logic_energy_j'] * 1e9:.3f} nJ (clock tree, wires, glitches, off-chip memory excluded)"]
    if "srams" in r:
        L.append(f"SRAMs: {len(r['srams']['instances'])} instances, {r['srams']['technology']} energies from "
                 f"{r['srams']['source']}")
    if "macs" in r:
        L.append(f"MACs {r['macs']}: {r['pj_per_mac']:.3f} pJ/MAC, {r['tops_per_w']:.3f} TOPS/W (2 x MACs / energy)")
    L.append("")
    L.append(f"{'unit':<42} {'energy nJ':>10} {'share':>7}")
    for u, v in r["units"].items():
        L.append(f"{u:<42} {v['energy_j'] * 1e9:>10.4f} {v['share'] * 100:>6.1f}%")
    L.append("")
    L.append(f"{'phase group':<10} {'windows':>7} {'cycles':>8} {'power mW':>9} {'unit sum mW':>11}  biggest units")
    for g in r["groups"]:
        top = sorted(g["units"].items(), key=lambda x: -x[1]["total_w"])[:3]
        tops = ", ".join(f"{u} {v['total_w'] * 1e3:.2f}" for u, v in top)
        L.append(f"{g['group']:<10} {g['windows']:>7} {g['cycles']:>8} {g['design_power_w'] * 1e3:>9.3f} "
                 f"{g['unit_sum_w'] * 1e3:>11.3f}  {tops}")
    with open(path, "w") as f:
        f.write("\n".join(L) + "\n")


if __name__ == "__main__":
    main()
