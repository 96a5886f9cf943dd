"""Pausing Python's cyclic garbage collector around work that allocates millions of long-lived objects.

Reading a big scenario (dicts, floats, pydantic models) and compiling Numba kernels (IR, types,
LLVM wrappers) create no reference cycles worth collecting, but their allocations trigger full
collections that rescan the whole growing heap again and again: about half of the time of
validating a big file, 1-1.5 s of the exchange kernels' compilation.

>>> import gc
>>> with paused_gc():
...     gc.isenabled()
False
>>> gc.isenabled()
True
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def paused_gc() -> Iterator[None]:
    """Run the block with the cyclic collector off. Re-entrant: the collector is turned back on
    (also after an error) only by the call that turned it off."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
