"""First contact: every bad invocation of every command is a usage message and exit code 2, never
a traceback; a real bug is one line (the traceback only with --debug); the README names only flags
that exist."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import EXAMPLES, PEERS, REPO

EX = str(EXAMPLES / "ukraine-settlement.yaml")
EX2 = str(EXAMPLES / "ukraine-settlement-contrast.yaml")
DEU = str(PEERS / "deu-data" / "deu3_blksv.tsv")
VARY = "actors[RUS].capability=1:2:2"

# (arguments, a piece of the helpful line that must be on stderr)
BAD = [
    # the command itself
    (["runn"], "Did you mean 'run'"),
    (["--versoin"], "No such option: --versoin"),
    ([], "Usage: detente"),
    # run
    (["run", EX, "--drwas", "10"], "--draws"),
    (["run"], "Missing argument 'SCENARIO'"),
    (["run", EX, "--draws", "abc"], "Invalid value for '--draws'"),
    (["run", EX, "--draws", "0"], "Invalid value for '--draws'"),
    (["run", EX, "--store", "sqlite://"], "'sqlite://' is a database in memory: it is gone when the command ends"),
    (["run", EX, "-n", "-5"], "Invalid value for '--draws'"),
    (["run", EX, "--seed", "x"], "Invalid value for '--seed'"),
    (["run", EX, "--seed", "-5"], "a seed is a whole number from 0"),
    (["run", EX, "-s", "99999999999999999999999"], "a seed is a whole number from 0"),
    (["run", EX, "--format", "xml"], "'xml' is not one of 'table', 'json'"),
    (["run", EX, "--sensitivity"], "give --out DIR too"),
    (["run", EX, "--model", "meen"], "Did you mean 'mean'"),
    (["run", EX, "--model"], "requires an argument"),
    (["run", EX, "--input-format", "yml"], "Did you mean 'yaml'"),
    (["run", "no-such-file.yaml"], "no such file"),
    (["run", EX, "-o", "bogus=1"], "no selected model has an option 'bogus'"),
    (["run", EX, "-o", "mean.weigths=equal"], "Did you mean 'weights'"),
    (["run", EX, "--variant", "bdm=nosuch", "-m", "bdm"], "no variant 'nosuch'"),
    (["run", EX, "EXTRA"], "unexpected extra argument"),
    # compare
    (["compare"], "Missing argument 'SCENARIO...'"),
    (["compare", EX], "at least two scenario files"),
    (["compare", EX, EX2, "--draws", "0"], "Invalid value for '--draws'"),
    (["compare", EX, EX2, "--modle", "mean"], "--model"),
    (["compare", EX, EX2, "-f", "csv"], "'csv' is not one of"),
    (["compare", EX, EX2, "-s", "-1"], "a seed is a whole number from 0"),
    # pool
    (["pool"], "Missing argument 'SCENARIO...'"),
    (["pool", EX], "at least two scenario files to pool"),
    (["pool", EX, EX2, "--weights", "1,x"], "weights must be numbers separated by commas"),
    (["pool", EX, EX2, "--weights", "1,2,3"], "give one weight per scenario: 2 scenarios but 3 weights"),
    (["pool", EX, EX2, "--analysts", "a,a"], "two views have the analyst id 'a'"),
    (["pool", EX, EX2, "-f", "csv"], "'csv' is not one of"),
    (["pool", EX, EX2, "--store", "sqlite:///x.db"], "--store is used only with --weights ledger"),
    (["pool", EX, EX2, "--weights", "ledger", "--store", "sqlite://"], "is a database in memory"),
    # validate
    (["validate"], "Missing argument 'SCENARIO'"),
    (["validate", EX, "--strict"], "No such option: --strict"),
    (["validate", EX, "--input-format", "excel"], "unknown format 'excel'"),
    # convert
    (["convert", EX], "Missing argument 'OUTPUT'"),
    (["convert", EX, ""], "Invalid value for 'OUTPUT': is empty (an unset shell variable?)"),
    (["convert", EX, "out.yaml", "--to", "xls"], "'xls' is not one of"),
    # schema
    (["schema", "extra"], "unexpected extra argument"),
    (["schema", "--outt", "x.json"], "--out"),
    # examples
    (["examples", "--copy"], "requires an argument"),
    (["examples", "--copy", EX], "is a file, not a folder to copy the examples into"),
    (["examples", "-f", "xml"], "'xml' is not one of"),
    (["examples", "extra"], "unexpected extra argument"),
    # backtest
    (["backtest"], "Missing option '--deu'"),
    (["backtest", "--deu", DEU, "--capabilities", "gdp"], "'gdp' is not one of"),
    (["backtest", "--deu", DEU, "--position-only", "maybe"], "'maybe' is not one of"),
    (["backtest", "--deu", DEU, "-m", "medain"], "Did you mean 'median'"),
    (["runs", "list", "-n", "-1"], "must be at least 0 (got '-1')"),
    (["backtest", "--deu", DEU, "-m", "war"], "war cannot be scored on DEU III"),
    (["backtest", "--deu", DEU, "-m", "mean", "-s", "-1"], "a seed is a whole number from 0"),
    (["backtest", "--deu", "no-such.tsv", "-m", "mean"], "no-such.tsv"),
    # models
    (["models", "--format", "yaml"], "'yaml' is not one of"),
    (["models", "extra"], "unexpected extra argument"),
    # sensitivity
    (["sensitivity", EX], "Missing option '--model'"),
    (["sensitivity", EX, "-m", "mena"], "Did you mean 'mean'"),
    (["sensitivity", EX, "-m", "mean", "--method", "sobel"], "'sobel' is not one of"),
    (["sensitivity", EX, "-m", "mean", "--samples", "1"], "Invalid value for '--samples': must be at least 2 (got '1')"),
    (["sensitivity", EX, "-m", "mean", "--samples", "100000"], "--samples: must be a whole number from 2 to 65,536"),
    (["sensitivity", EX, "-m", "mean", "--top", "x"], "Invalid value for '--top': must be a whole number (got 'x')"),
    # sweep
    (["sweep", EX, "-m", "mean"], "Missing option '--vary'"),
    (["sweep", EX, "-v", VARY], "Missing option '--model'"),
    (["sweep", EX, "-v", VARY, "-m", "mean", "--design", "grd"], "'grd' is not one of"),
    (["sweep", EX, "-v", VARY, "-m", "mean", "--draws", "abc"], "Invalid value for '--draws'"),
    (["sweep", EX, "-v", VARY, "-m", "mean", "-j", "0"], "Invalid value for '--workers'"),
    (["sweep", EX, "-v", "actors[russia].capability=1:2:2", "-m", "mean", "-j", "1", "--dask", "http://127.0.0.1:8787"],
     "not a Dask scheduler address"),
    (["sweep", EX, "-v", "actors[XX].capability=1:2:2", "-m", "mean", "-j", "1"], "no actor with id 'XX'"),
    # runs
    (["runs", "lst"], "Did you mean 'list'"),
    (["runs", "show"], "Missing argument"),
    (["runs", "show", "abc"], "Invalid value"),
    (["runs", "rerun"], "Missing argument"),
    (["runs", "rerun", "abc"], "Invalid value"),
    (["runs", "diff", "1"], "Missing argument"),
    (["runs", "list", "--limt", "3"], "--limit"),
    (["runs", "list", "-f", "xml"], "'xml' is not one of"),
    (["runs", "export", "-f", "xlsx"], "'xlsx' is not one of"),
    # the ledger
    (["seal", EX, "-m", "mean", "--criterion", "c", "--resolves-by", "2027-01-01"], "Missing option '--question'"),
    (["seal", EX, "-m", "meen", "--question", "q", "--criterion", "c", "--resolves-by", "2027-01-01"],
     "Did you mean 'mean'"),
    (["seal", EX, "--question", "q", "--criterion", "c", "--resolves-by", "2027-01-01"], "Missing option '--model'"),
    (["grade", "1", "--source", "s"], "Missing option '--outcome'"),
    (["grade", "--outcome", "1", "--source", "s"], "Missing argument 'RECORD'"),
    (["verify", "--head"], "requires an argument"),
    (["ledger", "-f", "xml"], "'xml' is not one of"),
    (["ledger", "--limit", "-1"], "Invalid value for '--limit'"),
    # levers
    (["levers"], "Missing argument 'SCENARIO'"),
    (["levers", EX, "-m", "mean"], "Missing option '--issue'"),
    (["levers", EX, "-m", "mean", "--issue", "nope", "--target", "50"], "nope"),
    (["levers", EX, "-m", "meen", "--issue", "territory", "--target", "50"], "Did you mean 'mean'"),
    (["levers", EX, "-m", "mean", "--issue", "territory", "--target", "abc"], "Invalid value for '--target'"),
    (["levers", EX, "-m", "mean", "--issue", "territory", "--target", "50", "-f", "xml"], "'xml' is not one of"),
    # serve
    (["serve", "--port", "99999"], "Invalid value for '--port'"),
    (["serve", "--port", "x"], "Invalid value for '--port'"),
    (["serve", "--hots", "0.0.0.0"], "--host"),
    (["serve", "--host", "no such host!!"], "not an address of this machine"),
    (["serve", "--max-memory", "inf"], "a finite number, or 0 for no bound"),
    (["serve", "--store", "banana"], "not a usable database URL"),
    (["levers", EX, "-m", "mean", "-m", "median", "--issue", "territory", "--target", "30"], "given 2 times (mean, median)"),
    (["grade", "1", "--outcome", "5", "--outcome", "9"], "Invalid value for '--outcome': given 2 times"),
    (["run", EX, "-m", "mean", "--out", ""], "is empty (an unset shell variable?)"),
    (["examples", "--copy", ""], "is empty (an unset shell variable?)"),
    (["sweep", EX, "-v", VARY, "-m", "mean", "--out", "sweep.txt"], "name it .json or .csv"),
    (["sweep", EX, "-v", "actors[russia].capability=1:2:100000000", "-m", "mean"], "a grid of 100,000,000 points"),
    (["sweep", EX, "-v", "actors[russia].capability=1:2:3", "-m", "mean", "--samples", "5"], "--samples: is for a random design"),
]


def detente_command() -> list[str]:
    """The installed console script (as a user runs it), else ``python -m detente``."""
    script = Path(sys.executable).parent / "detente"
    return [str(script)] if script.exists() else [sys.executable, "-m", "detente"]


def _invoke(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    e = {**os.environ, "COLUMNS": "200", "DETENTE_STORE": "", **(env or {})}
    e.pop("DETENTE_DEBUG", None)
    return subprocess.run([*detente_command(), *args], capture_output=True, text=True, env=e, timeout=300,
                          cwd=REPO)


@pytest.fixture(scope="module")
def outcomes() -> dict[int, subprocess.CompletedProcess[str]]:
    if not PEERS.exists():
        pytest.skip("peer reference data (the DEU table) not found")
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(enumerate(pool.map(lambda case: _invoke(case[0]), BAD)))


@pytest.mark.parametrize("k", range(len(BAD)), ids=[" ".join(a[:3]).replace(str(EXAMPLES) + "/", "") or "(none)"
                                                   for a, _ in BAD])
def test_bad_invocation_is_a_usage_message(outcomes, k: int) -> None:
    args, expected = BAD[k]
    p = outcomes[k]
    assert "Traceback" not in p.stderr + p.stdout, p.stderr
    assert p.returncode == 2, (args, p.returncode, p.stderr)
    assert expected in (p.stderr if args else p.stdout), (args, p.stderr)
    assert "internal error" not in p.stderr


def test_usage_lines_write_arguments_as_the_docs_do(outcomes) -> None:
    """``SCENARIO``, ``SCENARIO...``: not Typer 0.29's ``{SCENARIO}`` ("one of") nor ``{SCENARIO...}...``."""
    usage = {line.strip() for p in outcomes.values() for line in (p.stderr + p.stdout).splitlines()
             if line.strip().startswith("Usage:")}
    assert "Usage: detente run [OPTIONS] SCENARIO" in usage and "Usage: detente pool [OPTIONS] SCENARIO..." in usage
    assert [u for u in usage if "{" in u or "...." in u] == []


