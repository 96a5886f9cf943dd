"""Shared test fixtures.

The peers' reference files live in ``../shared/peers/`` beside the repository (see the READMEs
there for provenance and licences). Tests read them in place; they are never copied into the
package.
"""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
PEERS = SHARED / "peers"
EXAMPLES = REPO / "examples"


def peer_file(relative: str) -> Path:
    """Path of a peer reference file; the test is skipped (visibly) when shared/ is absent."""
    p = PEERS / relative
    if not PEERS.exists():
        pytest.skip(f"peer reference data not found at {PEERS}")
    if not p.exists():
        raise FileNotFoundError(p)
    return p


@pytest.fixture
def peers() -> Path:
    if not PEERS.exists():
        pytest.skip(f"peer reference data not found at {PEERS}")
    return PEERS
