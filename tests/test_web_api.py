"""The JSON API behind ``detente serve`` (FastAPI's TestClient; no network, no browser)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

from fastapi.testclient import TestClient  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from detente.scenario.io import FORMATS, _load_plugins  # noqa: E402
from detente.web.app import MAX_BODY_BYTES, create_app  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
FLAGSHIP = "ukraine-settlement.yaml"

TOY = {
    "name": "toy",
    "sources": [{"id": "s1", "title": "an interview"}],
    "actors": [{"id": "A", "capability": 1}, {"id": "B", "capability": 3}, {"id": "C", "capability": 2}],
    "issues": [{"id": "x", "scale": {"min": 0, "max": 10}}, {"id": "y"}],
    "stances": [
        {"actor": "A", "issue": "x", "position": 0, "salience": 1},
        {"actor": "B", "issue": "x", "position": {"low": 8, "high": 10}, "salience": 0.5},
        {"actor": "C", "issue": "x", "position": 4},
        {"actor": "A", "issue": "y", "position": 90},
        {"actor": "B", "issue": "y", "position": 10, "salience": 0.2,
         "evidence": [{"quote": "we want little", "source": "s1"}]},
    ],
}


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(examples_dir=EXAMPLES))


def _bad_toy() -> dict:
    bad = json.loads(json.dumps(TOY))
    bad["stances"][2]["position"] = 14  # issue x's scale is 0-10
    return bad


# -- models and examples ------------------------------------------------------------------------


def test_models_lists_the_registry_with_option_schemas(client: TestClient) -> None:
    from detente.models import registry

    r = client.get("/api/models")
    assert r.status_code == 200
    by_name = {m["name"]: m for m in r.json()}
    assert set(by_name) == set(registry.names())
    mean = by_name["mean"]
    assert mean["has_rounds"] is False and mean["summary"]
    assert mean["options_schema"]["properties"]["weights"]["default"] == "capability_salience"


def test_examples_list_and_get(client: TestClient) -> None:
    r = client.get("/api/examples")
    assert r.status_code == 200
    listed = {e["name"]: e for e in r.json()}
    on_disk = sorted(p.name for p in EXAMPLES.glob("*.y*ml")) if EXAMPLES.is_dir() else []
    if not on_disk:
        pytest.skip("examples/ has no scenario files yet")
    assert set(on_disk) <= set(listed)
    good = [e for e in listed.values() if not e["error"]]
    assert good, "no example loads"
    one = client.get(f"/api/examples/{good[0]['name']}")
    assert one.status_code == 200
    body = one.json()
    assert body["name"] == good[0]["title"] and len(body["actors"]) == good[0]["actors"]
    if FLAGSHIP in listed:
        assert listed[FLAGSHIP]["error"] is None, listed[FLAGSHIP]["error"]
        flagship = client.get(f"/api/examples/{FLAGSHIP}").json()
        # the evidence comes along: every stance of the flagship cites something
        assert all(s["evidence"] for s in flagship["stances"])


def test_unknown_example_is_404_and_no_path_traversal(client: TestClient) -> None:
    assert client.get("/api/examples/nope.yaml").status_code == 404
    r = client.get("/api/examples/..%2Fpyproject.toml")
    assert r.status_code == 404
    assert "errors" in r.json()


def test_no_examples_folder(tmp_path: Path) -> None:
    c = TestClient(create_app(examples_dir=tmp_path / "missing"))
    assert c.get("/api/examples").json() == []


# -- validation -------------------------------------------------------------------------------------


def test_validate_good_scenario_fills_defaults(client: TestClient) -> None:
    r = client.post("/api/scenarios/validate", json=TOY)
    assert r.status_code == 200, r.text
    s = r.json()
    assert s["name"] == "toy"
    assert s["stances"][2]["salience"] == 1.0  # the default
    assert s["stances"][1]["position"] == {"low": 8.0, "high": 10.0}


def test_validate_bad_scenario_names_the_field(client: TestClient) -> None:
    r = client.post("/api/scenarios/validate", json=_bad_toy())
    assert r.status_code == 422
    errors = r.json()["errors"]
    assert [e["field"] for e in errors] == ["stances[2].position"]
    assert "off the scale [0, 10]" in errors[0]["message"]
    assert "14" in errors[0]["message"]


@pytest.mark.parametrize("url, body, wrong", [
    ("/api/run", {"scenario": TOY, "models": ["mean"], "draw": 10}, "draw"),
    ("/api/compare", {"scenarios": [{"scenario": TOY}, {"scenario": TOY}], "modles": ["mean"]}, "modles"),
    ("/api/sensitivity", {"scenario": TOY, "model": "mean", "smaples": 10}, "smaples"),
])
def test_a_misspelt_request_key_is_refused_by_name(client: TestClient, url: str, body: dict, wrong: str) -> None:
    r = client.post(url, json=body)
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == [wrong], r.text
    assert "unknown field" in r.text


def test_validate_reports_every_problem(client: TestClient) -> None:
    bad = _bad_toy()
    bad["stances"][0]["salience"] = 1.7
    bad["actors"][0]["colour"] = "red"
    r = client.post("/api/scenarios/validate", json=bad)
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert "actors[0].colour" in fields


def test_upload_yaml_with_line_numbers(client: TestClient) -> None:
    text = ("name: t\nactors: [{id: A}, {id: B}]\nissues: [{id: x}]\nstances:\n"
            "  - {actor: A, issue: x, position: 40}\n  - {actor: B, issue: x, position: 140}\n")
    r = client.post("/api/scenarios/validate", json={"text": text, "filename": "mine.yaml"})
    assert r.status_code == 422
    body = r.json()
    assert body["file"] == "mine.yaml"
    assert body["errors"][0]["field"] == "stances[1].position"
    assert body["errors"][0]["line"] == 6
    ok = client.post("/api/scenarios/validate", json={"text": text.replace("140", "60"), "filename": "mine.yaml"})
    assert ok.status_code == 200 and ok.json()["meta"]["file"] == "mine.yaml"


def test_upload_peer_format(client: TestClient) -> None:
    _load_plugins()
    if "ktab-csv" in FORMATS:
        text = ("toy, a toy, 3, 1,\nActor, Description, Power, Tax, Sal\n"
                "A, first, 10, 20, 50\nB, second, 20, 60, 40\nC, third, 5, 90, 100\n")
        r = client.post("/api/scenarios/validate", json={"text": text, "filename": "toy.csv"})
        assert r.status_code == 200, r.text
        s = r.json()
        assert [a["id"] for a in s["actors"]] == ["A", "B", "C"]
        assert [st["salience"] for st in s["stances"]] == [0.5, 0.4, 1.0]
        bad = text.replace("20, 60, 40", "20, 160, 40")  # position off KTAB's 0-100
        r = client.post("/api/scenarios/validate", json={"text": bad, "filename": "toy.csv"})
        assert r.status_code == 422 and r.json()["file"] == "toy.csv"
        assert r.json()["errors"][0]["line"] == 4
    else:  # the KTAB reader is not registered in this build: a JSON-text upload still works
        r = client.post("/api/scenarios/validate", json={"text": json.dumps(TOY), "filename": "toy.json"})
        assert r.status_code == 200, r.text


def test_upload_oddities_are_4xx(client: TestClient) -> None:
    for body in (
        {"text": "", "filename": "e.yaml"},
        {"text": "\x00\x01binary", "filename": "b.yaml"},
        {"text": "name: [unclosed", "filename": "y.yaml"},
        {"text": "a,b\n1,2\n", "filename": "../../etc/passwd"},
        {"text": "name: t", "filename": ".."},
        {"text": "x", "filename": "w.unknownsuffix"},
        {"text": 5},
        b'{"text": "name: \\ud800", "filename": "s.yaml"}',  # a lone surrogate
    ):
        if isinstance(body, bytes):
            r = client.post("/api/scenarios/validate", content=body, headers={"content-type": "application/json"})
        else:
            r = client.post("/api/scenarios/validate", json=body)
        assert 400 <= r.status_code < 500, (body, r.status_code, r.text)
        assert r.json()["errors"], body


# -- warnings ---------------------------------------------------------------------------------------


def _evidenced_toy() -> dict:
    """TOY with evidence behind every number it writes down: nothing to warn about."""
    data = json.loads(json.dumps(TOY))
    cite = [{"quote": "as stated", "source": "s1"}]
    for item in data["actors"] + data["stances"]:
        item["evidence"] = cite
    return data


def _warnings_of_download(client: TestClient, held: dict, tmp_path: Path) -> list[str]:
    """What ``detente validate`` warns about the YAML file the page's Export writes for ``held``."""
    from detente.scenario.io import load
    from detente.scenario.model import scenario_warnings

    r = client.post("/api/scenarios/export", json={"scenario": held, "format": "yaml"})
    assert r.status_code == 200, r.text
    path = tmp_path / "downloaded.yaml"
    path.write_text(r.text, encoding="utf-8")
    from detente.web.labels import page_warning

    return [page_warning(w) for w in scenario_warnings(load(path))]