def test_every_command_is_in_the_table() -> None:
    from detente.cli import app
    import typer

    group = typer.main.get_command(app)
    names = set(group.commands)  # type: ignore[attr-defined]
    tested = {args[0] for args, _ in BAD if args and not args[0].startswith("-")}
    assert names - {"runn"} <= tested, names - tested


def test_old_model_name_is_accepted_and_explained_once() -> None:
    # --format fails after --model was read: the notice shows without running bdm
    p = _invoke(["run", EX, "-m", "eu", "-m", "eu", "-f", "xml"])
    assert p.stderr.count("'eu' is now called 'bdm'") == 1, p.stderr
    assert p.returncode == 2


def test_a_bug_is_one_line_and_a_traceback_only_with_debug(tmp_path: Path, monkeypatch, capsys) -> None:
    import detente.runner
    from detente.cli import main

    def broken(*args, **kwargs):
        raise RuntimeError("something inside broke")

    monkeypatch.setattr(detente.runner, "run", broken)
    monkeypatch.delenv("DETENTE_DEBUG", raising=False)
    assert main(["run", EX, "-m", "mean"]) == 1
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: something inside broke" in err
    assert "report" in err and "--debug" in err and "Traceback" not in err
    with pytest.raises(RuntimeError):
        main(["--debug", "run", EX, "-m", "mean"])
    with pytest.raises(RuntimeError):
        main(["run", EX, "-m", "mean", "--debug"])  # a global flag, accepted anywhere
    monkeypatch.setenv("DETENTE_DEBUG", "1")
    with pytest.raises(RuntimeError):
        main(["run", EX, "-m", "mean"])


