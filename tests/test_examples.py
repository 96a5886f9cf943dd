"""The example scenarios in examples/: they load, cite what they claim, and run.

Every ``examples/*.yaml`` is covered, so examples added later are checked too.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from pathlib import Path

import numpy as np
import pytest

from conftest import EXAMPLES, SHARED, peer_file
from detente.runner import run
from detente.scenario.io import load
from detente.scenario.model import Evidence, Scenario
from detente.scenario.uncertain import is_uncertain

ALL = sorted(EXAMPLES.glob("*.yaml"))
FLAGSHIP = EXAMPLES / "ukraine-settlement.yaml"
CONTRAST = EXAMPLES / "ukraine-settlement-contrast.yaml"
EMISSION = EXAMPLES / "eu-emission-standards.yaml"
COMMENTARY = SHARED / "context" / "000_f5a14adab02c86f5.txt"
# sources whose words are reproduced in the commentary, so their quotes can be checked against it
QUOTED_IN_COMMENTARY = {
    "analyst-post", "fazi-unherd", "mearsheimer", "putin-presser", "crooke-napolitano",
    "rt-china-export-ban", "east-calling-chamagne",
}


def _evidence(s: Scenario) -> list[tuple[str, Evidence]]:
    out = [(f"actor {a.id}", e) for a in s.actors for e in a.evidence]
    out += [(f"issue {i.id}", e) for i in s.issues for e in i.evidence]
    out += [(f"stance {st.actor}/{st.issue}", e) for st in s.stances for e in st.evidence]
    return out


@pytest.fixture(scope="module")
def flagship() -> Scenario:
    return load(FLAGSHIP)


@pytest.fixture(scope="module")
def contrast() -> Scenario:
    return load(CONTRAST)


def test_the_examples_are_there():
    assert {FLAGSHIP, CONTRAST, EMISSION} <= set(ALL)


@pytest.mark.parametrize("path", ALL, ids=[p.name for p in ALL])
def test_example_loads_and_cites_declared_sources(path: Path):
    s = load(path)
    assert s.actors and s.issues and s.stances
    declared = {src.id for src in s.sources}
    for where, e in _evidence(s):
        if e.source is not None:
            assert e.source in declared, f"{path.name}: {where} cites undeclared source {e.source!r}"


@pytest.mark.parametrize("path", ALL, ids=[p.name for p in ALL])
def test_example_runs_and_forecasts_inside_the_scales(path: Path):
    s = load(path)
    for model in ("mean", "median", "nbs"):
        r = run(s, model, draws=200, seed=1)
        f = r.trajectory.forecast
        assert f.shape == (200, len(s.issues))
        lo = np.array([i.scale.min for i in s.issues])
        hi = np.array([i.scale.max for i in s.issues])
        assert np.all(np.isfinite(f)), (path.name, model)
        assert np.all((f >= lo - 1e-9) & (f <= hi + 1e-9)), (path.name, model)


# ------------------------------------------------------------------------------ the Ukraine pair


def test_ukraine_pair_has_the_same_actors_issues_scales_and_anchors(flagship, contrast):
    assert flagship.actor_ids == contrast.actor_ids
    assert flagship.issue_ids == contrast.issue_ids
    for a, b in zip(flagship.issues, contrast.issues):
        assert (a.scale.min, a.scale.max) == (b.scale.min, b.scale.max), a.id
        assert a.anchors == b.anchors, a.id
        assert a.status_quo == b.status_quo, a.id
    assert {(s.actor, s.issue) for s in flagship.stances} == {(s.actor, s.issue) for s in contrast.stances}


def test_flagship_has_the_required_actors_and_issues(flagship):
    assert {"russia", "ukraine", "us_admin", "us_congress", "eu", "uk", "nato", "china"} <= set(flagship.actor_ids)
    assert {"territory", "alliance", "sanctions", "military_aid"} <= set(flagship.issue_ids)
    for issue in flagship.issues:
        assert issue.status_quo is not None, issue.id
        assert issue.outcome is None, issue.id  # the outcome is unknown
        assert issue.scale.min in issue.anchors and issue.scale.max in issue.anchors, issue.id
    assert "one analyst" in (flagship.description or "")


def test_russia_has_the_highest_capability_in_the_flagship(flagship):
    from detente.scenario.uncertain import point

    caps = {a.id: point(a.capability) for a in flagship.actors}
    assert max(caps, key=caps.get) == "russia"


@pytest.mark.parametrize("path", [FLAGSHIP, CONTRAST], ids=["flagship", "contrast"])
def test_every_number_has_evidence_and_is_a_range(path: Path):
    s = load(path)
    for a in s.actors:
        assert a.evidence, f"actor {a.id} has no evidence"
        assert is_uncertain(a.capability), f"actor {a.id}: capability should be a range"
    for st in s.stances:
        where = f"{st.actor}/{st.issue}"
        assert st.evidence, f"stance {where} has no evidence"
        assert is_uncertain(st.position), f"stance {where}: position should be a range"
        assert is_uncertain(st.salience), f"stance {where}: salience should be a range"
    for where, e in _evidence(s):
        assert e.source, f"{where}: evidence without a source"


def test_every_flagship_source_is_cited(flagship):
    cited = {e.source for _, e in _evidence(flagship)}
    for src in flagship.sources:
        assert src.id in cited, f"source {src.id!r} is declared but never cited"


def test_only_the_rt_report_has_a_url(flagship):
    urls = {src.id: src.url for src in flagship.sources if src.url}
    assert urls == {"rt-china-export-ban": "https://www.rt.com/news/610341-china-dual-use-export-us/"}


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"'}))
    return re.sub(r"\s+", " ", text).strip()


def test_flagship_quotes_are_verbatim_and_short(flagship):
    if not COMMENTARY.exists():
        pytest.skip(f"commentary not found at {COMMENTARY}")
    corpus = _norm(COMMENTARY.read_text(encoding="utf-8"))
    checked = 0
    for where, e in _evidence(flagship):
        if e.quote is None:
            continue
        assert len(e.quote.split()) <= 32, f"{where}: quote longer than ~30 words"
        assert e.source in QUOTED_IN_COMMENTARY, f"{where}: quote from {e.source!r}, whose text we do not have"
        # an ellipsis marks an omission: each piece must appear in the text
        for piece in re.split(r"\s*(?:…|\.\.\.)\s*", _norm(e.quote)):
            piece = piece.strip(" ,;")
            if piece:
                assert piece in corpus, f"{where}: not found verbatim in the commentary: {piece!r}"
                checked += 1
    assert checked >= 30


def test_flagship_and_contrast_differ_on_territory(flagship, contrast):
    a = run(flagship, "mean", draws=200, seed=1).forecast["territory"]
    b = run(contrast, "mean", draws=200, seed=1).forecast["territory"]
    # the flagship's view (a stronger Russia) puts the line further towards Russia's claims
    assert a > b + 2, (a, b)


def test_draws_spread_the_flagship_forecast(flagship):
    r = run(flagship, "mean", draws=200, seed=1)
    lo, hi = r.interval["territory"]
    assert hi - lo > 1
    again = run(flagship, "mean", draws=200, seed=1)
    np.testing.assert_array_equal(r.trajectory.forecast, again.trajectory.forecast)


# ------------------------------------------------------------------------------ emission standards


def test_emission_example_matches_the_published_table():
    s = load(EMISSION)
    rows = list(csv.DictReader(peer_file("bdm-data/scholz-emission/emission_input.csv").open()))
    assert s.actor_ids == [r["actor"] for r in rows]
    stance = {st.actor: st for st in s.stances}
    for r in rows:
        assert s.actor(r["actor"]).capability == pytest.approx(float(r["capability"]))
        assert stance[r["actor"]].position == pytest.approx(float(r["position"]))
        assert stance[r["actor"]].salience == pytest.approx(float(r["salience"]) / 100)
    issue = s.issue("emission_standards")
    assert (issue.scale.min, issue.scale.max) == (4, 10)
    assert issue.outcome == pytest.approx(8.833)
    assert {src.id for src in s.sources} == {"bdm1994", "scholz2011"}


def test_emission_baselines_match_the_reference_round_zero():
    s = load(EMISSION)
    rows = list(csv.DictReader(peer_file("bdm-data/scholz-emission/jmckib_variant_trajectory.csv").open()))
    round0 = rows[0]
    assert run(s, "mean").forecast["emission_standards"] == pytest.approx(float(round0["weighted_mean"]), abs=1e-9)
    assert run(s, "median").forecast["emission_standards"] == pytest.approx(float(round0["condorcet_median"]))


def test_the_baselines_table_of_the_examples_readme_is_what_they_give(flagship, contrast):
    """examples/README.md quoted numbers that had drifted (28 [25-31] for 27.6 [24.5-30.7]) and
    called the input band an "80 % interval"."""
    text = (EXAMPLES / "README.md").read_text()
    table = text[text.index("| issue | flagship `mean` |"):].split("\n\n")[0]
    rows = {line.split("|")[1].strip(): [c.strip() for c in line.split("|")[2:6]]
            for line in table.splitlines()[2:]}
    assert set(rows) == set(flagship.issue_ids)
    for k, (s, m) in enumerate([(flagship, "mean"), (contrast, "mean"), (flagship, "median"), (contrast, "median")]):
        r = run(s, m, draws=2000, seed=1)
        for issue, cells in rows.items():
            lo, hi = r.input_band[issue]
            assert cells[k] == f"{r.forecast[issue]:.0f} [{lo:.0f}-{hi:.0f}]", (m, s.name, issue)