def test_warnings_name_the_numbers_without_evidence(client: TestClient) -> None:
    r = client.post("/api/scenarios/warnings", json=TOY)
    assert r.status_code == 200, r.text
    (w,) = r.json()["warnings"]
    # A's capability 1 and salience 1 equal the defaults: the downloaded file leaves them out
    # in the page's words: no `evidence:` key, no field paths
    assert w.startswith("7 numbers have no evidence (add a quote or paraphrase and its source in the number's "
                        "evidence panel): B's capability, C's capability, A's position on x,"), w
    assert w.endswith(" and 2 more")
    same = json.loads(json.dumps(TOY))
    same["actors"][0]["name"] = same["actors"][1]["name"] = "EU"
    warnings = client.post("/api/scenarios/warnings", json=same).json()["warnings"]
    assert warnings[0] == "actors A and B are both shown as 'EU' in tables: give them different names"


def test_no_warnings_for_a_fully_evidenced_scenario(client: TestClient) -> None:
    evidenced = _evidenced_toy()
    assert client.post("/api/scenarios/warnings", json=evidenced).json() == {"warnings": []}
    held = client.post("/api/scenarios/validate", json=evidenced).json()  # defaults filled in, as the page holds it
    assert client.post("/api/scenarios/warnings", json=held).json() == {"warnings": []}
    if (EXAMPLES / FLAGSHIP).exists():
        flagship = client.get(f"/api/examples/{FLAGSHIP}").json()
        assert client.post("/api/scenarios/warnings", json=flagship).json() == {"warnings": []}


