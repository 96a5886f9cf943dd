"""Bounds on one web request (issue #14 item 6): the work budget is checked before anything is
queued, each run's process is bounded in memory and wall time, and a run whose client has gone
is stopped (its worker process ends)."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path
from typing import Any, Iterator

import pytest

pytest.importorskip("fastapi")
uvicorn = pytest.importorskip("uvicorn")

from fastapi.testclient import TestClient  # noqa: E402

from detente.scenario.io import load  # noqa: E402
from detente.web.app import create_app  # noqa: E402
from live_server import serve  # noqa: E402
from detente.web.budget import COST  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
FLAGSHIP = EXAMPLES / "ukraine-settlement.yaml"
CONTRAST = EXAMPLES / "ukraine-settlement-contrast.yaml"


def big(actors: int, issues: int) -> dict[str, Any]:
    """A scenario with every input uncertain (so every draw differs)."""
    return {"name": "big", "actors": [{"id": f"a{i}", "capability": {"low": 1, "high": 1 + i % 7}}
                                      for i in range(actors)],
            "issues": [{"id": f"i{j}"} for j in range(issues)],
            "stances": [{"actor": f"a{i}", "issue": f"i{j}", "salience": {"low": 0.2, "high": 0.9},
                         "position": {"low": (7 * i + j) % 90, "high": (7 * i + j) % 90 + 10}}
                        for i in range(actors) for j in range(issues)]}


def flagship() -> dict[str, Any]:
    return json.loads(load(FLAGSHIP).model_dump_json())


# -- the budget: refused up front, nothing queued ------------------------------------------------------


def test_the_audit_request_is_refused_up_front_with_the_product_named() -> None:
    app = create_app(max_actors=300)  # past the actors limit, the budget still refuses it
    c = TestClient(app)
    r = c.post("/api/run", json={"scenario": big(300, 10), "models": ["bdm"], "draws": 20_000})
    assert r.status_code == 422, r.text[:300]
    err = r.json()["errors"][0]
    assert err["field"] == "draws" and "--max-work" in err["message"]
    assert "300 actors x 10 issues x 20,000 draws x 30 bdm = 1,800,000,000" in err["message"]
    assert "budget of 100,000,000" in err["message"]
    assert not app.state.pool._jobs  # nothing was queued
    # with the default limits the 300-actor scenario is refused by --max-actors already
    r = TestClient(create_app()).post("/api/run", json={"scenario": big(300, 10), "models": ["mean"],
                                                         "draws": 20_000})
    assert r.status_code == 422 and "--max-actors" in r.json()["detail"]


def test_the_budget_is_configurable_and_counts_models_views_samples_and_candidates() -> None:
    app = create_app(max_work=1_000)
    c = TestClient(app)
    sc = big(5, 2)  # 10 cells
    assert c.post("/api/run", json={"scenario": sc, "models": ["mean"], "draws": 100}).status_code == 200
    queued = len(app.state.pool._jobs)
    r = c.post("/api/run", json={"scenario": sc, "models": ["mean", "nbs"], "draws": 100})
    assert r.status_code == 422 and "(1 mean + 5 nbs) = 6,000" in r.json()["detail"]
    r = c.post("/api/runs", json={"scenario": sc, "models": ["mean"], "draws": 101})
    assert r.status_code == 422 and "= 1,010" in r.json()["detail"]
    r = c.post("/api/compare", json={"scenarios": [{"scenario": sc}, {"scenario": sc}], "models": ["mean"],
                                     "draws": 60})
    assert r.status_code == 422 and "2 views x 5 actors x 2 issues x 60 draws" in r.json()["detail"]
    pytest.importorskip("SALib")
    r = c.post("/api/sensitivity", json={"scenario": sc, "model": "mean", "method": "morris", "n": 8})
    assert r.status_code == 422, r.text[:300]
    err = r.json()["errors"][0]
    assert err["field"] == "n" and "200 design points (morris, n = 8, 24 uncertain inputs" in err["message"]
    r = c.post("/api/levers", json={"scenario": sc, "model": "mean", "issue": "i0", "target": 50})
    assert r.status_code == 422 and "candidates x 100 draws x 5 actors x 1 issue x 1 mean" in r.json()["detail"]
    assert len(app.state.pool._jobs) == queued  # none of the refused was queued
    assert TestClient(create_app(max_work=0)).post(  # 0: no budget
        "/api/run", json={"scenario": sc, "models": ["mean", "nbs"], "draws": 100}).status_code == 200


def test_every_registered_model_has_a_cost_factor() -> None:
    from detente.models import registry

    assert set(registry.names()) <= set(COST)


# -- memory and wall time of one run's process ------------------------------------------------------------


def test_a_run_over_the_memory_bound_is_a_clean_4xx() -> None:
    with TestClient(create_app(max_memory_gb=0.15, workers=1)) as c:
        # refused before it starts: its inputs alone (192 MB) exceed what the worker may take
        r = c.post("/api/run", json={"scenario": big(200, 10), "models": ["mean"], "draws": 4000})
        assert r.status_code == 422, r.text
        assert "need at least 192 MB" in r.json()["detail"] and "use at most about" in r.json()["detail"]
        # its inputs fit (115 MB), the rest of the run does not: the worker's MemoryError, in words
        r = c.post("/api/run", json={"scenario": big(200, 10), "models": ["mean"], "draws": 2400})
        assert r.status_code == 422, r.text
        assert "needed more than 0.15 GB" in r.json()["detail"] and "--max-memory" in r.json()["detail"]
        # the worker is free again and small runs still fit
        ok = c.post("/api/run", json={"scenario": big(3, 2), "models": ["mean"], "draws": 10})
        assert ok.status_code == 200, ok.text


def test_a_run_over_the_time_bound_is_killed_and_answered_504() -> None:
    app = create_app(max_seconds=1, workers=1)
    with TestClient(app) as c:
        t0 = time.monotonic()
        r = c.post("/api/run", json={"scenario": big(200, 10), "models": ["mean"], "draws": 20_000})
        assert r.status_code == 504, r.text
        assert "longer than 1 s" in r.json()["detail"] and "--max-seconds" in r.json()["detail"]
        assert time.monotonic() - t0 < 15
        pid = next(iter(app.state.pool._jobs.values())).pid
        assert pid is not None and not alive(pid)


# -- a client that goes away stops its run ------------------------------------------------------------------


def alive(pid: int) -> bool:
    """The process exists and is not a zombie (Linux)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state not in ("Z", "X")