def test_unwritable_output_is_an_error_not_a_bug(tmp_path: Path, capsys) -> None:
    from detente.cli import main

    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["schema", "--out", str(blocker / "sub" / "schema.json")]) == 2  # bad output path: exit 2
    err = capsys.readouterr().err
    assert "error:" in err and "internal error" not in err and f"{blocker} is a file" in err


def test_help_shows_no_internal_types() -> None:
    for cmd in (["run"], ["compare"], ["sensitivity"], ["sweep"], ["backtest"], ["validate"], ["models"], []):
        p = _invoke([*cmd, "--help"])
        assert p.returncode == 0, p.stderr
        for internal in ("<bool>", "<list[str]>", "<str>", "<int>", "<path>"):
            assert internal not in p.stdout, (cmd, internal)
    p = _invoke(["run", "--help"])
    for fmt in ("yaml", "json", "ktab-csv", "ktab-xml", "bdm", "decide"):
        assert fmt in p.stdout
    assert "table|json" in p.stdout


def test_the_list_of_commands_breaks_no_summary_in_mid_sentence() -> None:
    """``detente --help`` and ``detente runs --help``: a summary goes on to a second line only when the
    first is full; Typer kept the docstrings' own line breaks there ("... per analyst, and" / "(from
    20 graded records) ...")."""
    for cmd in ([], ["runs"]):
        p = _invoke([*cmd, "--help"])
        assert p.returncode == 0, p.stderr
        panel = p.stdout.split("Commands")[1]
        rows = [line for line in panel.splitlines() if line.startswith("│")]
        assert len(rows) >= 4, p.stdout
        for row, following in zip(rows, rows[1:]):
            if following.startswith("│" + " " * 6):  # the summary goes on: only because this row is full
                assert len(row.rstrip(" │")) > len(row) - 30, (row, following)


