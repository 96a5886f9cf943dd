"""The scenario data model, uncertain inputs and native YAML/JSON files."""

from __future__ import annotations

import json

import numpy as np
import pytest

from detente.errors import InputError
from detente.scenario.arrays import ScenarioArrays, input_space, scenario_hash
from detente.scenario.io import load, save
from detente.scenario.model import Scenario
from detente.scenario.uncertain import Normal, Triangular, Uniform

GOOD = """\
name: toy
sources:
  - {id: s1, title: A source}
actors:
  - {id: A, capability: 2}
  - {id: B, capability: {low: 1, high: 3}}
issues:
  - id: x
    scale: {min: 0, max: 10}
    anchors: {0: none, 10: all}
    status_quo: 5
stances:
  - actor: A
    issue: x
    position: 2
    salience: 0.5
    evidence: [{quote: "we want little", source: s1}]
  - actor: B
    issue: x
    position: {mode: 8, low: 6, high: 9}
    salience: {mean: 0.7, sd: 0.1}
"""


def write(tmp_path, text, name="s.yaml"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def errors_of(tmp_path, text, name="s.yaml") -> str:
    with pytest.raises(InputError) as e:
        load(write(tmp_path, text, name))
    return str(e.value)


def test_good_yaml_loads_with_uncertain_values(tmp_path):
    s = load(write(tmp_path, GOOD))
    assert s.actor_ids == ["A", "B"]
    assert isinstance(s.actors[1].capability, Uniform)
    assert isinstance(s.stances[1].position, Triangular)
    assert isinstance(s.stances[1].salience, Normal)
    assert s.issue("x").describe(9.0) == "all"


@pytest.mark.parametrize(
    "old,new,expected",
    [
        ("position: 2\n", "position: 12\n", "s.yaml:15: stances[0].position: off the scale [0, 10] of issue 'x' (got 12)"),
        ("salience: 0.5\n", "salience: 1.5\n", "s.yaml:16: stances[0].salience: must be between 0 and 1 (got 1.5)"),
        ("{id: A, capability: 2}", "{id: A, capability: -2}", "s.yaml:5: actors[0].capability: must not be negative"),
        ("  - actor: B\n", "  - actor: C\n", "s.yaml:18: stances[1].actor: unknown actor id (got 'C')"),
        ("{id: B, capability", "{id: A, capability", "actors[1].id: is already the id of another actor: ids must be unique (got 'A')"),
        ("position: 2\n", "position: two\n", "s.yaml:15: stances[0].position: expected a number"),
        ("position: {mode: 8, low: 6, high: 9}", "position: {mode: 8, low: 9, high: 6}", "need low <= mode <= high"),
        ("salience: 0.5\n", "salince: 0.5\n", "s.yaml:16: stances[0].salince: unknown field"),
        ("status_quo: 5", "status_quo: 50", "s.yaml:11: issues[0].status_quo: 50 is off the scale [0, 10]"),
        ("scale: {min: 0, max: 10}", "scale: {min: 10, max: 0}", "scale max must be greater than min"),
        ("evidence: [{quote: \"we want little\", source: s1}]", "evidence: [{source: s1}]", "evidence needs a quote or a paraphrase"),
    ],
)
def test_bad_values_name_line_field_and_value(tmp_path, old, new, expected):
    assert old in GOOD
    msg = errors_of(tmp_path, GOOD.replace(old, new, 1))
    assert expected in msg.replace(str(tmp_path) + "/", "")


def test_second_stance_on_same_pair_is_an_error(tmp_path):
    text = GOOD + "  - {actor: A, issue: x, position: 3}\n"
    assert "second stance of actor 'A' on issue 'x'" in errors_of(tmp_path, text)


@pytest.mark.parametrize(
    "content,expected",
    [
        (b"", "the file is empty"),
        (b"   \n\n", "the file is empty"),
        (b"name: t\nactors: [\xff\xfe]\n", "not valid UTF-8 text"),
        (b"name: [unclosed\n", "YAML syntax error"),
        (b"- just\n- a list\n", "expected a mapping"),
        (b"\x00\x01\x02binary", "NUL bytes"),
    ],
)
def test_unreadable_files_fail_cleanly(tmp_path, content, expected):
    p = tmp_path / "bad.yaml"
    p.write_bytes(content)
    with pytest.raises(InputError) as e:
        load(p)
    assert expected in str(e.value)
    assert str(p) in str(e.value)


def test_json_errors_name_the_line(tmp_path):
    p = tmp_path / "bad.json"
    p.write_text('{"name": "t",\n "actors": [\n}', encoding="utf-8")
    with pytest.raises(InputError) as e:
        load(p)
    assert "bad.json:3" in str(e.value) and "JSON syntax error" in str(e.value)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load(tmp_path / "nope.yaml")


def test_yaml_json_round_trip_keeps_the_hash(tmp_path):
    s = load(write(tmp_path, GOOD))
    for name in ("copy.json", "copy.yaml"):
        p = save(s, tmp_path / name)
        back = load(p)
        assert scenario_hash(back) == scenario_hash(s)
    assert json.loads((tmp_path / "copy.json").read_text())["stances"][1]["position"] == {"mode": 8.0, "low": 6.0, "high": 9.0}


def test_json_and_yaml_files_hold_the_same_data_and_the_same_warnings(tmp_path):
    """The JSON writer wrote every default, so ``detente validate`` counted a JSON copy's default
    saliences and capabilities as numbers without evidence, and a YAML copy's not."""
    import yaml

    from detente.scenario.model import count_unsupported

    s = Scenario.model_validate({"name": "t", "actors": [{"id": "A"}, {"id": "B", "capability": 2}],
                                 "issues": [{"id": "x"}],
                                 "stances": [{"actor": "A", "issue": "x", "position": 20},
                                             {"actor": "B", "issue": "x", "position": 80, "salience": 0.5}]})
    held = Scenario.model_validate(s.model_dump(mode="json"))  # every default written, as the web page holds it
    as_json, as_yaml = load(save(held, tmp_path / "c.json")), load(save(held, tmp_path / "c.yaml"))
    assert json.loads((tmp_path / "c.json").read_text()) == yaml.safe_load((tmp_path / "c.yaml").read_text())
    assert count_unsupported(as_json) == count_unsupported(as_yaml) == 4  # 2 positions, B's salience and capability


def test_save_is_atomic(tmp_path, monkeypatch):
    s = load(write(tmp_path, GOOD))
    target = tmp_path / "out.yaml"
    target.write_text("old", encoding="utf-8")
    import detente.scenario.io as io

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(io.os, "fsync", boom)
    with pytest.raises(InputError, match="out.yaml: cannot be written"):
        save(s, target)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []


def test_arrays_point_values_and_present_mask():
    s = Scenario.model_validate({
        "name": "t", "actors": [{"id": "A", "capability": 2}, {"id": "B"}],
        "issues": [{"id": "x"}, {"id": "y", "scale": {"min": -1, "max": 1}}],
        "stances": [{"actor": "A", "issue": "x", "position": 10, "salience": 0.5},
                    {"actor": "B", "issue": "x", "position": {"low": 20, "high": 40}},
                    {"actor": "B", "issue": "y", "position": 0.5, "capability": 7}],
    })
    a = ScenarioArrays.from_scenario(s)
    assert a.position.shape == (1, 2, 2)
    assert a.present.tolist() == [[True, True], [False, True]]
    assert a.position[0].tolist() == [[10.0, 30.0], [0.0, 0.5]]
    assert a.capability[0].tolist() == [[2.0, 1.0], [0.0, 7.0]]
    assert a.salience[0].tolist() == [[0.5, 1.0], [0.0, 1.0]]
    assert np.allclose(a.normalized_position()[0, 1, 1], 0.75)


def test_sampling_is_seeded_bounded_and_hits_every_uncertain_input():
    s = Scenario.model_validate({
        "name": "t", "actors": [{"id": "A", "capability": {"low": 1, "high": 3}}, {"id": "B"}],
        "issues": [{"id": "x"}],
        "stances": [{"actor": "A", "issue": "x", "position": {"mean": 95, "sd": 20}, "salience": {"low": 0.2, "high": 0.4}},
                    {"actor": "B", "issue": "x", "position": {"mode": 10, "low": 0, "high": 50}}],
    })
    space, _, _ = input_space(s)
    assert len(space) == 4
    a1 = ScenarioArrays.from_scenario(s, 20000, np.random.default_rng(7))
    a2 = ScenarioArrays.from_scenario(s, 20000, np.random.default_rng(7))
    assert np.array_equal(a1.position, a2.position) and np.array_equal(a1.capability, a2.capability)
    pa = a1.position[:, 0, 0]
    assert pa.min() >= 0 and pa.max() <= 100  # truncated normal stays on the scale
    assert 80 < pa.mean() < 90  # truncation at 100 pulls the mean below 95
    pb = a1.position[:, 0, 1]
    assert abs(pb.mean() - 20) < 0.5  # triangular mean (0 + 10 + 50) / 3
    assert abs(a1.capability[:, 0, 0].mean() - 2) < 0.02
    assert a1.salience[:, 0, 0].min() >= 0.2 and a1.salience[:, 0, 0].max() <= 0.4


def test_json_schema_is_published():
    schema = Scenario.model_json_schema()
    assert {"actors", "issues", "stances"} <= set(schema["required"])
    assert "Uniform" in json.dumps(schema)


def test_a_notebook_shows_a_scenario_as_its_actors_by_issue():
    """``s`` alone in a notebook cell printed the one-line repr; now a table of the actors by issue,
    each number as written (ranges too), as the report's inputs table writes it."""
    from html.parser import HTMLParser

    from conftest import EXAMPLES
    from detente.scenario.io import load

    s = load(EXAMPLES / "ukraine-settlement.yaml")
    html = s._repr_html_()
    cells: list[list[str]] = []

    class Cells(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag == "tr":
                cells.append([])
            elif tag in ("td", "th") and cells:
                cells[-1].append("")

        def handle_data(self, data):
            if cells and cells[-1]:
                cells[-1][-1] += data

    Cells().feed(html)
    assert [c[0] for c in cells[1:]] == [f"{a.label}capability {a.capability.mode:g} ({a.capability.low:g}\u2013"
                                         f"{a.capability.high:g})" for a in s.actors]
    assert len(cells[0]) == 1 + len(s.issues) and all(i.label in html.replace("&#x27;", "'") for i in s.issues)
    russia = cells[1][1 + s.issue_ids.index("territory")]
    st = next(x for x in s.stances if (x.actor, x.issue) == ("russia", "territory"))
    assert russia == f"{st.position.mode:g} ({st.position.low:g}\u2013{st.position.high:g}) · {st.salience.low:g}\u2013{st.salience.high:g}"
    assert sum(c.count("\u2013") for row in cells[1:] for c in row[1:] if c == "\u2013") == \
        len(s.actors) * len(s.issues) - len(s.stances)  # a dash where an actor has no stance
