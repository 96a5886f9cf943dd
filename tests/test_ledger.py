"""The sealed forecast ledger: hash chain, append-only triggers, tamper detection, re-runs, grades,
scores, SIGKILL during a seal, the DEU III replay and the commands (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import re
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Iterator

import numpy as np
import pytest
import scoringrules as sr
from sqlalchemy import create_engine, text

from detente.cli import main
from detente.errors import InputError
from detente.runner import run
from detente.scenario.arrays import scenario_hash
from detente.scenario.model import Scenario
from detente.store import ledger as lg
from detente.store.db import Base
from detente.store.ledger import GENESIS, LEVELS, Grade, Ledger, LedgerError, canonical, sha256
from detente.store.ledger_scores import analyst_scores, calibration_table, records, summary

PG_URL = os.environ.get("DETENTE_TEST_POSTGRES_URL")
DEU = Path(__file__).resolve().parents[2] / "shared" / "peers" / "deu-data" / "deu3_blksv.tsv"


def make_scenario(b_position: float = 60.0, name: str = "toy") -> Scenario:
    return Scenario.model_validate({
        "name": name,
        "actors": [{"id": "A", "capability": 1}, {"id": "B", "capability": {"low": 1, "high": 3}}],
        "issues": [{"id": "x"}, {"id": "y", "status_quo": 0, "scale": {"min": -10, "max": 10}}],
        "stances": [
            {"actor": "A", "issue": "x", "position": 20},
            {"actor": "B", "issue": "x", "position": b_position},
            {"actor": "A", "issue": "y", "position": -5, "salience": 0.5},
            {"actor": "B", "issue": "y", "position": {"low": 2, "high": 8}},
        ],
    })


def _clean(url: str) -> None:
    engine = create_engine(url)
    lg.METADATA.drop_all(engine)
    Base.metadata.drop_all(engine)
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ledger.db'}"
        return
    if not PG_URL:
        pytest.skip("PostgreSQL not available: set DETENTE_TEST_POSTGRES_URL (CI starts a server)")
    _clean(PG_URL)  # a clean database for every test
    yield PG_URL
    _clean(PG_URL)


def seal(ledger: Ledger, s: Scenario, issue: str = "x", model: str = "mean", draws: int = 1, seed: int = 1,
         analyst: str | None = None) -> lg.Entry:
    return ledger.seal(s, run(s, model, draws=draws, seed=seed), issue=issue, question=f"where does {issue} land?",
                       criterion="the agreed text, coded on the scale", resolves_by="2027-06-30", analyst=analyst)


def sql(url: str, *statements: str, **params: str) -> None:
    engine = create_engine(url)
    with engine.begin() as c:
        for st in statements:
            c.execute(text(st), params)
    engine.dispose()


def drop_triggers(url: str) -> None:
    if url.startswith("sqlite"):
        sql(url, "DROP TRIGGER ledger_entries_no_update", "DROP TRIGGER ledger_entries_no_delete")
    else:
        sql(url, "DROP TRIGGER ledger_entries_no_update_delete ON ledger_entries")


def failing(v: lg.Verification) -> dict[int, list[str]]:
    return {c.seq: c.problems for c in v.failures}


# --------------------------------------------------------------------------------------------
# the chain


@pytest.mark.parametrize("ref", ["9999999999", "#2147483648", "123456789012"])
def test_a_number_too_large_for_a_seq_is_no_record_not_a_store_error(url: str, ref: str) -> None:
    """Ten or more digits are a seq or a hash prefix: PostgreSQL refused to compare one above
    2^31 - 1 with the seq column ("integer out of range"), so a hash prefix of digits only failed
    there as an unreadable store (seen in the round trip, whose hashes vary with the time)."""
    ledger = Ledger(url)
    seal(ledger, make_scenario())
    with pytest.raises(lg.LedgerError, match=f"no record {ref.lstrip('#')} in the ledger"):
        ledger.get(ref)


def test_seal_grade_verify_round_trip(url: str) -> None:
    ledger = Ledger(url)
    s = make_scenario()
    res = run(s, "median", draws=300, seed=4)
    a = ledger.seal(s, res, issue="y", question="Where?", criterion="c", resolves_by="2027-01-31", analyst="ann")
    b = seal(ledger, s, "x")
    g = ledger.grade(a.seq, outcome=3.5, source="the record")
    assert [e.seq for e in ledger.entries()] == [1, 2, 3]
    # each hash is the SHA-256 of the stored canonical payload, chained to the previous one
    prev = GENESIS
    for e in ledger.entries():
        assert e.prev_hash == prev == e.payload["prev_hash"]
        assert e.hash == sha256(e.text) == sha256(canonical(e.payload))
        prev = e.hash
    p = a.payload
    assert p["scenario_sha256"] == scenario_hash(s) == res.input_sha256
    assert Scenario.model_validate(p["scenario"]) == s.model_copy(update={"meta": {}})
    assert (p["model"], p["seed"], p["draws"]) == ("median", 4, 300)
    assert (p["version"], p["options"]) == (res.version, res.options)
    assert p["issue"] == "y" and p["scale"] == [-10.0, 10.0] and p["analyst"] == "ann"
    assert p["forecast"] == res.forecast["y"] and p["interval"] == res.interval["y"]
    assert p["interval_source"] == "calibrated"
    assert p["quantile_levels"] == list(LEVELS) and len(p["quantiles"]) == 99
    assert p["quantiles"] == sorted(p["quantiles"]) and p["quantiles"][0] < p["quantiles"][-1]
    assert p["sealed_at"].endswith("+00:00") and p["resolves_by"] == "2027-01-31"
    assert g.payload["record"] == a.seq and g.payload["record_hash"] == a.hash and g.payload["outcome"] == 3.5
    assert ledger.head().hash == g.hash  # type: ignore[union-attr]
    assert ledger.get(b.hash[:10]).seq == b.seq == ledger.get(f"#{b.seq}").seq
    v = ledger.verify()
    assert v.ok and v.n_entries == 3 and v.reruns == 2 and v.head == g.hash, v.to_dict()
    assert Ledger(url).verify(a.seq).reruns == 1  # reopened; one record re-run


def test_interval_source_without_calibration(url: str) -> None:
    ledger = Ledger(url)
    s = make_scenario()
    res = run(s, "mean", draws=200, seed=2, options={"weights": "equal"})  # no DEU calibration for these options
    assert res.interval is None
    e = ledger.seal(s, res, issue="y", question="q", criterion="c", resolves_by="2027-01-01")
    assert e.payload["interval_source"] == "input band" and e.payload["interval"] == res.input_band["y"]
    assert e.payload["quantiles"] == np.quantile(res.trajectory.forecast[:, 1], LEVELS).tolist()
    one = ledger.seal(s, run(s, "mean", options={"weights": "equal"}), issue="x", question="q", criterion="c",
                      resolves_by="2027-01-01")
    assert one.payload["interval_source"] == "point" and one.payload["interval"] == [one.payload["forecast"]] * 2
    assert ledger.verify().ok


def test_triggers_refuse_update_delete_truncate(url: str) -> None:
    ledger = Ledger(url)
    s = make_scenario()
    seal(ledger, s)
    for st in ("UPDATE ledger_entries SET payload = '{}' WHERE seq = 1", "DELETE FROM ledger_entries",
               "UPDATE ledger_entries SET hash = 'x'"):
        with pytest.raises(Exception, match="append-only"):
            sql(url, st)
    if not url.startswith("sqlite"):
        with pytest.raises(Exception, match="append-only"):
            sql(url, "TRUNCATE ledger_entries")
    assert len(ledger.entries()) == 1 and ledger.verify().ok
    assert not any(hasattr(Ledger, m) for m in ("update", "delete", "remove", "edit"))


def test_tampered_payload_is_detected(url: str) -> None:
    ledger = Ledger(url)
    s = make_scenario()
    for issue in ("x", "y", "x"):
        seal(ledger, s, issue)
    drop_triggers(url)
    e2 = ledger.get(2)
    forged = dict(e2.payload, forecast=e2.payload["forecast"] + 1.0)
    sql(url, "UPDATE ledger_entries SET payload = :p WHERE seq = 2", p=canonical(forged))
    v = ledger.verify()
    assert not v.ok and list(failing(v)) == [2]
    assert any("does not match its hash" in p for p in failing(v)[2])
    # rewrite the hash as well: the next entry's link breaks, and the re-run disagrees with the forgery
    sql(url, f"UPDATE ledger_entries SET hash = '{sha256(canonical(forged))}' WHERE seq = 2")
    v = ledger.verify()
    assert set(failing(v)) == {2, 3}
    assert any("does not reproduce the sealed forecast" in p for p in failing(v)[2])
    assert any("link to entry 2 is broken" in p for p in failing(v)[3])


def test_tampered_outcome_is_detected(url: str) -> None:
    ledger = Ledger(url)
    s = make_scenario()
    seal(ledger, s)
    ledger.grade(1, outcome=41, source="text")
    seal(ledger, s, "y")
    drop_triggers(url)
    g = ledger.get(2)
    sql(url, "UPDATE ledger_entries SET payload = :p WHERE seq = 2",
        p=g.text.replace('"outcome":41.0', '"outcome":61.0'))
    assert records(ledger)[0]["outcome"] == 61.0  # the change is visible...
    v = ledger.verify(rerun=False)
    assert list(failing(v)) == [2] and "changed after it was written" in failing(v)[2][0]  # ...and detected
    sql(url, "UPDATE ledger_entries SET payload = :p WHERE seq = 2", p=g.text)  # put back
    assert ledger.verify(rerun=False).ok
    sql(url, "UPDATE ledger_entries SET record = 3 WHERE seq = 2")  # the grade's column moved to record 3
    assert "differ from its payload" in failing(ledger.verify(rerun=False))[2][0]


def test_deleted_middle_entry_is_detected(url: str) -> None:
    ledger = Ledger(url)
    s = make_scenario()
    for issue in ("x", "y", "x", "y"):
        seal(ledger, s, issue)
    drop_triggers(url)
    sql(url, "DELETE FROM ledger_entries WHERE seq = 2")
    v = ledger.verify(rerun=False)
    assert list(failing(v)) == [3]
    assert any("jumps from entry 1 to entry 3" in p for p in failing(v)[3])
    assert any("link to entry 2 is broken" in p for p in failing(v)[3])
    # a published head catches a rewrite of the whole tail
    head = ledger.head().hash  # type: ignore[union-attr]
    sql(url, "DELETE FROM ledger_entries WHERE seq = 4")
    assert ledger.verify(rerun=False, expect_head=head[:16]).chain_problems
    assert not Ledger(url).verify(rerun=False, expect_head=ledger.get(1).hash).chain_problems


def rewrite(url: str, seq: int, change) -> None:  # type: ignore[no-untyped-def]
    """Change entry ``seq``'s payload by SQL and store its new hash too (a consistent forgery)."""
    e = Ledger(url).get(seq)
    payload = dict(e.payload)
    change(payload)
    drop_triggers(url)
    sql(url, "UPDATE ledger_entries SET payload = :p, hash = :h WHERE seq = :s", p=canonical(payload),
        h=sha256(canonical(payload)), s=str(seq))


