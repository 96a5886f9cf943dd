"""KTAB SMP CSV/XML reader and CSV writer (``ktab.md`` §3)."""

from __future__ import annotations

from pathlib import Path

import pytest

from detente.errors import InputError
from detente.scenario.io import dumps, load
from detente.scenario.model import Scenario
from detente.scenario.readers.ktab import sniff_csv, sniff_xml

from conftest import peer_file

DOC = "ktab-data/examples/smp/doc/"
GOOD = "toy, a toy scenario, 3, 2,\nActor, Description, Power, Tax, TaxSal, Aid, AidSal,\n" \
       "A, first, 10, 20, 50, 40, 10,\nB, second, 20, 60, 40, 0, 60,\nC, third, 5, 90, 30, 100, 70,\n"


@pytest.mark.parametrize("name,n,k,dims", [
    ("dummyData_3Dim.csv", 7, 3, ["Pstn1", "Pstn2", "Pstn3"]),
    ("dummyData_3Dim-no-final-comma.csv", 7, 3, ["Pstn1", "Pstn2", "Pstn3"]),
    ("dummyData_6Dim.csv", 27, 6, [f"Dim{k} Position" for k in range(6)]),
    ("dummyData-a040.csv", 40, 1, ["XYZ Position"]),
    ("dummyData-a080.csv", 80, 1, ["XYZ Position"]),
    ("dummyData-a160.csv", 160, 1, ["XYZ Position"]),
    ("SOE-Policy.csv", 26, 1, ["Policy Position"]),
    ("SOE-Competitive.csv", 34, 1, ["Competitive Position"]),
    ("SOE-Pol-Comp.csv", 13, 2, ["Policy Position", "Competitive Position"]),
    ("dummyData_3Dim.xml", 7, 3, ["Pstn1", "Pstn2", "Pstn3"]),
])
def test_shipped_files_read(name, n, k, dims):
    s = load(peer_file(DOC + name))
    assert len(s.actors) == n and [i.name for i in s.issues] == dims
    assert len(s.stances) == n * k
    assert s.meta["format"] == ("ktab-xml" if name.endswith(".xml") else "ktab-csv")
    assert all(i.scale.min == 0 and i.scale.max == 100 for i in s.issues)


def test_soe_details():
    s = load(peer_file(DOC + "SOE-Pol-Comp.csv"))
    assert s.name == "China Policy/Competitive; scen 2"
    assert s.description == "Scenario-0002;Combined Policy and Competitive"
    assert s.issue_ids == ["policy_position", "competitive_position"]
    xj = s.actor("XJ")
    assert xj.capability == 100 and xj.description == "Xi Jinping"
    st = next(t for t in s.stances if t.actor == "LK" and t.issue == "competitive_position")
    assert st.position == 65 and st.salience == pytest.approx(0.413)


def test_xml_matches_csv():
    a, b = load(peer_file(DOC + "dummyData_3Dim.csv")), load(peer_file(DOC + "dummyData_3Dim.xml"))
    assert a.issue_ids == b.issue_ids and a.actor_ids == b.actor_ids
    assert [(t.position, t.salience) for t in a.stances] == [(t.position, t.salience) for t in b.stances]
    assert b.meta["ktab_seed"] == 3707583219545544125 and "smp" not in b.model_options


def test_smp_example_blank_coordinate_fails_and_fixed_file_reads(tmp_path):
    src = peer_file(DOC + "smpExample.xml")
    with pytest.raises(InputError) as e:
        load(src)
    assert ":32:" in str(e.value) and "blank <dCoord>" in str(e.value) and "Alice" in str(e.value)
    fixed = tmp_path / "smpExample.xml"
    fixed.write_text(src.read_text(encoding="utf-8-sig").replace("<dCoord></dCoord>", "<dCoord>52.8</dCoord>"))
    s = load(fixed)
    o = s.model_options["smp"]
    assert o["pce_model"] == "MarkovIncentive" and o["state_transitions"] == "Stochastic"
    assert o["voting_rule"] == "PropCbc" and o["bargn_model"] == "InitOnlyInterp"
    assert o["accommodation"][2] == ["Bob", "Alice", 0.07] and len(o["accommodation"]) == 6
    assert s.meta["ktab_seed"] == 3507583219545544127
    assert s.issue_ids == ["firstdim", "seconddim", "yadn"]
    import detente.models.smp  # noqa: F401
    from detente.runner import run
    r = run(s, "smp", seed=3)
    assert r.options["pce_model"] == "MarkovIncentive" and r.trajectory.rounds[0] >= 1


def test_spreadsheetml_and_rp_files_are_not_smp():
    with pytest.raises(InputError, match="not an SMP scenario.*Workbook"):
        load(peer_file("ktab-data/KTAB/kmodel/doc/dummyData_3Dim.xml"))
    with pytest.raises(InputError, match="not an SMP scenario"):
        load(peer_file("ktab-data/examples/reformpri/doc/reformpri-ex01.xml"), fmt="ktab-xml")


