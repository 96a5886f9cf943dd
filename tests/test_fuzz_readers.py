"""Fuzzing every reader (issue #14 item 7): mutations of valid files and the hostile classes as
explicit examples. Whatever the bytes, a reader returns a Scenario or raises an InputError whose
message names the file -- never another exception -- and finishes within the deadline.

Derandomized (the same examples on every run) and bounded: ``max_examples`` per reader keeps the
whole file well under a minute of CI time.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import EXAMPLES, PEERS

FUZZ = settings(max_examples=25, deadline=3000, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
WORK = Path(tempfile.mkdtemp(prefix="detente-fuzz-"))


def _peer_text(rel: str, lines: int | None = None) -> str | None:
    p = PEERS / rel
    if not p.exists():
        return None
    text = p.read_text(encoding="utf-8-sig")
    return "".join(text.splitlines(keepends=True)[:lines]) if lines else text


def _json_seed() -> str:
    import json

    import yaml

    return json.dumps(yaml.safe_load((EXAMPLES / "ktab-dummy-3dim.yaml").read_text()), indent=1)


# reader name -> (suffix, seed texts)
SEEDS: dict[str, tuple[str, list[str]]] = {
    "yaml": (".yaml", [(EXAMPLES / "ukraine-settlement.yaml").read_text(), (EXAMPLES / "ktab-dummy-3dim.yaml").read_text()]),
    "json": (".json", [_json_seed()]),
    "ktab-csv": (".csv", [t for t in [_peer_text("ktab-data/examples/smp/doc/dummyData_3Dim.csv"),
                                      "toy, a toy, 2, 1,\nActor, Description, Power, Tax, Sal\nA, a, 10, 20, 50\n"
                                      "B, b, 20, 60, 40\n"] if t]),
    "ktab-xml": (".xml", [t for t in [_peer_text("ktab-data/examples/smp/doc/dummyData_3Dim.xml")] if t]),
    "decide": (".csv", [t for t in [_peer_text("exchange-data/data/input/sample_data.txt"),
                                    "#A;a;Actor A\n#A;b;Actor B\n#P;x;Issue X\n#M;x;0;no\n#M;x;10;yes\n"
                                    "#D;a;x;2;0.5;0.3\n#D;b;x;8;1;0.7\n"] if t]),
    "deu": (".tsv", [t for t in [_peer_text("deu-data/deu3_blksv.tsv", lines=12)] if t]),
    "bdm": (".csv", [t for t in [_peer_text("bdm-data/masad-replication/ChinaData.csv"),
                                 "Actor,Capability,Position,Salience\nA,1,4,80\nB,2,10,40\n"] if t]),
}

_BOMB = "\n".join(['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'] +
                  [f"l{k}: &l{k} [" + ",".join([f"*l{k - 1}"] * 9) + "]" for k in range(1, 9)])
HOSTILE = [  # pieces spliced into a seed: the classes of issue #14
    _BOMB, "&a [*a]", "1" + "0" * 400, "1" * 6000, ".inf", "-.inf", ".nan", "1e999", "NaN", "-Infinity",
    "[" * 20000, "{" * 3000, '{"a":' * 2000, "\r", "\r\n", "\x00", "\ufeff", "x" * 200_000,
    '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>', "&e;", '<!ENTITY l "lol">',
    "position: 1\n    position: 2", '"a": 1, "a": 2', "\t\t\t", ";;;", '"', "'", "#A;", "#D;a;x;;;",
]

_MUTATION = st.one_of(
    st.tuples(st.just("insert"), st.integers(0, 10**6), st.sampled_from(HOSTILE)),
    st.tuples(st.just("insert"), st.integers(0, 10**6), st.text(max_size=20)),
    st.tuples(st.just("delete"), st.integers(0, 10**6), st.integers(1, 200)),
    st.tuples(st.just("repeat"), st.integers(0, 10**6), st.integers(1, 200)),
    st.tuples(st.just("truncate"), st.integers(0, 10**6), st.just(0)),
)


def _mutate(text: str, ops: list[tuple]) -> str:
    for kind, at, arg in ops:
        at = at % (len(text) + 1)
        if kind == "insert":
            text = text[:at] + arg + text[at:]
        elif kind == "delete":
            text = text[:at] + text[at + arg:]
        elif kind == "repeat":
            text = text[:at + arg] + text[at:at + arg] + text[at:]
        else:
            text = text[:at]
    return text


def _check(reader: str, text: str) -> None:
    from detente.errors import InputError
    from detente.scenario.io import load
    from detente.scenario.model import Scenario

    suffix = SEEDS[reader][0]
    path = WORK / f"fuzz-{reader}{suffix}"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    try:
        s = load(path, fmt=reader)
    except InputError as e:
        assert str(path) in str(e), str(e)[:300]
        return
    assert isinstance(s, Scenario)


def _fuzz(reader: str):
    suffix, seeds = SEEDS[reader]
    if not seeds:
        return pytest.mark.skip(reason=f"no seed file for {reader}")(lambda: None)

    @FUZZ
    @given(seed=st.sampled_from(seeds), ops=st.lists(_MUTATION, min_size=1, max_size=4))
    def test(seed: str, ops: list[tuple]) -> None:
        _check(reader, _mutate(seed, ops))

    for piece in HOSTILE:  # every hostile class, spliced in the middle and at the end of the first seed
        test = example(seed=seeds[0], ops=[("insert", len(seeds[0]) // 2, piece)])(test)
        test = example(seed=seeds[0], ops=[("insert", 10**7, piece)])(test)
    return test


test_fuzz_native_yaml = _fuzz("yaml")
test_fuzz_native_json = _fuzz("json")
test_fuzz_ktab_csv = _fuzz("ktab-csv")
test_fuzz_ktab_xml = _fuzz("ktab-xml")
test_fuzz_decide = _fuzz("decide")
test_fuzz_deu = _fuzz("deu")
test_fuzz_bdm_table = _fuzz("bdm")


@pytest.mark.parametrize("reader", sorted(SEEDS))
def test_every_seed_reads(reader: str) -> None:
    """The unmutated seeds are valid files of their format (so mutations start from real input)."""
    for text in SEEDS[reader][1]:
        _check(reader, text)
