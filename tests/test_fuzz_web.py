"""Fuzzing the web API's upload/validate and run endpoints (issue #14 item 7, the web half).

Every answer must be a 2xx, or a 4xx in the app's JSON error shape (``detail``, ``errors`` of
``{field, line, message, value, where, text}``): never a 500, never a traceback, and within a
time bound. The hostile classes of the audit are explicit examples; hypothesis adds mutations
of a valid scenario and of the requests' fields (derandomized: the same cases every run).

Cases that hang in the readers on this branch (alias and entity-expansion bombs) run in a child
process with a timeout, so that a hang fails the case instead of the suite.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import Any

import pytest

pytest.importorskip("fastapi")
hypothesis = pytest.importorskip("hypothesis")

from fastapi.testclient import TestClient  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from detente.web.app import create_app  # noqa: E402

BOUND_S = 10.0  # the most one answer may take

BASE = ("name: t\nactors: [{id: A}, {id: B}]\nissues: [{id: x}]\n"
        "stances: [{actor: A, issue: x, position: 10}, {actor: B, issue: x, position: 90}]\n")
BASE_JSON = {"name": "t", "actors": [{"id": "A"}, {"id": "B"}], "issues": [{"id": "x"}],
             "stances": [{"actor": "A", "issue": "x", "position": 10, "salience": 0.5},
                         {"actor": "B", "issue": "x", "position": 90}]}


def alias_bomb(levels: int = 9) -> str:
    """Billion laughs: nine levels of nine aliases, in the description."""
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, levels)]
    return "\n".join(lines) + "\n" + BASE + f"description: *a{levels - 1}\n"


def entity_bomb() -> str:
    ents = '<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {chr(98 + i)} "' + f"&{chr(97 + i)};" * 10 + '">' for i in range(8))
    return f'<?xml version="1.0"?>\n<!DOCTYPE r [{ents}]>\n<Scenario><name>&i;</name></Scenario>\n'


XXE = ('<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
       "<Scenario><name>&x;</name><desc>&x;</desc></Scenario>\n")

# uploads (text, filename) that every reader must refuse (or read) cleanly
UPLOADS: dict[str, Any] = {
    "xxe": (XXE, "s.xml"),
    "int_10e400_yaml": (BASE.replace("position: 10", "position: 1" + "0" * 400), "s.yaml"),
    "int_10e400_json": (json.dumps(BASE_JSON).replace('"position": 10', '"position": 1' + "0" * 400), "s.json"),
    "int_6000_digits": (BASE.replace("position: 10", "position: " + "1" * 6000), "s.yaml"),
    "deep_yaml_flow": ("name: " + "[" * 20_000 + "]" * 20_000 + "\n", "s.yaml"),
    "deep_yaml_block": ("".join(" " * i + f"k{i}:\n" for i in range(1200)), "s.yaml"),
    "deep_json": ("[" * 100_000 + "]" * 100_000, "s.json"),
    "empty": ("", "s.yaml"),
    "not_utf8_escaped": ("\udcff\udcfe name: t", "s.yaml"),
    "binary_as_csv": ("\x00\x01\x02,\x03\n" * 10, "s.csv"),
    "cr_only_csv": ("actor,capability,position,salience\rA,1,10,1\rB,2,90,1\r", "s.csv"),
    "huge_field_csv": ("actor,capability,position,salience\n" + "A" * 200_000 + ",1,10,1\n", "s.csv"),
    "unknown_suffix": (BASE, "s.docx"),
    "no_suffix": (BASE, "scenario"),
    "path_in_name": (BASE, "../../etc/passwd.yaml"),
    "unknown_fields": (BASE + "colour: blue\n", "s.yaml"),
    "huge_draws_in_file": (BASE + "model_options: {mean: {draws: 1000000000}}\n", "s.yaml"),
    "duplicate_key_yaml": ("name: t\nactors: [{id: A}]\nissues: [{id: x}]\n"
                           "stances: [{actor: A, issue: x, position: 10, position: 20}]\n", "s.yaml"),
    "duplicate_key_json": ('{"name": "t", "name": "u", "actors": [{"id": "A"}], "issues": [{"id": "x"}], '
                           '"stances": [{"actor": "A", "issue": "x", "position": 1}]}', "s.json"),
    "infinite_scale": (BASE.replace("issues: [{id: x}]", "issues: [{id: x, scale: {min: -.inf, max: .inf}}]"),
                       "s.yaml"),
}
MUST_REFUSE = {"xxe", "int_10e400_yaml", "int_10e400_json", "int_6000_digits", "deep_yaml_flow", "deep_json",
               "empty", "duplicate_key_yaml", "duplicate_key_json", "infinite_scale", "unknown_fields"}

# raw request bodies: (content type, bytes)
RAW: dict[str, tuple[str, bytes]] = {
    "empty_body": ("application/json", b""),
    "wrong_content_type": ("text/plain", json.dumps({"scenario": BASE_JSON}).encode()),
    "form_content_type": ("application/x-www-form-urlencoded", b"scenario=1&draws=2"),
    "not_utf8": ("application/json", b'{"name": "\xff\xfe"}'),
    "deep_json_body": ("application/json", b"[" * 100_000 + b"]" * 100_000),
    "int_10e400_body": ("application/json", b'{"draws": 1' + b"0" * 400 + b"}"),
    "float_1e400_body": ("application/json", b'{"draws": 1e400}'),
    "nan_body": ("application/json", b'{"draws": NaN}'),
    "yaml_as_json": ("application/json", alias_bomb(3).encode()),
}

# run requests (JSON) around a valid scenario
RUNS: dict[str, Any] = {
    "unknown_model": {"scenario": BASE_JSON, "models": ["nope"]},
    "no_models": {"scenario": BASE_JSON, "models": []},
    "zero_draws": {"scenario": BASE_JSON, "draws": 0},
    "negative_draws": {"scenario": BASE_JSON, "draws": -5},
    "huge_draws": {"scenario": BASE_JSON, "draws": 10**9},
    "draws_10e400": {"scenario": BASE_JSON, "draws": 10**400},
    "draws_as_text": {"scenario": BASE_JSON, "draws": "many"},
    "negative_seed": {"scenario": BASE_JSON, "seed": -1},
    "huge_seed": {"scenario": BASE_JSON, "seed": 2**80},
    "unknown_fields": {"scenario": BASE_JSON, "colour": "blue"},
    "unknown_scenario_fields": {"scenario": {**BASE_JSON, "colour": "blue"}},
    "unknown_option": {"scenario": BASE_JSON, "options": {"mean": {"colour": 1}}},
    "unknown_variant": {"scenario": BASE_JSON, "variants": {"mean": "nope"}},
    "both_sources": {"scenario": BASE_JSON, "text": BASE, "filename": "s.yaml"},
    "no_source": {"models": ["mean"]},
    "position_10e400": {"scenario": {**BASE_JSON, "stances": [{"actor": "A", "issue": "x", "position": 10**400}]}},
    "position_inf": {"scenario": {**BASE_JSON, "stances": [{"actor": "A", "issue": "x", "position": "inf"}]}},
    "over_budget": {"scenario": {"name": "b", "actors": [{"id": f"a{i}"} for i in range(200)],
                                 "issues": [{"id": f"i{j}"} for j in range(40)], "stances": []},
                    "models": ["smp"], "draws": 20_000},
}


@pytest.fixture(scope="module")
def client() -> Any:
    with TestClient(create_app(), raise_server_exceptions=False) as c:
        yield c


def check(r: Any, took: float, what: object) -> None:
    """A 2xx, or a 4xx with the app's error shape; no traceback; within the bound."""
    assert took < BOUND_S, (what, took)
    assert r.status_code < 500, (what, r.status_code, r.text[:300])
    assert "Traceback" not in r.text, (what, r.text[:300])
    if r.status_code >= 400:
        body = r.json()
        assert isinstance(body.get("detail"), str) and body["detail"], (what, body)
        assert body["errors"] and all(isinstance(e.get("message"), str) and e["message"] for e in body["errors"])
        assert all({"field", "line", "message", "value", "where", "text"} <= e.keys() for e in body["errors"])