@pytest.fixture(scope="module")
def live() -> Iterator[tuple[str, int, Any]]:
    """The app on a free loopback port: (host, port, app)."""
    app = create_app(examples_dir=EXAMPLES, workers=1)
    with serve(app) as (host, port):
        yield host, port, app


FIXED = {"rounds": 60, "stopping": "fixed"}


def long_requests() -> dict[str, tuple[str, dict[str, Any]]]:
    """One request per long endpoint, each many seconds of CPU if it ran to the end."""
    f = flagship() if FLAGSHIP.exists() else None
    c = json.loads(load(CONTRAST).model_dump_json()) if CONTRAST.exists() else None
    return {
        "run": ("/api/run", {"scenario": f, "models": ["bdm"], "draws": 20_000, "options": {"bdm": FIXED}}),
        "compare": ("/api/compare", {"scenarios": [{"scenario": f}, {"scenario": c}], "models": ["bdm"],
                                     "draws": 10_000, "options": {"bdm": FIXED}}),
        "sensitivity": ("/api/sensitivity", {"scenario": f, "model": "bdm", "method": "sobol", "n": 512,
                                             "options": FIXED}),
        "levers": ("/api/levers", {"scenario": f, "model": "bdm", "issue": f["issues"][0]["id"] if f else "x",
                                   "target": 99.0, "draws": 300, "options": FIXED}),
    }


