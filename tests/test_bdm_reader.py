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


HEAD = "actor,capability,position,salience\n"


def _error(tmp_path: Path, text: str, name: str = "bad.csv") -> str:
    p = tmp_path / name
    p.write_text(text, newline="")
    with pytest.raises(InputError) as e:
        load(p)
    msg = str(e.value)
    assert msg.startswith(f"{p}:") and "\n" not in msg, msg
    return msg.removeprefix(f"{p}:")


def test_quoted_names_with_the_delimiter_in_them() -> None:
    s = parse(HEAD + '"Smith, John",1,50,0.5\n"Korea, Republic of", 2, 60, 0.25\n"The ""Quartet""",3,40,1\n',
              "t.csv")
    cap = {a.id: a.capability for a in s.actors}
    assert cap == {"Smith, John": 1.0, "Korea, Republic of": 2.0, 'The "Quartet"': 3.0}
    assert [(st.position, st.salience) for st in s.stances] == [(50.0, 0.5), (60.0, 0.25), (40.0, 1.0)]
    tab = parse('Name\tx\tc\ts\n"Korea, Republic of"\t1\t0.5\t0.5\nB, the second\t2\t0.5\t1\n', "t.txt")
    assert [st.actor for st in tab.stances] == ["Korea, Republic of", "B, the second"]
    assert sniff('"Actor","Capability","Position","Salience",\r"A",1,4,0.5,\r')


@pytest.mark.parametrize("row, field, value", [
    ('A,"1,5",50,0.5', "capability", "1,5"),
    ('A,1,"50,5",0.5', "position", "50,5"),
    ('A,1,50,"0,5"', "salience", "0,5"),
])
def test_a_quoted_decimal_comma_is_an_error_not_a_shift(tmp_path: Path, row: str, field: str, value: str) -> None:
    msg = _error(tmp_path, HEAD + row + "\nB,2,60,0.5\n")
    assert msg.startswith(f"2: {field}: not a number") and repr(value) in msg


def test_an_unquoted_comma_makes_too_many_fields(tmp_path: Path) -> None:
    msg = _error(tmp_path, HEAD + "A,1,5,50,0.5\nB,2,60,0.5\n")  # once read as position 5, salience 50
    assert msg.startswith("2: 5 fields where the header has 4") and "'A,1,5,50,0.5'" in msg


@pytest.mark.parametrize("text, line, words", [
    (HEAD + '"Smith, John,1,50,0.5\nB,2,60,0.5\n', 2, ["quote is never closed"]),
    (HEAD + '"Smith" John,1,50,0.5\n', 2, ["closing quote"]),
    (HEAD + 'A,1,4,0.5\n"B\nC",1,50,0.5\nD,2,60,0.5\n', 3, ["runs over lines 3-4"]),
])
def test_broken_quoting_names_the_line(tmp_path: Path, text: str, line: int, words: list[str]) -> None:
    msg = _error(tmp_path, text)
    assert msg.startswith(f"{line}: ") and all(w in msg for w in words), msg


@pytest.mark.parametrize("sals, line, words", [
    (["0.5", "0.7", "80"], 4, ["line 4 has 80 while the others are at most 1"]),
    (["0.5", "80", "0.7", "90", "0.2"], 3, ["lines 3 (80) and 5 (90) are above 1"]),
    (["50", "80"] + ["1"] * 2, 2, ["lines 2 (50) and 3 (80) are above 1"]),  # not more than half above 1
    (["80", "70", "0.7", "90"], 4, ["line 4 has 0.7 while most others are above 1"]),
])
def test_saliences_mixing_the_scales_are_an_error(tmp_path: Path, sals: list[str], line: int,
                                                  words: list[str]) -> None:
    rows = "".join(f"A{k},1,{10 * k},{s}\n" for k, s in enumerate(sals))
    msg = _error(tmp_path, HEAD + rows)
    assert msg.startswith(f"{line}: salience: saliences mix the 0-1 and 0-100 scales: "), msg
    assert all(w in msg for w in words), msg


def test_a_clear_0_100_file_is_divided_by_100() -> None:
    s = parse(HEAD + "A,1,4,80\nB,1,5,70\nC,1,6,1\nD,1,7,0\n", "t.csv")  # 0 and 1 are valid on 0-100
    assert [st.salience for st in s.stances] == pytest.approx([0.8, 0.7, 0.01, 0.0])
    assert s.meta["salience_divided_by_100"] is True
    s = parse(HEAD + "A,1,4,1\nB,1,5,0.5\nC,1,6,0\n", "t.csv")
    assert [st.salience for st in s.stances] == [1.0, 0.5, 0.0]


@pytest.mark.parametrize("row, words", [
    ('A,"1,5",50,0.5\nB,2,60,0.5', ["bad.csv:2: capability: not a number", "'1,5'"]),
    ("A,1,50,0.5\nB,2,60,0.7\nC,1,40,80", ["bad.csv:4: salience: ", "line 4 has 80"]),
])
def test_cli_prints_one_message_and_exits_2(tmp_path: Path, capsys, row: str, words: list[str]) -> None:
    from detente.cli import main

    p = tmp_path / "bad.csv"
    p.write_text(HEAD + row + "\n")
    rc = main(["validate", str(p)])
    out, err = capsys.readouterr()
    assert rc == 2 and "Traceback" not in out + err
    errors = [ln for ln in (out + err).splitlines() if ln.strip()]
    assert len(errors) == 1 and all(w in errors[0] for w in words), errors
