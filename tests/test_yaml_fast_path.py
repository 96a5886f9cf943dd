"""The one-pass YAML loader gives exactly what the node-graph loader gives: data and lines."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.scenario import safe_parse as sp

ROOT = Path(__file__).resolve().parents[1]
FILES = sorted([*ROOT.glob("examples/**/*.yaml"), *(ROOT.parent / "shared").glob("**/*.yaml")])


def node_path(text: str) -> tuple[object, dict]:
    data, node = sp.parse_yaml_data(text, "f.yaml")
    return data, (sp.node_lines(node) if node is not None else {})


def same(a: object, b: object) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    return type(a) is type(b) and a == b


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_example_files_load_the_same(path: Path) -> None:
    text = path.read_text(encoding="utf-8-sig")
    fast = sp.load_yaml_lines(text)
    slow = node_path(text)
    assert same(fast[0], slow[0]) and fast[1] == slow[1]


scalars = (st.none() | st.booleans() | st.integers(-10**12, 10**12) | st.floats(allow_nan=False, allow_infinity=False)
           | st.text(max_size=8) | st.sampled_from(["yes", "off", "~", "0x1F", "1_000", "2020-01-02", "1e3", "-.5"]))
keys = st.text(min_size=1, max_size=6) | st.integers(0, 99)
docs = st.recursive(scalars, lambda kids: st.lists(kids, max_size=4) | st.dictionaries(keys, kids, max_size=4),
                    max_leaves=25)


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(data=st.dictionaries(keys, docs, max_size=5), flow=st.sampled_from([None, True, False]))
def test_generated_documents_load_the_same(data: dict, flow: bool | None) -> None:
    text = yaml.safe_dump(data, default_flow_style=flow, allow_unicode=True, sort_keys=False)
    fast = sp.load_yaml_lines(text)
    slow = node_path(text)
    assert same(fast[0], slow[0]) and fast[1] == slow[1], text


def test_anchors_are_shared_as_the_node_loader_shares_them() -> None:
    text = "base: &b {x: 1, y: [1, 2]}\nuse: *b\nlist: [*b, *b]\n"
    data, lines = sp.load_yaml_lines(text)
    assert data["use"] is data["base"] and data["list"][0] is data["base"]
    assert same(data, node_path(text)[0]) and lines[("list",)] == 3


@pytest.mark.parametrize("text", ["base: &b {x: 1}\nd:\n  <<: *b\n  y: 2\n", "a: !!str 1\n", "a: 1\n---\nb: 2\n"])
def test_what_the_fast_path_leaves_goes_to_the_node_loader(text: str) -> None:
    with pytest.raises((sp._Fallback, yaml.YAMLError)):
        sp.load_yaml_lines(text)
    if "---" not in text:
        assert same(sp.parse_yaml_lines(text, "f.yaml")[0], node_path(text)[0])
