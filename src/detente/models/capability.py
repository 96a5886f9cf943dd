"""Capability rules of the synthesis' components: which capability each actor brings to a model.

A component of the synthesis declares one of

* ``as_given`` / ``resources``: the scenario's capabilities (on DEU III the blksv GDP-like weights
  of the file's second row; in a native scenario the analyst's capabilities);
* ``equal``: every actor present weighs 1;
* ``power``: the actor's voting power in the game of the issue's procedure
  (:mod:`detente.models.power`; issues without a voting rule keep the scenario's capabilities);
* ``power_resources``: voting power and resources combined,

      c_i = P_i ** a  *  R_i ** b                                                        (K1)

  with ``P_i`` the voting power (1 on issues without a voting rule), ``R_i`` the scenario's
  capability, ``a = power_exponent`` and ``b = resource_exponent`` (0, 1/2 or 1 in the candidate
  grid of :mod:`detente.backtest.fit`; ``a = b = 0`` is ``equal``).

>>> import numpy as np
>>> from types import SimpleNamespace
>>> arr = SimpleNamespace(capability=np.array([[[4.0, 1.0]]]), present=np.array([[True, True]]),
...                       context={"voting": [None]}, actor_ids=("a", "b"))
>>> capability(arr, {"capabilities": "power_resources", "power_exponent": 1, "resource_exponent": 0.5}).tolist()
[[[2.0, 1.0]]]
"""

from __future__ import annotations

from typing import Any

import numpy as np

RULES = ("as_given", "resources", "equal", "power", "power_resources")


def capability(arrays: Any, comp: dict[str, Any]) -> np.ndarray:
    """Capabilities (draws, issues, actors) for component ``comp`` on ``arrays``."""
    rule = comp.get("capabilities", "as_given")
    present = np.broadcast_to(arrays.present[None].astype(float), np.shape(arrays.capability))
    if rule in ("as_given", "resources"):
        return np.asarray(arrays.capability, dtype=float)
    if rule == "equal":
        return np.array(present)
    from detente.models.power import power_capability

    index = comp.get("index", "shapley_shubik")
    if rule == "power":
        return power_capability(arrays, index)
    if rule == "power_resources":
        a = float(comp.get("power_exponent", 1.0))
        b = float(comp.get("resource_exponent", 0.0))
        rules = arrays.context.get("voting") or []
        has_rule = np.array([i < len(rules) and rules[i] is not None for i in range(present.shape[1])])
        power = power_capability(arrays, index) if has_rule.any() else np.array(present)
        power = np.where(has_rule[None, :, None], power, present)  # P = 1 without a voting rule
        res = np.asarray(arrays.capability, dtype=float)
        # K1; 0 ** 0 = 1 is harmless: absent actors are masked by ``present``
        return np.power(power, a) * np.power(np.maximum(res, 0.0), b) * present
    raise ValueError(f"unknown capability rule {rule!r} (one of {', '.join(RULES)})")
