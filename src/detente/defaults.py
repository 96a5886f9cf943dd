"""Defaults shared by the library and the command line, in a module that imports nothing heavy.

>>> DEFAULT_SEED
20261125
"""

DEFAULT_SEED = 20261125
"""The seed of a run when none is given (same seed, same result)."""
