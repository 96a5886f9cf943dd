"""Models: one module per family, all behind one interface (:mod:`detente.models.base`).

Importing this package registers every model in :data:`registry`.
"""

from __future__ import annotations

import importlib

from detente.models.base import ModelSpec, Options, Trajectory, registry

# Model modules, in the order `detente models` lists them. Each registers itself on import.
_MODULES = ["baselines", "bdm", "smp", "exchange", "war", "synthesis"]

for _name in _MODULES:
    importlib.import_module(f"detente.models.{_name}")

__all__ = ["ModelSpec", "Options", "Trajectory", "registry"]