def test_text_in_square_brackets_is_printed_as_written(tmp_path: Path) -> None:
    """Names, anchors and sweep columns are printed as written: Rich read "[with derogations]" and
    "[bold]" as markup and dropped them, "[russia,territory]" vanished from a sweep's column, and
    ":100:" became an emoji."""
    text = (EXAMPLES / "eu-emission-standards.yaml").read_text()
    text = text.replace("name: EU emission standards for medium-sized cars (BDM 1994)", 'name: "[draft] EU standards"')
    text = text.replace("7: standards introduced in 7 years", '7: "standards in 7 years [with derogations] for [bold] trucks"')
    f = tmp_path / "brackets.yaml"
    f.write_text(text)
    p = _invoke(["run", str(f), "-m", "mean", "-m", "median"])
    assert p.returncode == 0, p.stderr
    assert "[with derogations] for [bold] trucks" in " ".join(p.stdout.split()), p.stdout
    p = _invoke(["sweep", str(EXAMPLES / "ukraine-settlement.yaml"), "-m", "mean",
                 "-v", "stances[russia,territory].salience=0.2:1:2", "-v", "actors[russia].capability=50:90:2"],
                env={"COLUMNS": "300"})
    assert p.returncode == 0, p.stderr
    assert "stances[russia,territory].salience" in p.stdout and "actors[russia].capability" in p.stdout, p.stdout
    p = _invoke(["sweep", str(EXAMPLES / "ukraine-settlement.yaml"), "-m", "mean",
                 "-v", "stances[china,territory].position=0:100:3"])
    assert p.returncode == 2 and "0:100:3" in p.stderr, p.stderr