@pytest.mark.parametrize("change, problem", [
    (lambda p: p.update(record=[1]), "it grades record [1], which is not a sealed record before it"),
    (lambda p: p.update(outcome="abc"), "its outcome is not a number (got 'abc')"),
    (lambda p: p.update(outcome=250.0), "its outcome 250 is off the scale [0, 100] of record 1"),
    (lambda p: p.update(source=""), "it names no source"),
])
def test_verify_names_a_malformed_grade_at_the_head(url: str, change, problem: str) -> None:  # type: ignore[no-untyped-def]
    """The last entry rewritten with its hash: no link after it breaks, but its payload must still
    make sense (and verify must not crash on it)."""
    ledger = Ledger(url)
    seal(ledger, make_scenario())
    ledger.grade(1, outcome=41, source="text")
    rewrite(url, 2, change)
    v = Ledger(url).verify(rerun=False)
    assert list(failing(v)) == [2] and problem in " | ".join(failing(v)[2]), v.to_dict()


def test_verify_names_a_malformed_seal(url: str) -> None:
    ledger = Ledger(url)
    seal(ledger, make_scenario())
    rewrite(url, 1, lambda p: p.update(interval=[60.0], quantiles="x"))
    problems = " | ".join(failing(Ledger(url).verify(rerun=False))[1])
    assert "its interval is not a pair of numbers low <= high (got [60.0])" in problems
    assert "its quantiles are not two lists of numbers of one length" in problems


