"""What keeps start-up and first runs fast, checked by behaviour (speed itself is measured by the
scripts in ``benchmarks/``, never by timed tests)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import peer_file

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
HEAVY = ("numba", "scipy", "matplotlib", "numpy", "sqlalchemy", "fastapi", "SALib")


def _imported_after(code: str) -> set[str]:
    """Top-level packages among HEAVY that a fresh interpreter has imported after ``code``."""
    probe = f"{code}\nimport sys, json\nprint(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout.strip().splitlines()[-1])) & set(HEAVY)


def test_cli_import_is_light() -> None:
    assert _imported_after("import detente.cli") == set()


def test_validate_imports_no_numpy() -> None:
    code = ("from detente.cli import main\n"
            f"rc = main(['validate', {str(ROOT / 'examples/ukraine-settlement.yaml')!r}])\nassert rc == 0")
    assert _imported_after(code) == set()


@pytest.mark.parametrize("args", [["validate", "examples/ukraine-settlement.yaml"], ["schema"],
                                  ["models", "--format", "json"],
                                  ["run", "examples/ukraine-settlement.yaml", "--format", "json"]])
def test_plain_text_commands_load_no_rich(args: list[str]) -> None:
    """Commands whose output is one line or JSON print it without Rich (~35 ms of imports)."""
    code = ("import sys\nfrom detente.cli import main\n"
            f"rc = main({args!r})\nassert rc == 0, rc\nassert 'rich' not in sys.modules, 'rich loaded'")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)


def test_listing_models_imports_no_numba_nor_scipy() -> None:
    code = ("from detente.models import registry\n"
            "specs = registry.specs()\n"
            "assert [s.name for s in specs] == ['mean', 'median', 'nbs', 'bdm', 'smp', 'exchange', 'war', 'synthesis']\n"
            "assert all(s.options.model_fields for s in specs if s.name not in ('median', 'synthesis'))")
    assert _imported_after(code) == set()  # not even NumPy: the model modules bind it lazily (detente.lazy)


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_detente_models_imports_no_numpy_nor_the_war_simulation(fmt: str) -> None:
    code = ("import sys\nfrom detente.cli import main\n"
            f"rc = main(['models', '--format', {fmt!r}])\nassert rc == 0\n"
            "assert 'detente.models.war.simulate' not in sys.modules and 'detente.scenario.arrays' not in sys.modules")
    assert _imported_after(code) == set()


def test_a_mean_run_imports_neither_numba_nor_scipy_nor_other_models() -> None:
    code = ("import sys\nfrom detente.runner import run\nfrom detente.scenario.io import load\n"
            f"run(load({str(ROOT / 'examples/ukraine-settlement.yaml')!r}), 'mean', draws=50)\n"
            "assert 'detente.models.war' not in sys.modules and 'detente.models.bdm' not in sys.modules")
    assert _imported_after(code) == {"numpy"}


@pytest.mark.parametrize("ktab", [False, True], ids=["yaml-mean", "ktab-smp"])
def test_a_plain_run_loads_no_masked_arrays_progress_bars_or_emoji(ktab: bool) -> None:
    """``detente run`` with one draw, output redirected: no numpy.ma (one-draw medians), no Rich
    progress machinery (stderr is not a terminal), no emoji table, not the war model's package (its
    headline table is empty without a war run); a KTAB file needs no YAML library."""
    from conftest import peer_file

    path = (peer_file("ktab-data/examples/smp/doc/dummyData-a040.csv") if ktab
            else ROOT / "examples/ukraine-settlement.yaml")
    code = ("import sys\nfrom detente.cli import main\n"
            f"assert main(['run', {str(path)!r}, '--model', {'smp' if ktab else 'mean'!r}]) == 0\n"
            "print('LOADED', sorted(m for m in ('numpy.ma', 'rich.progress', 'rich._emoji_codes', 'yaml', "
            "'detente.models.war') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    loaded = next(ln for ln in out.stdout.splitlines() if ln.startswith("LOADED"))
    assert loaded == "LOADED " + repr([] if ktab else ["yaml"])
    assert "forecast" in out.stdout.lower()


def test_bdm_run_does_not_import_scipy_linalg() -> None:
    code = ("import sys\nfrom detente.runner import run\nfrom detente.scenario.io import load\n"
            f"run(load({str(ROOT / 'examples/ukraine-settlement.yaml')!r}), 'bdm')\n"
            "assert 'scipy.linalg' not in sys.modules\n"
            "import scipy.linalg\nassert scipy.linalg.cython_blas is not None  # still importable afterwards")
    assert "numba" in _imported_after(code)


def test_registry_declares_before_importing_and_keeps_the_alias() -> None:
    from detente.models import registry

    assert registry.names()[:3] == ["mean", "median", "nbs"]
    assert registry.get("eu").name == "bdm"
    assert registry.is_registered("bdm")


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_uncertain_names_match_the_input_space(path: Path) -> None:
    from detente.scenario.arrays import input_space
    from detente.scenario.inputs import uncertain_names
    from detente.scenario.io import load

    s = load(path)
    assert uncertain_names(s) == list(input_space(s)[0].names)


def test_libyaml_and_pure_parser_read_the_same_data() -> None:
    import yaml

    from detente.scenario.io import parse_yaml

    for path in EXAMPLES:
        text = path.read_text(encoding="utf-8")
        data, lines = parse_yaml(text, str(path))
        assert data == yaml.safe_load(text)
        assert lines[("actors",)] == next(k for k, ln in enumerate(text.splitlines(), 1) if ln.startswith("actors:"))


def test_numba_cache_goes_to_the_user_cache_dir(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env["XDG_CACHE_HOME"] = str(tmp_path)
    code = "import detente.models.bdm_kernels, numba; print(numba.config.CACHE_DIR)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(tmp_path / "detente" / "numba")


def test_compile_notice_only_when_compiling(tmp_path: Path) -> None:
    """One line on stderr on the first-ever run, none once the kernels are cached."""
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}
    cmd = [sys.executable, "-m", "detente.cli", "run", "examples/eu-emission-standards.yaml", "--model", "bdm",
           "--format", "json"]
    first = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    second = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    notes = [ln for ln in first.stderr.splitlines() if "compiling" in ln]
    assert len(notes) == 1 and "expected-utility kernels once" in notes[0] and "cached afterwards" in notes[0]
    import re

    assert int(re.search(r"about (\d+) s;", notes[0]).group(1)) >= 1  # scaled to this machine (jit.compile_estimate)
    assert "compiling" not in second.stderr
    assert json.loads(first.stdout)["results"][0]["forecast"] == json.loads(second.stdout)["results"][0]["forecast"]


def test_a_small_exchange_run_imports_no_numba() -> None:
    """A single draw of a small problem runs the NumPy round: no Numba import (~0.35 s), no compile."""
    cph = str(peer_file("exchange-data/data/input/copenhagen.csv"))
    code = ("from detente.runner import run\nfrom detente.scenario.io import load\n"
            f"run(load({cph!r}), 'exchange', options={{'rounds': 3}})")
    assert _imported_after(code) == {"numpy"}


def test_a_first_ever_exchange_run_compiles_nothing(tmp_path: Path) -> None:
    """COP21, 10 rounds, an empty Numba cache: the NumPy round runs (no notice, nothing cached), with
    the numbers the compiled kernels give once they are cached."""
    cop21 = str(peer_file("exchange-data/data/input/cop21.csv"))
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba")}
    code = ("import json, sys\nfrom detente.runner import run\nfrom detente.scenario.io import load\n"
            "import detente.models.exchange as ex\n"
            "ex.use_compiled = lambda work, rank_rtol=0.0, f=ex.use_compiled: f(work, rank_rtol) or bool(sys.argv[1])\n"
            f"r = run(load({cop21!r}), 'exchange', seed=7, options={{'rounds': 10}})\n"
            "print(json.dumps(r.trajectory.forecast[0].tolist()))")
    first = subprocess.run([sys.executable, "-c", code, ""], cwd=ROOT, env=env, capture_output=True, text=True,
                           check=True)
    assert "compiling" not in first.stderr
    assert not list((tmp_path / "numba").rglob("*.nbi"))  # nothing compiled, nothing cached
    forced = subprocess.run([sys.executable, "-c", code, "compile"], cwd=ROOT, env=env, capture_output=True,
                            text=True, check=True)
    assert "compiling the exchange-model kernels once" in forced.stderr
    assert json.loads(first.stdout) == json.loads(forced.stdout)


def test_the_garbage_collector_pauses_only_while_kernels_compile() -> None:
    """Compiling runs with the cyclic collector off (Numba's compiler is slowed by its full
    collections); cached kernels leave it alone; it is on again afterwards, also after an error."""
    import gc
    from types import SimpleNamespace

    from detente import jit

    fresh = SimpleNamespace(signatures=[], _cache=SimpleNamespace(_cache_file=SimpleNamespace(_load_index=dict)))
    compiled = SimpleNamespace(signatures=["(float64,)"])
    seen = []
    saved, jit.notice = jit.notice, None
    try:
        assert gc.isenabled()
        with jit.compiling(compiled, "test kernels", seconds=1):
            seen.append(gc.isenabled())
        with jit.compiling([compiled, fresh], "test kernels", seconds=1):
            seen.append(gc.isenabled())
        with pytest.raises(ZeroDivisionError), jit.compiling(fresh, "test kernels", seconds=1):
            1 / 0
        seen.append(gc.isenabled())
        gc.disable()  # a caller that switched it off keeps it off
        with jit.compiling(fresh, "test kernels", seconds=1):
            pass
        seen.append(gc.isenabled())
    finally:
        gc.enable()
        jit.notice = saved
    assert seen == [True, False, True, False]


def test_seed_states_are_pcg64s() -> None:
    from detente.models.exchange_kernels import seed_states

    seeds = np.array([0, 1, 7, 2**31, 2**32 - 1, 2**32, 2**62 + 3, 2**63 - 1])
    got = seed_states(seeds)
    for k, s in enumerate(seeds):
        want = np.random.PCG64(int(s)).state["state"]
        words = [want["state"] >> 64, want["state"] & (2**64 - 1), want["inc"] >> 64, want["inc"] & (2**64 - 1)]
        assert [int(v) for v in got[k]] == words


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([0.0, -0.0, 1.0, -1.0, 2.5, np.nan, np.inf, -np.inf, 1e-300]), max_size=40))
def test_merge_argsort_is_numpys_stable_sort(values: list[float]) -> None:
    from detente.models.exchange_kernels import _merge_argsort

    keys = np.array(values, dtype=float)
    order = np.empty(keys.size, np.int64)
    _merge_argsort(keys, order)
    assert np.array_equal(order, np.argsort(keys, kind="mergesort"))


def test_bdm_small_and_large_batches_agree() -> None:
    """The serial path (small batches) and the threaded one (large) give the same rows."""
    from detente.models import bdm

    rng = np.random.default_rng(3)
    B, n = 3000, 9
    x, c, s = rng.uniform(0, 100, (B, n)), rng.uniform(0.1, 1, (B, n)), rng.uniform(0.1, 1, (B, n))
    pres = rng.random((B, n)) < 0.9
    o = bdm.EUOptions()
    assert bdm._threads_for(B, n, o.rounds) >= 1 and bdm._threads_for(2, n, o.rounds) == 1
    big = bdm.simulate(x, c, s, pres, np.full(B, 100.0), o)
    import numba

    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)  # the same batch on one thread
        assert bdm._threads_for(B, n, o.rounds) == 1
        serial = bdm.simulate(x, c, s, pres, np.full(B, 100.0), o)
    finally:
        numba.set_num_threads(before)
    for key in ("positions", "median", "mean", "rounds", "converged"):
        assert np.array_equal(serial[key], big[key]), key
    for b in (0, 1234, B - 1):
        one = bdm.simulate(x[b:b + 1], c[b:b + 1], s[b:b + 1], pres[b:b + 1], np.array([100.0]), o)
        for key in ("positions", "median", "mean", "rounds"):
            assert np.array_equal(one[key][0], big[key][b]), key


def test_the_program_entry_freezes_the_heap_and_keeps_exit_codes_and_output(tmp_path: Path) -> None:
    """``python -m detente`` (and the console script, ``detente.cli:entry``) exits with main()'s code
    after gc.freeze(): output is complete, bad input still exits 2 with a message."""
    import tomllib

    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["detente"] == "detente.cli:entry"
    out = tmp_path / "o"
    ok = subprocess.run([sys.executable, "-m", "detente", "run", "examples/ukraine-settlement.yaml", "--model",
                         "mean", "--format", "json", "--out", str(out)], cwd=ROOT, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["results"][0]["model"] == "mean"
    assert json.loads((out / "result.json").read_text())  # files written before exit are complete
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nactors: [{id: A}]\nissues: []\n")
    err = subprocess.run([sys.executable, "-m", "detente", "validate", str(bad)], cwd=ROOT, capture_output=True,
                         text=True)
    assert err.returncode == 2 and "Traceback" not in err.stderr and str(bad) in err.stderr


def test_only_the_program_raises_the_collector_thresholds() -> None:
    """``detente.cli:entry`` runs main() with :data:`detente.cli.GC_THRESHOLDS`; importing the CLI (as
    the library's users and the tests do) leaves the process's collector alone."""
    from detente.cli import GC_THRESHOLDS

    code = ("import gc\nbefore = gc.get_threshold()\nimport detente.cli as cli\nassert gc.get_threshold() == before\n"
            "cli.main = lambda: print(list(gc.get_threshold())) or 0\ntry:\n    cli.entry()\n"
            "except SystemExit as e:\n    assert e.code == 0\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == list(GC_THRESHOLDS) != [700, 10, 10]


def _entry_in_child(var: str, preset: str | None, code: str) -> str:
    """The output of ``code`` (which calls ``cli.entry()``) in a child process whose environment
    has ``var`` set to ``preset`` (None: not set)."""
    env = {k: v for k, v in os.environ.items() if k != var}
    if preset is not None:
        env[var] = preset
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


@pytest.mark.parametrize("preset, expected", [(None, "4"), ("12", "12")])
def test_the_program_entry_shortens_openblas_spin_before_numpy_loads(preset: str | None, expected: str) -> None:
    """``detente.cli:entry`` sets ``OPENBLAS_THREAD_TIMEOUT`` (read once, when OpenBLAS loads) while
    NumPy is not imported yet; a value the user set is kept."""
    code = ("import atexit, os, sys\nfrom detente import cli\n"
            "seen = []\n"
            "cli.main = lambda: seen.append((os.environ.get('OPENBLAS_THREAD_TIMEOUT'), 'numpy' in sys.modules)) or 0\n"
            "atexit.register(lambda: print(seen))\ncli.entry()")
    assert _entry_in_child("OPENBLAS_THREAD_TIMEOUT", preset, code) == repr([(expected, False)])


@pytest.mark.parametrize("preset, scanned", [(None, False), ("", True)])
def test_the_program_entry_skips_pydantic_plugins_unless_asked(preset: str | None, scanned: bool) -> None:
    """``detente.cli:entry`` sets ``PYDANTIC_DISABLE_PLUGINS``: validating a scenario then scans no
    distribution's entry points for pydantic plugins; a value the user set (even empty) is kept."""
    code = ("import atexit, os, sys\nfrom detente import cli\nfrom pydantic.plugin import _loader\n"
            "sys.argv = ['detente', 'validate', 'examples/ukraine-settlement.yaml']\n"
            "atexit.register(lambda: print(repr((os.environ.get('PYDANTIC_DISABLE_PLUGINS'), "
            "_loader._plugins is not None))))\ncli.entry()")
    out = _entry_in_child("PYDANTIC_DISABLE_PLUGINS", preset, code)
    assert out.splitlines()[-1] == repr(("__all__" if preset is None else preset, scanned))


@pytest.mark.parametrize("preset, stand_in", [(None, True), ("__all__", True), ("true", True), ("", False),
                                              ("logfire", False)])
def test_the_program_skips_pydantic_plugin_loader_only_when_every_plugin_is_off(preset: str | None,
                                                                                 stand_in: bool) -> None:
    """With every plugin disabled the program puts its stand-in for ``pydantic.plugin._loader`` in
    place, so ``importlib.metadata`` is never imported by a validation; any other value (empty: all
    plugins, a list of names: some) keeps pydantic's loader. The scenario validates either way."""
    code = ("import atexit, os, sys\nfrom detente import cli\n"
            "sys.argv = ['detente', 'validate', 'examples/ukraine-settlement.yaml']\n"
            "atexit.register(lambda: print(repr((hasattr(sys.modules['pydantic.plugin._loader'], '_plugins'), "
            "'importlib.metadata' in sys.modules, tuple(sys.modules['pydantic.plugin._loader'].get_plugins())))))\n"
            "cli.entry()")
    out = _entry_in_child("PYDANTIC_DISABLE_PLUGINS", preset, code).splitlines()
    assert out[0].startswith("ok ")
    real, metadata, plugins = eval(out[-1])  # noqa: S307  (our own repr of three values)
    assert real is not stand_in
    assert plugins == ()
    if stand_in:
        assert not metadata


@pytest.mark.parametrize("value", ["__all__", "1", "true"])
def test_pydantic_itself_loads_no_plugin_for_the_values_of_the_stand_in(value: str, monkeypatch) -> None:
    """The stand-in is only used where pydantic's own ``get_plugins`` returns ``()`` without looking."""
    from pydantic.plugin import _loader

    from detente.cli import PLUGINS_OFF

    assert value in PLUGINS_OFF
    monkeypatch.setenv("PYDANTIC_DISABLE_PLUGINS", value)
    monkeypatch.setattr(_loader, "entry_points", lambda **kw: pytest.fail("scanned entry points"))
    monkeypatch.setattr(_loader, "_plugins", None)
    assert tuple(_loader.get_plugins()) == ()


def test_the_stand_in_has_every_name_pydantic_takes_from_its_loader() -> None:
    """A pydantic release that imports another name from ``plugin._loader`` fails here, not in use."""
    import re

    import pydantic

    from detente.cli import _pluginless_loader

    used = set()
    for path in Path(pydantic.__file__).parent.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for names in re.findall(r"from (?:\.|pydantic\.plugin\.)_loader import ([\w, ()]+)", text):
            used |= {n.strip(" ()") for n in names.split(",") if n.strip(" ()")}
        used |= set(re.findall(r"\b_loader\.(\w+)", text))
    assert used, "pydantic no longer imports its plugin loader: the stand-in can go"
    assert used <= set(vars(_pluginless_loader())), used


def test_main_called_from_other_code_leaves_the_collector_alone(capsys) -> None:
    """Only the program freezes the loaded scenario out of the collector; ``main()`` called from a
    notebook or a test does not touch the caller's collector."""
    import gc

    from detente.cli import main

    before = gc.get_freeze_count(), gc.get_threshold(), gc.isenabled()
    assert main(["validate", str(ROOT / "examples" / "ukraine-settlement.yaml")]) == 0
    assert (gc.get_freeze_count(), gc.get_threshold(), gc.isenabled()) == before


@pytest.mark.parametrize("args", [["run", "--help"], ["validate"], ["validate", "examples/ukraine-settlement.yaml"],
                                  ["run", "examples/ukraine-settlement.yaml", "--draws", "0"], ["schema", "extra"],
                                  ["models", "--format", "json"]])
def test_a_command_alone_answers_as_the_whole_app(args: list[str]) -> None:
    """``detente.cli.main`` builds only the command it runs (:func:`detente.cli.commands.app_for`): same
    output, same exit code as the app of every command."""
    from typer.testing import CliRunner

    from detente.cli.commands import app, app_for

    one = app_for(args)
    assert one is not app and [c.callback for c in one.registered_commands] == \
        [c.callback for c in app.registered_commands if c.callback.__name__ == args[0]]
    runner = CliRunner()
    whole, alone = runner.invoke(app, args, prog_name="detente"), runner.invoke(one, args, prog_name="detente")
    assert (alone.exit_code, alone.output) == (whole.exit_code, whole.output)


@pytest.mark.parametrize("args", [[], ["--help"], ["--version"], ["runn"], ["runs", "list"], ["--debug", "run"]])
def test_unknown_names_groups_and_root_options_get_the_whole_app(args: list[str]) -> None:
    from detente.cli.commands import app, app_for

    assert app_for(args) is app


@pytest.mark.parametrize("args", [["validate", "examples/ukraine-settlement.yaml"], ["schema"], ["models"]])
def test_short_commands_of_the_program_rescan_no_start_up_heap(args: list[str]) -> None:
    """The program imports the readers and models with the collector paused and freezes what they
    leave (``detente.cli.commands._lasting``): a short command runs no collection of the older
    generations until it exits (young-object collections of the command's own work, e.g. Typer
    building its option validators, scan nothing of the start-up heap)."""
    code = ("import gc, sys\nseen = []\n"
            "gc.callbacks.append(lambda phase, info: phase == 'start' and seen.append(info['generation']))\n"
            "import atexit\nfrom detente import cli\n"
            f"sys.argv = ['detente', *{args!r}]\n"
            "main = cli.main\ncli.main = lambda: (main(), print('COLLECTIONS', seen))[0]\ncli.entry()")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    seen = next(ln for ln in out.stdout.splitlines() if ln.startswith("COLLECTIONS")).split(" ", 1)[1]
    assert all(g == 0 for g in json.loads(seen)), seen


def test_version_answers_as_the_app_without_loading_typer_or_rich() -> None:
    code = ("import sys\nfrom detente.cli import main\nassert main(['--version']) == 0\n"
            "print('LOADED', sorted({m.split('.')[0] for m in sys.modules} & {'typer', 'rich', 'pydantic', 'numpy'}))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    fast, loaded = out.stdout.splitlines()
    assert loaded == "LOADED []"
    from typer.testing import CliRunner

    from detente.cli.commands import app

    whole = CliRunner().invoke(app, ["--version"], prog_name="detente")
    assert (whole.exit_code, whole.output) == (0, fast + "\n")


def test_ctrl_c_while_the_commands_load_exits_130_without_a_traceback() -> None:
    """A Ctrl-C during the import of the commands (the first few tenths of a second) ends like one
    during a command: "interrupted" on stderr, exit 130, no KeyboardInterrupt traceback."""
    code = (
        "import sys\n"
        "class Interrupt:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'detente.cli.commands':\n"
        "            raise KeyboardInterrupt\n"
        "sys.meta_path.insert(0, Interrupt())\n"
        "from detente.cli import main\n"
        "sys.exit(main(['validate', 'examples/ukraine-settlement.yaml']))\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert p.returncode == 130, p.stderr
    assert p.stderr == "interrupted\n"


def test_serve_fills_the_bdm_cache_in_the_background(tmp_path: Path) -> None:
    """``detente serve`` starts a low-priority process that compiles the bdm kernels into the cache
    (the compile notice on stderr), so the page's first bdm run only loads them; once they are
    cached it finds them and says nothing."""
    import subprocess

    from detente.cli.serve import warm_kernels

    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba")}
    first = warm_kernels(env=env, stderr=subprocess.PIPE)
    _, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    assert "compiling the expected-utility kernels once" in err.decode()
    assert list((tmp_path / "numba").rglob("bdm_kernels.simulate_batch-*.nbi"))
    again = warm_kernels(env=env, stderr=subprocess.PIPE)
    _, err = again.communicate(timeout=120)
    assert again.returncode == 0 and "compiling" not in err.decode()
    code = ("from detente.runner import run\nfrom detente.scenario.io import load\n"
            f"run(load({str(ROOT / 'examples/ukraine-settlement.yaml')!r}), 'bdm')")
    used = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert "compiling" not in used.stderr  # a real run uses what the warm-up compiled


def test_serve_starts_the_warm_up_before_it_serves(monkeypatch) -> None:
    pytest.importorskip("uvicorn")
    import uvicorn

    import detente.cli.serve as serve_module
    from detente.cli import main

    calls: list[str] = []
    monkeypatch.setattr(serve_module, "warm_kernels", lambda *a, **k: calls.append("warm"))
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: calls.append("serve"))
    import socket

    with socket.socket() as sock:  # a free port (a fixed one may be taken by another server)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert main(["serve", "--port", str(port)]) == 0
    assert calls == ["warm", "serve"]
