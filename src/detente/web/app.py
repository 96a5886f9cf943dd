"""The web page and JSON API behind ``detente serve``.

:func:`create_app` builds a FastAPI application: a single page (``/``, assets under
``/static/``) and a JSON API under ``/api/`` documented at ``/docs`` and ``/openapi.json``.
Scenarios sent to the API are validated by the same pydantic models and readers as files on
disk, so a bad request gets the same message as a bad file: a 422 whose body lists every
problem as ``{"field", "line", "message", "value", "where", "text"}`` (``where``/``text`` name the
actor and issue in words, :mod:`detente.web.labels`). Bodies over :data:`MAX_BODY_BYTES` get a
413, malformed JSON a 422; the API never answers a malformed request with a 500.
``POST /api/scenarios/warnings`` takes the same body as ``/api/scenarios/validate`` and answers
what ``detente validate`` warns about (numbers without evidence, actors or issues with one label).

Model runs compute off the event loop in a bounded pool of worker processes
(:mod:`detente.web.jobs`): ``POST /api/runs`` starts one, ``GET /api/runs/{id}`` follows it,
``DELETE /api/runs/{id}`` cancels it; ``POST /api/run`` waits for the results. Limits on draws,
actors and issues per request, the work budget (:mod:`detente.web.budget`, checked before a job is
queued) and the memory and wall time of one run are set by :func:`create_app` (``detente serve
--max-...``); a request whose client goes away cancels its job. Exports
(:mod:`detente.web.exports`): the scenario as YAML/JSON, a run's files as one zip.

>>> from fastapi.testclient import TestClient
>>> client = TestClient(create_app())
>>> "mean" in [m["name"] for m in client.get("/api/models").json()]
True
>>> bad = {"name": "t", "actors": [{"id": "A"}], "issues": [{"id": "x"}],
...        "stances": [{"actor": "A", "issue": "x", "position": 140}]}
>>> r = client.post("/api/scenarios/validate", json=bad)
>>> r.status_code, r.json()["errors"][0]["field"]
(422, 'stances[0].position')
"""

from __future__ import annotations

import json
import logging
import re
import tempfile
import threading
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Body, FastAPI, HTTPException, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field, ValidationError, WithJsonSchema
from starlette.exceptions import HTTPException as StarletteHTTPException

from detente._version import __version__
from detente.errors import _MISSING, InputError, ModelError, Problem
from detente.scenario.io import loc_to_path, validate
from detente.scenario.messages import plain_message
from detente.scenario.model import Scenario
from detente.web.budget import MAX_WORK

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 2 * 1024 * 1024
"""Requests with a larger body are refused with 413 before they are parsed."""

MAX_DRAWS = 20_000
"""Default limit on Monte Carlo draws per request (``detente serve --max-draws``)."""
MAX_ACTORS = 200
"""Default limit on actors per scenario (``--max-actors``)."""
MAX_ISSUES = 50
"""Default limit on issues per scenario (``--max-issues``)."""
MAX_MEMORY_GB = 4.0
"""Default bound on the memory one run's worker process may add (``--max-memory``, GB)."""
MAX_SECONDS = 300.0
"""Default bound on one run's wall time (``--max-seconds``)."""
HARD_MAX_DRAWS = 1_000_000
POLL_S = 0.25
"""How often a waiting request checks that its client is still there."""
STATIC = Path(__file__).parent / "static"
_SCENARIO_REF = {"$ref": "#/components/schemas/Scenario"}
_UPLOAD_REF = {"$ref": "#/components/schemas/Upload"}


def default_examples_dir() -> Path | None:
    """The examples shipped inside the package (:data:`detente.scenario.examples.EXAMPLES_DIR`:
    there for ``pip install`` users as for a checkout), or ``None`` if that folder is missing."""
    from detente.scenario.examples import EXAMPLES_DIR

    return EXAMPLES_DIR if EXAMPLES_DIR.is_dir() else None


# ---------------------------------------------------------------------------------------------
# request and response bodies


class ErrorItem(BaseModel):
    """One problem with a request: where (field path, line of an uploaded file) and what."""

    field: str | None = Field(None, description="path of the bad field, e.g. 'stances[3].salience'")
    line: int | None = Field(None, description="line in the uploaded file, when known")
    message: str
    value: Any = Field(None, description="the offending value, when there is one")
    where: str | None = Field(None, description="what the field belongs to, by name, e.g. 'Russia / Territorial line'")
    text: str | None = Field(None, description="the problem in one sentence, e.g. 'Russia / Territorial line: "
                                                "salience must be between 0 and 1 (got 1.7)'")


class ErrorResponse(BaseModel):
    """Every 4xx answer: a one-line summary and the list of problems."""

    detail: str
    file: str | None = Field(None, description="the uploaded file's name, for uploads")
    errors: list[ErrorItem]


class Upload(BaseModel):
    """A scenario file as text, in any format ``detente`` reads (the suffix picks the reader)."""

    text: str = Field(description="the file's contents: YAML/JSON, KTAB CSV/XML, BDM table, Decide file...")
    filename: str = Field("upload.yaml", description="the file's name; its suffix picks the reader")


ScenarioBody = Annotated[
    dict[str, Any],
    WithJsonSchema({"oneOf": [_SCENARIO_REF, _UPLOAD_REF],
                    "description": "a scenario as JSON, or an uploaded file as {text, filename}"}),
]
ScenarioField = Annotated[dict[str, Any] | None, WithJsonSchema({"anyOf": [_SCENARIO_REF, {"type": "null"}]})]


class RequestBody(BaseModel):
    """A request body: an unknown key is refused (a misspelt ``draw`` must not silently run 1000 draws)."""

    model_config = ConfigDict(extra="forbid")


class ScenarioSource(RequestBody):
    """Where the scenario comes from: ``scenario`` (JSON) or ``text`` + ``filename`` (an upload)."""

    scenario: ScenarioField = Field(None, description="the scenario, as validated JSON")
    text: str | None = Field(None, description="or: a scenario file's text (any supported format)")
    filename: str | None = Field(None, description="the uploaded file's name; its suffix picks the reader")