def test_missing_triggers_are_created_again_on_open(url: str) -> None:
    ledger = Ledger(url)
    seal(ledger, make_scenario())
    drop_triggers(url)
    Ledger(url)  # any later open puts them back
    with pytest.raises(Exception, match="append-only"):
        sql(url, "UPDATE ledger_entries SET payload = '{}' WHERE seq = 1")
    with pytest.raises(Exception, match="append-only"):
        sql(url, "DELETE FROM ledger_entries")
    assert Ledger(url).verify(rerun=False).ok


def test_a_read_only_copy_without_triggers_still_verifies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """Re-creating missing triggers on open must not lock an auditor out of a read-only copy: it
    opens, verifies, and says the triggers are missing."""
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "l.db"
    assert Path("file:").exists() is False
    seal(Ledger(f"sqlite:///{db}"), make_scenario())
    read_only = f"sqlite:///file:{db}?mode=ro&uri=true"
    v = Ledger(read_only).verify(rerun=False)
    assert v.ok and not v.warnings
    drop_triggers(f"sqlite:///{db}")
    ledger = Ledger(read_only)
    assert ledger.missing_triggers == ["ledger_entries_no_update", "ledger_entries_no_delete"]
    v = ledger.verify(rerun=False)
    assert v.ok and "are missing and could not be created" in v.warnings[0]
    assert main(["verify", "--no-rerun", "--store", read_only]) == 0
    assert "warning: the append-only triggers ledger_entries_no_update" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == [db]  # a URI file name is no path: no folder 'file:' made for it


KILL_AT_CREATE = textwrap.dedent("""
    import os, signal, sys
    from sqlalchemy import event
    from detente.store import ledger as lg
    # killed right after CREATE TABLE ledger_entries, before its triggers (not one transaction on SQLite)
    event.listen(lg.ENTRIES, "after_create", lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL), insert=True)
    lg.Ledger(sys.argv[1])
""")


def test_sigkill_at_the_first_open_leaves_the_ledger_append_only(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    proc = subprocess.run([sys.executable, "-c", KILL_AT_CREATE, url], capture_output=True, text=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    ledger = Ledger(url)
    seal(ledger, make_scenario())
    with pytest.raises(Exception, match="append-only"):
        sql(url, "UPDATE ledger_entries SET payload = '{}' WHERE seq = 1")


@pytest.mark.parametrize("head", ["", "  ", "zz", "0", "b34de6", "g" * 12])
def test_verify_head_needs_a_published_hash(url: str, head: str, capsys: pytest.CaptureFixture[str]) -> None:
    ledger = Ledger(url)
    seal(ledger, make_scenario())
    with pytest.raises(InputError, match="--head: expected the published head hash: 12 to 64 hex digits"):
        ledger.verify(rerun=False, expect_head=head)
    assert main(["verify", "--no-rerun", "--head", head, "--store", url]) == 2
    assert "12 to 64 hex digits" in capsys.readouterr().err
    assert ledger.verify(rerun=False, expect_head=ledger.head().hash[:12].upper()).ok  # type: ignore[union-attr]


def test_a_head_not_in_the_chain_may_be_a_typo_and_the_count_says_the_chain_failed(
        url: str, capsys: pytest.CaptureFixture[str]) -> None:
    """``--head deadbeef0000`` said "the ledger was rewritten" and then "0 of 3 entries fail"."""
    ledger = Ledger(url)
    seal(ledger, make_scenario())
    assert main(["verify", "--no-rerun", "--head", "deadbeef0000", "--store", url]) == 1
    out = " ".join(capsys.readouterr().out.replace("\u2502", " ").split())
    assert "either the ledger was rewritten since it was published, or the hash is mistyped" in out
    assert "0 of 1 entries fail; the chain as a whole fails 1 check;" in out


def test_concurrent_writer_conflict_is_retried(url: str) -> None:
    ledger, other = Ledger(url), Ledger(url)
    s = make_scenario()
    res = run(s, "mean")
    fired = []

    def hook(stage: str) -> None:
        if stage == "head" and not fired:  # another writer appends between our read of the head and our insert
            fired.append(1)
            other.seal(s, res, issue="y", question="other", criterion="c", resolves_by="2027-01-01")

    Ledger._hook = hook
    try:
        mine = ledger.seal(s, res, issue="x", question="mine", criterion="c", resolves_by="2027-01-01")
    finally:
        Ledger._hook = None
    entries = ledger.entries()
    assert fired and [e.payload["question"] for e in entries] == ["other", "mine"]
    assert mine.seq == 2 and mine.prev_hash == entries[0].hash and ledger.verify().ok


WRITER = textwrap.dedent("""
    import sys, time
    from detente.runner import run
    from detente.scenario.model import Scenario
    from detente.store.ledger import Ledger, LedgerError
    url, name, start, scenario = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
    s = Scenario.model_validate_json(scenario)
    ledger, res = Ledger(url), run(s, "mean")
    time.sleep(max(0.0, start - time.time()))  # both writers start together
    ok = 0
    for k in range(4):
        try:
            ledger.seal(s, res, issue="x", question=f"{name}{k}", criterion="c", resolves_by="2027-01-01")
            ok += 1
        except LedgerError as e:  # two conflicts in a row: refused whole, with a clear message
            assert "another writer" in str(e), e
    print(ok)
""")


@pytest.mark.slow
def test_two_writers_at_once_keep_one_linear_chain(url: str) -> None:
    Ledger(url)  # the table exists before the writers start
    start = time.time() + 6
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, url, name, str(start), make_scenario().model_dump_json()],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for name in ("a", "b")]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    written = sum(int(o.strip()) for o, _ in outs)
    ledger = Ledger(url)
    entries = ledger.entries()
    assert written >= 6 and len(entries) == written
    assert [e.seq for e in entries] == list(range(1, written + 1)) and ledger.verify(rerun=False).ok


