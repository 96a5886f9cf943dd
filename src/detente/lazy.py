"""A module name bound now and imported on first use (keeps listing models free of NumPy).

``detente models`` imports every model module to read its options, summary and variants; NumPy
and the kernels are needed only when a model runs. A model module therefore writes::

    if TYPE_CHECKING:
        import numpy as np
    else:
        np = lazy_module(globals(), "np", "numpy")

On the first attribute access (``np.zeros``) the module is imported and the name ``np`` in the
owner's namespace is rebound to the real module, so later look-ups cost nothing extra.

>>> ns = {}
>>> ns["m"] = lazy_module(ns, "m", "json")
>>> ns["m"].dumps([1])
'[1]'
>>> type(ns["m"]).__name__
'module'
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class _LazyModule:
    """Stand-in for a module until its first attribute access (then rebinds the owner's name)."""

    __slots__ = ("_owner", "_name", "_module")

    def __init__(self, owner: dict[str, Any], name: str, module: str) -> None:
        self._owner, self._name, self._module = owner, name, module

    def _load(self) -> ModuleType:
        mod = importlib.import_module(self._module)
        if self._owner.get(self._name) is self:
            self._owner[self._name] = mod
        return mod

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._load(), attr)

    def __repr__(self) -> str:
        return f"<lazy module {self._module!r}>"


def lazy_module(owner: dict[str, Any], name: str, module: str) -> Any:
    """A stand-in for ``import module as name`` in the namespace ``owner`` (usually ``globals()``)."""
    return _LazyModule(owner, name, module)
