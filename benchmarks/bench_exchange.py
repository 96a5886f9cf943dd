"""Time 10 rounds of the exchange model on Copenhagen and COP21 against Decide's reported times.

Decide (upstream, ``neighbours.md`` §1.6) takes about 8 s on Copenhagen and 30 s on COP21 for 10
rounds with its CLI (mostly I/O). Run: ``.venv/bin/python benchmarks/bench_exchange.py``.
"""

from __future__ import annotations

import time
from pathlib import Path

import detente.models.exchange  # noqa: F401
from detente.runner import run
from detente.scenario.io import load

PEERS = Path(__file__).resolve().parents[2] / "shared" / "peers" / "exchange-data" / "data" / "input"
DECIDE_S = {"copenhagen.csv": 8.0, "cop21.csv": 30.0}


def main() -> None:
    for name, ref in DECIDE_S.items():
        s = load(PEERS / name)
        run(s, "exchange", options={"rounds": 1})  # warm-up
        best = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            r = run(s, "exchange", options={"rounds": 10})
            best = min(best, time.perf_counter() - t0)
        n = sum(len(x) for x in r.trajectory.extras["exchanges"])
        print(f"{name:16s} 10 rounds: {best:7.3f} s  ({n} exchanges)  Decide ~{ref:.0f} s  "
              f"-> {ref / best:6.0f}x faster")


if __name__ == "__main__":
    main()