def test_help_texts_lose_nothing_to_rich_markup() -> None:
    """Every command's and option's help is printed as written: Rich read the sweep example
    "actors[russia].capability=1:5:9" as a style tag and printed "actors.capability=1:5:9", which
    fails when run. A bracket meant literally is written "\\["."""
    import click
    import typer.main
    from rich.text import Text

    from detente.cli.commands import app

    def texts(cmd: click.Command, path: str):
        yield path, cmd.help or ""
        for param in cmd.params:
            yield f"{path} {param.name}", getattr(param, "help", None) or ""
        for name, sub in getattr(cmd, "commands", {}).items():
            yield from texts(sub, f"{path} {name}")

    seen = 0
    for where, text in texts(typer.main.get_command(app), "detente"):
        seen += 1
        assert Text.from_markup(text).plain == text.replace("\\[", "["), (where, text)
    assert seen > 100


def test_input_format_names_match_the_reader_registry() -> None:
    from detente.cli.common import INPUT_FORMATS
    from detente.scenario.io import FORMATS, _load_plugins

    _load_plugins()
    assert sorted(INPUT_FORMATS) == sorted(FORMATS)


def test_default_seed_is_the_runners() -> None:
    from detente.cli.common import DEFAULT_SEED
    from detente.runner import DEFAULT_SEED as RUNNER_SEED

    assert DEFAULT_SEED == RUNNER_SEED


# ---------------------------------------------------------------------------------------------
# the same flags mean the same thing in every command that runs models

SHARED = {"-m": "--model", "-n": "--draws", "-s": "--seed", "-o": "--option", "-f": "--format"}


def _params(*path: str) -> dict[str, object]:
    import typer

    from detente.cli import app

    cmd = typer.main.get_command(app)
    for name in path:
        cmd = cmd.commands[name]  # type: ignore[attr-defined]
    out: dict[str, object] = {}
    for p in cmd.params:  # type: ignore[attr-defined]
        for o in [*p.opts, *p.secondary_opts]:
            out[o] = p
    return out