def test_the_page_warns_about_what_its_download_holds(client: TestClient, tmp_path: Path) -> None:
    """For a scenario as the page holds it (the validated JSON, defaults filled in), the warnings are
    those ``detente validate`` prints for the file the page's Export writes."""
    helds = [client.post("/api/scenarios/validate", json=TOY).json()]
    helds += [client.get(f"/api/examples/{e['name']}").json() for e in client.get("/api/examples").json()
              if not e["error"]]
    for held in helds:
        page = client.post("/api/scenarios/warnings", json=held).json()["warnings"]
        assert page == _warnings_of_download(client, held, tmp_path), held["name"]
    assert any(client.post("/api/scenarios/warnings", json=h).json()["warnings"] for h in helds)


def test_warnings_of_an_upload(client: TestClient, tmp_path: Path) -> None:
    text = ("name: t\nactors: [{id: A, capability: 2}, {id: B}]\nissues: [{id: x}]\nstances:\n"
            "  - {actor: A, issue: x, position: 40, salience: 1}\n"
            "  - {actor: B, issue: x, position: 60, evidence: [{paraphrase: B said so}]}\n")
    r = client.post("/api/scenarios/warnings", json={"text": text, "filename": "mine.yaml"})
    assert r.status_code == 200, r.text
    assert r.json()["warnings"] == [
        "2 numbers have no evidence (add a quote or paraphrase and its source in the number's evidence panel): "
        "A's capability, A's position on x"]
    # the same as for the scenario the page holds after this upload
    held = client.post("/api/scenarios/validate", json={"text": text, "filename": "mine.yaml"}).json()
    assert client.post("/api/scenarios/warnings", json=held).json() == r.json()
    assert r.json()["warnings"] == _warnings_of_download(client, held, tmp_path)