@pytest.mark.skipif(not (FLAGSHIP.exists() and CONTRAST.exists()), reason="needs the flagship examples")
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
@pytest.mark.parametrize("endpoint", ["run", "compare", "sensitivity", "levers"])
def test_a_dropped_client_stops_its_run(live: tuple[str, int, Any], endpoint: str) -> None:
    if endpoint == "sensitivity":
        pytest.importorskip("SALib")
    host, port, app = live
    pool = app.state.pool
    url, body = long_requests()[endpoint]
    data = json.dumps(body).encode()
    before = set(pool._jobs)
    sock = socket.create_connection((host, port))
    sock.sendall(f"POST {url} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                 f"Content-Length: {len(data)}\r\n\r\n".encode() + data)
    deadline = time.monotonic() + 30
    job = None
    while job is None or job.status != "running" or job.pid is None:
        assert time.monotonic() < deadline, "the job did not start"
        new = [j for k, j in list(pool._jobs.items()) if k not in before]
        job = new[0] if new else None
        if job is not None:
            assert job.status in ("queued", "running"), (job.status, job.error)
        time.sleep(0.05)
    time.sleep(0.5)
    assert alive(job.pid) and job.status == "running"  # still computing: the request is a long one
    sock.close()  # the client goes away
    t0 = time.monotonic()
    while alive(job.pid) or job.status == "running":
        assert time.monotonic() - t0 < 5, f"the {endpoint} job still runs {time.monotonic() - t0:.1f} s after"
        time.sleep(0.05)
    assert job.status == "cancelled"


def test_serve_passes_the_bounds_from_flags_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    import detente.web.app as webapp
    from detente.cli import app as cli
    from detente.cli.serve import app_from_env

    seen: dict = {}
    monkeypatch.setattr(webapp, "create_app", lambda **kw: seen.update(kw) or "APP")
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: None)
    out = CliRunner().invoke(cli, ["serve", "--max-work", "1000", "--max-memory", "0.5", "--max-seconds", "9"])
    assert out.exit_code == 0, out.output
    assert (seen["max_work"], seen["max_memory_gb"], seen["max_seconds"]) == (1000, 0.5, 9.0)
    seen.clear()
    monkeypatch.setenv("DETENTE_MAX_WORK", "77")
    monkeypatch.setenv("DETENTE_MAX_SECONDS", "3")
    assert CliRunner().invoke(cli, ["serve"]).exit_code == 0
    assert seen["max_work"] == 77 and seen["max_seconds"] == 3.0 and seen["max_memory_gb"] == 4.0
    seen.clear()
    monkeypatch.setenv("DETENTE_MAX_MEMORY_GB", "1.5")
    assert app_from_env() == "APP" and seen["max_memory_gb"] == 1.5 and seen["max_work"] == 77
    out = CliRunner().invoke(cli, ["serve", "--max-work", "-1"])
    assert out.exit_code == 2


# -- uploads are read with the server's own caps ---------------------------------------------------------


def test_an_upload_the_server_could_never_run_is_refused_from_its_first_line() -> None:
    c = TestClient(create_app(max_actors=200, max_issues=50))
    rows = "".join(f"A{a},d,1," + ",".join(["50,2"] * 20) + "\n" for a in range(15_000))
    ktab = "big,generated,15000,20\nActor,Description,Power," + ",".join(f"D{k},S{k}" for k in range(20)) + "\n" + rows
    assert 1.5e6 < len(ktab) < 1.9 * 2**20  # under the body limit: only the caps stop it
    t0 = time.process_time()
    r = c.post("/api/scenarios/validate", json={"text": ktab, "filename": "big.csv"})
    assert r.status_code == 422 and time.process_time() - t0 < 1.0
    assert "15,000 actors: at most 200 actors per scenario on this server" in r.text and "--max-actors" in r.text
    yaml = "name: t\nactors:\n" + "".join(f"  - {{id: a{i}}}\n" for i in range(201)) + \
        "issues: [{id: x}]\nstances: [{actor: a0, issue: x, position: 1}]\n"
    r = c.post("/api/runs", json={"text": yaml, "filename": "t.yaml", "models": ["mean"]})
    assert r.status_code == 422 and "at most 200 actors" in r.text, r.text


def test_the_server_caps_hold_for_its_request_only() -> None:
    from detente.scenario.limits import max_counts

    before = max_counts()
    c = TestClient(create_app(max_actors=2, max_issues=1))
    assert c.post("/api/scenarios/validate", json={"text": "name: t\nactors: [{id: A}, {id: B}, {id: C}]\n"
                                                   "issues: [{id: x}]\nstances: [{actor: A, issue: x, position: 1}]\n",
                                                   "filename": "t.yaml"}).status_code == 422
    assert max_counts() == before


def test_the_server_refuses_a_ktab_upload_before_parsing_its_rows() -> None:
    # the rows hold a field over the CSV limit: parsing them would report that instead
    c = TestClient(create_app(max_actors=5, max_issues=2))
    ktab = "big,t,6,1\nActor,Description,Power,X,Sx\nA,\"" + "z" * 1_000_001 + "\",1,1,10\n"
    r = c.post("/api/scenarios/validate", json={"text": ktab, "filename": "k.csv"})
    assert r.status_code == 422 and "line 1 says 6 actors: at most 5 actors per scenario on this server" in r.text


def test_the_default_levers_of_every_model_on_the_flagship_fit_the_default_budget() -> None:
    """The page's "what would move it" with its default draws must not be refused on the flagship:
    100 draws per war candidate came to 161 million units, over the budget of 100 million."""
    from detente.models import registry
    from detente.web.budget import MAX_WORK, levers_work

    s = load(FLAGSHIP)
    for model in registry.names():
        est = levers_work(s, model, None)
        assert est.units <= MAX_WORK, (model, est)