@pytest.mark.parametrize("command", ["run", "compare", "sensitivity", "sweep", "backtest"])
def test_shared_flags_are_the_same_everywhere(command: str) -> None:
    params = _params(command)
    for flag in ("--model", "--variant", "--option", "--seed", "--format"):
        assert flag in params, (command, flag)
        assert params[flag].multiple == (flag in ("--model", "--variant", "--option")), (command, flag)
    for short, long in SHARED.items():
        if short in params:
            assert params[short] is params[long], (command, short, long)
    if command in ("run", "compare", "sweep"):
        assert params["-n"] is params["--draws"]
    out = params.get("--out")
    assert out is not None or command == "backtest"


# ---------------------------------------------------------------------------------------------
# the README names only flags that exist

_FLAG = re.compile(r"(?<![\w\[.-])(--[a-z][\w-]*|-[a-zA-Z])(?![\w-])")


def readme_command_lines() -> list[tuple[list[str], str]]:
    """(sub-command path, rest of line) of every ``detente ...`` command in README.md and docs/."""
    from detente.cli import app
    import typer

    group = typer.main.get_command(app)
    found = []
    texts = [(REPO / "README.md").read_text(encoding="utf-8")]
    texts += [p.read_text(encoding="utf-8") for p in sorted((REPO / "docs").glob("*.md"))]
    for text in texts:
        for m in re.finditer(r"(?:^|[\s`/])detente ([a-z][^\n`#]*)", text):
            words = m.group(1).split()
            if not words or words[0] not in group.commands:  # type: ignore[attr-defined]
                continue
            path = [words[0]]
            sub = group.commands[words[0]]  # type: ignore[attr-defined]
            if hasattr(sub, "commands") and len(words) > 1:
                first = words[1].split("|")[0]
                if first in sub.commands:
                    path.append(first)
            found.append((path, m.group(1)))
    return found


def test_readme_names_only_flags_that_exist() -> None:
    lines = readme_command_lines()
    assert len(lines) >= 10
    assert any(p == ["run"] for p, _ in lines) and any(p == ["sweep"] for p, _ in lines)
    for path, rest in lines:
        params = _params(*path)
        for flag in _FLAG.findall(rest):
            assert flag in params or flag == "--help", f"README/docs: `detente {rest}`: {flag} is not a flag of " \
                                                       f"`detente {' '.join(path)}`"


def test_readme_has_no_record_flag() -> None:
    assert "--record" not in (REPO / "README.md").read_text(encoding="utf-8")


