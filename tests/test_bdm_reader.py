"""The BDM actor-table reader: every real file in bdm-data, the sniffer, and malformed input."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import peer_file
from detente.errors import InputError
from detente.scenario.io import load
from detente.scenario.readers.bdm_table import parse, sniff

EMISSION = {"Netherlands": (0.08, 4.0, 0.8), "Belgium": (0.08, 7.0, 0.4), "UK": (0.16, 10.0, 0.9),
            "Greece": (0.08, 7.0, 0.7)}

FILES = {  # file -> (actors, scale min, scale max)
    "scholz-emission/emission_input.csv": (10, 4, 10),
    "jmckib-scholz/ExampleActors.csv": (10, 4, 10),
    "jmckib-scholz/Sultan.csv": (17, 12.85, 14.25),
    "masad-replication/ChinaData.csv": (24, 10, 100),
    "masad-replication/ExampleActors.csv": (10, 4, 10),
    "masad-replication/HondurasCrisisData.csv": (5, 0, 1),
    "decisionmechanics-eum/emission-standards.txt": (10, 4, 10),
    "decisionmechanics-eum/iranian-election.txt": (8, 1, 10),
    "decisionmechanics-eum/argentina.txt": (17, 0, 100),
    "thirdwave-greece/greece_2015.csv": (11, 40, 100),
}


@pytest.mark.parametrize("rel", sorted(FILES))
def test_reads_every_bdm_file(rel: str) -> None:
    n, lo, hi = FILES[rel]
    s = load(peer_file(f"bdm-data/{rel}"))
    assert s.meta["format"] == "bdm"
    assert len(s.actors) == len(s.stances) == n and len(s.issues) == 1
    assert (s.issues[0].scale.min, s.issues[0].scale.max) == (lo, hi)
    assert all(0 <= st.salience <= 1 for st in s.stances)


@pytest.mark.parametrize("rel", ["scholz-emission/emission_input.csv", "jmckib-scholz/ExampleActors.csv",
                                 "masad-replication/ExampleActors.csv",
                                 "decisionmechanics-eum/emission-standards.txt"])
def test_emission_case_same_in_every_format(rel: str) -> None:
    s = load(peer_file(f"bdm-data/{rel}"))
    cap = {a.id: a.capability for a in s.actors}
    got = {st.actor: (cap[st.actor], st.position, st.salience) for st in s.stances}
    for actor, want in EMISSION.items():
        assert got[actor] == pytest.approx(want)


def test_greece_baseline_weighted_mean() -> None:
    s = load(peer_file("bdm-data/thirdwave-greece/greece_2015.csv"))
    cap = {a.id: a.capability for a in s.actors}
    w = [cap[st.actor] * st.salience for st in s.stances]
    mean = sum(wi * st.position for wi, st in zip(w, s.stances)) / sum(w)
    assert mean == pytest.approx(3_700_000 / 45_000)  # the blog's 82.22


def test_sniffer_refuses_ktab_and_decide(peers: Path) -> None:
    for p in sorted((peers / "ktab-data").rglob("*.csv"))[:20]:
        assert not sniff(p.read_text(errors="replace")), p
    for p in (peers / "bdm-data/stokman-decide").iterdir():
        assert not sniff(p.read_text(errors="replace")), p
    assert not sniff("Scenario,x\nActor,Description,Power\n")
    assert not sniff("#A;x;y\nname,capability,position,salience\n")
    assert sniff("\ufeff\tx\tc\ts\nA\t1\t2\t0.5")
    assert sniff("STAKEHOLDER,Power,X,S\r")


@pytest.mark.parametrize("text, line, field, value", [
    ("actor,capability,position,salience\nA,1,4,50\nB,x,5,50\n", 3, "capability", "x"),
    ("actor,capability,position,salience\nA,1,4,50\nB,-1,5,50\n", 3, "capability", "-1"),
    ("actor,capability,position,salience\rA,1,4,50\rB,1,5\r", 3, None, None),
    ("actor,capability,position,salience\nA,1,4,50\nA,1,5,50\n", 3, "actor", "A"),
    ("actor,capability,position,salience\nA,1,four,50\n", 2, "position", "four"),
    ("actor,capability,position,salience\nA,1,4,-5\n", 2, "salience", "-5"),
])
def test_bad_rows(tmp_path: Path, text: str, line: int, field: str | None, value: str | None) -> None:
    p = tmp_path / "bad.csv"
    p.write_text(text, newline="")
    with pytest.raises(InputError) as e:
        load(p)
    msg = str(e.value)
    assert msg.startswith(f"{p}:{line}: ")
    if field:
        assert f"{field}:" in msg and repr(value) in msg
    else:
        assert "missing column" in msg


def test_not_a_table_and_empty(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no actor rows"):
        parse("actor,capability,position,salience\n\n", "t.csv")
    with pytest.raises(InputError, match="not a BDM actor table"):
        load(tmp_path / "x.csv", fmt="bdm") if (tmp_path / "x.csv").write_text("a,b\n1,2\n") else None


def test_degenerate_scale_and_fraction_salience() -> None:
    s = parse("name\tx\tc\ts\nA\t5\t1\t0.5\nB\t5\t2\t1", "one.txt")
    assert (s.issues[0].scale.min, s.issues[0].scale.max) == (4.0, 6.0)
    assert [st.salience for st in s.stances] == [0.5, 1.0]