@pytest.mark.parametrize("body", [
    _bad_toy(),
    {"text": "name: t\nactors: [{id: A}]\nissues: [{id: x}]\nstances:\n  - {actor: A, issue: x, position: 140}\n",
     "filename": "mine.yaml"},
    {"text": 5},
    {"text": "name: [unclosed", "filename": "y.yaml"},
    b'{"name": "t", "actors": [',
    {"name": "t"},
], ids=["field", "upload", "bad-upload", "bad-yaml", "bad-json", "incomplete"])
def test_warnings_refuse_an_invalid_scenario_as_validate_does(client: TestClient, body: dict | bytes) -> None:
    def post(url: str) -> Any:
        if isinstance(body, bytes):
            return client.post(url, content=body, headers={"content-type": "application/json"})
        return client.post(url, json=body)

    warned, validated = post("/api/scenarios/warnings"), post("/api/scenarios/validate")
    assert validated.status_code == 422
    assert (warned.status_code, warned.json()) == (validated.status_code, validated.json())


def test_warnings_read_with_the_servers_caps() -> None:
    c = TestClient(create_app(max_actors=2, max_issues=1))
    text = ("name: t\nactors: [{id: A}, {id: B}, {id: C}]\nissues: [{id: x}]\n"
            "stances: [{actor: A, issue: x, position: 1}]\n")
    warned = c.post("/api/scenarios/warnings", json={"text": text, "filename": "t.yaml"})
    assert warned.status_code == 422 and "at most 2 actors per scenario on this server" in warned.text
    assert warned.json() == c.post("/api/scenarios/validate", json={"text": text, "filename": "t.yaml"}).json()


# -- runs -----------------------------------------------------------------------------------------


def test_run_three_models_with_intervals(client: TestClient) -> None:
    r = client.post("/api/run", json={"scenario": TOY, "models": ["mean", "median", "nbs"], "draws": 200, "seed": 3})
    assert r.status_code == 200, r.text
    body = r.json()
    results = body["results"]
    assert [x["model"] for x in results] == ["mean", "median", "nbs"]
    for res in results:
        assert res["draws"] == 200 and res["seed"] == 3
        assert set(res["forecast"]) == {"x", "y"}
        for issue, (lo, hi) in res["interval"].items():
            assert lo <= res["forecast"][issue] <= hi
        assert len(res["forecast_draws"]["x"]) == 200
    # the same as the library gives
    from detente.runner import run
    from detente.scenario.model import Scenario

    lib = run(Scenario.model_validate(TOY), "mean", draws=200, seed=3)
    assert results[0]["forecast"] == pytest.approx(lib.forecast)
    # issue y: A at 90 (weight 1), B at 10 (weight 3 x 0.2): the mean is 60
    assert results[0]["forecast"]["y"] == pytest.approx(60.0)
    assert body["saved"] is None  # no store configured


def test_run_from_uploaded_text(client: TestClient) -> None:
    r = client.post("/api/run", json={"text": json.dumps(TOY), "filename": "toy.json", "models": ["median"],
                                      "draws": 1})
    assert r.status_code == 200, r.text
    assert "input_band" not in r.json()["results"][0]  # one draw: no band over draws (#10)


def test_run_same_seed_same_result(client: TestClient) -> None:
    body = {"scenario": TOY, "models": ["mean"], "draws": 100, "seed": 11}
    a = client.post("/api/run", json=body).json()["results"][0]
    b = client.post("/api/run", json=body).json()["results"][0]
    assert a["forecast_draws"] == b["forecast_draws"]


@pytest.mark.parametrize(
    "change, field",
    [
        ({"models": ["nope"]}, "models[0]"),
        ({"models": []}, "models"),
        ({"draws": 0}, "draws"),
        ({"draws": 20001}, "draws"),
        ({"seed": -1}, "seed"),
        ({"options": {"mean": {"weights": "bogus"}}}, "options.mean.weights"),
        ({"options": {"mean": {"no_such_option": 1}}}, "options.mean.no_such_option"),
        ({"options": {"median": {}}}, "options.median"),
        ({"scenario": None}, "scenario"),
    ],
)
def test_run_bad_requests_are_422_with_field(client: TestClient, change: dict, field: str) -> None:
    body = {"scenario": TOY, "models": ["mean"], "draws": 10, **change}
    r = client.post("/api/run", json=body)
    assert r.status_code == 422, r.text
    assert field in [e["field"] for e in r.json()["errors"]], r.json()