def test_sniffers():
    assert sniff_csv(GOOD) and sniff_csv('x,y,1,1\n "actor" ,  DESCRIPTION,p,a,b\n')
    assert not sniff_csv("name: x\nactors: []\n")
    assert sniff_xml('<?xml version="1.0"?>\n<Scenario><Dimensions/></Scenario>')
    assert not sniff_xml('<?xml version="1.0"?>\n<Workbook/>')


def _csv(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "bad.csv"
    p.write_text(text)
    return p


@pytest.mark.parametrize("edit,match", [
    (lambda t: t.replace("toy, a toy scenario, 3, 2", "toy, a toy scenario, 4, 2"), r"bad.csv:1: .*says 4 actors"),
    (lambda t: t.replace("3, 2,", "3, 3,"), r"bad.csv:2: .*3 dimension"),
    (lambda t: t.replace("B, second, 20, 60", "B, second, 20, sixty"), r"bad.csv:4: Tax: expected a number \(got 'sixty'\)"),
    (lambda t: t.replace("C, third, 5, 90", "C, third, 5, 190"), r"bad.csv:5: Tax: position must be in \[0, 100\]"),
    (lambda t: t.replace("40, 10,\n", "40, 110,\n"), r"bad.csv:3: AidSal: salience must be"),
    (lambda t: t.replace("C, third, 5, 90, 30, 100, 70", "C, third, 5, 90, 40, 100, 70"), r"bad.csv:5: saliences: .*110 > 100"),
    (lambda t: t.replace("B, second, 20,", "B, second, 0,"), r"bad.csv:4: Power: capability must be positive"),
    (lambda t: t.replace("A, first,", "B, first,"), r"bad.csv:4: Actor: actor 'B' appears twice"),
    (lambda t: t.replace("A, first, 10, 20, 50, 40, 10,", "A, first, 10, 20, 50, 40,"), r"bad.csv:3: expected 7 columns"),
    (lambda t: t.replace("A, first", "A-name-that-is-far-too-long-for-ktab, first"), r"bad.csv:3: Actor: actor name"),
])
def test_malformed_csv(tmp_path, edit, match):
    with pytest.raises(InputError, match=match):
        load(_csv(tmp_path, edit(GOOD)))


def test_csv_quirks_accepted(tmp_path):
    # blank line, quotes, semicolons, no trailing commas, extra fields on line 1 (dummyData_6Dim has one)
    text = '"toy; one", "a; b", 3, 2, 0,,,\n' + GOOD.split("\n", 1)[1].replace(",\n", "\n") + "\n"
    s = load(_csv(tmp_path, text))
    assert s.name == "toy; one" and s.description == "a; b" and len(s.actors) == 3


XML = """<?xml version="1.0"?>
<Scenario><name>x</name><desc>d</desc><prngSeed>1</prngSeed>
<Dimensions><dName>Tax</dName></Dimensions>
<Actors>
<Actor><name>A</name><description>a</description><capability>1</capability>
<Position><dCoord>10</dCoord></Position><Salience><dSal>50</dSal></Salience></Actor>
<Actor><name>B</name><description>b</description><capability>2</capability>
<Position><dCoord>60</dCoord></Position><Salience><dSal>50</dSal></Salience></Actor>
<Actor><name>C</name><description>c</description><capability>3</capability>
<Position><dCoord>90</dCoord></Position><Salience><dSal>50</dSal></Salience></Actor>
</Actors>
IDEAL
</Scenario>
"""


def _xml(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "s.xml"
    p.write_text(text)
    return p


def test_xml_errors(tmp_path):
    pair = "<iaPair><adjustingIdeal>{}</adjustingIdeal><referencePos>{}</referencePos><adjust>{}</adjust></iaPair>"
    ok = load(_xml(tmp_path, XML.replace("IDEAL", "<IdealAdjustment>" + pair.format("A", "A", 0.6)
                                         + pair.format("A", "B", 0.4) + "</IdealAdjustment>")))
    assert ok.model_options["smp"]["accommodation"] == [["A", "A", 0.6], ["A", "B", 0.4]]
    with pytest.raises(InputError, match=r"s.xml:12: .*'A' add up to 1.4 > 1"):
        load(_xml(tmp_path, XML.replace("IDEAL", "<IdealAdjustment>" + pair.format("A", "B", 0.4)
                                        + "</IdealAdjustment>")))
    with pytest.raises(InputError, match="unknown actor in <iaPair>"):
        load(_xml(tmp_path, XML.replace("IDEAL", "<IdealAdjustment>" + pair.format("A", "Z", 0.4)
                                        + "</IdealAdjustment>")))
    with pytest.raises(InputError, match="missing required element <Position>"):
        load(_xml(tmp_path, XML.replace("IDEAL", "").replace("<Position><dCoord>60</dCoord></Position>", "")))
    with pytest.raises(InputError, match=r"s.xml:2: missing required element <Actors>"):
        text = XML.replace("IDEAL", "")
        load(_xml(tmp_path, text[: text.index("<Actors>")] + "</Scenario>"))
    with pytest.raises(InputError, match=r"s.xml:5: capability: expected a number"):
        load(_xml(tmp_path, XML.replace("IDEAL", "").replace("<capability>1<", "<capability>one<")))
    with pytest.raises(InputError, match="XML syntax error"):
        load(_xml(tmp_path, XML.replace("IDEAL", "<oops>")))
    with pytest.raises(InputError, match=r"PCEModel: must be one of"):
        load(_xml(tmp_path, XML.replace("IDEAL", "").replace(
            "<Dimensions>", "<ModelParameters><PCEModel>Bogus</PCEModel></ModelParameters><Dimensions>")))


def test_csv_writer_round_trip(tmp_path):
    s = load(_csv(tmp_path, GOOD))
    out = tmp_path / "out.csv"
    out.write_text(dumps(s, "ktab-csv"))
    t = load(out)
    assert t.actor_ids == s.actor_ids and [i.name for i in t.issues] == [i.name for i in s.issues]
    assert [(x.position, x.salience) for x in t.stances] == [(x.position, x.salience) for x in s.stances]
    assert out.read_text().splitlines()[1] == "Actor,Description,Power,Tax,TaxSal,Aid,AidSal"
    soe = load(peer_file(DOC + "SOE-Pol-Comp.csv"))
    out.write_text(dumps(soe, "ktab-csv"))
    assert [(x.position, x.salience) for x in load(out).stances] == [(x.position, x.salience) for x in soe.stances]


def test_csv_writer_rescales_and_refuses():
    base = {"name": "w", "actors": [{"id": "A", "capability": 2}, {"id": "B"}],
            "issues": [{"id": "x", "scale": {"min": -1, "max": 1}}, {"id": "y"}],
            "stances": [{"actor": "A", "issue": "x", "position": 0.5, "salience": 0.3},
                        {"actor": "B", "issue": "x", "position": -1, "salience": 0.2},
                        {"actor": "B", "issue": "y", "position": 10, "salience": 0.7}]}
    lines = dumps(Scenario.model_validate(base), "ktab-csv").splitlines()
    assert lines[0] == "w,,2,2"
    assert lines[2] == "A,,2,75,30,50,0" and lines[3] == "B,,1,0,20,10,70"
    unc = {**base, "stances": [{**base["stances"][0], "position": {"low": 0, "high": 1}}] + base["stances"][1:]}
    with pytest.raises(InputError, match="point values only"):
        dumps(Scenario.model_validate(unc), "ktab-csv")
    over = {**base, "stances": base["stances"][:2] + [{**base["stances"][2], "salience": 0.9}]}
    with pytest.raises(InputError, match="add up to 110 > 100"):
        dumps(Scenario.model_validate(over), "ktab-csv")


def test_a_scenario_of_ranges_to_ktab_csv_is_one_summary_naming_the_file(tmp_path: Path, capsys) -> None:
    """The flagship to KTAB CSV printed one line per range (91 lines), each starting with "<input>"."""
    from conftest import EXAMPLES
    from detente.cli import main

    out = tmp_path / "u.csv"
    assert main(["convert", str(EXAMPLES / "ukraine-settlement.yaml"), str(out)]) == 2
    err = capsys.readouterr().err
    first = err.splitlines()[0]
    assert first.startswith(f"error: {out}: KTAB CSV holds point values only, and 84 numbers are ranges")
    assert "and 81 more" in first and "<input>" not in err
    assert sum("point values only" in line for line in err.splitlines()) == 1
    assert not out.exists()


def test_converting_to_ktab_csv_says_what_it_does_not_keep(tmp_path: Path, capsys) -> None:
    """`convert ok.yaml ok.csv` dropped the status quo, anchors, evidence, sources, names and ids
    without a word (the nbs forecast then moved from 50.0 to 61.1)."""
    from detente.cli import main

    src = tmp_path / "ok.yaml"
    src.write_text(
        "name: t\nsources: [{id: s, title: S}]\nactors:\n  - {id: A, name: Alpha, description: the first, capability: 10}\n"
        "  - {id: B, capability: 20, group: west}\nissues:\n  - {id: x, name: Tax, status_quo: 50, anchors: {0: none}}\n"
        "stances:\n  - {actor: A, issue: x, position: 20, salience: 0.5, evidence: [{quote: q, source: s}]}\n"
        "  - {actor: B, issue: x, position: 80, salience: 0.7}\n", encoding="utf-8")
    assert main(["convert", str(src), str(tmp_path / "ok.csv")]) == 0
    err = " ".join(capsys.readouterr().err.split())
    for lost in ("the status quo of 1 issue", "the anchor labels of 1 issue", "the issue ids",
                 "the group of 1 actor", "the name (its description is kept) of 1 actor", "the evidence (1 item)",
                 "the sources", "(keep ok.yaml as the full scenario)"):
        assert lost in err, (lost, err)
    from conftest import EXAMPLES

    assert main(["convert", str(EXAMPLES / "ktab-dummy-3dim.yaml"), str(tmp_path / "d.csv")]) == 0
    assert "not kept: the status quo" not in capsys.readouterr().err
    # KTAB CSV to KTAB CSV keeps everything: the ids read back from the labels are the same
    assert main(["convert", str(tmp_path / "d.csv"), str(tmp_path / "d2.csv")]) == 0
    assert "not kept" not in capsys.readouterr().err
