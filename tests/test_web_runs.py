"""The web server's runs (worker pool, cancel, limits), exports, comparison and problems in words."""

from __future__ import annotations

import io
import json
import time
import zipfile
from pathlib import Path
from typing import Iterator

import pytest

pytest.importorskip("fastapi")
httpx = pytest.importorskip("httpx")
uvicorn = pytest.importorskip("uvicorn")

from fastapi.testclient import TestClient  # noqa: E402

from detente.web.app import create_app  # noqa: E402
from live_server import serve  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
FLAGSHIP = EXAMPLES / "ukraine-settlement.yaml"
CONTRAST = EXAMPLES / "ukraine-settlement-contrast.yaml"

TOY = {
    "name": "toy",
    "actors": [{"id": "A", "name": "Alpha", "capability": 1}, {"id": "B", "name": "Beta", "capability": 3},
               {"id": "C", "capability": 2}],
    "issues": [{"id": "x", "name": "Tax rate", "scale": {"min": 0, "max": 10}}, {"id": "y"}],
    "stances": [
        {"actor": "A", "issue": "x", "position": 0, "salience": 1},
        {"actor": "B", "issue": "x", "position": {"low": 8, "high": 10}, "salience": 0.5},
        {"actor": "C", "issue": "x", "position": 4},
        {"actor": "A", "issue": "y", "position": 90},
        {"actor": "B", "issue": "y", "position": 10, "salience": 0.2},
    ],
}


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(examples_dir=EXAMPLES)) as c:
        yield c


@pytest.fixture(scope="module")
def live() -> Iterator[str]:
    """The app on a free loopback port (a real server: requests really run concurrently)."""
    with serve(create_app(examples_dir=EXAMPLES, workers=1)) as (host, port):
        yield f"http://{host}:{port}"


# -- the worker pool ------------------------------------------------------------------------------


@pytest.mark.skipif(not FLAGSHIP.exists(), reason="needs the flagship example")
def test_a_heavy_run_does_not_block_cheap_requests_and_can_be_cancelled(live: str) -> None:
    scenario = httpx.get(f"{live}/api/examples/{FLAGSHIP.name}").json()
    heavy = {"scenario": scenario, "models": ["bdm"], "draws": 20_000, "seed": 1,
             "options": {"bdm": {"rounds": 60, "stopping": "fixed"}}}  # ~16 s of CPU
    r = httpx.post(f"{live}/api/runs", json=heavy, timeout=30)
    assert r.status_code == 202, r.text
    run_id = r.json()["id"]
    deadline = time.monotonic() + 30
    while httpx.get(f"{live}/api/runs/{run_id}").json()["status"] != "running":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    # meanwhile a cheap request answers within a second (several times over)
    for _ in range(3):
        t0 = time.perf_counter()
        cheap = httpx.get(f"{live}/api/models", timeout=5)
        took = time.perf_counter() - t0
        assert cheap.status_code == 200 and took < 1.0, took
        time.sleep(0.2)
    # a second run waits in the queue (one worker) and can be cancelled there
    queued = httpx.post(f"{live}/api/runs", json={"scenario": TOY, "models": ["mean"], "draws": 5}).json()
    assert httpx.get(f"{live}/api/runs/{queued['id']}").json()["status"] == "queued"
    assert httpx.delete(f"{live}/api/runs/{queued['id']}").json()["status"] == "cancelled"
    assert httpx.get(f"{live}/api/runs/{run_id}").json()["status"] == "running"
    # cancelling the running one stops its process at once
    t0 = time.perf_counter()
    gone = httpx.delete(f"{live}/api/runs/{run_id}", timeout=20).json()
    assert gone["status"] == "cancelled" and time.perf_counter() - t0 < 5
    status = httpx.get(f"{live}/api/runs/{run_id}").json()
    assert status["status"] == "cancelled" and "cancelled" in status["error"]["detail"]
    # and the worker is free again
    t0 = time.perf_counter()
    ok = httpx.post(f"{live}/api/run", json={"scenario": TOY, "models": ["mean"], "draws": 5}, timeout=60)
    assert ok.status_code == 200 and ok.json()["results"][0]["model"] == "mean"


def test_run_job_lifecycle(client: TestClient) -> None:
    r = client.post("/api/runs", json={"scenario": TOY, "models": ["mean", "median"], "draws": 50, "seed": 4})
    assert r.status_code == 202
    run_id = r.json()["id"]
    for _ in range(600):
        s = client.get(f"/api/runs/{run_id}").json()
        if s["status"] not in ("queued", "running"):
            break
        time.sleep(0.05)
    assert s["status"] == "done", s
    assert [x["model"] for x in s["results"]] == ["mean", "median"]
    from detente.runner import run
    from detente.scenario.model import Scenario

    assert s["results"][0]["forecast"] == pytest.approx(run(Scenario.model_validate(TOY), "mean", draws=50,
                                                            seed=4).forecast)
    assert client.get("/api/runs/nope").status_code == 404
    assert client.delete("/api/runs/nope").status_code == 404