def post(client: TestClient, url: str, what: object, **kw: Any) -> Any:
    t0 = time.perf_counter()
    r = client.post(url, **kw)
    check(r, time.perf_counter() - t0, what)
    return r


@pytest.mark.parametrize("case", list(UPLOADS))
def test_hostile_uploads(client: TestClient, case: str) -> None:
    text, filename = UPLOADS[case]
    for url, body in (("/api/scenarios/validate", {"text": text, "filename": filename}),
                      ("/api/run", {"text": text, "filename": filename, "models": ["mean"], "draws": 3})):
        raw = json.dumps(body).encode()  # \\u escapes: lone surrogates too
        r = post(client, url, (case, url), content=raw, headers={"content-type": "application/json"})
        if case in MUST_REFUSE:
            assert 400 <= r.status_code < 500, (case, url, r.status_code)
        assert "root:" not in r.text  # no file of the server's was read into the answer


@pytest.mark.parametrize("case", list(RAW))
def test_hostile_bodies(client: TestClient, case: str) -> None:
    ctype, raw = RAW[case]
    for url in ("/api/scenarios/validate", "/api/run"):
        r = post(client, url, (case, url), content=raw, headers={"content-type": ctype})
        assert 400 <= r.status_code < 500, (case, url, r.status_code)




