"""Hostile input to every reader (issue #14): each case is refused with exit 2 and a message that
names the file (and the line where there is one), never a traceback or a hang."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import EXAMPLES, peer_file

MINI_TAIL = "actors: [{id: A}]\nissues: [{id: x}]\nstances: [{actor: A, issue: x, position: 1}]\n"


def _cli(args: list[str], capsys) -> tuple[int, str]:
    from detente.cli import main

    rc = main(args)
    out, err = capsys.readouterr()
    return rc, out + err


def refused(path: Path, capsys, *words: str, args: list[str] | None = None, seconds: float = 10.0) -> str:
    """``detente validate path`` (or ``args``) exits 2 quickly, naming the file and each of ``words``."""
    t0 = time.perf_counter()
    rc, text = _cli(args or ["validate", str(path)], capsys)
    elapsed = time.perf_counter() - t0
    assert rc == 2, text
    assert str(path) in text and "Traceback" not in text, text
    for w in words:
        assert w in text, text
    assert elapsed < seconds, f"took {elapsed:.1f} s"
    return text


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(text if isinstance(text, bytes) else text.encode())
    return p


# --------------------------------------------------------------------------------------------
# hangs


def _bomb(levels: int = 9) -> tuple[str, str]:
    """Anchors of a billion-laughs bomb and the alias that expands it."""
    lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for k in range(1, levels):
        lines.append(f"l{k}: &l{k} [" + ",".join([f"*l{k - 1}"] * 9) + "]")
    return "\n".join(lines), f"*l{levels - 1}"


def test_yaml_alias_bomb_at_the_top_level_is_refused_at_once(tmp_path, capsys) -> None:
    anchors, alias = _bomb()
    p = write(tmp_path, "bomb.yaml", "name: t\n" + MINI_TAIL + "meta:\n  " + anchors.replace("\n", "\n  ") + "\n")
    refused(p, capsys, "alias bomb", seconds=2)


def test_yaml_alias_bomb_inside_description_is_refused_at_once(tmp_path, capsys) -> None:
    anchors, alias = _bomb()
    text = "name: t\nmeta: {}\nx-anchors:\n  " + anchors.replace("\n", "\n  ") + f"\ndescription: {alias}\n" + MINI_TAIL
    refused(write(tmp_path, "bomb2.yaml", text), capsys, "alias bomb", seconds=2)


def test_yaml_recursive_alias_is_refused(tmp_path, capsys) -> None:
    refused(write(tmp_path, "rec.yaml", "name: t\ndescription: &a [*a]\n" + MINI_TAIL), capsys, "recursive alias")


def test_yaml_anchors_within_bounds_still_work(tmp_path, capsys) -> None:
    text = ("name: t\nactors: [{id: A, capability: &c 2}, {id: B, capability: *c}]\nissues: [{id: x}]\n"
            "stances: [{actor: A, issue: x, position: 1}, {actor: B, issue: x, position: 2}]\n")
    rc, out = _cli(["validate", str(write(tmp_path, "ok.yaml", text))], capsys)
    assert rc == 0, out


KTAB_XML = ("<?xml version='1.0'?>\n{dtd}<Scenario><name>{name}</name><desc>d</desc>"
            "<Dimensions><dName>Tax</dName></Dimensions><Actors><Actor><name>A1</name>"
            "<description>x</description><capability>10</capability><Position><dCoord>50</dCoord></Position>"
            "<Salience><dSal>50</dSal></Salience></Actor></Actors></Scenario>\n")


def test_xml_entity_bomb_is_refused_at_once(tmp_path, capsys) -> None:
    ents = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{k} "' + f"&lol{k - 1 if k > 1 else ''};" * 10 + '">' for k in range(1, 10))
    text = KTAB_XML.format(dtd=f"<!DOCTYPE Scenario [{ents}]>\n", name="&lol9;")
    refused(write(tmp_path, "lol.xml", text), capsys, "DTD", seconds=2)


def test_xml_external_entity_is_refused_not_resolved(tmp_path, capsys) -> None:
    text = KTAB_XML.format(dtd='<!DOCTYPE Scenario [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n', name="&x;")
    out = refused(write(tmp_path, "xxe.xml", text), capsys, "DTD", ":2:")
    assert "root:" not in out


def test_a_valid_ktab_xml_still_reads(tmp_path, capsys) -> None:
    rc, out = _cli(["validate", str(write(tmp_path, "ok.xml", KTAB_XML.format(dtd="", name="Zürich")))], capsys)
    assert rc == 0 and "ktab-xml" in out, out


def _run_cli_subprocess(args: list[str], timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "detente.cli", *args], capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
@pytest.mark.parametrize("how", ["scenario", "deu"])
def test_a_fifo_is_refused_without_blocking(tmp_path, how) -> None:
    fifo = tmp_path / ("pipe.yaml" if how == "scenario" else "pipe.tsv")
    os.mkfifo(fifo)
    args = ["validate", str(fifo)] if how == "scenario" else ["backtest", "--deu", str(fifo), "-m", "mean"]
    p = _run_cli_subprocess(args)  # a blocking open would hang until the timeout
    assert p.returncode == 2, p.stderr
    assert "FIFO" in p.stderr and str(fifo) in p.stderr and "Traceback" not in p.stderr


def test_a_device_and_a_directory_are_refused(tmp_path, capsys) -> None:
    if Path("/dev/null").exists():
        refused(Path("/dev/null"), capsys, "device")
    refused(tmp_path, capsys, "directory")


# --------------------------------------------------------------------------------------------
# tracebacks


@pytest.mark.parametrize("digits", [401, 6000])
def test_huge_integer_literals_are_refused_yaml(tmp_path, capsys, digits) -> None:
    p = write(tmp_path, "big.yaml", f"name: t\nactors: [{{id: A, capability: 1{'0' * (digits - 1)}}}]\n"
                                   "issues: [{id: x}]\nstances: [{actor: A, issue: x, position: 1}]\n")
    refused(p, capsys, ":2:", "too large")


@pytest.mark.parametrize("digits", [401, 6000])
def test_huge_integer_literals_are_refused_json(tmp_path, capsys, digits) -> None:
    p = write(tmp_path, "big.json", '{"name": "t",\n "actors": [{"id": "A", "capability": 1' + "0" * (digits - 1)
              + '}], "issues": [{"id": "x"}], "stances": [{"actor": "A", "issue": "x", "position": 1}]}')
    refused(p, capsys, ":2:", "too large")


@pytest.mark.parametrize("text,where", [
    ("x: " + "[" * 20000 + "]" * 20000 + "\n", "nested "),
    ("".join(" " * i + f"k{i}:\n" for i in range(5000)) + " " * 5000 + "v: 1\n", "nested more than 100"),
    ("name: t\ndescription: " + "[" * 150 + "]" * 150 + "\n" + MINI_TAIL, "nested more than 100"),
])
def test_deep_yaml_is_refused(tmp_path, capsys, text, where) -> None:
    refused(write(tmp_path, "deep.yaml", text), capsys, where)


@pytest.mark.parametrize("text", ["[" * 100000 + "]" * 100000, '{"a":' * 100000 + "1" + "}" * 100000,
                                  '{"name": "t", "meta": ' + "[" * 200 + "]" * 200 + "}"])
def test_deep_json_is_refused(tmp_path, capsys, text) -> None:
    refused(write(tmp_path, "deep.json", text), capsys, "nested")


def _cr_only(src: Path, dst: Path) -> Path:
    dst.write_bytes(src.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r"))
    return dst


@pytest.mark.parametrize("rel,fmt", [("ktab-data/examples/smp/doc/dummyData_3Dim.csv", "ktab-csv"),
                                     ("exchange-data/data/input/cop21.csv", "decide"),
                                     ("deu-data/deu3_blksv.tsv", "deu")])
def test_cr_only_line_endings_read_like_the_original(tmp_path, capsys, rel, fmt) -> None:
    from detente.scenario.io import load

    src = peer_file(rel)
    cr = _cr_only(src, tmp_path / src.name)
    assert b"\n" not in cr.read_bytes()
    a, b = load(src), load(cr)
    assert b.meta["format"] == fmt
    assert b.model_dump(exclude={"meta"}) == a.model_dump(exclude={"meta"})


def test_the_real_cr_only_peer_file_reads(capsys) -> None:
    p = peer_file("bdm-data/masad-replication/ChinaData.csv")
    assert b"\r" in p.read_bytes() and b"\n" not in p.read_bytes()
    rc, out = _cli(["validate", str(p)], capsys)
    assert rc == 0 and "24 actors" in out, out


KTAB_CSV = "toy, a toy, 2, 1,\nActor, Description, Power, Tax, Sal\n{a}, {d}, 10, 20, 50\nB, second, 20, 60, 40\n"
DECIDE = "#A;{a};Actor A\n#A;b;Actor B\n#P;x;Issue X\n#D;{a};x;20;0.5;0.3\n#D;b;x;80;1;0.7\n"


def _deu_with(tmp_path: Path, column: str, value: str) -> Path:
    src = peer_file("deu-data/deu3_blksv.tsv").read_text().splitlines()
    head = src[0].split("\t")
    k = head.index(f'"{column}"') if f'"{column}"' in head else head.index(column)
    row = src[2].split("\t")
    row[k] = value
    return write(tmp_path, "deu.tsv", "\n".join([src[0], src[1], "\t".join(row)]) + "\n")


def test_a_field_over_the_csv_limit_is_one_clear_error(tmp_path, capsys) -> None:
    from detente.scenario.limits import MAX_FIELD

    huge = "x" * (MAX_FIELD + 10)
    refused(write(tmp_path, "k.csv", KTAB_CSV.format(a="A", d=f'"{huge}"')), capsys, "longer than the limit")
    refused(write(tmp_path, "d.csv", DECIDE.format(a=huge)), capsys, "longer than the limit", ":1:")
    refused(_deu_with(tmp_path, "prname", f'"{huge}"'), capsys, "longer than the limit")


def test_a_200kb_field_is_no_traceback(tmp_path, capsys) -> None:
    big = "y" * 200_000  # over Python's default csv limit (131,072), within detente's
    refused(write(tmp_path, "k.csv", KTAB_CSV.format(a="A", d=big)), capsys, "description longer than 256", ":3:")
    refused(write(tmp_path, "k2.csv", KTAB_CSV.format(a=big, d="d")), capsys, "actor name must have", ":3:")
    rc, out = _cli(["validate", str(write(tmp_path, "d.csv", DECIDE.format(a=big)))], capsys)
    assert rc == 0 and "Traceback" not in out, out[:300]
    rc, out = _cli(["validate", str(_deu_with(tmp_path, "prname", big))], capsys)
    assert rc == 0 and "Traceback" not in out, out[:300]


def test_deu_header_only_with_blksv_capabilities(tmp_path, capsys) -> None:
    header = peer_file("deu-data/deu3_blksv.tsv").read_text().splitlines()[0]
    p = write(tmp_path, "h.tsv", header + "\n")
    refused(p, capsys, "weights row", args=["backtest", "--deu", str(p), "--capabilities", "blksv", "-m", "mean"])


def test_deu_non_numeric_weight_row(tmp_path, capsys) -> None:
    lines = peer_file("deu-data/deu3_blksv.tsv").read_text().splitlines()
    head = lines[0].split("\t")
    row = lines[1].split("\t")
    row[head.index('"pcom"' if '"pcom"' in head else "pcom")] = '"abc"'
    p = write(tmp_path, "w.tsv", "\n".join([lines[0], "\t".join(row), *lines[2:]]) + "\n")
    refused(p, capsys, ":2:", "pcom", "must be a number", "'abc'",
            args=["backtest", "--deu", str(p), "--capabilities", "blksv", "-m", "mean"])


# --------------------------------------------------------------------------------------------
# accepted when it should not be


def test_yaml_duplicate_key_is_refused_with_line_and_key(tmp_path, capsys) -> None:
    text = ("name: t\nactors: [{id: A}]\nissues: [{id: x}]\nstances:\n  - actor: A\n    issue: x\n"
            "    position: 10\n    position: 20\n")
    refused(write(tmp_path, "dup.yaml", text), capsys, ":8:", "duplicate key 'position'", "line 7")


def test_json_duplicate_key_is_refused_with_line_and_key(tmp_path, capsys) -> None:
    text = ('{"name": "t", "actors": [{"id": "A"}], "issues": [{"id": "x"}],\n "stances": [\n'
            '  {"actor": "A", "issue": "x",\n   "position": 10,\n   "position": 20}]}\n')
    refused(write(tmp_path, "dup.json", text), capsys, ":5:", "duplicate key 'position'")


@pytest.mark.parametrize("name,text", [
    ("inf.yaml", "name: t\nactors: [{id: A}]\nissues: [{id: x, scale: {min: -.inf, max: .inf}}]\n"
                 "stances: [{actor: A, issue: x, position: 1}]\n"),
    ("inf2.yaml", "name: t\nactors: [{id: A}]\nissues: [{id: x, scale: {min: '-inf', max: '1e999'}}]\n"
                  "stances: [{actor: A, issue: x, position: 1}]\n"),
    ("inf.json", '{"name": "t", "actors": [{"id": "A"}],\n "issues": [{"id": "x", "scale": {"min": -Infinity, '
                 '"max": 1e999}}], "stances": [{"actor": "A", "issue": "x", "position": 1}]}'),
    ("nan.yaml", "name: t\nactors: [{id: A}]\nissues: [{id: x, outcome: .nan}]\n"
                 "stances: [{actor: A, issue: x, position: 1}]\n"),
])
def test_non_finite_numbers_and_infinite_scales_are_refused(tmp_path, capsys, name, text) -> None:
    refused(write(tmp_path, name, text), capsys, ":" + ("2" if name.endswith("json") else "3") + ":", "finite")


def test_the_model_refuses_an_infinite_scale() -> None:
    from pydantic import ValidationError

    from detente.scenario.model import Scale

    with pytest.raises(ValidationError):
        Scale(min=float("-inf"), max=float("inf"))


# --------------------------------------------------------------------------------------------
# size limits


def test_a_file_over_the_size_limit_is_refused_naming_the_limit(tmp_path, capsys, monkeypatch) -> None:
    p = write(tmp_path, "s.yaml", "name: t\n" + MINI_TAIL + "description: " + "z" * 3000 + "\n")
    monkeypatch.setenv("DETENTE_MAX_FILE_MB", "0.001")
    refused(p, capsys, "more than the limit of 1,048 bytes", "DETENTE_MAX_FILE_MB")
    monkeypatch.delenv("DETENTE_MAX_FILE_MB")
    assert _cli(["validate", str(p)], capsys)[0] == 0


@pytest.mark.parametrize("key,env", [("actors", "DETENTE_MAX_ACTORS"), ("stances", "DETENTE_MAX_STANCES"),
                                     ("issues", "DETENTE_MAX_ISSUES")])
def test_more_entries_than_the_cap_are_refused(tmp_path, capsys, monkeypatch, key, env) -> None:
    monkeypatch.setenv(env, "1")
    text = ("name: t\nactors: [{id: A}, {id: B}]\nissues: [{id: x}, {id: y}]\n"
            "stances: [{actor: A, issue: x, position: 1}, {actor: B, issue: y, position: 2}]\n")
    refused(write(tmp_path, "s.yaml", text), capsys, f"2 {key}: more than the limit of 1", env)
    ktab = "toy,t,2,2\nActor,Description,Power,X,Sx,Y,Sy\nA,a,1,1,10,2,10\nB,b,1,1,10,2,10\n"
    refused(write(tmp_path, "k.csv", ktab), capsys, "more than the limit of 1", env)


@pytest.mark.parametrize("value", ["abc", "0", "-5", "inf", "nan", "1e30", "0.5"])
def test_a_limit_setting_that_is_no_positive_number_is_refused_naming_it(tmp_path, capsys, monkeypatch,
                                                                          value) -> None:
    """A typo in a limit used to leave the default in force silently."""
    p = write(tmp_path, "s.yaml", "name: t\n" + MINI_TAIL)
    for env in ("DETENTE_MAX_FILE_MB", "DETENTE_MAX_ACTORS") if value != "0.5" else ("DETENTE_MAX_ACTORS",):
        monkeypatch.setenv(env, value)  # half a megabyte is a size; half an actor is no count
        rc, out = _cli(["validate", str(p)], capsys)
        assert rc == 2 and f"{env}: must be a " in out and repr(value) in out, out
        assert "<input>" not in out and "Traceback" not in out
        monkeypatch.delenv(env)
    assert _cli(["validate", str(p)], capsys)[0] == 0


def test_the_examples_still_validate(capsys) -> None:
    for p in sorted(EXAMPLES.glob("*.yaml")):
        rc, out = _cli(["validate", str(p)], capsys)
        assert rc == 0, out


def test_a_ktab_csv_over_the_stance_cap_is_refused_from_line_1_before_its_rows_are_parsed(
        tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("DETENTE_MAX_STANCES", "10")
    # the rows hold a field over the CSV limit: parsing them would report that instead
    text = "big,t,6,2\nActor,Description,Power,X,Sx,Y,Sy\nA,\"" + "z" * 1_000_001 + "\",1,1,10,2,10\n"
    out = refused(write(tmp_path, "k.csv", text), capsys, "line 1 says 12 stances: more than the limit of 10")
    assert "k.csv:1:" in out and "field" not in out


def test_the_stance_cap_is_generous_but_bounded() -> None:
    from detente.scenario.limits import max_counts

    assert 100_000 <= max_counts()["stances"] <= 2_000_000  # ~1.3 KB of memory per stance while reading


def test_reading_leaves_the_garbage_collector_as_it_was(tmp_path, capsys) -> None:
    import gc

    good, bad = write(tmp_path, "g.yaml", "name: t\n" + MINI_TAIL), write(tmp_path, "b.yaml", "name: [\n")
    from detente.gcpause import paused_gc
    from detente.scenario.io import load

    for was_on in (True, False):
        (gc.enable if was_on else gc.disable)()
        try:
            load(good)
            with pytest.raises(Exception):
                load(bad)
            with paused_gc():
                with paused_gc():
                    pass
                assert not gc.isenabled()
            assert gc.isenabled() is was_on
        finally:
            gc.enable()


def test_unsupported_numbers_are_counted_as_listed() -> None:
    from detente.scenario.io import load
    from detente.scenario.model import Scenario, count_unsupported, unsupported_numbers

    scenarios = [load(p) for p in sorted(EXAMPLES.glob("*.yaml"))]
    scenarios.append(Scenario.model_validate({
        "name": "t", "sources": [{"id": "s"}],
        "actors": [{"id": "A", "capability": 2}, {"id": "B"}, {"id": "C", "capability": 1,
                                                                "evidence": [{"quote": "q", "source": "s"}]}],
        "issues": [{"id": "x", "status_quo": 5, "outcome": 7}, {"id": "y", "outcome": 1}],
        "stances": [{"actor": "A", "issue": "x", "position": 20, "capability": None},
                    {"actor": "B", "issue": "x", "position": {"low": 1, "high": 2}, "salience": 0.5, "capability": 3},
                    {"actor": "C", "issue": "y", "position": 3, "evidence": [{"paraphrase": "p"}]}]}))
    for s in scenarios:
        assert count_unsupported(s) == len(list(unsupported_numbers(s)))
    assert count_unsupported(scenarios[-1]) == 1 + 3 + 1 + 3


def test_a_deu_row_cut_short_is_an_error_not_a_missing_issue(tmp_path, capsys) -> None:
    """A row cut to 5 of 75 fields was padded with blanks: its issue lost its outcome and the
    backtest scored 350 issues instead of 351, exit 0."""
    lines = peer_file("deu-data/deu3_blksv.tsv").read_text().splitlines()
    cut = "\t".join(lines[5].split("\t")[:5])
    p = write(tmp_path, "cut.tsv", "\n".join([*lines[:5], cut, *lines[6:]]) + "\n")
    refused(p, capsys, ":6:", "the row has 5 of the header's 75 fields: cut short?",
            args=["backtest", "--deu", str(p), "-m", "mean", "--cv", "2", "--repeats", "1"])
    blank = write(tmp_path, "blank.tsv", "\n".join([*lines[:5], "", *lines[5:]]) + "\n")  # a blank line is no row
    rc, out = _cli(["backtest", "--deu", str(blank), "-m", "mean", "--cv", "2", "--repeats", "1", "-f", "json"], capsys)
    assert rc == 0, out[:300]


# --------------------------------------------------------------------------------------------
# numbers and text YAML reads otherwise than a person writes them


_BASE = """name: t
sources:
  - {id: s1, title: "Src", date: "2024-02-01"}