def test_a_failed_batch_leaves_nothing(url: str) -> None:
    ledger = Ledger(url)
    s = make_scenario()
    res = run(s, "mean")
    good = lg.seal_payload(s, res, issue="x", question="q", criterion="c", resolves_by="2027-01-01")
    with pytest.raises(LedgerError, match="no record 7"):
        ledger.append([good, Grade(7, 1.0, "s")])
    assert ledger.entries() == []


# --------------------------------------------------------------------------------------------
# grades


def test_grade_refusals(url: str) -> None:
    ledger = Ledger(url)
    s = make_scenario()
    seal(ledger, s, "y")
    with pytest.raises(LedgerError, match="no record 5"):
        ledger.grade(5, outcome=1, source="s")
    with pytest.raises(LedgerError, match="not a record"):
        ledger.grade("??", outcome=1, source="s")
    for bad in (11.0, -10.5, float("nan")):
        with pytest.raises(InputError, match=r"--outcome: off the scale \[-10, 10\] of issue 'y' of record 1"):
            ledger.grade(1, outcome=bad, source="s")
    with pytest.raises(InputError, match="--source"):
        ledger.grade(1, outcome=1, source=" ")
    assert len(ledger.entries()) == 1  # nothing appended by a refusal
    ledger.grade(1, outcome=10, source="s")  # the end of the scale is on it
    with pytest.raises(LedgerError, match="record 1 is already graded"):
        ledger.grade(1, outcome=2, source="again")
    with pytest.raises(LedgerError, match="entry 2 is a grade"):
        ledger.grade(2, outcome=2, source="s")
    assert len(ledger.entries()) == 2 and ledger.verify().ok


def test_seal_refusals() -> None:
    ledger = Ledger("sqlite://")
    s = make_scenario()
    res = run(s, "mean")
    with pytest.raises(InputError, match="has 2 issues"):
        ledger.seal(s, res, question="q", criterion="c", resolves_by="2027-01-01")
    with pytest.raises(InputError, match="--issue: no such issue"):
        ledger.seal(s, res, issue="z", question="q", criterion="c", resolves_by="2027-01-01")
    with pytest.raises(InputError, match="--resolves-by"):
        ledger.seal(s, res, issue="x", question="q", criterion="c", resolves_by="30/06/2027")
    with pytest.raises(InputError, match="--criterion"):
        ledger.seal(s, res, issue="x", question="q", criterion="", resolves_by="2027-01-01")
    with pytest.raises(LedgerError, match="another scenario"):
        ledger.seal(make_scenario(90), res, issue="x", question="q", criterion="c", resolves_by="2027-01-01")
    assert ledger.entries() == []


def test_analyst_defaults_to_the_scenarios_own() -> None:
    class WithAnalyst:
        analyst = "Bea"

    assert lg.scenario_analyst(WithAnalyst()) == "Bea" and lg.scenario_analyst(make_scenario()) is None


# --------------------------------------------------------------------------------------------
# re-runs


def test_verify_re_runs_bit_for_bit_and_names_a_version_change(url: str) -> None:
    ledger = Ledger(url)
    s = make_scenario()
    res = run(s, "mean", draws=500, seed=9)
    p = lg.seal_payload(s, res, issue="y", question="q", criterion="c", resolves_by="2027-01-01")
    off = dict(p, quantiles=[q + 1e-12 for q in p["quantiles"]])  # a last-bits difference only
    old = dict(p, version="0.0.1", forecast=p["forecast"] + 0.5)
    ledger.append([p, off, old])
    v = ledger.verify()
    assert v.reruns == 3 and list(failing(v)) == [2, 3]
    assert [c.rerun for c in v.checks] == ["reproduced", "not reproduced", "not reproduced"]
    assert failing(v)[2] == ["the re-run does not reproduce the sealed quantiles: the values differ"]
    assert "sealed with detente 0.0.1, this is detente" in failing(v)[3][0]
    assert ledger.verify(1).ok  # only record 1 re-run; the chain itself is intact


# --------------------------------------------------------------------------------------------
# scores


