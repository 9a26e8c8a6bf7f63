#!/usr/bin/python3
"""Mutation check: can each listed test fail?  (docs/reliability.md, "Can each test fail?")

For each mutation of a list (default scripts/mutations/spls_faults.txt): apply
its edits (exact text replacements, each of which must match exactly once) to
a copy of the tree, build only the test binary it names, run the one doctest
case it names, and report "killed" (the case failed, as it must) or
"SURVIVED" (it passed: the test cannot see the defect).  Before the
mutations, the unmutated copy must build and every named case must pass.

The copy lives in BUILD_DIR/mutate/tree (a throw-away build folder inside it,
tree/build, configured once with CMAKE_BUILD_TYPE=Mutate and --cxxflags,
default -O1: the verilated models build several times faster than at -O3);
each mutation is undone after its run, so the next one starts from the
pristine tree, and ccache keeps the unchanged parts of every model.

Exit status: 0 every mutation killed; 1 one survived, a build failed or the
baseline failed; 2 a bad list (an edit that does not match exactly once).

    scripts/mutate.py                     # every mutation of the list
    scripts/mutate.py --only seq_rd_err   # some of them (comma-separated names)
    scripts/mutate.py --check             # only check that every edit matches the tree (no build)

List format: a mutation starts with [name]; then `why = ...`, `target =` (the
CMake target to build), `binary =` (its path below the build folder), `case
=` (the doctest case that must fail), and one or more edits, each `file =`,
`old =`, `new =` (`\\n` in old/new is a newline).  `#` starts a comment line.
"""
import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class ListError(Exception):
    pass


def unescape(s):
    return s.replace("\\n", "\n")


def parse_list(path):
    muts, cur = [], None
    for lineno, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = f"{path}:{lineno}"
        if line.startswith("[") and line.endswith("]"):
            cur = {"name": line[1:-1], "edits": [], "where": where}
            muts.append(cur)
            continue
        if cur is None or "=" not in line:
            raise ListError(f"{where}: expected [name] or key = value, got {line!r}")
        key, val = (x.strip() for x in line.split("=", 1))
        if key in ("why", "target", "binary", "case"):
            cur[key] = val
        elif key == "file":
            cur["edits"].append({"file": val})
        elif key in ("old", "new"):
            if not cur["edits"] or key in cur["edits"][-1]:
                raise ListError(f"{where}: {key} without its own `file =` line")
            cur["edits"][-1][key] = unescape(val)
        else:
            raise ListError(f"{where}: unknown key {key!r}")
    names = set()
    for m in muts:
        for k in ("why", "target", "binary", "case"):
            if k not in m:
                raise ListError(f"{m['where']}: mutation {m['name']} has no `{k} =`")
        if not m["edits"] or any("old" not in e or "new" not in e for e in m["edits"]):
            raise ListError(f"{m['where']}: mutation {m['name']} needs edits with file, old and new")
        if m["name"] in names:
            raise ListError(f"{m['where']}: mutation {m['name']} listed twice")
        names.add(m["name"])
    return muts


def apply_edits(tree, m):
    """Apply m's edits below `tree`; every `old` must occur exactly once (in the file as edited so far)."""
    texts = {}
    for e in m["edits"]:
        f = tree / e["file"]
        if e["file"] not in texts:
            if not f.is_file():
                raise ListError(f"{m['where']}: {m['name']}: no file {e['file']}")
            texts[e["file"]] = f.read_text()
        n = texts[e["file"]].count(e["old"])
        if n != 1:
            raise ListError(f"{m['where']}: {m['name']}: {e['file']}: {e['old']!r} occurs {n} times, must once")
        texts[e["file"]] = texts[e["file"]].replace(e["old"], e["new"])
    return texts


