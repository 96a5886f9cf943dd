"""Cross-validation folds grouped by proposal: issues of one dossier never straddle train and test.

Issues of one legislative proposal share actors and are bargained over together, so a fold holds
whole proposals. Proposals are shuffled by a seeded generator and dealt round-robin into ``k``
folds (sizes differ by at most one proposal); repeat ``r`` uses seed ``seed + r``.

>>> f = grouped_folds(["a", "a", "b", "c", "c", "d"], 2, seed=1)
>>> sorted(set(f.tolist())), f[0] == f[1], f[3] == f[4]
([0, 1], np.True_, np.True_)
"""

from __future__ import annotations

from typing import Sequence

import numpy as np


def grouped_folds(groups: Sequence[str], k: int, seed: int) -> np.ndarray:
    """Fold index (0..k-1) of each item; every group falls in exactly one fold."""
    g = np.asarray(groups)
    uniq = sorted(set(g.tolist()))  # sorted: independent of input order
    if not 2 <= k <= len(uniq):
        raise ValueError(f"--cv {k}: need between 2 and {len(uniq)} folds (the number of proposals)")
    perm = np.random.default_rng(seed).permutation(len(uniq))
    fold_of = {uniq[j]: n % k for n, j in enumerate(perm)}
    return np.array([fold_of[x] for x in g.tolist()], dtype=int)


def repeated_folds(groups: Sequence[str], k: int, repeats: int, seed: int) -> list[np.ndarray]:
    """``repeats`` grouped fold assignments with seeds ``seed, seed + 1, ...``."""
    return [grouped_folds(groups, k, seed + r) for r in range(repeats)]
