"""The Decide #A/#P/#M/#D reader: every shipped file, the negative fixture, malformed input."""

from __future__ import annotations

import pytest

from conftest import peer_file
from detente.errors import InputError
from detente.scenario.io import load

GOOD = [
    ("exchange-data/data/input/cop21.csv", 15, 13, 181),
    ("exchange-data/data/input/copenhagen.csv", 11, 7, 75),
    ("exchange-data/data/input/sample_data.txt", 10, 6, 60),
    ("exchange-data/history/data/CoP21.csv", 15, 13, 181),
    ("exchange-data/history/data/data.csv", 15, 13, 181),
    ("exchange-data/history/data/input/CoP21.csv", 15, 13, 181),
    ("exchange-data/history/data/kopenhagen.csv", 11, 9, 77),
    ("exchange-data/history/data/verkiezing 2012.csv", 11, 11, 108),
    ("bdm-data/stokman-decide/cop21.csv", 15, 13, 181),
    ("bdm-data/stokman-decide/copenhagen.csv", 11, 7, 75),
    ("bdm-data/stokman-decide/sample_data.txt", 10, 6, 60),
]


@pytest.mark.parametrize("rel,n_a,n_i,n_d", GOOD)
def test_shipped_files_load(rel, n_a, n_i, n_d):
    s = load(peer_file(rel))
    assert s.meta["format"] == "decide"
    assert (len(s.actors), len(s.issues), len(s.stances)) == (n_a, n_i, n_d)


def test_values_scale_anchors_title():
    s = load(peer_file("exchange-data/data/input/copenhagen.csv"))
    st = next(x for x in s.stances if x.actor == "USA" and x.issue == "Newtreaty")
    assert (st.position, st.salience, st.capability) == (10.0, 0.9, 0.26)
    assert s.actor("USA").capability == 0.26  # max of its per-issue powers
    s = load(peer_file("exchange-data/data/input/sample_data.txt"))
    assert (s.issue("tol-hoogte").scale.min, s.issue("tol-hoogte").scale.max) == (0.5, 7.0)
    s = load(peer_file("exchange-data/history/data/input/CoP21.csv"))
    assert s.name.startswith("CoP21 Paris negotiations")  # the tolerated #O title
    assert s.issue("differentiation").anchors[100.0] == "Annexes I and II of the Convention"
    assert s.issue("mrv").anchors[45.0] == "ICA plus multilateral consultative process"


def test_copenhagen_with_errors_points_at_the_real_errors():
    p = peer_file("exchange-data/data/input/copenhagen_with_errors.csv")
    with pytest.raises(InputError) as ei:
        load(p)
    probs = ei.value.problems
    assert [(x.line, x.field, x.value) for x in probs] == [
        (86, "#D.position", 160.0),  # Russia, Control: off the 0-100 scale
        (87, "#D.power", -0.247),  # China India, Control: negative power
    ]
    assert str(p) in str(ei.value)


def test_xlsx_is_rejected_clearly():
    p = peer_file("exchange-data/history/data/CoP21.xlsx")
    with pytest.raises(InputError) as ei:
        load(p)
    assert str(p) in str(ei.value) and "not a text scenario file" in str(ei.value)


HEAD = "#A;a;A\n#A;b;B\n#P;x;X\n#M;x;0\n#M;x;10\n"


@pytest.mark.parametrize("body,line,field,value", [
    ("#D;zz;x;5;0.5;1\n", 6, "#D.actor", "zz"),
    ("#D;a;y;5;0.5;1\n", 6, "#D.issue", "y"),
    ("#D;a;x;11;0.5;1\n", 6, "#D.position", 11.0),
    ("#D;a;x;5;1.5;1\n", 6, "#D.salience", 1.5),
    ("#D;a;x;five;0.5;1\n", 6, "#D.position", "five"),
    ("#D;a;x;5;;1\n", 6, "#D.salience", ""),
    ("#A;a;again\n#D;a;x;5;0.5;1\n", 6, "#A.key", "a"),
    ("#Q;a;x\n#D;a;x;5;0.5;1\n", 6, "tag", "#Q"),
])
def test_malformed(tmp_path, body, line, field, value):
    p = tmp_path / "bad.csv"
    p.write_text(HEAD + body)
    with pytest.raises(InputError) as ei:
        load(p)
    first = ei.value.problems[0]
    assert (first.line, first.field, first.value) == (line, field, value)
    assert f"bad.csv:{line}" in str(ei.value)


def test_tab_and_quotes(tmp_path):
    p = tmp_path / "ok.txt"
    p.write_text("'#A'\t'a b'\t'A'\t''\n'#A'\t'c'\t'C'\t''\n'#P'\t'x'\t'X'\t''\n"
                 "'#D'\t'a b'\t'x'\t20.0\t0.5\t1.0\n'#D'\t'c'\t'x'\t80\t1\t0.5\n")
    s = load(p)
    assert s.actor_ids == ["a b", "c"] and s.stances[1].capability == 0.5