def test_run_with_invalid_scenario_is_422(client: TestClient) -> None:
    r = client.post("/api/run", json={"scenario": _bad_toy(), "models": ["mean"]})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "stances[2].position"


def test_run_saves_to_store_when_available(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'runs.db'}"
    c = TestClient(create_app(store_url=url, examples_dir=tmp_path))
    r = c.post("/api/run", json={"scenario": TOY, "models": ["mean", "median"], "draws": 5})
    assert r.status_code == 200, r.text
    body = r.json()
    try:
        from detente.store.db import Store
    except ImportError:
        assert body["saved"] is None and "not saved" in body["store_note"]
        return
    assert body["store_note"] is None, body["store_note"]
    assert len(body["saved"]) == 2
    store = Store(url)
    try:
        assert store.count() == 2
        got = store.get(body["saved"][1])
        assert got["model"] == "median", got
    finally:
        store.close()


# -- malformed and oversize bodies --------------------------------------------------------------------


def test_oversize_body_is_413(client: TestClient) -> None:
    big = {"scenario": TOY, "models": ["mean"], "pad": "x" * (MAX_BODY_BYTES + 10)}
    r = client.post("/api/run", json=big)
    assert r.status_code == 413
    assert "too large" in r.json()["detail"]


def test_oversize_streamed_body_without_length_is_413(client: TestClient) -> None:
    def chunks():
        for _ in range(3):
            yield b" " * (MAX_BODY_BYTES // 2)

    r = client.post("/api/scenarios/validate", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413


@pytest.mark.parametrize("raw", [b"{bad json", b"", b"[1, 2", b"\xff\xfe", b"null", b"42", b'"text"', b"[]"])
def test_malformed_json_is_4xx(client: TestClient, raw: bytes) -> None:
    for url in ("/api/run", "/api/scenarios/validate", "/api/sensitivity"):
        r = client.post(url, content=raw, headers={"content-type": "application/json"})
        assert 400 <= r.status_code < 500, (url, raw, r.status_code)
        assert r.json()["errors"], (url, raw)


def test_malformed_json_names_the_problem(client: TestClient) -> None:
    r = client.post("/api/run", content=b'{"models": ["mean",]}', headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert "malformed JSON" in r.json()["errors"][0]["message"]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**20, 10**20) | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["name", "actors", "issues", "stances", "id", "position", "salience", "text", "filename",
                         "scenario", "models", "draws", "seed", "options", "low", "high", "scale"]) | st.text(max_size=5),
        inner, max_size=5),
    max_leaves=15,
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=json_values, url=st.sampled_from(["/api/run", "/api/scenarios/validate", "/api/sensitivity"]))
def test_fuzz_never_500(client: TestClient, body: object, url: str) -> None:
    r = client.post(url, content=json.dumps(body).encode(), headers={"content-type": "application/json"})
    assert r.status_code < 500, (url, body, r.text)


def test_fuzz_mutated_scenarios_never_500(client: TestClient) -> None:
    mutations = [
        ("actors", []), ("actors", [{}]), ("issues", [{"id": "x", "scale": {"min": 5, "max": 5}}]),
        ("stances", [{"actor": "A", "issue": "x", "position": {"low": 9, "high": 1}}]),
        ("stances", [{"actor": "A", "issue": "x", "position": {"mean": 5}}]),
        ("stances", [{"actor": "A", "issue": "x", "position": "1e999"}]),
        ("stances", [{"actor": "A", "issue": "x", "position": True}]), ("name", ""), ("name", None),
        ("model_options", {"mean": {"weights": 3}}), ("war", "peace"), ("sources", [{"id": ""}]),
    ]
    for key, value in mutations:
        sc = json.loads(json.dumps(TOY))
        sc[key] = value
        r = client.post("/api/run", json={"scenario": sc, "models": ["mean", "nbs"], "draws": 3})
        assert 400 <= r.status_code < 500, (key, value, r.status_code, r.text)


# -- sensitivity and the documentation ----------------------------------------------------------------


