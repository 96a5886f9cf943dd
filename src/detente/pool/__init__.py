"""Pooling several analysts' views of one negotiation (issue #15).

* :mod:`~detente.pool.merge` - :func:`~detente.pool.merge.pool_scenarios`: views with the same
  actors and issues become one scenario whose every number is the linear pool (a weighted
  ``mixture``) of the analysts' values, with a coverage report of who said what;
* :mod:`~detente.pool.variance` - :func:`~detente.pool.variance.attach`: per issue, the forecast
  variance split into between-analyst disagreement and within-analyst uncertainty, and which
  inputs the analysts disagree on most.

Nothing here prints or reads files; the ``detente pool`` command does that.
"""

from __future__ import annotations

__all__ = ["pool_scenarios", "attach"]


def pool_scenarios(*args, **kwargs):  # type: ignore[no-untyped-def]
    """:func:`detente.pool.merge.pool_scenarios` (imported on first use)."""
    from detente.pool.merge import pool_scenarios as f

    return f(*args, **kwargs)


def attach(*args, **kwargs):  # type: ignore[no-untyped-def]
    """:func:`detente.pool.variance.attach` (imported on first use)."""
    from detente.pool.variance import attach as f

    return f(*args, **kwargs)
