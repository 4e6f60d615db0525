#!/usr/bin/env python3
"""The project's mutation check: applies each deliberate bug of scripts/mutations.toml to dawn/src, one
at a time, runs the tests the entry names, restores the file, and prints which mutations the tests killed.

    python3 scripts/mutate.py                  # every mutation (./dev.sh mutate does the same)
    python3 scripts/mutate.py --only a,b       # some of them, by name
    python3 scripts/mutate.py --list           # the list, with each entry's intent
    python3 scripts/mutate.py --no-baseline    # skip the unmutated run of the tests first

A mutation is killed when a test it names fails (or runs past its timeout); it survives when they all pass
(an entry may say why no test here can kill it: `survives`, then reported but not failing the check).
An entry whose text is no longer found in its file is reported "stale" (re-target it: the intent says
what to break). Files are restored after each mutation, also on Ctrl-C; a copy of the file being mutated
waits in target/mutate-backup/ until then, and a later run restores it first if a run was killed.
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTATIONS = ROOT / "scripts" / "mutations.toml"
BACKUP = ROOT / "target" / "mutate-backup"


def load():
    with open(MUTATIONS, "rb") as f:
        entries = tomllib.load(f)["mutation"]
    for m in entries:
        # One edit (file, find, replace) or several (edits = [{file, find, replace}, ...]).
        m.setdefault("edits", [{k: m[k] for k in ("file", "find", "replace")}] if "file" in m else [])
    return entries


def restore_leftovers():
    """Puts back files a killed run left mutated."""
    if not BACKUP.exists():
        return
    for saved in BACKUP.rglob("*"):
        if saved.is_file():
            target = ROOT / saved.relative_to(BACKUP)
            shutil.copyfile(saved, target)
            print(f"restored {target.relative_to(ROOT)} from an interrupted run")
    shutil.rmtree(BACKUP)


class Applied:
    """The edits of one mutation, applied on entry and undone on exit (whatever happens)."""

    def __init__(self, edits):
        self.edits = edits
        self.originals = {}

    def __enter__(self):
        for edit in self.edits:
            path = ROOT / edit["file"]
            if path not in self.originals:
                backup = BACKUP / edit["file"]
                backup.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, backup)
                self.originals[path] = path.read_text()
            text = path.read_text()
            count = text.count(edit["find"])
            if count != 1:
                raise LookupError(f"{edit['file']}: the text to find occurs {count} times, not once")
            path.write_text(text.replace(edit["find"], edit["replace"]))
        return self

    def __exit__(self, *_):
        for path, text in self.originals.items():
            path.write_text(text)
        shutil.rmtree(BACKUP, ignore_errors=True)
        return False


def cargo(args, timeout):
    """Runs `cargo args` in its own process group; returns (exit code or "timeout", output)."""
    proc = subprocess.Popen(
        ["cargo", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        out, _ = proc.communicate(timeout=timeout)
        return proc.returncode, out
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        return "timeout", out
    except BaseException:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise


def first_failure(output):
    """What failed in cargo's output: a crash's signal, else the first failing test, else a panic."""
    lines = [line.strip() for line in output.splitlines()]
    for line in lines:
        if "(signal:" in line:
            return "crashed (" + line[line.index("(signal:") + 1:].rstrip(")") + ")"
    for line in lines:
        if line.startswith("---- ") and line.endswith(" stdout ----"):
            return line[len("---- "):-len(" stdout ----")]
    for line in lines:
        if "panicked at" in line or "error:" in line:
            return line[:120]
    return ""


def run_tests(tests, timeout, repeat=1):
    """Builds the named test binaries once, then runs each (`binary` or `binary:filter`), the whole list
    up to `repeat` times until one fails; returns ("passed" | "failed" | "timeout" | "not built", detail)."""
    binaries = sorted({t.split(":")[0] for t in tests})
    build = ["test", "--quiet", "--no-run"] + [a for b in binaries for a in ("--test", b)]
    code, out = cargo(build, timeout)
    if code != 0:
        return "not built", out.strip().splitlines()[-1] if out.strip() else str(code)
    deadline = time.monotonic() + timeout
    for test in tests * repeat:
        binary, _, name = test.partition(":")
        args = ["test", "--quiet", "--test", binary, "--"] + ([name] if name else [])
        left = deadline - time.monotonic()
        code, out = cargo(args, max(left, 1))
        if code == "timeout":
            return "timeout", test
        if code != 0:
            return "failed", f"{binary}: {first_failure(out)}"
    return "passed", ""


def interrupted(*_):
    raise KeyboardInterrupt


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help="comma-separated mutation names")
    parser.add_argument("--list", action="store_true", help="print the mutations and exit")
    parser.add_argument("--no-baseline", action="store_true", help="skip the unmutated run first")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per mutation (build and tests)")
    args = parser.parse_args()

    # Ctrl-C and termination unwind through the `with` below, which restores the files.
    signal.signal(signal.SIGTERM, interrupted)
    restore_leftovers()
    entries = load()
    if args.only:
        wanted = set(args.only.split(","))
        unknown = wanted - {m["name"] for m in entries}
        if unknown:
            sys.exit(f"unknown mutations: {', '.join(sorted(unknown))}")
        entries = [m for m in entries if m["name"] in wanted]
    if args.list:
        for m in entries:
            print(f"{m['name']}: {m['intent']}\n    tests: {', '.join(m['tests'])}")
        return

    if not args.no_baseline:
        every = {t for m in entries for t in m["tests"]}
        # A whole binary covers its filtered parts.
        tests = sorted(t for t in every if ":" not in t or t.split(":")[0] not in every)
        print(f"baseline: the unmutated tests ({', '.join(tests)})", flush=True)
        outcome, detail = run_tests(tests, args.timeout * 2)
        if outcome != "passed":
            sys.exit(f"the tests fail without any mutation ({outcome}: {detail}); fix that first")

    rows = []
    try:
        for m in entries:
            start = time.monotonic()
            print(f"mutation {m['name']} ...", end=" ", flush=True)
            try:
                with Applied(m["edits"]):
                    outcome, detail = run_tests(m["tests"], m.get("timeout", args.timeout), m.get("repeat", 1))
            except LookupError as e:
                outcome, detail = "stale", str(e)
            verdict = {"failed": "killed", "timeout": "killed (timeout)", "passed": "SURVIVED"}.get(outcome, outcome)
            if outcome == "passed" and "survives" in m:
                verdict, detail = "survived (expected)", m["survives"]
            seconds = time.monotonic() - start
            print(f"{verdict} ({seconds:.0f} s) {detail}", flush=True)
            rows.append((m["name"], ", ".join(m["tests"]), verdict, detail))
    except KeyboardInterrupt:
        print("\ninterrupted: files restored; the mutations run so far:")

    print("\n| mutation | tests run | result | first failure |\n|---|---|---|---|")
    for name, tests, verdict, detail in rows:
        print(f"| {name} | {tests} | {verdict} | {detail.replace('|', '/')} |")
    survived = [r[0] for r in rows if r[2] in ("SURVIVED", "stale", "not built")]
    print(f"\n{len(rows)} mutations: {len(rows) - len(survived)} killed, {len(survived)} not: {', '.join(survived) or '-'}")
    sys.exit(1 if survived else 0)


if __name__ == "__main__":
    main()