def sync_tree(tree):
    """Copy the worktree's tracked files (as they are now) into `tree`; only changed files are written."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True).stdout
    written = 0
    for rel in files.decode().split("\0"):
        if not rel:
            continue
        src, dst = ROOT / rel, tree / rel
        if not src.is_file():
            continue  # deleted in the worktree
        data = src.read_bytes()
        if dst.is_file() and dst.read_bytes() == data:
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.write_bytes(data)
        shutil.copymode(src, dst)
        written += 1
    return written


def build(bdir, target, jobs, log):
    with open(log, "w") as out:
        r = subprocess.run(["cmake", "--build", str(bdir), "--target", target, "-j", str(jobs)],
                           stdout=out, stderr=subprocess.STDOUT)
    return r.returncode == 0


def doctest_pattern(case):
    # doctest filters are comma-separated lists with * and ? wildcards.
    return "".join("\\" + c if c in ",*?[]\\" else c for c in case)


def run_case(bdir, m, timeout, log):
    """Run m's case: 'pass', 'fail' or 'none' (the filter matched no case); the log keeps the output."""
    cmd = [str(bdir / m["binary"]), "--test-case=" + doctest_pattern(m["case"]), "--no-colors=true"]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        out, rc = r.stdout + r.stderr, r.returncode
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        out += f"\n(mutate: killed after the {timeout} s time-out)\n"
        rc = -1
    Path(log).write_text(" ".join(cmd) + "\n" + out)
    if "test cases: 0 " in out:
        return "none"
    return "pass" if rc == 0 else "fail"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--list", default=str(ROOT / "scripts/mutations/spls_faults.txt"))
    ap.add_argument("--build-dir", default=os.environ.get("BUILD_DIR", "build"),
                    help="the work folder is BUILD_DIR/mutate (default build)")
    ap.add_argument("--only", default="", help="comma-separated mutation names")
    ap.add_argument("--check", action="store_true", help="only check that every edit matches the tree once")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--cxxflags", default="-O1")
    ap.add_argument("--timeout", type=int, default=900, help="seconds per test run")
    a = ap.parse_args()

    try:
        muts = parse_list(Path(a.list))
        if a.only:
            want = [x for x in a.only.split(",") if x]
            unknown = sorted(set(want) - {m["name"] for m in muts})
            if unknown:
                raise ListError(f"--only: no mutation {', '.join(unknown)} in {a.list}")
            muts = [m for m in muts if m["name"] in want]
        for m in muts:
            apply_edits(ROOT, m)
    except ListError as e:
        print(f"mutate: error: {e}", file=sys.stderr)
        return 2
    if a.check:
        print(f"mutate: {len(muts)} mutations, every edit matches the tree exactly once")
        return 0

    work = (ROOT / a.build_dir / "mutate").resolve()
    tree, logs = work / "tree", work / "logs"
    bdir = tree / "build"
    logs.mkdir(parents=True, exist_ok=True)
    t_all = time.monotonic()
    print(f"mutate: tree {tree} ({sync_tree(tree)} files updated)", flush=True)
    if not (bdir / "CMakeCache.txt").is_file():
        subprocess.run(["cmake", "-S", str(tree), "-B", str(bdir), "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Mutate",
                        f"-DCMAKE_CXX_FLAGS={a.cxxflags}"], check=True, stdout=subprocess.DEVNULL)

    # Baseline: every case passes on the unmutated tree.
    for target in sorted({m["target"] for m in muts}):
        t0 = time.monotonic()
        if not build(bdir, target, a.jobs, logs / f"baseline-{target}.build.log"):
            print(f"mutate: error: the unmutated tree does not build {target}: {logs}/baseline-{target}.build.log")
            return 1
        print(f"mutate: baseline {target} built in {time.monotonic() - t0:.0f} s", flush=True)
    for case in dict.fromkeys((m["binary"], m["case"], m["target"]) for m in muts):
        m = {"binary": case[0], "case": case[1]}
        t0 = time.monotonic()
        res = run_case(bdir, m, a.timeout, logs / "baseline-case.log")
        if res != "pass":
            print(f"mutate: error: baseline case {'matches no test' if res == 'none' else 'fails'}: "
                  f"{case[1]} ({logs}/baseline-case.log)")
            return 1
        print(f"mutate: baseline passes ({time.monotonic() - t0:.0f} s): {case[1]}", flush=True)

    rows, bad = [], 0
    for m in muts:
        t0 = time.monotonic()
        mutated = apply_edits(tree, m)
        pristine = {f: (tree / f).read_text() for f in mutated}  # the tree as synced (not the worktree now)
        for f, text in mutated.items():
            (tree / f).write_text(text)
        try:
            if not build(bdir, m["target"], a.jobs, logs / f"{m['name']}.build.log"):
                verdict = "BUILD FAILED"
            else:
                res = run_case(bdir, m, a.timeout, logs / f"{m['name']}.log")
                verdict = {"fail": "killed", "pass": "SURVIVED", "none": "NO CASE"}[res]
        finally:
            for f, text in pristine.items():
                (tree / f).write_text(text)
        secs = time.monotonic() - t0
        bad += verdict != "killed"
        rows.append((m["name"], verdict, secs, m["why"]))
        print(f"mutate: {verdict:8} {m['name']} ({secs:.0f} s): {m['why']}", flush=True)

    print("\n| mutation | result | s | what it breaks |\n|---|---|---|---|")
    for name, verdict, secs, why in rows:
        print(f"| {name} | {verdict} | {secs:.0f} | {why} |")
    total = time.monotonic() - t_all
    print(f"\nmutate: {len(rows) - bad} killed, {bad} not killed, {total:.0f} s (logs in {logs})")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