class RunRequest(ScenarioSource):
    models: list[str] = Field(["mean"], min_length=1, max_length=20, description="registered model names")
    draws: int = Field(1000, ge=1, le=HARD_MAX_DRAWS,
                       description="Monte Carlo draws of the uncertain inputs (the server's limit: GET /api/limits)")
    seed: int = Field(20261125, ge=0, le=2**63 - 1, description="random seed: same seed, same result")
    options: dict[str, dict[str, Any]] = Field(default_factory=dict, description="options per model name")
    variants: dict[str, str] = Field(default_factory=dict, description="named option preset per model name")
    explain: bool = Field(False, description="also explain each forecast: winners and losers, pivotal actors, "
                                             "why actors moved (slower)")


class RunResponse(BaseModel):
    run_id: str | None = Field(None, description="the run's id: GET /api/runs/{run_id}/outputs.zip downloads its files")
    results: list[dict[str, Any]] = Field(description="one Result.to_dict(full=True) per model, in order")
    saved: list[int] | None = Field(None, description="ids of the runs in the store, when one is configured")
    store_note: str | None = Field(None, description="why the runs were not saved, when they were not")
    summary: dict[str, Any] | None = Field(None, description="the bottom line per issue (what detente run prints "
                                                             "first)")
    war: dict[str, Any] | None = Field(None, description="the war model's headline: named sides, endings, terms")


class SensitivityRequest(ScenarioSource):
    model: str = Field("mean", description="the model whose forecast is analysed")
    method: Literal["sobol", "morris"] | None = Field(
        None, description="Sobol indices or Morris screening; default: Sobol up to 20 uncertain inputs, else Morris")
    n: int | None = Field(None, ge=2, le=4096, description="base sample size of the design (default: the method's)")
    seed: int = Field(20261125, ge=0, le=2**63 - 1)
    options: dict[str, Any] = Field(default_factory=dict, description="the model's options")


class LeversRequest(ScenarioSource):
    model: str = Field("bdm", description="the model whose forecast is to be moved")
    issue: str = Field(description="the issue id")
    target: float | None = Field(None, description="the forecast to reach: each actor's smallest change that gets there")
    actor: str | None = Field(None, description="or: the actor whose best announcement is sought")
    draws: int | None = Field(None, ge=1, le=HARD_MAX_DRAWS, description="draws per candidate (default: the library's)")
    seed: int = Field(20261125, ge=0, le=2**63 - 1)
    options: dict[str, Any] = Field(default_factory=dict)
    variant: str | None = None


class Influence(BaseModel):
    name: str = Field(description="field path of the uncertain input, e.g. 'stances[3].salience'")
    label: str = Field(description="the input in words, e.g. 'salience of Russia on Territorial line'")
    value: float | None = Field(description="the index inputs are ranked by (ST for Sobol, mu* for Morris)")
    conf: float | None = Field(None, description="its 95 % confidence half-width")


class SensitivityResponse(BaseModel):
    model: str
    method: str
    key: str = Field(description="the index used for ranking: 'ST' (Sobol) or 'mu_star' (Morris)")
    n: int
    evaluations: int
    overall: list[Influence] = Field(
        description="inputs ranked by their largest index over issues (Morris: mu* / the issue's sd)")
    issues: dict[str, list[Influence]] = Field(description="per issue, inputs ranked, most influential first")
    notes: list[str] = []
    raw: dict[str, Any] = Field(description="SensitivityResult.to_dict(): every index with its confidence")


class ModelInfo(BaseModel):
    name: str
    summary: str
    has_rounds: bool
    stochastic: bool
    multi_issue: bool
    variants: dict[str, dict[str, Any]]
    options_schema: dict[str, Any] = Field(description="JSON schema of the model's options")


class Warnings(BaseModel):
    """Warnings (not errors) about a valid scenario, in the words ``detente validate`` prints."""

    warnings: list[str] = Field(description="one line each, e.g. '3 numbers have no evidence (add `evidence:` "
                                            "...): stances[0].position (A on x), ...'; empty when there are none")


class ExampleInfo(BaseModel):
    name: str = Field(description="the name to ask /api/examples/{name} for (the file name)")
    title: str | None = Field(None, description="the scenario's name")
    description: str | None = None
    actors: int = 0
    issues: int = 0
    error: str | None = Field(None, description="why the file does not load, if it does not")


# ---------------------------------------------------------------------------------------------
# errors


