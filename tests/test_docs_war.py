"""The section "The war block" of docs/scenario-format.md agrees with the war block's schema.

* every field of every class of the block (walked from ``WarInputs.model_fields`` through the nested
  pydantic classes, both battlefield kinds included) is named in backticks in the section, and
  every allowed value of a choice (``rule: nash``...) too;
* each class has a field table (marked ``<!-- fields: ClassName -->``) with one row per field, whose
  "default" and "uncertain" columns match the code;
* every YAML block of the section with a ``war:`` key validates as part of a scenario. A block with
  ``name`` and ``actors`` is a complete scenario; a block holding only ``war:`` is a fragment that
  replaces the named parts of a base scenario's war block (the keys of ``war`` are replaced, except
  ``sides``, replaced side by side). The base is the example file named in the block's first
  comment (``# ... examples/ukraine-settlement.yaml``), else the section's first complete scenario.
"""

from __future__ import annotations

import copy
import re
import typing
from pathlib import Path
from typing import Any, Literal

import pytest
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from conftest import REPO

from detente.errors import InputError
from detente.scenario import war as war_schema
from detente.scenario.io import parse_yaml, validate
from detente.scenario.uncertain import Uniform
from detente.scenario.war import WarInputs

DOC = REPO / "docs" / "scenario-format.md"
HEADING = "## The war block"
EXPECTED_CLASSES = {"WarInputs", "Side", "Ratifier", "Commitment", "RandomWalk", "Lanchester", "Shock",
                    "Bargaining", "Terms"}


# --------------------------------------------------------------------------------------------
# helpers


def section() -> str:
    text = DOC.read_text(encoding="utf-8")
    start = text.find("\n" + HEADING + "\n")
    assert start >= 0, f"{DOC.name} has no heading {HEADING!r}"
    body = text[start + 1:]
    nxt = re.search(r"^## ", body[len(HEADING):], re.M)
    return body if nxt is None else body[:len(HEADING) + nxt.start()]


def backticked(text: str) -> set[str]:
    return set(re.findall(r"`([^`\n]+)`", text))


def _args(annotation: Any) -> list[Any]:
    """Every type inside an annotation (Annotated, Union, Optional, list, dict, Literal...)."""
    out = [annotation]
    for a in typing.get_args(annotation):
        out += _args(a)
    return out


def _war_classes_in(annotation: Any) -> list[type[BaseModel]]:
    return [a for a in _args(annotation)
            if isinstance(a, type) and issubclass(a, BaseModel) and a.__module__ == war_schema.__name__]


def war_classes() -> dict[str, type[BaseModel]]:
    """WarInputs and every class of the war module reachable through its fields."""
    found: dict[str, type[BaseModel]] = {}
    todo: list[type[BaseModel]] = [WarInputs]
    while todo:
        cls = todo.pop()
        if cls.__name__ in found:
            continue
        found[cls.__name__] = cls
        for f in cls.model_fields.values():
            todo += _war_classes_in(f.annotation)
    return found


def takes_uncertain(annotation: Any) -> bool:
    return any(a is Uniform for a in _args(annotation))


def literal_values(annotation: Any) -> list[str]:
    out: list[str] = []
    for a in _args(annotation):
        if typing.get_origin(a) is Literal:
            out += [v for v in typing.get_args(a) if isinstance(v, str)]
    return out


def field_tables(text: str) -> dict[str, dict[str, dict[str, str]]]:
    """``{class name: {field: {column: cell}}}`` from the tables marked ``<!-- fields: Class -->``."""
    tables: dict[str, dict[str, dict[str, str]]] = {}
    for m in re.finditer(r"<!-- fields: (\w+) -->\n((?:\|.*\n)+)", text):
        lines = m.group(2).strip().splitlines()
        head = [c.strip() for c in lines[0].strip("|").split("|")]
        rows: dict[str, dict[str, str]] = {}
        for line in lines[2:]:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            assert len(cells) == len(head), f"table {m.group(1)}: a row has {len(cells)} cells: {line}"
            name = re.fullmatch(r"`(\w+)`", cells[0])
            assert name, f"table {m.group(1)}: first cell is not a `field`: {line}"
            rows[name.group(1)] = dict(zip(head, cells))
        assert m.group(1) not in tables, f"two tables for {m.group(1)}"
        tables[m.group(1)] = rows
    return tables


def yaml_blocks(text: str) -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", text, re.S)


def scenario_data(path: Path) -> dict[str, Any]:
    data, _ = parse_yaml(path.read_text(encoding="utf-8"), str(path))
    return data


