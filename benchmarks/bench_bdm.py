"""Speed of the compiled BDM expected-utility model (``bdm``) against the per-pair reference.

Prints the whole-process CPU of a new user's first run (empty Numba cache: compiles) and of the
next one; then, for one run (1 draw, 1 issue) at 10, 50 and 200 actors, the reference / vectorised time
ratio, and the wall time (cold = first call in a fresh process, including Numba's JIT or its
on-disk cache load; warm = a second identical call) and peak RSS of 10,000 draws x 20 actors x 5
issues x 10 rounds through :func:`detente.runner.run` (sampling included). Targets (issue #3):
>= 100x at 50 actors; the 10,000-draw case <= 10 s on 2 cores. Run it in a fresh process (the
cold figure is only meaningful there); ``NUMBA_CACHE_DIR`` set to an empty folder gives a cold
start that compiles.

    .venv/bin/python benchmarks/bench_bdm.py [--quick]

At 200 actors the reference takes minutes per round, so both sides run 1 round there and the
ratio is per round.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numba
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import bdm_reference as ref  # noqa: E402

from detente.models.bdm import VARIANTS, EUOptions, simulate  # noqa: E402
from detente.runner import run  # noqa: E402
from detente.scenario.model import Scenario  # noqa: E402


def _best(f, repeat: int) -> float:
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t0)
    return best


def ratio(n: int, variant: str, rounds: int) -> tuple[float, float]:
    rng = np.random.default_rng(n)
    x, c, s = rng.uniform(0, 100, n), rng.uniform(0.1, 1, n), rng.uniform(0.1, 1, n)
    o = EUOptions(**{**VARIANTS[variant], "rounds": rounds})
    od = o.model_dump()
    pres = np.ones((1, n), bool)
    simulate(x[None], c[None], s[None], pres, np.array([100.0]), o)  # warm-up (numba, caches)
    t_vec = _best(lambda: simulate(x[None], c[None], s[None], pres, np.array([100.0]), o), 3)
    t_ref = _best(lambda: ref.run(list(x), list(c), list(s), [True] * n, 100.0, od), 1)
    return t_ref, t_vec


def big_scenario(n_actors: int = 20, n_issues: int = 5) -> Scenario:
    rng = np.random.default_rng(7)
    stances = []
    for i in range(n_issues):
        for a in range(n_actors):
            x = float(rng.uniform(10, 90))
            sal = float(rng.uniform(0.2, 0.8))
            stances.append({"actor": f"a{a}", "issue": f"i{i}", "position": {"low": x - 10, "high": x + 10},
                            "salience": {"low": sal - 0.1, "high": sal + 0.1}})
    return Scenario.model_validate({
        "name": "bench", "actors": [{"id": f"a{a}", "capability": {"low": 0.5, "high": 1.5}} for a in range(n_actors)],
        "issues": [{"id": f"i{i}"} for i in range(n_issues)], "stances": stances})


def first_run() -> None:
    """Whole process, as a new user's first run: ``detente run FLAGSHIP --model bdm`` with an empty
    Numba cache (compiles; target <= 10 s CPU, issue #12), then again with the cache filled."""
    import tempfile

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _whole import child_env, detente_cmd, load_average, timed

    cmd = detente_cmd() + ["run", "examples/ukraine-settlement.yaml", "--model", "bdm"]
    with tempfile.TemporaryDirectory() as tmp:
        env = child_env(NUMBA_CACHE_DIR=tmp)
        cold = timed(cmd, env)
        warm = timed(cmd, env)
    print(f"{load_average()}\nwhole process, detente run examples/ukraine-settlement.yaml --model bdm:\n"
          f"  first-ever run (empty Numba cache, compiles): {cold[0]:.2f} s CPU, {cold[1]:.2f} s wall; "
          f"target <= 10 s CPU: {'met' if cold[0] <= 10 else 'MISSED'}\n"
          f"  next run (cached): {warm[0]:.2f} s CPU, {warm[1]:.2f} s wall", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="skip the 200-actor reference and use 1,000 draws")
    ap.add_argument("--skip-first-run", action="store_true", help="skip the whole-process first-ever run")
    args = ap.parse_args()
    if not args.skip_first_run:
        first_run()
    draws = 1_000 if args.quick else 10_000
    scen = big_scenario()
    label = "cold"  # the first call of the process compiles (or loads the cache); later ones are warm
    for variant in ("scholz", "jmckib"):
        for _ in range(2):
            t0 = time.perf_counter()
            res = run(scen, "bdm", draws=draws, seed=1, variant=variant)
            wall = time.perf_counter() - t0
            q = res.quantiles((0.1, 0.5, 0.9))["i0"]
            print(f"{draws} draws x 20 actors x 5 issues x 10 rounds, {variant} {label}: {wall:.2f} s wall "
                  f"(issue i0 p10/p50/p90 {q[0]:.1f}/{q[1]:.1f}/{q[2]:.1f})", flush=True)
            del res
            label = "warm"
    print("one run, reference (per-pair loops) vs compiled")
    for variant in ("scholz", "jmckib"):
        for n in (10, 50, 200):
            if n == 200 and args.quick:
                continue
            rounds = 1 if n == 200 else 10
            t_ref, t_vec = ratio(n, variant, rounds)
            print(f"  {variant:7s} {n:4d} actors, {rounds:2d} round(s): reference {t_ref:9.3f} s  "
                  f"compiled {t_vec * 1e3:9.2f} ms  ratio {t_ref / t_vec:8.0f}x")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process: {peak:.0f} MiB (threads for large batches: {numba.get_num_threads()})")


if __name__ == "__main__":
    main()
