"""detente: model multi-actor negotiations and forecast how they end.

Start here: :func:`load` a scenario file (YAML, JSON, KTAB, BDM tables, Decide), :func:`run` one
or more models on it, and read the :class:`Result` (``forecast``, ``input_band``, ``interval``,
``to_dict()``); :func:`save` writes a scenario built or changed in Python; :func:`example` gives
the path of a shipped example (``detente.load(detente.example("ukraine-settlement"))``). ``detente models`` (or
``detente.models.registry.names()``) lists the models. These names are loaded on first use, so
``import detente`` itself costs nothing.

>>> import detente
>>> detente.__version__
'0.2.0'
>>> s = detente.load(detente.example("eu-emission-standards"))   # shipped inside the package
>>> round(detente.run(s, "mean").forecast["emission_standards"], 2)
7.39
"""

from detente._version import __version__

_LAZY = {
    "load": ("detente.scenario.io", "load"),
    "save": ("detente.scenario.io", "save"),
    "validate": ("detente.scenario.io", "validate"),
    "example": ("detente.scenario.examples", "example"),
    "run": ("detente.runner", "run"),
    "Scenario": ("detente.scenario.model", "Scenario"),
    "Result": ("detente.result", "Result"),
    "InputError": ("detente.errors", "InputError"),
    "ModelError": ("detente.errors", "ModelError"),
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> object:
    """``detente.run``, ``detente.load``...: imported from their modules on first use."""
    if name in _LAZY:
        from importlib import import_module

        module, attr = _LAZY[name]
        return getattr(import_module(module), attr)
    raise AttributeError(f"module 'detente' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
