"""Validating big scenario files: CPU time and peak memory of ``detente validate`` (issue #14).

Generates (in a temporary folder) a native YAML scenario of about ``--yaml-mb`` MB (actors x
issues stances, each with a short evidence quote) and KTAB SMP CSVs of about ``--csv-mb`` MB, one
tall (many actors, 20 dimensions) and one wide (few actors, many dimensions), then validates each
in a fresh ``detente validate`` process and prints the file size, CPU time (user + sys of the
child), wall time and peak resident memory (``ru_maxrss`` of the child, from ``os.wait4``). A smaller file of each
kind is run too, so that the time per MB shows whether reading is linear.

    .venv/bin/python benchmarks/bench_readers.py [--yaml-mb 50] [--csv-mb 20]

Before issue #14: 512 s and 1.6 GB for a 50 MB YAML scenario, 313 s and 2.9 GB for a 20 MB KTAB CSV.
After the first round (one-pass YAML events): YAML 48.9 MB 32.3 s and 1.8 GB; KTAB CSV 3-4 s/MB (the
20 MB files 45-66 s, 3.7-4.4 GB). Second round (garbage collector paused while reading, plain
numbers on fast paths in the validators and cross-checks, the no-evidence warning counted without
formatting a path per number; stance cap 1,000,000), 2-core machine shared with 3 other jobs, CPU:

=========================  =======  ======  =======  ==========================================
file                       MB       CPU s   peak MB  note
=========================  =======  ======  =======  ==========================================
yaml                       4.7      2.36    220
yaml                       48.9     19.7    1804     0.40 s/MB (was 0.61-0.66)
ktab tall (20 dims)        1.6      1.80    383
ktab tall at the cap       5.6      5.81    1276     990,000 stances
ktab tall                  15.9     1.67    387      2.8 M stances: refused (line 1); now 0.45 s
ktab tall, cap raised      15.9     21.0    3556     was 45-66 s
ktab wide (50 actors)      1.8      1.69    464
ktab wide at the cap       5.0      4.13    1222
ktab wide, cap raised      17.6     29.5    4207
=========================  =======  ======  =======  ==========================================

The refusal of the big KTAB files took 1.0-1.7 s in that run because the whole file was parsed
before line 1 was checked; line 1 is now checked first (0.45 s for the 16 MB file, most of it
reading and decoding the text).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _whole import ROOT, child_env, detente_cmd  # noqa: E402


def yaml_scenario(path: Path, mb: float) -> None:
    """A native scenario of about ``mb`` MB: 1,000 actors, stances with one evidence quote each."""
    n_act = 1000
    per_stance = 125  # bytes, roughly
    n_iss = max(1, int(mb * 2**20 / per_stance / n_act))
    with path.open("w") as f:
        f.write("name: big\nactors:\n")
        for a in range(n_act):
            f.write(f"  - {{id: a{a}, capability: {1 + a % 7}}}\n")
        f.write("issues:\n")
        for i in range(n_iss):
            f.write(f"  - {{id: i{i}, scale: {{min: 0, max: 100}}}}\n")
        f.write("stances:\n")
        for i in range(n_iss):
            for a in range(n_act):
                f.write(f"  - {{actor: a{a}, issue: i{i}, position: {(a * 7 + i) % 101}, salience: 0.5,\n"
                        f"     evidence: [{{quote: \"stance of a{a} on i{i}\", source: s}}]}}\n")
        f.write("sources: [{id: s, title: generated}]\n")


def ktab_csv(path: Path, mb: float, dims: int | None) -> None:
    """A KTAB SMP CSV of about ``mb`` MB with ``dims`` dimensions (None: as many as fill the file
    with 50 actors)."""
    cell = 3  # bytes per position or salience, with its comma
    if dims is None:
        n_act = 50
        dims = max(1, int(mb * 2**20 / n_act / (2 * cell)))
    else:
        n_act = max(1, int(mb * 2**20 / (2 * cell * dims + 30)))
    sal = 100 // dims if dims <= 100 else 0
    with path.open("w") as f:
        f.write(f"big,generated,{n_act},{dims}\n")
        f.write("Actor,Description,Power," + ",".join(f"Dim {k},Sal {k}" for k in range(dims)) + "\n")
        for a in range(n_act):
            f.write(f"A{a},actor {a},{1 + a % 9}," + ",".join(f"{(a + k) % 100},{sal}" for k in range(dims)) + "\n")


def validate(path: Path, **env: str) -> tuple[float, float, float, int]:
    """(CPU s, wall s, peak MB, exit code) of one ``detente validate`` process."""
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        p = subprocess.Popen(detente_cmd() + ["validate", str(path)], cwd=ROOT, env=child_env(**env),
                             stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(p.pid, 0)  # this child's own CPU time and peak memory
        p.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - t0
        if p.returncode != 0:
            err.seek(0)
            print(err.read().decode(errors="replace").strip()[:500], file=sys.stderr)
    return usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss / 1024, p.returncode


def csv_mb_for(stances: int, dims: int | None) -> float:
    """The ``mb`` that :func:`ktab_csv` needs for about ``stances`` stances."""
    if dims is None:  # 50 actors, as many dimensions as fill the file
        return stances * 6 / 2**20
    return stances / dims * (6 * dims + 30) / 2**20


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--yaml-mb", type=float, default=50)
    ap.add_argument("--csv-mb", type=float, default=20)
    ap.add_argument("--uncapped", action="store_true",
                    help="also validate the big KTAB CSVs with the stance cap raised (needs ~4 GB)")
    args = ap.parse_args()
    from detente.scenario.limits import MAX_STANCES

    failed = 0
    cases = []  # (label, make, expected exit code, extra environment)
    for mb in (args.yaml_mb / 10, args.yaml_mb):
        cases.append((f"yaml {mb:g} MB", lambda p, mb=mb: yaml_scenario(p, mb), 0, {}))
    for shape, dims in (("tall", 20), ("wide", None)):
        at_cap = csv_mb_for(int(MAX_STANCES * 0.99), dims)
        cases.append((f"ktab {shape} {args.csv_mb / 10:g} MB", lambda p, mb=args.csv_mb / 10, d=dims: ktab_csv(p, mb, d), 0, {}))
        cases.append((f"ktab {shape} at the cap", lambda p, mb=at_cap, d=dims: ktab_csv(p, mb, d), 0, {}))
        big = lambda p, mb=args.csv_mb, d=dims: ktab_csv(p, mb, d)  # noqa: E731
        cases.append((f"ktab {shape} {args.csv_mb:g} MB", big, 2, {}))  # over the stance cap: refused at once
        if args.uncapped:
            cases.append((f"  same, cap raised", big, 0, {"DETENTE_MAX_STANCES": str(10**8)}))
    print(f"stance cap {MAX_STANCES:,} (DETENTE_MAX_STANCES)")
    print(f"{'file':<24}{'size MB':>9}{'CPU s':>9}{'wall s':>9}{'CPU s/MB':>10}{'peak MB':>9}  exit")
    with tempfile.TemporaryDirectory() as tmp:
        for label, make, expected, env in cases:
            path = Path(tmp) / "case"
            make(path)
            size = path.stat().st_size / 2**20
            cpu, wall, peak, rc = validate(path, **env)
            failed += rc != expected
            note = "" if rc == expected else f"  (expected {expected})"
            print(f"{label:<24}{size:>9.1f}{cpu:>9.2f}{wall:>9.2f}{cpu / size:>10.2f}{peak:>9.0f}  {rc}{note}",
                  flush=True)
            path.unlink()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