actors:
  - {id: a, capability: 2}
  - {id: b}
issues:
  - {id: i1, scale: {min: 0, max: 100}}
stances:
  - {actor: a, issue: i1, position: 10}
  - {actor: b, issue: i1, position: 90}
"""


@pytest.mark.parametrize("written, words", [
    ("010", ["YAML reads 010 as an octal number; write 10"]),
    ("0b101", ["YAML reads 0b101 as a binary number"]),
    ("0x1A", ["YAML reads 0x1A as a hexadecimal number"]),
    ("1:30", ["YAML reads 1:30 as a base-60 number"]),
    ("1:30.5", ["YAML reads 1:30.5 as a base-60 number"]),
])
def test_numbers_yaml_would_misread_are_refused(tmp_path, capsys, written, words) -> None:
    """``position: 010`` was read as 8 (octal), ``0x1A`` as 26, ``1:30`` as 90 (base 60): another
    number, with no word. Refused, with the line and what to write."""
    p = write(tmp_path, "n.yaml", _BASE.replace("position: 10}", f"position: {written}}}"))
    text = refused(p, capsys, *words)
    assert "n.yaml:10:" in text
    for fine in ("10", "0", "1_0", "0.5", "010.5"):  # plain numbers still read as written (1_0 is 10)
        assert _cli(["validate", str(write(tmp_path, "ok.yaml", _BASE.replace("position: 10}", f"position: {fine}}}")))],
                    capsys)[0] == 0, fine


def test_an_impossible_date_is_a_located_error_not_a_crash(tmp_path, capsys) -> None:
    """``date: 2024-02-30`` (YAML's date form, no such day) crashed every command: "internal error:
    ValueError: day is out of range for month ... this is a bug in detente", exit 1."""
    p = write(tmp_path, "d.yaml", _BASE.replace('"2024-02-01"', "2024-02-30"))
    refused(p, capsys, "d.yaml:3:", "not a real date", "2024-02-30")
    refused(p, capsys, "not a real date", args=["run", str(p), "-m", "mean"])


@pytest.mark.parametrize("name, text", [
    ("s.yaml", _BASE.replace('title: "Src"', 'title: "\\uD800"')),
    ("s.json", '{"name": "t", "actors": [{"id": "a", "name": "\\ud800"}], "issues": [{"id": "i1"}], '
               '"stances": [{"actor": "a", "issue": "i1", "position": 5}]}'),
])
def test_a_lone_surrogate_escape_is_refused_where_it_is(tmp_path, capsys, name, text) -> None:
    """``"\\uD800"`` passed `validate` and crashed `run` at the input's hash ("internal error:
    UnicodeEncodeError"), and `run --store` left an empty store behind."""
    p = write(tmp_path, name, text)
    refused(p, capsys, "not text: a lone UTF-16 surrogate")
    store = tmp_path / "runs.db"
    refused(p, capsys, "not text", args=["run", str(p), "-m", "mean", "--store", str(store)])
    assert not store.exists()


def test_a_scale_of_astronomical_size_is_refused(tmp_path, capsys) -> None:
    """``scale: {min: -1e300, max: 1e300}`` was taken; smp and exchange then forecast 0, off every
    position, with "models agree", and BDM CSV positions of ±1e300 printed NumPy's overflow warning."""
    p = write(tmp_path, "big.yaml", _BASE.replace("scale: {min: 0, max: 100}", "scale: {min: -1e300, max: 1e300}"))
    refused(p, capsys, "big.yaml:8:", "scale ends beyond ±1e+12", "rescale the issue")
    ok = write(tmp_path, "ok.yaml", _BASE.replace("scale: {min: 0, max: 100}", "scale: {min: 0, max: 1e9}"))
    assert _cli(["validate", str(ok)], capsys)[0] == 0


def test_a_huge_name_is_not_echoed_whole_in_warnings(tmp_path, capsys) -> None:
    """A 10 MB issue name made `validate` print 20 MB of "no evidence" warnings."""
    p = write(tmp_path, "long.yaml", _BASE.replace("- {id: i1,", "- {name: " + "x" * 200_000 + ", id: i1,"))
    rc, text = _cli(["validate", str(p)], capsys)
    assert rc == 0 and len(text) < 20_000 and "more characters)" in text
