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


def territory_renamed(tmp_path: Path) -> tuple[Path, dict]:
    """The flagship without its war block and with ``territory`` renamed ``territorial_line`` (the
    same name: one issue under two ids), written to ``tmp_path/renamed.yaml``; and its data."""
    import yaml

    d = yaml.safe_load((EXAMPLES / "ukraine-settlement.yaml").read_text(encoding="utf-8"))
    d.pop("war")
    for record in (*d["issues"], *d["stances"]):
        key = "issue" if "actor" in record else "id"  # a stance names its issue, an issue is its id
        if record.get(key) == "territory":
            record[key] = "territorial_line"
    path = tmp_path / "renamed.yaml"
    path.write_text(yaml.safe_dump(d, allow_unicode=True), encoding="utf-8")
    return path, d


@pytest.fixture
def peers() -> Path:
    if not PEERS.exists():
        pytest.skip(f"peer reference data not found at {PEERS}")
    return PEERS


# Debian's Chromium for the browser tests (never a downloaded browser); $DETENTE_CHROMIUM overrides.
CHROMIUM = Path(__import__("os").environ.get("DETENTE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    """One headless Chromium for the whole session (skipped, visibly, where it is not installed)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium, or set $DETENTE_CHROMIUM)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()