def with_war(base: dict[str, Any], fragment: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    war = out.setdefault("war", {})
    for key, value in fragment.items():
        if key == "sides" and isinstance(value, dict) and isinstance(war.get("sides"), dict):
            war["sides"].update(copy.deepcopy(value))
        else:
            war[key] = copy.deepcopy(value)
    return out


def war_examples() -> list[tuple[str, dict[str, Any]]]:
    """(label, scenario data) for every YAML block of the section that holds a ``war:`` key."""
    blocks = yaml_blocks(section())
    parsed = []
    for k, block in enumerate(blocks):
        data, _ = parse_yaml(block, f"{DOC.name} war block {k + 1}")
        parsed.append((k, block, data))
    complete = [d for _, _, d in parsed if isinstance(d, dict) and "war" in d and "actors" in d]
    out = []
    for k, block, data in parsed:
        if not isinstance(data, dict) or "war" not in data:
            continue
        label = f"yaml block {k + 1}"
        if "actors" in data:
            out.append((label, data))
            continue
        assert set(data) == {"war"}, f"{label}: a fragment holds only `war:` (got {sorted(data)})"
        first = block.lstrip().splitlines()[0] if block.strip() else ""
        named = re.search(r"examples/[\w.-]+\.ya?ml", first) if first.startswith("#") else None
        if named:
            base = scenario_data(REPO / named.group(0))
            label += f" in {named.group(0)}"
        else:
            assert complete, "a fragment needs a complete scenario before it in the section"
            base = complete[0]
        out.append((label, with_war(base, data["war"])))
    return out


# --------------------------------------------------------------------------------------------
# the fields


def test_the_walk_reaches_every_class_of_the_block() -> None:
    classes = war_classes()
    assert set(classes) == EXPECTED_CLASSES
    assert sum(len(c.model_fields) for c in classes.values()) >= 60  # the walk is not vacuous


@pytest.mark.parametrize("cls_name", sorted(EXPECTED_CLASSES))
def test_every_field_is_named_in_backticks(cls_name: str) -> None:
    text = section()
    assert len(text) > 5000, "the war section is missing or a stub"
    named = backticked(text)
    cls = war_classes()[cls_name]
    missing = [f for f in cls.model_fields if f not in named]
    assert not missing, f"{cls_name}: fields not named in backticks in {HEADING!r}: {missing}"
    choices = [v for f in cls.model_fields.values() for v in literal_values(f.annotation) if v not in named]
    assert not choices, f"{cls_name}: allowed values not named in backticks: {choices}"


@pytest.mark.parametrize("cls_name", sorted(EXPECTED_CLASSES))
def test_each_class_has_a_table_that_matches_the_code(cls_name: str) -> None:
    tables = field_tables(section())
    assert set(tables) == EXPECTED_CLASSES, f"field tables for {sorted(tables)}"
    cls = war_classes()[cls_name]
    rows = tables[cls_name]
    assert list(rows) == list(cls.model_fields), f"{cls_name}: table rows {list(rows)} vs fields"
    for name, f in cls.model_fields.items():
        row = rows[name]
        default, uncertain = row["default"], row["uncertain"].lower()
        where = f"{cls_name}.{name}: default cell {default!r}"
        if f.is_required():
            assert "required" in default, where
        else:
            assert "required" not in default, where
            d = f.default
            if d is not PydanticUndefined and d is not None and f.default_factory is None:
                if isinstance(d, bool):  # (before int: a bool is one)
                    assert f"`{str(d).lower()}`" in default, where
                elif isinstance(d, str):
                    assert f"`{d}`" in default, where
                elif isinstance(d, (int, float)):
                    numbers = [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?", default)]
                    assert float(d) in numbers, where
        want = "yes" if takes_uncertain(f.annotation) else "no"
        assert uncertain.startswith(want), f"{cls_name}.{name}: uncertain cell {uncertain!r}, code says {want}"


# --------------------------------------------------------------------------------------------
# the examples


def test_the_section_has_examples_of_every_part() -> None:
    examples = war_examples()
    assert len(examples) >= 6
    wars = [d["war"] for _, d in examples]
    parsed = [parse_yaml(b, "block")[0] for b in yaml_blocks(section())]
    assert any(isinstance(d, dict) and "war" in d and "actors" in d for d in parsed)  # a complete one
    assert any(w.get("battlefield", {}).get("kind") == "lanchester" for w in wars)
    assert any(w.get("shocks") for w in wars)
    assert any(s.get("ratifiers") for w in wars for s in w["sides"].values())
    assert any(s.get("commitments") for w in wars for s in w["sides"].values())
    assert any("examples/" in lab for lab, _ in examples)


@pytest.mark.parametrize("label,data", war_examples(), ids=[lab for lab, _ in war_examples()])
def test_every_war_example_validates(label: str, data: dict[str, Any]) -> None:
    s = validate(data, file=label)
    assert s.war, label
    WarInputs.model_validate(s.war)


def test_the_examples_are_checked_for_real() -> None:
    """The harness catches a broken war block: a wrong side key, a bound, a typo, an unknown id."""
    _, base = war_examples()[0]
    validate(base)
    breakages = [
        lambda w: w["sides"].update(C=w["sides"].pop("B")),
        lambda w: w["sides"]["A"].update(prior_win=1.5),
        lambda w: w["sides"]["A"].update(prior_wins=0.5),
        lambda w: w["sides"]["B"].update(actors=["nobody"]),
        lambda w: w.update(shocks=[{"month": 1, "side": "A", "what": "force", "delta": 1}]),
    ]
    for k, breaking in enumerate(breakages):
        data = copy.deepcopy(base)
        breaking(data["war"])
        with pytest.raises(InputError):
            validate(data, file=f"breakage {k}")


def test_the_minimal_example_runs() -> None:
    import detente

    _, base = war_examples()[0]
    r = detente.run(validate(base), "war", draws=50, seed=1)
    assert set(r.trajectory.extras["outcome_probability"]) >= {"settlement", "victory_A", "victory_B", "horizon"}