def test_a_failing_model_is_a_4xx_not_a_lost_job(client: TestClient) -> None:
    # the war model without a war block: a ModelError raised in the worker comes back as 422
    r = client.post("/api/run", json={"scenario": TOY, "models": ["war"], "draws": 5})
    assert r.status_code == 422, r.text
    assert "war" in r.json()["detail"]


# -- limits ----------------------------------------------------------------------------------------


def test_limits_are_configurable_and_named() -> None:
    c = TestClient(create_app(max_draws=100, max_actors=2, max_issues=5))
    assert c.get("/api/limits").json() == {"max_draws": 100, "max_actors": 2, "max_issues": 5, "workers": 2,
                                           "max_work": 100_000_000, "max_memory_gb": 4.0, "max_seconds": 300.0,
                                           "version": __import__("detente").__version__}
    small = {**TOY, "actors": TOY["actors"][:2], "stances": [s for s in TOY["stances"] if s["actor"] != "C"]}
    r = c.post("/api/run", json={"scenario": small, "models": ["mean"], "draws": 101})
    assert r.status_code == 422
    err = r.json()["errors"][0]
    assert err["field"] == "draws" and "at most 100 draws" in err["message"] and "--max-draws" in err["message"]
    r = c.post("/api/runs", json={"scenario": TOY, "models": ["mean"], "draws": 10})
    assert r.status_code == 422
    assert "at most 2 actors" in r.json()["detail"] and "--max-actors" in r.json()["detail"]
    assert c.post("/api/run", json={"scenario": small, "models": ["mean"], "draws": 100}).status_code == 200


def test_serve_passes_the_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    import detente.web.app as webapp
    from detente.cli import app as cli

    seen: dict = {}
    monkeypatch.setattr(webapp, "create_app", lambda **kw: seen.update(kw) or "APP")
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(app=app))
    out = CliRunner().invoke(cli, ["serve", "--max-draws", "500", "--max-actors", "30", "--max-issues", "4",
                                   "--workers", "3"])
    assert out.exit_code == 0, out.output
    assert seen["app"] == "APP" and seen["max_draws"] == 500 and seen["max_actors"] == 30
    assert seen["max_issues"] == 4 and seen["workers"] == 3


# -- problems in words ------------------------------------------------------------------------------


def test_problems_name_actor_and_issue_not_paths(client: TestClient) -> None:
    bad = json.loads(json.dumps(TOY))
    bad["stances"][0]["salience"] = 1.7
    r = client.post("/api/scenarios/validate", json=bad)
    assert r.status_code == 422
    err = r.json()["errors"][0]
    assert err["field"] == "stances[0].salience"  # the machine path stays, for marking the cell
    assert err["where"] == "Alpha / Tax rate"
    assert err["text"] == "Alpha / Tax rate: salience must be between 0 and 1 (got 1.7)"
    bad = json.loads(json.dumps(TOY))
    bad["actors"][1]["capability"] = -2
    assert client.post("/api/scenarios/validate", json=bad).json()["errors"][0]["text"] == \
        "Beta: capability must not be negative (got -2)"
    empty = {"name": "new", "actors": [], "issues": [], "stances": []}
    texts = [e["text"] for e in client.post("/api/scenarios/validate", json=empty).json()["errors"]]
    assert "add at least one actor" in texts and "add at least one issue" in texts


def test_upload_problems_are_named_too(client: TestClient) -> None:
    text = "name: t\nactors: [{id: RU, name: Russia}]\nissues: [{id: t, name: Territorial line}]\n" \
           "stances:\n  - {actor: RU, issue: t, position: 10, salience: 1.7}\n"
    r = client.post("/api/scenarios/validate", json={"text": text, "filename": "t.yaml"})
    err = r.json()["errors"][0]
    assert err["line"] == 5 and err["text"] == "Russia / Territorial line: salience must be between 0 and 1 (got 1.7)"


@pytest.mark.skipif(not FLAGSHIP.exists(), reason="needs the flagship example")
def test_war_block_problems_name_the_side(client: TestClient) -> None:
    scenario = client.get(f"/api/examples/{FLAGSHIP.name}").json()
    scenario["war"]["sides"]["A"]["cost"] = -1
    err = client.post("/api/scenarios/validate", json=scenario).json()["errors"][0]
    assert err["field"] == "war.sides.A.cost"
    assert err["text"].startswith("War, side A (Russia): cost must be >= 0")


# -- schemas, examples, docs ------------------------------------------------------------------------


