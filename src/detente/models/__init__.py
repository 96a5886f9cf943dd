"""Models: one module per family, all behind one interface (:mod:`detente.models.base`).

Importing this package declares every model in :data:`registry`; a model's module is imported
(and registers it) the first time the model is asked for, e.g. ``registry.get("bdm")``.
"""

from __future__ import annotations

from detente.models.base import ModelSpec, Options, Trajectory, registry

# Model -> the module that registers it, in the order `detente models` lists them.
_MODULES = {
    "mean": "baselines", "median": "baselines", "nbs": "baselines",
    "bdm": "bdm", "smp": "smp", "exchange": "exchange", "war": "war",
    "synthesis": "synthesis",
}

for _name, _module in _MODULES.items():
    registry.declare(_name, f"detente.models.{_module}")

__all__ = ["ModelSpec", "Options", "Trajectory", "registry"]
