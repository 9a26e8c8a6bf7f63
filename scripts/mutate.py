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

Every mutant is linted before anything is built: `verilator --lint-only -Wall
--assert` with rtl/lint/waivers.vlt (scripts/lint.sh's command), once for each
Verilator model of the default build (an esact_verilated_lib call of a
CMakeLists.txt, with its top and -G parameters) whose hierarchy holds an edited
module, and once with the edited module as the top (as scripts/lint.sh does)
unless it is itself such a model's top.  A mutant that does not lint would not
build (-Wall stops the verilated build): it is INVALID, a defect of the list,
never "killed".  Each lint's verdict is kept in BUILD_DIR/mutate/lint-cache
(named by the hash of Verilator's version, every argument and every file), so a
check repeats no lint on an unchanged tree.

Exit status: 0 every mutation killed (--check: every edit matches, every mutant
lints); 1 one survived, a build failed, the baseline failed or the lint could
not run; 2 a bad list (an edit that does not match exactly once, no such
list); 3 a mutant does not lint (INVALID; the other mutations still run).

    scripts/mutate.py                     # every mutation of the list
    scripts/mutate.py --only seq_rd_err   # some of them (comma-separated names)
    scripts/mutate.py --check             # every edit matches the tree once and every mutant lints (no build)
    scripts/mutate.py --check --no-lint   # only the text check

List format: a mutation starts with [name]; then `why = ...`, `target =` (the
CMake target to build), `binary =` (its path below the build folder), `case
=` (the doctest case that must fail), and one or more edits, each `file =`,
`old =`, `new =` (`\\n` in old/new is a newline).  `#` starts a comment line.
"""
import argparse
import concurrent.futures
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class ListError(Exception):
    pass


def unescape(s):
    return s.replace("\\n", "\n")


def parse_list(path):
    muts, cur = [], None
    try:
        text = path.read_text()
    except OSError as e:
        raise ListError(f"{path}: cannot read the list: {e.strerror}")
    for lineno, raw in enumerate(text.splitlines(), 1):
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


# ---------------------------------------------------------------------------
# Lint: does the mutant still build?  (each verilated model is built with -Wall)
# ---------------------------------------------------------------------------
LINT_ARGS = ["--lint-only", "-Wall", "--assert"]
WAIVERS = "rtl/lint/waivers.vlt"


def rtl_files():
    """rtl/files.txt as scripts/rtl_files.sh prints it (relative paths, packages first)."""
    out = subprocess.run([str(ROOT / "scripts/rtl_files.sh")], cwd=ROOT, check=True, capture_output=True, text=True)
    return out.stdout.split()


def cmake_calls(text, name):
    """(line, argument tokens) of every `name(...)` call in a CMake text (comments dropped)."""
    text = re.sub(r"#[^\n]*", "", text)
    for mo in re.finditer(r"^\s*" + name + r"\(([^)]*)\)", text, re.M):
        yield text.count("\n", 0, mo.start()) + 1, mo.group(1).split()


def verilated_models():
    """The Verilator models of the default build: each esact_verilated_lib call of a
    tracked CMakeLists.txt whose target is not EXCLUDE_FROM_ALL, as a dict with
    top, args (the -G parameters etc.), sources (as written: ${VAR} resolved by
    expand()) and where."""
    lists = subprocess.run(["git", "ls-files", "-z", "*CMakeLists.txt"], cwd=ROOT, check=True,
                           capture_output=True).stdout.decode().split("\0")
    models = []
    for rel in filter(None, lists):
        text = (ROOT / rel).read_text()
        excluded = {a[0] for _, a in cmake_calls(text, "set_target_properties")
                    if "EXCLUDE_FROM_ALL" in a and a[a.index("EXCLUDE_FROM_ALL") + 1:][:1] == ["ON"]}
        sets = {a[0]: a[1:] for _, a in cmake_calls(text, "set") if a}
        for line, a in cmake_calls(text, "esact_verilated_lib"):
            if a[0] in excluded:
                continue
            kw, cur = {"TOP": [], "PREFIX": [], "SOURCES": [], "ARGS": []}, None
            for tok in a[1:]:
                if tok in kw:
                    cur = tok
                elif cur:
                    kw[cur].append(tok)
            models.append({"name": a[0], "top": kw["TOP"][0], "sources": kw["SOURCES"], "args": kw["ARGS"],
                           "dir": str(Path(rel).parent), "sets": sets, "where": f"{rel}:{line}"})
    return models


def expand(model, tokens, rtl):
    """Resolve ${VAR} in a model's tokens (the RTL list, the folders, the file's own set())."""
    fixed = {"ESACT_RTL_DIR": ["rtl"], "CMAKE_CURRENT_SOURCE_DIR": [model["dir"]],
             "CMAKE_CURRENT_LIST_DIR": [model["dir"]], "PROJECT_SOURCE_DIR": ["."], "CMAKE_SOURCE_DIR": ["."]}
    out = []
    for tok in tokens:
        if tok == "${ESACT_RTL_SOURCES}":
            out += rtl
            continue
        def sub(mo):
            val = fixed.get(mo.group(1), model["sets"].get(mo.group(1)))
            if val is None or len(val) != 1:
                raise ListError(f"{model['where']}: mutate.py cannot resolve ${{{mo.group(1)}}} for the lint")
            return val[0]
        out.append(os.path.normpath(re.sub(r"\$\{(\w+)\}", sub, tok)))
    return out


def module_of(path):
    return Path(path).stem  # one module (or package) per file


def hierarchy(top, sources, texts):
    """Modules whose name appears in the code (comments dropped) of `top` or below it."""
    names = {module_of(s): s for s in sources}
    seen, todo = set(), [top]
    while todo:
        m = todo.pop()
        if m in seen or m not in names:
            continue
        seen.add(m)
        code = re.sub(r"//[^\n]*|/\*.*?\*/", "", texts[names[m]], flags=re.S)
        todo += [w for w in set(re.findall(r"\b\w+\b", code)) if w in names and w not in seen]
    return seen


def lint_runs(m, texts, models, rtl):
    """The lint invocations of mutation m: (what, top, args, sources)."""
    edited = {module_of(f) for f in texts}
    file_text = lambda s: texts.get(s) or (ROOT / s).read_text()  # noqa: E731
    runs, tops = [], set()
    for md in models:
        srcs = expand(md, md["sources"], rtl)
        if not edited & set(map(module_of, srcs)):
            continue
        if not edited & hierarchy(md["top"], srcs, {s: file_text(s) for s in srcs}):
            continue
        runs.append((f"{md['name']} ({md['where']})", md["top"], expand(md, md["args"], rtl), srcs))
        tops.add(md["top"])
    for f in texts:
        if f in rtl and not f.startswith("rtl/pkg/") and module_of(f) not in tops:
            runs.append(("scripts/lint.sh", module_of(f), [], rtl))
    return runs


def verilator_version():
    return subprocess.run(["verilator", "--version"], check=True, capture_output=True, text=True).stdout.strip()


def lint_cmd(files, top, args):
    return ["verilator"] + LINT_ARGS + ["-Irtl/pkg", WAIVERS] + files + ["--top-module", top] + args


def lint_one(run, texts, cache, version):
    """None if the mutant lints in this run, else Verilator's message (first lines)."""
    what, top, args, srcs = run
    h = hashlib.sha256(version.encode())
    for part in lint_cmd(srcs, top, args):
        h.update(part.encode() + b"\0")
        p = ROOT / part
        if part in texts:
            h.update(texts[part].encode())
        elif p.is_file():
            h.update(p.read_bytes())
    key = cache / h.hexdigest()
    if key.is_file():
        verdict = key.read_text()
        return None if verdict == "ok\n" else verdict
    with tempfile.TemporaryDirectory(prefix="mutate-lint-") as tmp:
        files = []
        for s in srcs:
            if s in texts:
                dst = Path(tmp) / s
                dst.parent.mkdir(parents=True, exist_ok=True)
                dst.write_text(texts[s])
                files.append(str(dst))
            else:
                files.append(s)
        r = subprocess.run(lint_cmd(files, top, args), cwd=ROOT, capture_output=True, text=True)
        msg = "\n".join(line.replace(tmp, "<mutant>") for line in (r.stdout + r.stderr).splitlines()
                        if line.startswith("%"))
    verdict = "ok\n" if r.returncode == 0 else f"{what}, top {top} {' '.join(args)}:\n{msg[:2000]}"
    cache.mkdir(parents=True, exist_ok=True)
    part = key.with_suffix(f".{os.getpid()}.{threading.get_ident()}")  # two checks may run at once (CTest)
    part.write_text(verdict)
    os.replace(part, key)
    return None if r.returncode == 0 else verdict


def lint_mutants(muts, cache, jobs):
    """{name: problem} of the mutants that do not lint (none: {}), and the count of lint runs."""
    rtl, models, version = rtl_files(), verilated_models(), verilator_version()
    work = [(m, run, texts) for m in muts for texts in [apply_edits(ROOT, m)] for run in lint_runs(m, texts, models, rtl)]
    bad = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as ex:
        for (m, _, _), res in zip(work, ex.map(lambda w: lint_one(w[1], w[2], cache, version), work)):
            if res is not None and m["name"] not in bad:
                bad[m["name"]] = res
    return bad, len(work)


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
    ap.add_argument("--check", action="store_true",
                    help="only check that every edit matches the tree once and that every mutant lints")
    ap.add_argument("--no-lint", action="store_true", help="do not lint the mutants (--check: the text check only)")
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
        work = (ROOT / a.build_dir / "mutate").resolve()
        invalid, nlint, t0 = {}, 0, time.monotonic()
        if not a.no_lint:
            invalid, nlint = lint_mutants(muts, work / "lint-cache", a.jobs)
    except ListError as e:
        print(f"mutate: error: {e}", file=sys.stderr)
        return 2
    except (OSError, subprocess.CalledProcessError) as e:  # no verilator, rtl_files.sh failed, ...
        print(f"mutate: error: the lint could not run: {e}", file=sys.stderr)
        return 1
    for name, problem in invalid.items():
        print(f"mutate: INVALID  {name}: the mutant does not lint, so it would not build ({problem})", flush=True)
    if a.check:
        print(f"mutate: {len(muts)} mutations, every edit matches the tree exactly once")
        if not a.no_lint:
            print(f"mutate: {nlint} lint runs in {time.monotonic() - t0:.0f} s: " +
                  (f"{len(invalid)} INVALID" if invalid else "every mutant lints"))
        return 3 if invalid else 0

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

    rows, bad = [(m["name"], "INVALID", 0, m["why"]) for m in muts if m["name"] in invalid], 0
    for m in muts:
        if m["name"] in invalid:
            continue
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
    print(f"\nmutate: {len(rows) - bad - len(invalid)} killed, {bad} not killed, {len(invalid)} INVALID, "
          f"{total:.0f} s (logs in {logs})")
    return 3 if invalid else 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