def test_schemas_for_the_generated_forms(client: TestClient) -> None:
    from detente.scenario.war import WarInputs
    from detente.scenario.model import Scenario

    assert client.get("/api/schema/war").json() == WarInputs.model_json_schema()
    assert client.get("/api/schema/scenario").json() == Scenario.model_json_schema()


def test_examples_list_scenarios_only(client: TestClient) -> None:
    names = [e["name"] for e in client.get("/api/examples").json()]
    assert names and not [n for n in names if n.upper().startswith(("LICENSE", "README"))]


def test_docs_and_redoc_serve_their_assets_locally(client: TestClient) -> None:
    for page in ("/docs", "/redoc"):
        html = client.get(page).text
        assert "cdn" not in html.lower() and "https://" not in html.replace("https://fastapi.tiangolo.com", "")
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js"):
        r = client.get(f"/static-offline-docs/{asset}")
        assert r.status_code == 200 and len(r.content) > 10_000, asset


# -- exports ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_scenario_export_round_trips(client: TestClient, fmt: str, tmp_path: Path) -> None:
    from detente.cli import main
    from detente.scenario.io import load

    name = FLAGSHIP.name if FLAGSHIP.exists() else None
    scenario = client.get(f"/api/examples/{name}").json() if name else TOY
    r = client.post("/api/scenarios/export", json={"scenario": scenario, "format": fmt})
    assert r.status_code == 200
    assert "attachment" in r.headers["content-disposition"] and f".{fmt}\"" in r.headers["content-disposition"]
    path = tmp_path / f"s.{fmt}"
    path.write_bytes(r.content)
    assert main(["validate", str(path)]) == 0
    again = load(path).model_dump(exclude={"meta"})
    from detente.scenario.model import Scenario

    assert again == Scenario.model_validate(scenario).model_dump(exclude={"meta"})


def test_outputs_zip_holds_what_run_out_writes(client: TestClient, tmp_path: Path) -> None:
    from detente.report.outputs import write_outputs
    from detente.runner import run
    from detente.scenario.model import Scenario

    r = client.post("/api/run", json={"scenario": TOY, "models": ["mean", "median"], "draws": 40, "seed": 9})
    run_id = r.json()["run_id"]
    z = client.get(f"/api/runs/{run_id}/outputs.zip")
    assert z.status_code == 200 and z.headers["content-type"] == "application/zip"
    files = zipfile.ZipFile(io.BytesIO(z.content))
    names = {n.split("/", 1)[1] for n in files.namelist()}
    s = Scenario.model_validate(TOY)
    lib = write_outputs(tmp_path / "out", s, [run(s, m, draws=40, seed=9) for m in ("mean", "median")])
    assert set(lib) | {"scenario.yaml"} == names
    stem = files.namelist()[0].split("/")[0]
    assert json.loads(files.read(f"{stem}/result.json")) == json.loads((tmp_path / "out" / "result.json").read_text())
    assert files.read(f"{stem}/positions.csv") == (tmp_path / "out" / "positions.csv").read_bytes()
    assert b"<html" in files.read(f"{stem}/report.html")
    assert client.get("/api/runs/nope/outputs.zip").status_code == 404


# -- compare ---------------------------------------------------------------------------------------


@pytest.mark.skipif(not CONTRAST.exists(), reason="needs the two Ukraine views")
def test_compare_two_views_lists_forecasts_and_differing_inputs(client: TestClient) -> None:
    from detente.report.compare import comparison_rows
    from detente.runner import run
    from detente.scenario.io import load

    a, b = (client.get(f"/api/examples/{p.name}").json() for p in (FLAGSHIP, CONTRAST))
    r = client.post("/api/compare", json={"scenarios": [{"scenario": a}, {"scenario": b}], "models": ["mean"],
                                          "draws": 50, "seed": 2})
    assert r.status_code == 200, r.text
    body = r.json()
    views = [load(FLAGSHIP), load(CONTRAST)]
    want = comparison_rows(views, [[run(s, "mean", draws=50, seed=2)] for s in views])
    assert body["rows"] == want  # the library's rows, as they are
    assert body["names"] == [v.name for v in views]
    diffs = body["differences"]
    assert diffs and all(len(d["values"]) == 2 for d in diffs)
    assert any(" / " in d["where"] for d in diffs)  # stances named actor / issue
    assert body["war"] == []  # no war model run
    r = client.post("/api/compare", json={"scenarios": [{"scenario": a}, {"scenario": b}], "models": ["war"],
                                          "draws": 60, "seed": 2})
    from detente.report.compare import war_comparison

    assert r.json()["war"] == war_comparison(views, [[run(s, "war", draws=60, seed=2)] for s in views])
    # one view twice: told apart by their places (the page finds a view's rows by its name), no difference, no noise
    r = client.post("/api/compare", json={"scenarios": [{"scenario": a}, {"scenario": a}], "models": ["mean"],
                                          "draws": 50, "seed": 2})
    body = r.json()
    assert body["names"] == [f"{views[0].name} (view 1)", f"{views[0].name} (view 2)"]
    second = [x for x in body["rows"] if x["scenario"] == body["names"][1]]
    assert len(second) == 5 and all(x["difference"] == 0 and x["difference_noise"] == 0 for x in second)
    # views with other issues cannot be compared
    r = client.post("/api/compare", json={"scenarios": [{"scenario": a}, {"scenario": TOY}], "models": ["mean"]})
    assert r.status_code == 422 and "issues differ" in r.json()["detail"]