def test_models_explains_every_option(capsys) -> None:
    from detente.cli import main

    assert main(["models", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {m["name"] for m in data} >= {"mean", "median", "nbs", "bdm", "smp", "exchange", "war"}
    for m in data:
        assert set(m["option_help"]) == set(m["options"].get("properties", {})), m["name"]  # every option explained
        for key, h in m["option_help"].items():
            assert len(h["description"]) > 10, (m["name"], key)
    assert main(["models"]) == 0
    table = capsys.readouterr().out
    assert "bisection steps" in table  # nbs.iterations, from its Field(description=...)


@pytest.mark.parametrize("path, models, warned", [
    ("eu-emission-standards.yaml", ["mean", "median"], True),  # every number a point, no chance in the models
    ("eu-emission-standards.yaml", ["mean", "exchange"], False),  # exchange breaks ties with random numbers
    ("ukraine-settlement.yaml", ["mean"], False),  # ranges to sample
])
def test_draws_that_can_only_repeat_one_answer_are_named(path: str, models: list[str], warned: bool, capsys) -> None:
    from detente.cli import main

    args = ["run", str(EXAMPLES / path), "--draws", "20", "--format", "json"]
    assert main(args + [a for m in models for a in ("-m", m)]) == 0
    err = capsys.readouterr().err
    assert ("no number is uncertain" in err and "the 20 draws of mean, median are all the same" in err) is warned
    assert main(["run", str(EXAMPLES / path), "--format", "json", "-m", models[0]]) == 0  # one draw: nothing to say
    assert "no number is uncertain" not in capsys.readouterr().err


def test_backtest_leaves_out_war_by_default_and_refuses_it_when_asked() -> None:
    """By default every model was scored, war too, which cannot run on DEU III; its error was squeezed
    into the "exact hits" column and cut at "detente.scenari..."; it named a Python module. Asked for,
    it was then marked "not run" below the table, exit 0; now it is a usage error before any work."""
    p = _invoke(["backtest", "--deu", DEU, "-m", "mean", "-m", "war", "--cv", "2", "--repeats", "1"])
    assert p.returncode == 2 and "war cannot be scored on DEU III" in " ".join(p.stderr.split()), p.stderr
    assert "detente.scenario.war" not in p.stderr and not p.stdout
    assert "every model but war" in " ".join(_invoke(["backtest", "--help"]).stdout.replace("│", " ").split())


def test_serve_on_a_port_in_use_is_refused_before_it_says_serving(capsys) -> None:
    """uvicorn printed "serving on ..." and then its own "address already in use", exit 3."""
    import socket

    from detente.cli import main

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert f"--port: cannot listen on 127.0.0.1:{port}" in err and "serving on" not in err


@pytest.mark.parametrize("sig,code,word", [("SIGTERM", 143, "terminated"), ("SIGINT", 130, "interrupted")])
def test_a_stopped_run_says_so_and_leaves_no_half_written_folder(tmp_path: Path, sig: str, code: int, word: str) -> None:
    """SIGTERM (``kill PID``) killed the program where it stood: a ``.out.*.tmp`` folder was left
    behind; and Ctrl-C exited 130 without a word (Typer turns it into a silent exit code)."""
    import signal
    import time

    e = {**os.environ, "DETENTE_STORE": ""}
    e.pop("DETENTE_DEBUG", None)
    # a new session, so that the signal is not ignored as a shell's background job's SIGINT is
    p = subprocess.Popen([*detente_command(), "run", EX, "-m", "war", "-m", "bdm", "-n", "40000", "--out", "o"],
                         cwd=tmp_path, env=e, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                         start_new_session=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    while not list(tmp_path.glob(".o*")) and p.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)  # until the output folder is being staged: the models are running
    assert p.poll() is None, p.stderr.read() if p.stderr else ""
    p.send_signal(getattr(signal, sig))
    _, stderr = p.communicate(timeout=120)
    assert p.returncode == code, stderr
    assert stderr.strip().splitlines()[-1] == word and "Traceback" not in stderr
    assert sorted(x.name for x in tmp_path.iterdir()) == []


def test_a_terminated_sweep_stops_its_worker_processes(tmp_path: Path) -> None:
    """`kill` of a sweep on two workers left both running under init (still alive after 30 s), and
    then the sweep itself took 35 s to exit: the executor's shutdown forgot the workers before they
    were stopped, so they ran their chunks to the end. It exits at once now (15 s: a loaded machine)."""
    import signal
    import time

    e = {**os.environ, "DETENTE_STORE": ""}
    e.pop("DETENTE_DEBUG", None)
    p = subprocess.Popen([*detente_command(), "sweep", EX, "-v", "actors[russia].capability=1:5:400", "-m", "bdm",
                          "-n", "500", "-j", "2"], cwd=tmp_path, env=e, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True, start_new_session=True)
    children: set[int] = set()
    deadline = time.monotonic() + 120
    while len(children) < 2 and p.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
        out = subprocess.run(["pgrep", "-P", str(p.pid)], capture_output=True, text=True).stdout
        children = {int(x) for x in out.split()}
    assert p.poll() is None and len(children) >= 2
    time.sleep(1.0)  # the workers are running chunks
    p.send_signal(signal.SIGTERM)
    _, stderr = p.communicate(timeout=15)
    assert p.returncode == 143 and stderr.strip().splitlines()[-1] == "terminated", stderr
    deadline = time.monotonic() + 10
    alive = children
    while alive and time.monotonic() < deadline:
        time.sleep(0.2)
        alive = {c for c in alive if _running(c)}
    assert not alive, alive


def _running(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie (Linux's /proc)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False