def test_sensitivity_ranks_the_uncertain_inputs(client: TestClient) -> None:
    r = client.post("/api/sensitivity", json={"scenario": TOY, "model": "mean", "method": "sobol", "n": 64, "seed": 1})
    try:
        import detente.uncertainty.sensitivity  # noqa: F401
        import SALib  # noqa: F401
    except ImportError:
        assert r.status_code == 503 and "not available" in r.json()["detail"] or "SALib" in r.json()["detail"]
        return
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["key"] == "ST" and body["method"] == "sobol"
    # TOY's only uncertain input is B's position on x: it explains all of x's variance
    assert [x["name"] for x in body["overall"]] == ["stances[1].position"]
    assert body["issues"]["x"][0]["value"] == pytest.approx(1.0, abs=0.1)
    assert body["overall"][0]["label"] == "position of B on x"


def test_sensitivity_without_uncertain_inputs_is_422(client: TestClient) -> None:
    pytest.importorskip("SALib")
    pytest.importorskip("detente.uncertainty.sensitivity")
    certain = json.loads(json.dumps(TOY))
    certain["stances"][1]["position"] = 9
    r = client.post("/api/sensitivity", json={"scenario": certain, "model": "mean"})
    assert r.status_code == 422
    assert "no uncertain inputs" in r.json()["detail"]
    r = client.post("/api/sensitivity", json={"scenario": TOY, "model": "nope"})
    assert r.status_code == 422


def test_openapi_documents_the_api(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path in ("/api/models", "/api/examples", "/api/examples/{name}", "/api/scenarios/validate",
                 "/api/scenarios/warnings", "/api/run", "/api/sensitivity"):
        assert path in spec["paths"], path
    schemas = spec["components"]["schemas"]
    validate, warnings = (spec["paths"][f"/api/scenarios/{p}"]["post"] for p in ("validate", "warnings"))
    assert "detente validate" in warnings["summary"] and warnings["requestBody"] == validate["requestBody"]
    assert "Warnings" in schemas and "422" in warnings["responses"]
    assert {"Scenario", "Upload", "RunRequest", "RunResponse", "ErrorResponse"} <= set(schemas)
    run_body = spec["paths"]["/api/run"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert run_body == {"$ref": "#/components/schemas/RunRequest"}
    assert "Scenario" in json.dumps(schemas["RunRequest"])
    assert client.get("/docs").status_code == 200


def test_page_and_assets(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    for asset in ("/static/app.js", "/static/style.css"):
        assert asset in page.text
        assert client.get(asset).status_code == 200
    assert "http" not in client.get("/static/app.js").text.replace("http://www.w3.org/2000/svg", "")  # no CDN


def test_a_draft_is_written_as_the_page_shows_it_and_reads_back_with_its_problems(client: TestClient,
                                                                                 tmp_path: Path) -> None:
    """The download of a scenario that does not validate yet: PyYAML writes it (the page had a YAML
    writer of its own), blanks as null and rejected texts as typed, so that it reads back with the
    same problems; a hostile nesting is refused, not a recursion error."""
    import yaml

    from detente.errors import InputError
    from detente.scenario.io import load

    data = json.loads(json.dumps(TOY))
    data["stances"][0]["position"] = "40,5"
    data["stances"][1]["salience"] = None
    r = client.post("/api/scenarios/export-draft", json={"data": data, "format": "yaml",
                                                         "problems": ["A / x: position must be a number"]})
    assert r.status_code == 200 and r.text.startswith("# 1 problem still to fix"), r.text
    assert yaml.safe_load(r.text)["stances"][0]["position"] == "40,5"
    f = tmp_path / "draft.yaml"
    f.write_text(r.text, encoding="utf-8")
    with pytest.raises(InputError) as e:
        load(f)
    fields = {p.field for p in e.value.problems}
    assert "stances[0].position" in fields and "stances[1].salience" in fields, fields
    deep: dict = {}
    cur = deep
    for _ in range(40):
        cur["x"] = {}
        cur = cur["x"]
    r = client.post("/api/scenarios/export-draft", json={"data": {"name": "t", "war": deep}})
    assert r.status_code == 422 and "nested more than" in r.text