class SafeJSONResponse(JSONResponse):
    """JSON that survives text no UTF-8 can hold (lone surrogates from a file's ``\\udcff``
    escapes): such characters are sent as JSON escapes instead of failing the answer."""

    def render(self, content: Any) -> bytes:
        try:
            return super().render(content)
        except UnicodeEncodeError:
            return json.dumps(content, ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode("ascii")


def _safe_value(value: Any) -> Any:
    """A value as JSON can carry it (inf, NaN and odd objects become their repr)."""
    try:
        value = jsonable_encoder(value)
        json.dumps(value, allow_nan=False)
        return value
    except Exception:  # noqa: BLE001 - any value must be shown, not crash the error handler
        return repr(value)[:200]


def _item(p: Problem) -> dict[str, Any]:
    value = None if p.value is _MISSING else p.value
    return {"field": p.field, "line": p.line, "message": p.message, "value": _safe_value(value)}


def _error(status: int, detail: str, problems: list[dict[str, Any]], file: str | None = None,
           data: Any = None) -> JSONResponse:
    from detente.web.labels import humanise

    problems = humanise([{**p, "value": _safe_value(p.get("value"))} for p in problems], data)
    body = {"detail": detail, "file": file, "errors": problems}
    return SafeJSONResponse(jsonable_encoder(body), status_code=status)


def _input_error(e: InputError, file: str | None = None, data: Any = None) -> JSONResponse:
    items = [_item(p) for p in e.problems] or [{"field": None, "line": None, "message": str(e), "value": None}]
    first = items[0]
    summary = (f"{first['field']}: " if first["field"] else "") + first["message"]
    if len(items) > 1:
        summary += f" (and {len(items) - 1} more)"
    return _error(422, summary, items, file or e.file, data=data if data is not None else getattr(e, "data", None))


def _pydantic_items(errors: list[dict[str, Any]], prefix: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    out = []
    for err in errors:
        loc = tuple(err.get("loc", ()))
        if loc[:1] == ("body",):
            loc = loc[1:]
        msg = plain_message(err)
        if err.get("type") == "json_invalid":
            reason = (err.get("ctx") or {}).get("error", "")
            pos = f" at character {loc[0]}" if loc and isinstance(loc[0], int) else ""
            out.append({"field": None, "line": None, "value": None,
                        "message": f"malformed JSON{pos}: {reason}".rstrip(": ")})
            continue
        value = err.get("input")
        if err.get("type") == "missing" or isinstance(value, (dict, list)):
            value = None
        out.append({"field": loc_to_path(prefix + loc) or None, "line": None, "message": msg, "value": value})
    return out


class _TooLarge(StarletteHTTPException):
    """Raised while reading a body that grows past the limit (FastAPI passes HTTP errors through)."""


class BodyLimit:
    """ASGI middleware: answer 413 to bodies over ``max_bytes`` (declared or streamed)."""

    def __init__(self, app: Any, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > self.max_bytes
            except ValueError:
                await _error(400, "bad Content-Length header", [])(scope, receive, send)
                return
            if too_big:
                await self._refuse(scope, receive, send)
                return
        seen = 0
        started = False

        async def limited_receive() -> dict:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge(413, self._message())
            return message

        async def watch_send(message: dict) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, watch_send)
        except _TooLarge:
            if not started:
                await self._refuse(scope, receive, send)

    def _message(self) -> str:
        return f"request body too large: the limit is {self.max_bytes / 1024 / 1024:g} MB"

    async def _refuse(self, scope: dict, receive: Any, send: Any) -> None:
        msg = self._message()
        await _error(413, msg, [{"field": None, "line": None, "message": msg, "value": None}])(scope, receive, send)


# ---------------------------------------------------------------------------------------------
# scenarios from requests


_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def scenario_from_upload(text: str, filename: str | None) -> Scenario:
    """Read an uploaded file's text with the reader its name (or content) calls for.

    >>> s = scenario_from_upload("name: t\\nactors: [{id: A}]\\nissues: [{id: x}]\\n"
    ...                          "stances: [{actor: A, issue: x, position: 40}]\\n", "t.yaml")
    >>> s.name, s.meta["file"]
    ('t', 't.yaml')
    """
    from detente.scenario.io import load

    shown = (filename or "upload").strip() or "upload"
    name = _SAFE_NAME.sub("_", Path(shown.replace("\\", "/")).name).lstrip(".")[-120:] or "upload"
    with tempfile.TemporaryDirectory(prefix="detente-upload-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(text.encode("utf-8", "surrogatepass"))
        try:
            return load(path)
        except InputError as e:
            for p in e.problems:
                p.message = p.message.replace(str(path), shown).replace(tmp, "")
            e.file = shown
            e.data = _parsed_upload(text, filename)  # type: ignore[attr-defined]
            raise
        except _READER_TRIPS as e:
            # a reader tripped over input it did not expect: still the input's fault, say so
            log.warning("reader failed on upload %r: %r", shown, e)
            raise InputError.one(shown, f"cannot read this file: {_trip(e)}") from None


_READER_TRIPS = (ValueError, KeyError, IndexError, TypeError, UnicodeError, ArithmeticError, RecursionError)
"""What a reader or validator may raise on input it did not expect (a number too large for a
float, nesting deeper than Python's recursion limit...): answered as the input's problem."""


def _trip(e: BaseException) -> str:
    if isinstance(e, RecursionError):
        return "it is nested too deeply"
    return f"{type(e).__name__}: {str(e)[:200]}"


def scenario_from_json(data: Any) -> Scenario:
    try:
        return validate(data, None)
    except InputError as e:
        e.data = data  # type: ignore[attr-defined]  # the names that turn field paths into words
        raise
    except _READER_TRIPS as e:
        log.warning("validation failed on a JSON scenario: %r", e)
        raise InputError.one(None, f"cannot read this scenario: {_trip(e)}", field="scenario") from None


def _parsed_upload(text: str, filename: str | None) -> Any:
    """The raw data of a native (YAML/JSON) upload, for naming its problems; None otherwise."""
    if not (filename or "").lower().endswith((".yaml", ".yml", ".json")):
        return None
    try:
        import yaml

        return yaml.safe_load(text)
    except Exception:  # noqa: BLE001 - only used to name things; the reader reports the real problem
        return None


def scenario_of(src: ScenarioSource) -> tuple[Scenario, str | None]:
    if src.scenario is not None and src.text is not None:
        raise InputError.one(None, "give either 'scenario' or 'text', not both", field="text")
    if src.scenario is not None:
        return scenario_from_json(src.scenario), None
    if src.text is not None:
        return scenario_from_upload(src.text, src.filename), src.filename
    raise InputError.one(None, "no scenario: give 'scenario' (JSON) or 'text' and 'filename' (a file's text)",
                         field="scenario")


# ---------------------------------------------------------------------------------------------
# more request and response bodies


class Limits(BaseModel):
    """What one request may ask of this server (set by ``detente serve --max-...``)."""

    max_draws: int
    max_actors: int
    max_issues: int
    workers: int = Field(description="model runs computed at the same time; more wait in a queue")
    max_work: int = Field(description="budget of one request's estimated work (actors x issues x draws x the "
                                      "model's cost factor; samples for sensitivity and levers); 0: none")
    max_memory_gb: float = Field(description="memory one run's process may add, in GB; 0: no bound")
    max_seconds: float = Field(description="wall time one run may take, in seconds; 0: no bound")
    version: str = Field(__version__, description="the detente version this server runs (a saved run computed "
                                                  "with another version may give other numbers)")


class RunStatus(BaseModel):
    id: str
    kind: str
    status: Literal["queued", "running", "done", "failed", "cancelled"]
    queued_s: float | None = None
    elapsed_s: float | None = None
    models: list[str] | None = None
    draws: int | None = None
    results: list[dict[str, Any]] | None = Field(None, description="when done: one Result.to_dict(full=True) per model")
    saved: list[int] | None = None
    store_note: str | None = None
    summary: dict[str, Any] | None = None
    war: dict[str, Any] | None = None
    error: ErrorResponse | None = Field(None, description="when failed: the problems, as a 4xx answer would list them")


class ExportRequest(RequestBody):
    scenario: ScenarioField = Field(None, description="the scenario to write")
    format: Literal["yaml", "json"] = "yaml"


class DraftExportRequest(RequestBody):
    data: dict[str, Any] = Field(description="the scenario as the page shows it, problems and all (not validated)")
    format: Literal["yaml", "json"] = "yaml"
    problems: list[str] = Field(default_factory=list, max_length=1000,
                                description="the problems the page shows, written at the top of a YAML file")


class SavedRunInfo(BaseModel):
    id: int
    created: str | None = None
    scenario: str = Field(description="the scenario's name")
    scenario_sha256: str
    model: str
    variant: str | None = None
    seed: int
    draws: int
    version: str
    forecast: dict[str, Any] = Field(default_factory=dict)


class SavedRuns(BaseModel):
    store: str | None = Field(None, description="the run store (password hidden); null when the server saves no runs")
    runs: list[SavedRunInfo] = Field(default_factory=list, description="newest first")


class SavedRun(BaseModel):
    id: int
    created: str | None = None
    model: str
    variant: str | None = None
    options: dict[str, Any] = Field(default_factory=dict, description="every option of the run, defaults included")
    seed: int
    draws: int
    version: str = Field(description="the detente version that computed it: the same version gives the same numbers")
    scenario_sha256: str
    forecast: dict[str, Any] = Field(default_factory=dict)
    scenario: dict[str, Any] = Field(description="the scenario as it was run")


class CompareRequest(RequestBody):
    scenarios: list[ScenarioSource] = Field(min_length=2, max_length=6,
                                            description="the views to compare; the first is the reference")
    models: list[str] = Field(["mean"], min_length=1, max_length=20)
    draws: int = Field(1000, ge=1, le=HARD_MAX_DRAWS)
    seed: int = Field(20261125, ge=0, le=2**63 - 1)
    options: dict[str, dict[str, Any]] = Field(default_factory=dict)
    variants: dict[str, str] = Field(default_factory=dict)


class CompareResponse(BaseModel):
    names: list[str] = Field(description="the views' names, in order (report.compare.view_names: a name two "
                                         "views share gets its file's name)")
    rows: list[dict[str, Any]] = Field(description="report.compare.comparison_rows: issue, model, scenario, "
                                                   "forecast, p10, p90, difference from the first view and "
                                                   "its Monte Carlo noise (difference_noise, 95 % half-width)")
    differences: list[dict[str, Any]] = Field(description="the inputs that differ between the views")
    drivers: dict[str, Any] = Field(default_factory=dict, description="report.compare_drivers.comparison_drivers: "
                                    "per later view and model, per issue the inputs whose values move the forecast "
                                    "most, one at a time (label, first, this, effect)")
    war: list[dict[str, Any]] = Field(default_factory=list, description="report.compare.war_comparison: per "
                                      "view that ran the war model, P(deal by 6/12/24/60 months) and each "
                                      "ending's probability, the sides named")
    results: list[list[dict[str, Any]]] = Field(description="per view, one Result.to_dict() per model")


# ---------------------------------------------------------------------------------------------
# the application


def create_app(store_url: str | None = None, examples_dir: Path | None = None, *, max_draws: int = MAX_DRAWS,
               max_actors: int = MAX_ACTORS, max_issues: int = MAX_ISSUES, workers: int = 2,
               queue: int = 16, max_work: int = MAX_WORK, max_memory_gb: float = MAX_MEMORY_GB,
               max_seconds: float = MAX_SECONDS) -> FastAPI:
    """The FastAPI application. ``store_url`` (SQLAlchemy URL): where runs are saved, if anywhere.
    ``examples_dir``: the scenarios offered by ``/api/examples`` (default: the shipped examples).
    ``max_draws``, ``max_actors``, ``max_issues``: the most one request may ask for (a 422 names
    the limit); ``max_work``: the budget of one request's estimated work
    (:mod:`detente.web.budget`; refused up front with a 422 naming the product), 0 for none.
    ``workers``: model runs computed at once, each in its own process; ``queue``: how many more
    may wait. ``max_memory_gb``, ``max_seconds``: how much memory and wall time one run's process
    may take (then it is stopped: a 422 and a 504 name the limit), 0 for no bound."""
    import warnings

    from fastapi_offline import FastAPIOffline

    from detente.errors import FewDrawsWarning
    from detente.web.jobs import Busy, Cancelled, OutOfMemory, RunPool, TooLong

    warnings.filterwarnings("ignore", category=FewDrawsWarning)  # the result's notes carry it to the page

    examples = Path(examples_dir) if examples_dir is not None else default_examples_dir()
    limits = {"max_draws": int(max_draws), "max_actors": int(max_actors), "max_issues": int(max_issues),
              "workers": int(workers), "max_work": int(max_work), "max_memory_gb": float(max_memory_gb),
              "max_seconds": float(max_seconds)}
    app = FastAPIOffline(
        title="detente",
        version=__version__,
        description=(
            "Forecast how multi-actor negotiations end. Load or edit a scenario (actors x issues, "
            "with the evidence behind every number), run one or several models and compare their "
            "forecasts with their intervals. Every 4xx answer lists its problems as "
            "`{field, line, message, value, where, text}`. Runs compute in a bounded pool of worker "
            "processes: `POST /api/runs` starts one, `GET /api/runs/{id}` follows it, "
            "`DELETE /api/runs/{id}` cancels it."
        ),
        separate_input_output_schemas=False,
        default_response_class=SafeJSONResponse,
    )
    app.add_middleware(BodyLimit, max_bytes=MAX_BODY_BYTES)
    app.state.store_url = store_url
    app.state.examples_dir = examples
    app.state.limits = limits
    pool = RunPool(workers=workers, queue=queue, max_memory=int(max_memory_gb * 2**30) if max_memory_gb > 0 else None,
                   max_seconds=max_seconds if max_seconds > 0 else None)
    app.state.pool = pool
    app.router.on_shutdown.append(pool.shutdown)
    store_lock = threading.Lock()
    store_cache: dict[str, Any] = {}
    err_responses: dict[int | str, dict[str, Any]] = {422: {"model": ErrorResponse, "description": "invalid input"},
                                                      413: {"model": ErrorResponse, "description": "body too large"}}

    @app.exception_handler(RequestValidationError)
    async def _on_request_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        items = _pydantic_items(list(exc.errors()))
        first = items[0] if items else {"field": None, "message": "invalid request"}
        detail = (f"{first['field']}: " if first.get("field") else "") + first["message"]
        return _error(422, detail, items)

    @app.exception_handler(InputError)
    async def _on_input_error(request: Request, exc: InputError) -> JSONResponse:
        return _input_error(exc)

    @app.exception_handler(ModelError)
    async def _on_model_error(request: Request, exc: ModelError) -> JSONResponse:
        return _error(422, str(exc), [{"field": "models", "line": None, "message": str(exc), "value": None}])

    @app.exception_handler(StarletteHTTPException)
    async def _on_http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        return _error(exc.status_code, detail, [{"field": None, "line": None, "message": detail, "value": None}])

    base_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        schema = base_openapi()  # cached by FastAPI after the first call
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        if "Upload" not in schemas:
            schemas["Upload"] = Upload.model_json_schema(ref_template="#/components/schemas/{model}")
        return schema

    app.openapi = openapi  # type: ignore[method-assign]

    # -- the page ------------------------------------------------------------------------------
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    # -- models, schemas, limits and examples ------------------------------------------------------
    @app.get("/api/models", response_model=list[ModelInfo], summary="The registered models and their options")
    def list_models() -> list[dict[str, Any]]:
        from detente.models import registry

        return [
            {"name": s.name, "summary": s.summary, "has_rounds": s.has_rounds, "stochastic": s.stochastic,
             "multi_issue": s.multi_issue, "variants": s.variants, "options_schema": s.options.model_json_schema()}
            for s in registry.specs()
        ]

    @app.get("/api/limits", response_model=Limits, summary="What one request may ask of this server")
    def get_limits() -> dict[str, Any]:
        return limits

    @app.get("/api/schema/scenario", summary="JSON schema of a scenario (what `detente schema` prints)")
    def scenario_schema() -> dict[str, Any]:
        return Scenario.model_json_schema()

    @app.get("/api/schema/war", summary="JSON schema of a scenario's war block (inputs of the war model)")
    def war_schema() -> dict[str, Any]:
        from detente.scenario.war import WarInputs

        return WarInputs.model_json_schema()

    def example_files() -> dict[str, Path]:
        from detente.scenario.examples import example_files as files_in

        return files_in(examples) if examples is not None else {}

    @app.get("/api/examples", response_model=list[ExampleInfo], summary="Example scenarios that can be loaded")
    def list_examples() -> list[dict[str, Any]]:
        from detente.scenario.examples import describe

        return describe(examples) if examples is not None else []

    @app.get("/api/examples/{name}", response_model=Scenario, summary="One example scenario, validated",
             responses={404: {"model": ErrorResponse}, **err_responses})
    def get_example(name: str) -> Scenario:
        from detente.scenario.io import load

        path = example_files().get(name)
        if path is None:
            raise HTTPException(404, f"no example named {name!r}")
        return load(path)

    # -- scenarios ---------------------------------------------------------------------------------
    def reading_caps() -> Any:
        """The readers' caps lowered to this server's limits: an upload it could never run is
        refused from its first lines (a KTAB CSV from line 1), not after it is parsed."""
        from detente.scenario.limits import lowered

        return lowered("this server", {"actors": "detente serve --max-actors", "issues": "detente serve --max-issues",
                                       "stances": "detente serve --max-actors x --max-issues"},
                       actors=limits["max_actors"], issues=limits["max_issues"],
                       stances=limits["max_actors"] * limits["max_issues"])

    def read_scenario(src: ScenarioSource) -> tuple[Scenario, str | None]:
        with reading_caps():
            return scenario_of(src)

    def scenario_of_body(body: dict[str, Any]) -> Scenario | JSONResponse:
        """The scenario of a ``/api/scenarios/...`` body: a JSON scenario, or an upload ``{text,
        filename}`` (a body with ``text`` and none of a scenario's lists), read within the server's
        :func:`reading_caps`. A malformed upload is answered here (a 422 JSONResponse); an invalid
        scenario raises :class:`InputError` (the same 422 from the handler)."""
        if "text" in body and not ({"actors", "issues", "stances"} & body.keys()):
            try:
                up = Upload.model_validate(body)
            except ValidationError as e:
                return _error(422, "bad upload", _pydantic_items(e.errors()))
            with reading_caps():
                return scenario_from_upload(up.text, up.filename)
        with reading_caps():
            return scenario_from_json(body)

    @app.post("/api/scenarios/validate", response_model=Scenario, responses=err_responses,
              summary="Validate a scenario (JSON, or an uploaded file of any supported format)")
    def validate_scenario(body: Annotated[ScenarioBody, Body()]) -> Any:
        """Answers the validated scenario (with defaults filled in), or 422 listing every problem
        with its field path, the actor / issue it concerns by name, and, for uploads, its line."""
        return scenario_of_body(body)

    @app.post("/api/scenarios/warnings", response_model=Warnings, responses=err_responses,
              summary="Warnings about a valid scenario (what `detente validate` prints): numbers "
                      "without evidence, actors or issues with the same label")
    def warn_scenario(body: Annotated[ScenarioBody, Body()]) -> Any:
        """Takes the body of ``/api/scenarios/validate`` and answers its 422 for an invalid scenario.
        The warnings are those of the scenario as its download writes it (YAML and JSON alike: what
        the page holds and downloads): a value equal to its default (capability or salience 1) is
        left out of that file, so it is not counted as a number without evidence."""
        from detente.scenario.model import scenario_warnings
        from detente.web.exports import as_exported

        scenario = scenario_of_body(body)
        if isinstance(scenario, JSONResponse):
            return scenario
        from detente.web.labels import page_warning

        return {"warnings": [page_warning(w) for w in scenario_warnings(as_exported(scenario))]}

    @app.post("/api/scenarios/export", responses=err_responses,
              response_class=Response, summary="The scenario as a YAML or JSON file (what `detente convert` writes)")
    def export_scenario(req: ExportRequest) -> Response:
        from detente.web.exports import scenario_file

        scenario, _ = read_scenario(ScenarioSource(scenario=req.scenario))
        name, media, text = scenario_file(scenario, req.format)
        return Response(text, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})

    @app.post("/api/scenarios/export-draft", response_class=Response,
              summary="A scenario that does not validate yet, as a YAML or JSON file, problems and all")
    def export_draft(req: DraftExportRequest) -> Response:
        """What the page's download writes while the scenario still has problems: the data as the page
        shows it (blanks as null, rejected texts as typed), so that the file read again shows the same
        problems; nothing is validated or filled in."""
        from detente.web.exports import draft_file

        try:
            name, media, text = draft_file(req.data, req.format, req.problems)
        except ValueError as e:
            return JSONResponse({"detail": f"data: {e}", "errors": [{"field": "data", "line": None, "value": None,
                                                                     "message": str(e)}]}, status_code=422)
        return Response(text, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})

    # -- runs ---------------------------------------------------------------------------------------
    def check_limits(scenario: Scenario, draws: int, field_prefix: str = "") -> list[dict[str, Any]]:
        bad: list[dict[str, Any]] = []
        if draws > limits["max_draws"]:
            bad.append({"field": "draws", "line": None, "value": draws,
                        "message": f"at most {limits['max_draws']} draws per request on this server "
                                   f"(the limit is set by detente serve --max-draws)"})
        for kind, n, key in (("actors", len(scenario.actors), "max_actors"),
                             ("issues", len(scenario.issues), "max_issues")):
            if n > limits[key]:
                bad.append({"field": f"{field_prefix}scenario.{kind}", "line": None, "value": n,
                            "message": f"at most {limits[key]} {kind} per scenario on this server "
                                       f"(the limit is set by detente serve --{key.replace('_', '-')})"})
        return bad

    def check_budget(estimate: Any, field: str = "draws") -> list[dict[str, Any]]:
        from detente.web.budget import over_budget

        problem = over_budget(estimate, limits["max_work"], field=field)
        return [problem] if problem else []

    def check_models(models: list[str], options: dict[str, dict[str, Any]],
                     variants: dict[str, str]) -> list[dict[str, Any]] | JSONResponse:
        from detente.models import registry

        bad = [{"field": f"models[{k}]", "line": None, "value": m,
                "message": f"unknown model; available: {', '.join(registry.names())}"}
               for k, m in enumerate(models) if m not in registry.names()]
        bad += [{"field": f"options.{m}", "line": None, "value": None, "message": "options for a model that is not run"}
                for m in options if m not in models]
        if bad:
            return bad
        for m, given in options.items():
            try:  # the request's own options, checked first so that errors name their field
                registry.get(m).options.model_validate(given)
            except ValidationError as e:
                return _pydantic_items(e.errors(), prefix=("options", m))
        for m, v in variants.items():
            spec = registry.get(m) if m in registry.names() else None
            if spec is not None and v not in spec.variants:
                known = ", ".join(spec.variants) or "none"
                return [{"field": f"variants.{m}", "line": None, "value": v,
                         "message": f"unknown; known: {known}"}]
        return []

    def save_runs(scenario: Scenario, results: list[Any]) -> tuple[list[int] | None, str | None]:
        if not store_url:
            return None, None
        try:
            store = saved_store()
            with store_lock:
                if hasattr(store, "save_many"):  # all runs of one request in one transaction
                    return [int(i) for i in store.save_many([(scenario, r, {"via": "web"}) for r in results])], None
                return [int(store.save(scenario, r)) for r in results], None
        except Exception as e:  # noqa: BLE001 - a store failure must not lose the computed results
            log.exception("saving runs to %s failed", store_url)
            return None, f"runs were not saved: {type(e).__name__}: {e}"

    def start_run(req: RunRequest) -> Any:
        """Validate a run request and queue it; a JSONResponse (4xx) when it is refused."""
        from detente.web.budget import run_work

        scenario, _ = read_scenario(req)
        bad = check_limits(scenario, req.draws) or check_models(req.models, req.options, req.variants)
        bad = bad or check_budget(run_work(scenario, req.models, req.draws))
        if isinstance(bad, list) and bad:
            return _error(422, (bad[0]["field"] or "") + ": " + bad[0]["message"], bad)
        try:
            job = pool.submit("run", (scenario, list(req.models), req.draws, req.seed, req.options, req.variants,
                                      req.explain),
                              meta={"models": list(dict.fromkeys(req.models)), "draws": req.draws,
                                    "_scenario": scenario, "_data": req.scenario})
        except Busy as e:
            return _error(503, str(e), [{"field": None, "line": None, "message": str(e), "value": None}])
        return job

    def job_failure(job: Any) -> JSONResponse:
        e = job.error
        data = job.meta.get("_data")
        if isinstance(e, InputError):
            return _input_error(e, data=data)
        if isinstance(e, ModelError):
            m = str(e)
            field = next((f"variants.{k}" for k in job.meta.get("models", []) if "variant" in m and k in m), "options")
            return _error(422, m, [{"field": field, "line": None, "message": m, "value": None}])
        if isinstance(e, ImportError):
            msg = f"not available in this build ({e})"
            return _error(503, msg, [{"field": None, "line": None, "message": msg, "value": None}])
        if isinstance(e, OutOfMemory):
            return _error(422, str(e), [{"field": "draws", "line": None, "message": str(e), "value": None}])
        if isinstance(e, TooLong):
            return _error(504, str(e), [{"field": None, "line": None, "message": str(e), "value": None}])
        if isinstance(e, Cancelled):
            return _error(409, f"the run was {str(e)}", [{"field": None, "line": None, "value": None,
                                                          "message": f"the run was {e}"}])
        log.error("run %s failed: %s", job.id, e)
        msg = f"the run failed: {e}"
        return _error(500, msg, [{"field": None, "line": None, "message": msg, "value": None}])

    async def wait_for(job: Any, request: Request | None) -> JSONResponse | None:
        """Wait off the event loop for ``job``: ``None`` when it is done, else the answer (its
        failure). Every :data:`POLL_S` the client is checked: one that has gone (or a request
        task that is cancelled) cancels the job, which stops its worker process."""
        import asyncio

        fut = asyncio.wrap_future(job.future)
        try:
            while not fut.done():
                await asyncio.wait({fut}, timeout=POLL_S)
                if not fut.done() and request is not None and await request.is_disconnected():
                    pool.cancel(job.id)
                    log.info("the client of %s job %s went away: cancelled", job.kind, job.id)
                    msg = "the client went away: the run was cancelled"
                    return _error(499, msg, [{"field": None, "line": None, "message": msg, "value": None}])
        except BaseException:  # noqa: BLE001 - the request task itself was cancelled
            pool.cancel(job.id)
            raise
        if fut.exception() is not None:
            return job_failure(job)
        return None

    async def submit_and_wait(kind: str, args: tuple, meta: dict[str, Any],
                              request: Request | None) -> tuple[Any, JSONResponse | None]:
        """Queue one job and wait for it (:func:`wait_for`): ``(result, None)``, or ``(None, answer)``
        when the pool is full (503) or the job failed; a client that goes away cancels its job."""
        try:
            job = pool.submit(kind, args, meta=meta)
        except Busy as e:
            return None, _error(503, str(e), [{"field": None, "line": None, "message": str(e), "value": None}])
        failed = await wait_for(job, request)
        return (None, failed) if failed is not None else (job.result, None)

    def finished_payload(job: Any) -> dict[str, Any]:
        if "_payload" not in job.meta:
            results = job.result
            saved, note = save_runs(job.meta["_scenario"], results)
            job.meta["_payload"] = {"results": [r.to_dict(full=True) for r in results], "saved": saved,
                                    "store_note": note, **headlines(job.meta["_scenario"], results)}
        return job.meta["_payload"]

    def headlines(scenario: Scenario, results: list[Any]) -> dict[str, Any]:
        """The bottom line per issue and the war headline, as ``detente run`` reports them."""
        from detente.report.summary import json_safe as _clean
        from detente.report.summary import bottom_line, war_headline

        return {"summary": _clean(bottom_line(scenario, results)), "war": _clean(war_headline(scenario, results))}

    @app.post("/api/run", response_model=RunResponse,
              responses={**err_responses, 409: {"model": ErrorResponse, "description": "cancelled"}},
              summary="Run one or several models on a scenario and wait for the results")
    async def run_models(req: RunRequest, request: Request) -> Any:
        """Runs each model with the same draws and seed; answers one full result per model (forecast,
        80 % interval, per-round trajectory summaries for models with rounds) and saves the runs to
        the store when the server has one. The run computes in a worker process; the server keeps
        answering other requests meanwhile, and stops the run if the client goes away."""
        job = start_run(req)
        if isinstance(job, JSONResponse):
            return job
        failed = await wait_for(job, request)
        if failed is not None:
            return failed
        return {"run_id": job.id, **finished_payload(job)}

    @app.post("/api/runs", response_model=RunStatus, status_code=202, responses=err_responses,
              summary="Start a run; follow it with GET /api/runs/{id}, cancel it with DELETE")
    def start_run_job(req: RunRequest) -> Any:
        job = start_run(req)
        if isinstance(job, JSONResponse):
            return job
        return job.info()

    @app.get("/api/runs/{run_id}", response_model=RunStatus, responses={404: {"model": ErrorResponse}},
             summary="A run's status, and its results when done")
    def run_status(run_id: str) -> Any:
        job = pool.get(run_id)
        if job is None:
            raise HTTPException(404, f"no run with id {run_id!r} (finished runs are kept for a while only)")
        out = job.info()
        if job.status == "done" and job.kind == "run":
            out.update(finished_payload(job))
        elif job.status in ("failed", "cancelled"):
            resp = job_failure(job)
            out["error"] = json.loads(resp.body)
        return out

    @app.delete("/api/runs/{run_id}", response_model=RunStatus, responses={404: {"model": ErrorResponse}},
                summary="Cancel a queued or running run (its worker process is stopped)")
    def cancel_run(run_id: str) -> Any:
        job = pool.cancel(run_id)
        if job is None:
            raise HTTPException(404, f"no run with id {run_id!r}")
        try:
            job.future.exception(timeout=15)
        except Exception:  # noqa: BLE001 - a timeout leaves the status as it is
            pass
        return job.info()

    @app.get("/api/runs/{run_id}/outputs.zip", response_class=Response,
             responses={404: {"model": ErrorResponse}, 409: {"model": ErrorResponse}},
             summary="The run's files, as `detente run --out` writes them (result.json, positions.csv, "
                     "PNGs, report.html) and the scenario, in one zip")
    async def run_outputs(run_id: str, request: Request) -> Response:
        job = pool.get(run_id)
        if job is None or job.kind != "run":
            raise HTTPException(404, f"no run with id {run_id!r} (finished runs are kept for a while only)")
        if job.status != "done":
            raise HTTPException(409, f"the run is {job.status}, it has no outputs")
        if "_zip" not in job.meta:
            # the charts are drawn in a worker process, not on the server's event loop
            zipped, refused = await submit_and_wait("outputs", (job.meta["_scenario"], job.result),
                                                    {"models": []}, request)
            if refused is not None:
                return refused
            job.meta["_zip"] = zipped
        name, data = job.meta["_zip"]
        return Response(data, media_type="application/zip",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})

    def saved_store() -> Any:
        """The server's run store (``None`` when it saves no runs)."""
        if not store_url:
            return None
        from detente.store.db import Store

        with store_lock:
            return store_cache.get(store_url) or store_cache.setdefault(store_url, Store(store_url))

    @app.get("/api/saved-runs", response_model=SavedRuns,
             summary="The runs this server saved, newest first (what `detente runs list` shows)")
    def saved_runs(limit: int = Query(50, ge=1, le=500)) -> Any:
        store = saved_store()
        if store is None:
            return {"store": None, "runs": []}
        from detente.report.summary import json_safe as _clean

        rows = store.list_runs(limit)
        return {"store": store.shown_url, "runs": _clean([{
            "id": r["id"], "created": r["created"], "scenario": r["scenario_name"],
            "scenario_sha256": r["scenario_sha256"], "model": r["model"], "variant": r["variant"],
            "seed": r["seed"], "draws": r["draws"], "version": r["version"], "forecast": r["forecast"]} for r in rows])}

    @app.get("/api/saved-runs/{run_id}", response_model=SavedRun, responses={404: {"model": ErrorResponse}},
             summary="One saved run: its settings and its scenario, to load and run again (the same numbers)")
    def saved_run(run_id: int) -> Any:
        from detente.store.db import StoreError

        store = saved_store()
        if store is None:
            raise HTTPException(404, "this server saves no runs (start it with --store URL)")
        try:
            rec = store.get(run_id)
        except StoreError:
            raise HTTPException(404, f"no saved run {run_id}") from None
        from detente.report.summary import json_safe as _clean

        scenario = rec["scenario"]
        if isinstance(scenario, str):
            scenario = json.loads(scenario)
        return _clean({"id": rec["id"], "created": rec["created"], "model": rec["model"], "variant": rec["variant"],
                       "options": rec["options"] or {}, "seed": rec["seed"], "draws": rec["draws"],
                       "version": rec["version"], "scenario_sha256": rec["scenario_sha256"],
                       "forecast": rec["forecast"], "scenario": scenario})

    @app.post("/api/compare", response_model=CompareResponse,
              responses={**err_responses, 409: {"model": ErrorResponse}},
              summary="The same models on several views of a negotiation (what `detente compare` does)")
    async def compare(req: CompareRequest, request: Request) -> Any:
        """Runs the models on each view (same draws and seed) and answers, issue by issue, each view's
        forecast and interval with its difference from the first view, and which inputs differ."""

        from detente.report.compare import check_comparable, comparison_rows, view_names, war_comparison
        from detente.web.exports import input_differences

        scenarios = []
        for k, src in enumerate(req.scenarios):
            try:
                scenarios.append(read_scenario(src)[0])
            except InputError as e:
                for p in e.problems:
                    p.field = f"scenarios[{k}]." + (p.field or "scenario")
                raise
        check_comparable(scenarios)
        bad: list[dict[str, Any]] = []
        for k, s in enumerate(scenarios):
            bad += check_limits(s, req.draws if k == 0 else 0, field_prefix=f"scenarios[{k}].")
        bad = bad or check_models(req.models, req.options, req.variants)  # type: ignore[assignment]
        if isinstance(bad, list) and not bad:
            from detente.web.budget import run_work

            biggest = max(scenarios, key=lambda s: len(s.actors) * len(s.issues))
            bad = check_budget(run_work(biggest, req.models, req.draws, views=len(scenarios)))
        if isinstance(bad, list) and bad:
            return _error(422, (bad[0]["field"] or "") + ": " + bad[0]["message"], bad)
        results, refused = await submit_and_wait(
            "compare", (scenarios, list(req.models), req.draws, req.seed, req.options, req.variants),
            {"models": list(req.models), "draws": req.draws}, request)
        if refused is not None:
            return refused
        from detente.report.compare_drivers import comparison_drivers
        from detente.report.summary import json_safe as _clean

        return {"names": view_names(scenarios), "rows": _clean(comparison_rows(scenarios, results)),
                "differences": input_differences(scenarios), "war": _clean(war_comparison(scenarios, results)),
                "drivers": _clean(comparison_drivers(scenarios, results)),
                "results": [[_clean(r.to_dict()) for r in rs] for rs in results]}

    @app.post("/api/levers", responses=err_responses,
              summary="What would move a forecast: each actor's smallest change to reach a target, or an "
                      "actor's best announcement (what `detente levers` answers)")
    async def levers(req: LeversRequest, request: Request) -> Any:

        from detente.models import registry
        from detente.web.budget import levers_work

        scenario, _ = read_scenario(req)
        registry.get(req.model)
        bad = check_limits(scenario, req.draws or 0) or check_budget(levers_work(scenario, req.model, req.draws))
        if bad:
            return _error(422, (bad[0]["field"] or "") + ": " + bad[0]["message"], bad)
        res, refused = await submit_and_wait(
            "levers", (scenario, req.model, req.issue, req.target, req.actor, req.draws, req.seed, req.options,
                       req.variant), {"models": [req.model], "_data": req.scenario}, request)
        if refused is not None:
            return refused
        from detente.report.summary import json_safe as _clean

        return _clean(res)

    @app.post("/api/sensitivity", response_model=SensitivityResponse,
              responses={**err_responses, 503: {"model": ErrorResponse, "description": "not available"}},
              summary="Which uncertain estimates matter most for a model's forecast")
    async def sensitivity(req: SensitivityRequest, request: Request) -> Any:
        """Global sensitivity of the forecast to the scenario's uncertain inputs (those given as ranges),
        ranked, by :func:`detente.uncertainty.sensitivity.sensitivity` (in a worker process)."""
        import importlib.util

        from detente.models import registry

        if importlib.util.find_spec("SALib") is None:
            raise HTTPException(503, "sensitivity analysis needs SALib: pip install 'detente[sensitivity]'")
        from detente.web.budget import sensitivity_work

        scenario, _ = read_scenario(req)
        registry.get(req.model)
        bad = check_limits(scenario, 0) or check_budget(sensitivity_work(scenario, req.model, req.method, req.n),
                                                        field="n")
        if bad:
            return _error(422, (bad[0]["field"] or "") + ": " + bad[0]["message"], bad)
        res, refused = await submit_and_wait(
            "sensitivity", (scenario, req.model, req.method, req.n, req.seed, req.options),
            {"models": [req.model], "_data": req.scenario}, request)
        if refused is not None:
            return refused
        return sensitivity_payload(res)

    return app


# ---------------------------------------------------------------------------------------------
# sensitivity results


def sensitivity_payload(res: Any) -> dict[str, Any]:
    """The JSON answer of ``/api/sensitivity`` from a ``SensitivityResult``."""
    key = res.key
    conf = f"{key}_conf"
    issues = {
        issue: [{"name": r["name"], "label": r["label"], "value": r.get(key), "conf": r.get(conf)} for r in rows]
        for issue, rows in res.indices.items()
    }
    overall = [{"name": r["name"], "label": r["label"], "value": r["score"]} for r in res.overall()]
    return {"model": res.model, "method": res.method, "key": key, "n": res.n, "evaluations": res.evaluations,
            "overall": overall, "issues": issues, "notes": list(res.notes), "raw": _safe_value(res.to_dict())}
