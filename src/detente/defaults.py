"""Defaults shared by the library and the command line, in a module that imports nothing heavy.

>>> DEFAULT_SEED
20261125
"""

DEFAULT_SEED = 20261125
"""The seed of a run when none is given (same seed, same result)."""

MAX_SEED = 2**63 - 1
"""The largest seed: NumPy's generators take any whole number >= 0, a run store keeps 64-bit integers."""