def test_bottom_line_is_the_library_s(client: TestClient) -> None:
    """The page's bottom line is what ``detente run`` prints first (detente.report.summary), not a
    computation of the web layer."""
    from detente.report.summary import json_safe as _clean
    from detente.report.summary import bottom_line
    from detente.runner import run
    from detente.scenario.model import Scenario

    r = client.post("/api/run", json={"scenario": TOY, "models": ["mean", "median"], "draws": 5})
    body = r.json()
    s = Scenario.model_validate(TOY)
    want = _clean(bottom_line(s, [run(s, m, draws=5) for m in ("mean", "median")]))
    assert body["summary"] == want and body["war"] is None
    assert set(body["summary"]) == {"x", "y"} and all(v["verdict"] for v in body["summary"].values())


def test_levers_endpoint(client: TestClient) -> None:
    r = client.post("/api/levers", json={"scenario": TOY, "model": "mean", "issue": "x", "target": 3})
    assert r.status_code == 200, r.text  # detente levers' answer, as it is
    assert r.json()["levers"] and r.json()["target"] == 3
    assert client.post("/api/levers", json={"scenario": TOY, "model": "nope", "issue": "x"}).status_code == 422
    # the page shows the library's words, which name the request's fields, not the command's options
    for req, words in (({"issue": "x", "target": 600}, "target: the target must lie on the scale of"),
                       ({"issue": "zz", "target": 3}, "issue: unknown issue"),
                       ({"issue": "x"}, "target/actor: give exactly one of a target")):
        r = client.post("/api/levers", json={"scenario": TOY, "model": "mean", **req})
        assert r.status_code == 422 and words in r.json()["detail"] and "--" not in r.json()["detail"], r.text


def test_a_bad_view_to_compare_is_named_in_words(client: TestClient) -> None:
    """The page said "cannot compare: scenarios[1].stances[0].position: off the scale ..."."""
    import copy

    bad = copy.deepcopy(TOY)
    bad["stances"][0]["position"] = 140
    r = client.post("/api/compare", json={"scenarios": [{"scenario": TOY}, {"scenario": bad}], "models": ["mean"]})
    assert r.status_code == 422
    (item,) = r.json()["errors"]
    actor = next(a for a in TOY["actors"] if a["id"] == TOY["stances"][0]["actor"])
    assert item["where"].startswith(f"the other view: {actor.get('name', actor['id'])} / ")
    assert item["text"].startswith("the other view: ") and "position off the scale" in item["text"]
    assert "scenarios[1]" not in item["text"]


def test_saved_runs_are_listed_and_each_gives_its_scenario_and_settings(tmp_path) -> None:
    """`detente serve --store` saved every run, but neither the page nor the API could list or open one."""
    with TestClient(create_app()) as bare:
        assert bare.get("/api/saved-runs").json() == {"store": None, "runs": []}
        assert bare.get("/api/saved-runs/1").status_code == 404
    with TestClient(create_app(store_url=f"sqlite:///{tmp_path / 'runs.db'}")) as c:
        r = c.post("/api/run", json={"scenario": TOY, "models": ["mean", "median"], "draws": 40, "seed": 5})
        assert r.status_code == 200, r.text
        ids = r.json()["saved"]
        listed = c.get("/api/saved-runs").json()
        assert listed["store"].endswith("runs.db") and [x["id"] for x in listed["runs"]] == sorted(ids, reverse=True)
        one = c.get(f"/api/saved-runs/{ids[1]}").json()
        assert one["model"] == "median" and one["seed"] == 5 and one["draws"] == 40
        assert one["options"] and one["scenario"]["name"] == TOY["name"]
        again = c.post("/api/run", json={"scenario": one["scenario"], "models": [one["model"]], "draws": one["draws"],
                                         "seed": one["seed"], "options": {"median": one["options"]}}).json()
        assert again["results"][0]["forecast"] == r.json()["results"][1]["forecast"]  # the same numbers
        assert again["results"][0]["input_sha256"] == one["scenario_sha256"]
        assert c.get("/api/saved-runs/999").status_code == 404