def test_scores_against_scoringrules(url: str) -> None:
    ledger = Ledger(url)
    rng = np.random.default_rng(3)
    outcomes = {}
    for k in range(24):
        s = make_scenario(float(rng.uniform(30, 100)), name=f"s{k}")
        e = seal(ledger, s, "x", model=("mean", "median")[k % 2], draws=200, seed=k,
                 analyst=("ann", "bob", None)[k % 3])
        if k < 22:
            outcomes[e.seq] = float(rng.uniform(0, 100))
            ledger.grade(e.seq, outcome=outcomes[e.seq], source="s")
    rows = records(ledger)
    graded = [r for r in rows if r["outcome"] is not None]
    assert len(rows) == 24 and len(graded) == 22
    for r in graded:
        p = ledger.get(r["record"]).payload
        y, q, lv = outcomes[r["record"]], np.array(p["quantiles"]), np.array(p["quantile_levels"])
        assert r["crps"] == pytest.approx(float(sr.crps_quantile(y, q, lv, backend="numpy")), rel=1e-12)
        pinball = np.where(y >= q, lv * (y - q), (1 - lv) * (q - y))  # the definition, by hand
        assert r["crps"] == pytest.approx(2 * pinball.mean(), rel=1e-12)
        assert r["abs_error"] == abs(p["forecast"] - y)
        assert r["covered_80"] == (p["interval"][0] <= y <= p["interval"][1])
    ann = [r for r in graded if r["analyst"] == "ann"]
    sc = analyst_scores(ledger)
    assert set(sc) == {"ann", "bob"}  # no analyst: left out
    assert sc["ann"]["n"] == len(ann)
    assert sc["ann"]["mae"] == pytest.approx(np.mean([r["abs_error"] for r in ann]))
    assert sc["ann"]["coverage_80"] == pytest.approx(np.mean([r["covered_80"] for r in ann]))
    assert sc["ann"]["crps"] == pytest.approx(np.mean([r["crps"] for r in ann]))
    data = summary(ledger)
    assert data["by_model"]["median"]["n"] == 11 and data["by_model"]["median"]["n_sealed"] == 12
    cal = data["calibration"]
    assert [c["nominal"] for c in cal] == [0.5, 0.8, 0.9]
    for c, (lo, hi) in zip(cal, [(24, 74), (9, 89), (4, 94)]):  # indices of 25/75, 10/90, 5/95 %
        held = [ledger.get(r["record"]).payload["quantiles"][lo] <= r["outcome"]
                <= ledger.get(r["record"]).payload["quantiles"][hi] for r in graded]
        assert c["observed"] == pytest.approx(np.mean(held)) and c["n"] == 22
    assert calibration_table(graded[:19]) is None  # fewer than 20 graded: no table
    assert summary(ledger, model="mean", analyst="ann")["overall"]["n"] == sum(
        r["model"] == "mean" for r in ann)


def test_a_point_forecast_scores_its_absolute_error() -> None:
    ledger = Ledger("sqlite://")
    s = make_scenario()
    res = run(s, "mean", options={"weights": "equal"})  # one draw, no calibration: a point
    ledger.seal(s, res, issue="x", question="q", criterion="c", resolves_by="2027-01-01")
    ledger.grade(1, outcome=52, source="s")
    r = records(ledger)[0]
    assert r["abs_error"] == 12.0 and r["crps"] == pytest.approx(12.0, rel=1e-12) and r["covered_80"] is False


# --------------------------------------------------------------------------------------------
# SIGKILL during a seal

KILL_SCRIPT = textwrap.dedent("""
    import os, signal, sys
    from detente.cli import main
    from detente.store.ledger import Ledger
    stage, argv = sys.argv[1], sys.argv[2:]
    def hook(s):
        if s == stage:
            os.kill(os.getpid(), signal.SIGKILL)
    Ledger._hook = hook
    main(argv)
    print("not killed")
""")