@pytest.mark.parametrize("case", list(RUNS))
def test_hostile_runs(client: TestClient, case: str) -> None:
    r = post(client, "/api/run", case, json=RUNS[case])
    assert 400 <= r.status_code < 500, (case, r.status_code)


_CHILD = """
import json, sys
from fastapi.testclient import TestClient
from detente.web.app import create_app
text, filename = json.loads(sys.stdin.read())
c = TestClient(create_app(), raise_server_exceptions=False)
out = []
for url, body in (("/api/scenarios/validate", {"text": text, "filename": filename}),
                  ("/api/run", {"text": text, "filename": filename, "models": ["mean"], "draws": 3})):
    r = c.post(url, json=body)
    out.append([url, r.status_code, r.text[:2000]])
print(json.dumps(out))
"""


@pytest.mark.parametrize("case", ["alias_bomb", "entity_bomb"])
def test_expansion_bombs_are_refused_in_bounded_time(case: str) -> None:
    """Run in a child process, so that a reader that expands them again fails this test instead of hanging the suite."""
    text, filename = (alias_bomb(), "s.yaml") if case == "alias_bomb" else (entity_bomb(), "s.xml")
    t0 = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, "-c", _CHILD], input=json.dumps([text, filename]), text=True,
                              capture_output=True, timeout=BOUND_S + 5)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{case}: no answer in {BOUND_S + 5:g} s")
    assert done.returncode == 0, done.stderr[-2000:]
    for url, status, text_ in json.loads(done.stdout.strip().splitlines()[-1]):
        assert 400 <= status < 500, (case, url, status, text_[:300])
        assert "Traceback" not in text_ and json.loads(text_)["errors"]
    assert time.perf_counter() - t0 < BOUND_S + 5


# -- generated cases ---------------------------------------------------------------------------------------

numbers = (st.integers(-10**30, 10**30) | st.floats(allow_nan=True, allow_infinity=True) | st.just(10**400)
           | st.sampled_from(["1e999", "-inf", "nan", "", "0x10", "½"]))
values = st.none() | st.booleans() | numbers | st.text(max_size=12) | st.lists(numbers, max_size=3) \
    | st.dictionaries(st.sampled_from(["low", "high", "mode", "mean", "sd", "min", "max", "x"]), numbers, max_size=3)
fields = st.sampled_from([("actors", 0, "capability"), ("actors", 1, "id"), ("issues", 0, "scale"),
                          ("issues", 0, "status_quo"), ("stances", 0, "position"), ("stances", 0, "salience"),
                          ("stances", 1, "actor"), ("stances", 1, "issue"), ("stances", 0, "colour")])


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(edits=st.lists(st.tuples(fields, values), min_size=1, max_size=3), as_upload=st.booleans(),
       draws=st.integers(-3, 50) | st.just(10**12), model=st.sampled_from(["mean", "median", "nbs", "nope"]))
def test_mutated_scenarios(client: TestClient, edits: list, as_upload: bool, draws: int, model: str) -> None:
    sc = json.loads(json.dumps(BASE_JSON))
    for (part, k, key), v in edits:
        sc[part][k][key] = v
    if as_upload:
        try:
            text = json.dumps(sc, allow_nan=True)
        except ValueError:  # 10**400 as a float
            text = json.dumps(sc, default=str)
        src: dict[str, Any] = {"text": text, "filename": "s.json"}
        post(client, "/api/scenarios/validate", ("validate", edits), content=json.dumps(src).encode(),
             headers={"content-type": "application/json"})
    else:
        src = {"scenario": sc}
        raw = json.dumps(sc, default=str, allow_nan=True).encode()
        post(client, "/api/scenarios/validate", ("validate", edits), content=raw,
             headers={"content-type": "application/json"})
    body = json.dumps({**src, "models": [model], "draws": draws}, default=str, allow_nan=True).encode()
    post(client, "/api/run", ("run", edits, draws, model), content=body, headers={"content-type": "application/json"})


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=300) | st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
       suffix=st.sampled_from([".yaml", ".json", ".csv", ".xml", ".txt", ".dat", ""]))
def test_arbitrary_upload_text(client: TestClient, text: str, suffix: str) -> None:
    post(client, "/api/scenarios/validate", (text, suffix), json={"text": text, "filename": "up" + suffix})