@pytest.mark.slow
def test_sigkill_during_seal_leaves_no_partial_record(url: str, tmp_path: Path) -> None:
    ledger = Ledger(url)
    s = make_scenario()
    seal(ledger, s)
    scen = tmp_path / "s.json"
    scen.write_text(s.model_dump_json())
    argv = ["seal", str(scen), "--model", "mean", "--draws", "50", "--issue", "y", "--question", "q",
            "--criterion", "c", "--resolves-by", "2027-01-01", "--store", url]
    expected = 1
    for stage in ("head", "inserted", "commit", "committed"):
        proc = subprocess.run([sys.executable, "-c", KILL_SCRIPT, stage, *argv], capture_output=True, text=True,
                              timeout=120)
        assert proc.returncode == -signal.SIGKILL, proc.stderr
        expected += stage == "committed"  # killed after the commit: the record is complete
        entries = Ledger(url).entries()
        assert len(entries) == expected, stage
        assert Ledger(url).verify().ok, stage
    # the real command killed at several moments: afterwards no record or a complete one
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    for delay in (0.3, 1.0, 2.0):
        before = len(Ledger(url).entries())
        proc = subprocess.Popen([sys.executable, "-m", "detente", *argv], env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        after = Ledger(url)
        assert len(after.entries()) in (before, before + 1)
        assert after.verify(rerun=False).ok, delay
    assert Ledger(url).verify().ok


# --------------------------------------------------------------------------------------------
# the DEU III replay


@pytest.mark.slow
def test_deu_replay_reproduces_the_backtest_mae(tmp_path: Path) -> None:
    if not DEU.exists():
        pytest.skip(f"DEU III data not found at {DEU}")
    from detente.backtest.deu import backtest
    from detente.store.ledger_replay import replay_deu

    ledger = Ledger(f"sqlite:///{tmp_path / 'deu.db'}")
    t0 = time.perf_counter()
    new = replay_deu(DEU, ledger, "mean")
    assert time.perf_counter() - t0 < 30
    assert len(new) == 702 and {e.kind for e in new[:351]} == {"seal"} and {e.kind for e in new[351:]} == {"grade"}
    data = summary(ledger)
    score = backtest(DEU, ["mean"], out_of_sample=False)[0]
    assert data["overall"]["n"] == score.n_issues == 351
    assert data["overall"]["mae"] == pytest.approx(score.mae, abs=1e-9)
    assert round(data["overall"]["mae"], 2) == 23.64
    by_issue = {r["issue"]: r["forecast"] for r in data["records"]}
    assert by_issue == pytest.approx(score.forecasts, abs=1e-9)
    p = new[0].payload
    assert p["meta"]["replay"] == "DEU III" and p["analyst"] is None
    assert all(i.get("outcome") is None for i in p["scenario"]["issues"])  # sealed without the answer
    assert data["calibration"] is not None and analyst_scores(ledger) == {}
    v = ledger.verify()
    assert v.ok and v.reruns == 351, v.to_dict()
    with pytest.raises(LedgerError, match="already holds this DEU III replay"):
        replay_deu(DEU, ledger, "mean")
    assert len(ledger.entries()) == 702


# --------------------------------------------------------------------------------------------
# the commands


def test_commands(url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    s = make_scenario()
    scen = tmp_path / "s.json"
    scen.write_text(s.model_dump_json())
    base = ["--model", "mean", "--criterion", "the signed text", "--resolves-by", "2027-06-30", "--store", url]
    assert main(["seal", str(scen), "--issue", "x", "--question", "Where does x land?", *base]) == 0
    out = capsys.readouterr().out
    assert "sealed record 1" in out and Ledger(url).head().hash in out  # type: ignore[union-attr]
    assert main(["seal", str(scen), "--issue", "y", "--question", "And y?", "--analyst", "ann", "-n", "100",
                 *base, "--format", "json"]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert rec["record"] == 2 and rec["analyst"] == "ann" and rec["issue"] == "y"
    assert main(["grade", "1", "--outcome", "45", "--source", "the treaty", "--store", url]) == 0
    assert "absolute error" in capsys.readouterr().out
    assert main(["grade", rec["hash"][:12], "--outcome", "2.5", "--source", "x", "--store", url, "-f", "json"]) == 0
    g = json.loads(capsys.readouterr().out)
    assert g["record"] == 2 and g["outcome"] == 2.5
    assert main(["verify", "--store", url]) == 0
    assert "reproduced bit for bit" in capsys.readouterr().out
    assert main(["ledger", "--store", url]) == 0
    out = capsys.readouterr().out
    assert "Where does x land?" in out and "track record per analyst" in out and "from 20 graded" in out
    assert main(["ledger", "--store", url, "--analyst", "ann", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [r["record"] for r in data["records"]] == [2] and data["by_analyst"]["ann"]["n"] == 1
    assert main(["seal", str(scen), "--issue", "y", "--question", "Third", *base]) == 0
    capsys.readouterr()
    # bad input: exit 2, a message, no traceback
    for argv, msg in [
        (["seal", str(scen), "--question", "q", *base], "has 2 issues"),
        (["seal", str(scen), "--issue", "x", "--question", "q", *base[:-4], "--resolves-by", "soon", "--store", url],
         "--resolves-by: expected a date"),
        (["seal", str(scen), "--issue", "x", "--question", "q", *base[:1], "nosuch", *base[2:]], "unknown model"),
        (["seal", str(tmp_path / "none.yaml"), "--issue", "x", "--question", "q", *base], "none.yaml"),
        (["grade", "9", "--outcome", "1", "--source", "s", "--store", url], "no record 9"),
        (["grade", "1", "--outcome", "3", "--source", "s", "--store", url], "already graded"),
        (["grade", "5", "--outcome", "30", "--source", "s", "--store", url], "off the scale"),
        (["grade", "5", "--outcome", "abc", "--source", "s", "--store", url],
         "--outcome: expected a number (got 'abc')"),
        (["verify", "77", "--store", url], "no record 77"),
        (["ledger", "--store", "postgresql+psycopg://u:pw@127.0.0.1:1/x?connect_timeout=2"], "cannot open"),
    ]:
        assert main(argv) == 2, argv
        cap = capsys.readouterr()
        assert msg in cap.err + cap.out and "Traceback" not in cap.err + cap.out, (argv, cap)
    assert len(Ledger(url).entries()) == 5
    # tampering by SQL: verify exits 1 naming the record
    drop_triggers(url)
    sql(url, "UPDATE ledger_entries SET payload = replace(payload, :a, :b) WHERE seq = 3",
        a='"outcome":45.0', b='"outcome":44.0')
    assert main(["verify", "--store", url]) == 1
    out = capsys.readouterr().out
    assert "FAILED" in out and "changed after it was written" in out and re.search(r"│ +3 │ grade", out)
    assert main(["verify", "--store", url, "--format", "json"]) == 1
    assert [f["seq"] for f in json.loads(capsys.readouterr().out)["failures"]] == [3]


def test_ledger_table_keeps_words_whole_and_each_record_in_its_scale_decimals(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """A 140-column pipe shows every column with whole headers (it broke "analys|t", "outcom|e");
    a forecast has its scale's decimals (x on 0-100: one; y on -10..10: two, as `detente run`);
    an 80-column terminal leaves columns out, says which, and never breaks a header or a number."""
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    scen = tmp_path / "s.json"
    scen.write_text(make_scenario().model_dump_json())
    base = ["--model", "mean", "--criterion", "the signed text", "--resolves-by", "2027-06-30", "--store", url]
    assert main(["seal", str(scen), "--issue", "x", "--question", "Where does x land by the summer?",
                 "--analyst", "A. Analyst", *base]) == 0
    assert "mean forecasts x = 46.7, 80 % interval" in capsys.readouterr().out
    assert main(["seal", str(scen), "--issue", "y", "--question", "And y?", *base]) == 0
    capsys.readouterr()
    assert main(["grade", "1", "--outcome", "45", "--source", "the treaty", "--store", url]) == 0
    assert "forecast 46.7, absolute error 1.7," in capsys.readouterr().out
    assert main(["ledger", "--store", url]) == 0
    out = capsys.readouterr().out
    header = next(line for line in out.splitlines() if "record" in line and "┃" in line)
    for col in ("question", "issue", "model", "analyst", "forecast", "80 % interval", "resolves by", "outcome",
                "abs error", "held", "CRPS"):
        assert f" {col} " in header, (col, out)
    rows = [line for line in out.splitlines() if line.startswith("│") and " mean " in line]
    assert " 46.7 " in rows[0] and " 45.0 " in rows[0] and " 1.7 " in rows[0] and "A. Analyst" in rows[0], out
    assert " 3.00 " in rows[1], out  # y, on a scale of width 20: two decimals
    assert "left out" not in out
    monkeypatch.setattr("detente.cli.ledger.stdout_width", lambda: 80)
    assert main(["ledger", "--store", url]) == 0
    out = capsys.readouterr().out
    table = [line for line in out.splitlines() if line[:1] in "┏┃┡│└"]
    assert table and max(len(line) for line in table) <= 80, out
    header = next(line for line in table if line.startswith("┃") and "record" in line)
    assert all(f" {col} " in header for col in ("record", "issue", "forecast", "80 % interval", "outcome", "held"))
    assert "left out to fit 80 columns:" in out and "CRPS" in out.split("left out")[1], out


@pytest.mark.slow
def test_replay_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if not DEU.exists():
        pytest.skip(f"DEU III data not found at {DEU}")
    url = f"sqlite:///{tmp_path / 'deu.db'}"
    assert main(["ledger", "--replay-deu", str(DEU), "--store", url, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["overall"]["n"] == 351 and round(data["overall"]["mae"], 2) == 23.64
    assert data["by_model"]["mean"]["n"] == 351
    assert main(["ledger", "--store", url, "--limit", "3"]) == 0
    out = capsys.readouterr().out
    assert "last 3 shown" in out and "calibration of the sealed distributions" in out and "replay" in out
    assert main(["ledger", "--replay-deu", str(tmp_path / "missing.tsv"), "--store", url]) == 2
    assert "missing.tsv" in capsys.readouterr().err


def test_ledger_model_filter_knows_old_names_and_refuses_unknown_ones(tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'l.db'}"
    ledger = Ledger(url)
    s = make_scenario()
    seal(ledger, s, model="bdm")
    seal(ledger, s, model="mean")
    gone = lg.seal_payload(s, run(s, "mean"), issue="x", question="q", criterion="c", resolves_by="2027-01-01")
    ledger.append([{**gone, "model": "retired"}])  # a model no longer installed
    for name, expected in (("eu", [1]), ("bdm", [1]), ("retired", [3])):
        assert main(["ledger", "--model", name, "--store", url, "--format", "json"]) == 0
        assert [r["record"] for r in json.loads(capsys.readouterr().out)["records"]] == expected, name
    assert main(["ledger", "--model", "nosuch", "--store", url]) == 2
    assert "unknown model 'nosuch'" in capsys.readouterr().err


def test_a_hash_prefix_of_digits_only_finds_its_record(tmp_path: Path) -> None:
    """A hash may start with 0-9 only (one in 16 for 6 digits): such a prefix that is no record number
    is looked up as a hash prefix."""
    s = make_scenario()
    res = run(s, "mean")
    for k in range(2000):  # a question whose first entry's hash starts with 8 decimal digits
        p = lg.seal_payload(s, res, issue="x", question=f"q{k}", criterion="c", resolves_by="2027-01-01")
        h = sha256(canonical({**p, "seq": 1, "prev_hash": GENESIS}))
        if h[:8].isdigit():
            break
    else:
        pytest.fail("no digits-only hash in 2000 tries")
    ledger = Ledger(f"sqlite:///{tmp_path / 'l.db'}")
    (e,) = ledger.append([p])
    assert e.hash == h and ledger.get(h[:8]).seq == 1
    assert ledger.grade(h[:8], outcome=50, source="s").payload["record"] == 1
    assert ledger.get("1").seq == 1  # a number that is a record stays that record


def test_a_refused_seal_creates_no_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scen = tmp_path / "s.json"
    scen.write_text(make_scenario().model_dump_json())
    db = tmp_path / "new.db"

    def argv(issue: str = "x", question: str = "q", criterion: str = "c", date: str = "2027-02-28") -> list[str]:
        return ["seal", str(scen), "--model", "mean", "--issue", issue, "--question", question,
                "--criterion", criterion, "--resolves-by", date, "--store", f"sqlite:///{db}"]

    for args, msg in [(argv(date="2027-02-30"), "--resolves-by: expected a date"),
                      (argv(question="  "), "--question: give the question"),
                      (argv(criterion=""), "--criterion: give the criterion"),
                      (argv(issue="z"), "no such issue")]:
        assert main(args) == 2, args
        assert msg in capsys.readouterr().err, args
        assert not db.exists(), args
    assert main(argv()) == 0 and db.exists()


def test_replaying_a_table_without_scored_issues_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if not DEU.exists():
        pytest.skip(f"DEU III data not found at {DEU}")
    header = tmp_path / "header-only.tsv"
    header.write_text(DEU.read_text().splitlines()[0] + "\n")
    url = f"sqlite:///{tmp_path / 'deu.db'}"
    assert main(["ledger", "--replay-deu", str(header), "--store", url]) == 2
    err = capsys.readouterr().err
    assert "header-only.tsv: no scored DEU III issue in the table" in err and "internal error" not in err
    assert Ledger(url).entries() == []


def test_grade_scores_its_record_whatever_the_rest_of_the_ledger_holds(url: str, tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """A malformed entry elsewhere (rewritten by SQL) made `grade` append the grade and then exit 1
    with an internal error while scoring the whole ledger: the user could not tell the grade was in."""
    ledger = Ledger(url)
    s = make_scenario()
    seal(ledger, s)
    seal(ledger, s, "y")
    ledger.grade(1, outcome=41, source="text")
    rewrite(url, 3, lambda p: p.update(outcome="abc"))
    assert main(["grade", "2", "--outcome", "5", "--source", "the text", "--store", url, "--format", "json"]) == 0
    row = json.loads(capsys.readouterr().out)
    assert row["record"] == 2 and row["outcome"] == 5.0 and row["abs_error"] == pytest.approx(abs(5 - row["forecast"]))


@pytest.mark.parametrize("seq, change, flagged", [
    (3, lambda p: p.update(outcome="abc"), True),
    (3, lambda p: p.update(record=[1]), False),  # a grade of no record: record 1 is ungraded (verify names it)
    (1, lambda p: p.update(interval=[60.0], quantiles="x"), True),
    (1, lambda p: p.pop("forecast"), True),
])
def test_ledger_lists_a_ledger_with_a_malformed_entry(url: str, capsys: pytest.CaptureFixture[str], seq, change,
                                                      flagged: bool) -> None:  # type: ignore[no-untyped-def]
    """An entry rewritten by SQL is listed unscored with a warning pointing to verify, not an internal error."""
    ledger = Ledger(url)
    s = make_scenario()
    seal(ledger, s)
    seal(ledger, s, "y")
    ledger.grade(1, outcome=41, source="text")
    ledger.grade(2, outcome=5, source="text")
    rewrite(url, seq, change)
    assert main(["ledger", "--store", url]) == 0
    err = capsys.readouterr().err
    assert "internal error" not in err and ("run `detente verify`" in err) == flagged
    assert main(["ledger", "--store", url, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    rows = {r["record"]: r for r in data["records"]}
    assert rows[2]["outcome"] == 5.0 and rows[2]["malformed"] is None  # the sound record is still scored
    assert rows[1]["outcome"] is None and rows[1]["crps"] is None and data["overall"]["n"] == 1
    assert bool(rows[1]["malformed"]) == flagged


def test_an_empty_ledger_says_so_instead_of_ok_or_an_empty_table(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """`verify` said "ok 0 entries: every hash and link checks" of a store whose ledger had been
    dropped, and `ledger` printed an empty 12-column table."""
    url = f"sqlite:///{tmp_path / 'l.db'}"
    ledger = Ledger(url)
    seal(ledger, make_scenario())
    sql(url, "DROP TABLE ledger_entries")  # what deleting every entry leaves: an empty chain
    assert main(["verify", "--store", url]) == 0
    out, err = capsys.readouterr()
    assert "nothing to verify" in out and "ok" not in out
    assert "the ledger is empty" in err and "--head" in err
    assert main(["verify", "--store", url, "--format", "json"]) == 0
    assert "the ledger is empty" in json.loads(capsys.readouterr().out)["warnings"][0]
    assert main(["ledger", "--store", url]) == 0
    out = capsys.readouterr().out
    assert "nothing sealed yet" in out and "┏" not in out
    # a store of recorded runs only: they are not sealed, said so, with what repeats one
    runs_only = tmp_path / "runs.db"
    from detente.runner import run
    from detente.store.db import Store

    s = make_scenario()
    Store(f"sqlite:///{runs_only}").save(s, run(s, "mean"))
    assert main(["verify", "--store", f"sqlite:///{runs_only}"]) == 0
    err = " ".join(capsys.readouterr().err.split())
    assert "this store's 1 recorded run is not sealed (`detente runs rerun ID` repeats one)" in err, err
    seal(Ledger(url), make_scenario())
    assert main(["ledger", "--store", url, "--analyst", "nobody"]) == 0
    out = capsys.readouterr().out
    assert "no records of analyst 'nobody'" in out and "┏" not in out


def test_grading_before_the_resolution_date_warns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A grade cannot be removed; one given before the record's resolves-by date said nothing."""
    import datetime as dt

    url = f"sqlite:///{tmp_path / 'l.db'}"
    ledger = Ledger(url)
    s = make_scenario()
    seal(ledger, s)  # resolves by 2027-06-30
    past = lg.seal_payload(s, run(s, "mean"), issue="x", question="q", criterion="c", resolves_by="2020-01-01")
    ledger.append([past])
    capsys.readouterr()
    assert main(["grade", "2", "--outcome", "30", "--source", "s", "--store", url]) == 0
    assert "warning" not in capsys.readouterr().err
    early = dt.date.today() < dt.date(2027, 6, 30)
    assert main(["grade", "1", "--outcome", "30", "--source", "s", "--store", url, "--format", "json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["record"] == 1
    assert ("record 1 resolves by 2027-06-30: graded before that date" in err) is early


def test_a_scenario_with_whole_numbers_in_its_war_block_or_options_verifies(url: str) -> None:
    """The input hash reads whole numbers in ``war`` and ``model_options`` as floats (a browser's
    JSON keeps no 0 / 0.0 difference); verify re-hashed the stored dump without that, and failed
    every sealed record of the flagship ("its scenario does not match the scenario's SHA-256")."""
    from conftest import EXAMPLES
    from detente.scenario.io import load

    flagship = load(EXAMPLES / "ukraine-settlement.yaml")
    options = make_scenario().model_copy(update={"model_options": {"bdm": {"rounds": 5}}})
    ledger = Ledger(url)
    seal(ledger, flagship, issue="territory")
    seal(ledger, options)
    v = Ledger(url).verify(rerun=False)
    assert v.ok, v.to_dict()
    # a record sealed before the hash read those numbers as floats keeps verifying
    rewrite(url, 2, lambda p: p.update(scenario_sha256=sha256(canonical(p["scenario"]))))
    assert failing(Ledger(url).verify(rerun=False)) == {}
