"""The detente command, end to end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from detente.cli import main
from conftest import EXAMPLES, peer_file

TOY = """\
name: toy
actors: [{id: A, capability: 2}, {id: B}, {id: C, capability: {low: 1, high: 3}}]
issues:
  - {id: x, name: The issue, scale: {min: 0, max: 10}, anchors: {0: nothing, 10: everything}, status_quo: 5}
stances:
  - {actor: A, issue: x, position: 2, salience: 0.5}
  - {actor: B, issue: x, position: {low: 6, high: 9}, salience: 0.8}
  - {actor: C, issue: x, position: 9}
"""


@pytest.fixture
def toy(tmp_path) -> Path:
    p = tmp_path / "toy.yaml"
    p.write_text(TOY, encoding="utf-8")
    return p


def test_run_json_has_provenance_and_interval(toy, capsys):
    assert main(["run", str(toy), "--model", "mean", "--draws", "300", "--seed", "5", "--format", "json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert list(record) == ["scenario", "input_sha256", "summary", "war", "results"]  # also for one model
    (d,) = record["results"]
    assert d["model"] == "mean" and d["seed"] == 5 and d["draws"] == 300
    assert len(d["input_sha256"]) == 64 and d["version"] and record["input_sha256"] == d["input_sha256"]
    lo, hi = d["input_band"]["x"]
    assert lo <= d["forecast"]["x"] <= hi
    line = record["summary"]["x"]
    assert line["lead"] == "mean" and line["forecast"] == pytest.approx(d["forecast"]["x"], abs=1e-6)
    assert line["interval"]["kind"] in ("forecast_interval", "input_uncertainty")
    assert line["input_band"] == pytest.approx([lo, hi], abs=1e-6) and record["war"] is None


def test_run_is_reproducible_from_the_command_line(toy, capsys):
    args = ["run", str(toy), "-m", "median", "-m", "nbs", "-n", "200", "-s", "9", "-f", "json"]
    main(args)
    first = capsys.readouterr().out
    main(args)
    assert capsys.readouterr().out == first  # bit for bit: the JSON holds no elapsed time
    assert all("elapsed_s" not in d for d in json.loads(first)["results"])


def test_run_table_shows_forecast_with_anchor_label(toy, capsys):
    assert main(["run", str(toy), "--model", "mean"]) == 0
    text = capsys.readouterr().out
    assert "The issue" in text and "mean" in text


def test_options_are_validated(toy, capsys):
    assert main(["run", str(toy), "-m", "mean", "-o", "weights=salience", "-f", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["results"][0]["options"]["weights"] == "salience"
    assert main(["run", str(toy), "-m", "mean", "-o", "weights=bogus"]) == 2
    assert main(["run", str(toy), "-m", "mean", "-o", "nonsense=1"]) == 2
    assert "no selected model has an option 'nonsense'" in capsys.readouterr().err
    assert main(["run", str(toy), "-m", "nosuchmodel"]) == 2
    assert "unknown model 'nosuchmodel'" in capsys.readouterr().err


def test_validate_good_and_bad(toy, tmp_path, capsys):
    assert main(["validate", str(toy)]) == 0
    assert "3 actors, 1 issue, 3 stances, 2 uncertain inputs" in capsys.readouterr().out
    bad = tmp_path / "bad.yaml"
    bad.write_text(TOY.replace("position: 9}", "position: 19}"), encoding="utf-8")
    assert main(["validate", str(bad)]) == 2
    msg = capsys.readouterr().err
    assert "bad.yaml:8" in msg and "stances[2].position" in msg and "19" in msg


def test_validate_prints_a_name_with_brackets_as_written(tmp_path, capsys):
    f = tmp_path / "brackets.yaml"
    f.write_text(TOY.replace("name: toy", "name: '[red]toy[/red]'", 1), encoding="utf-8")
    assert main(["validate", str(f)]) == 0
    assert "scenario '[red]toy[/red]': 3 actors" in capsys.readouterr().out


def test_convert_and_schema(toy, tmp_path, capsys):
    assert main(["convert", str(toy), str(tmp_path / "toy.json")]) == 0
    assert json.loads((tmp_path / "toy.json").read_text())["name"] == "toy"
    assert main(["schema"]) == 0
    assert "stances" in json.loads(capsys.readouterr().out)["properties"]


def test_backtest_reproduces_the_deu_baselines(capsys):
    deu = str(peer_file("deu-data/deu3_blksv.tsv"))
    assert main(["backtest", "--deu", deu, "--model", "mean", "--format", "json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert set(d) >= {"model", "n_issues", "mae", "exact_hits"}
    assert (d["model"], d["n_issues"], round(d["mae"], 2), d["exact_hits"]) == ("mean", 351, 23.64, 5)
    assert main(["backtest", "--deu", deu, "--model", "median", "--format", "json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert (d["n_issues"], round(d["mae"], 2), d["exact_hits"]) == (351, 28.31, 105)
    assert main(["backtest", "--deu", deu, "--model", "mean", "--capabilities", "blksv", "--format", "json"]) == 0
    assert round(json.loads(capsys.readouterr().out)["mae"], 2) == 23.21


def test_console_script_exit_code_for_bad_input(tmp_path):
    bad = tmp_path / "empty.yaml"
    bad.write_text("", encoding="utf-8")
    p = subprocess.run([sys.executable, "-m", "detente.cli", "validate", str(bad)], capture_output=True, text=True)
    assert p.returncode == 2
    assert "empty.yaml: the file is empty" in p.stderr


def test_backtest_bdm_jmckib_reproduces_the_reference_column(capsys):
    deu = str(peer_file("deu-data/deu3_blksv.tsv"))
    args = ["backtest", "--deu", deu, "-m", "bdm", "-m", "mean", "--variant", "bdm=jmckib",
            "--position-only", "zero", "--format", "json"]
    assert main(args) == 0
    eu, mean = json.loads(capsys.readouterr().out)
    assert (eu["n_issues"], round(eu["mae"], 2)) == (351, 29.03)
    assert round(100 * eu["exact_hits"] / 351, 1) == 23.4
    assert round(mean["mae"], 2) == 23.64  # zero-salience actors do not move the weighted mean
    assert main(["backtest", "--deu", deu, "-m", "bdm", "--variant", "bdm=bogus"]) == 2


def test_variants_apply_per_model(toy, capsys):
    emission = str(EXAMPLES / "eu-emission-standards.yaml")
    assert main(["run", emission, "-m", "mean", "-m", "bdm", "--variant", "jmckib", "-f", "json"]) == 0
    mean, eu = json.loads(capsys.readouterr().out)["results"]
    assert mean["variant"] is None and eu["variant"] == "jmckib"
    assert eu["forecast"]["emission_standards"] == pytest.approx(7.0)  # jmckib round-10 median
    assert main(["run", emission, "-m", "bdm", "--variant", "bdm=scholz", "-f", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["results"][0]["variant"] == "scholz"
    assert main(["run", emission, "-m", "mean", "--variant", "jmckib"]) == 2
    assert "no selected model has this variant" in capsys.readouterr().err


def test_missing_optional_dependency_gives_an_install_hint(toy, capsys, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name in ("sqlalchemy", "SALib") else real(name, *a))
    assert main(["run", str(toy), "--store", "default"]) == 2  # every command: exit 2, as `runs list`
    assert "pip install 'detente[store]'" in capsys.readouterr().err
    assert main(["sensitivity", str(toy), "-m", "mean"]) == 2
    assert "detente[sensitivity]" in capsys.readouterr().err.replace("\n", "")


def test_a_command_that_imports_an_extra_before_asking_for_it_names_the_extra(tmp_path) -> None:
    """On a base install `detente ledger`, `seal`, `grade` and `pool --weights ledger` said "internal
    error: ModuleNotFoundError: No module named 'sqlalchemy' ... this is a bug": their modules import
    SQLAlchemy at the top, before the command's own check."""
    blocker = tmp_path / "base_install.py"
    blocker.write_text(
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] == 'sqlalchemy':\n"
        "            raise ModuleNotFoundError(f'No module named {name!r}', name=name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "from detente.cli import main\n"
        "raise SystemExit(main(sys.argv[1:]))\n", encoding="utf-8")
    for args in (["ledger"], ["grade", "1", "--outcome", "8", "--source", "x"],
                 ["pool", str(EXAMPLES / "ukraine-settlement.yaml"), str(EXAMPLES / "ukraine-settlement-contrast.yaml"),
                  "--weights", "ledger"]):
        p = subprocess.run([sys.executable, str(blocker), *args], capture_output=True, text=True,
                           env={**os.environ, "DETENTE_DATA_DIR": str(tmp_path / "data")})
        assert p.returncode == 2, (args, p.stderr)
        assert "pip install 'detente[store]'" in p.stderr and "internal error" not in p.stderr, (args, p.stderr)


def test_the_examples_ship_inside_the_package_and_can_be_listed_and_copied(tmp_path, capsys):
    from detente.scenario.examples import EXAMPLES_DIR

    import detente

    # inside the package (so a wheel carries them: pyproject's package-data), the checkout's examples/ links there
    assert EXAMPLES_DIR.parent == Path(detente.__file__).resolve().parent
    assert EXAMPLES.resolve() == EXAMPLES_DIR
    assert detente.example("ukraine-settlement") == detente.example("ukraine-settlement.yaml") == \
        EXAMPLES_DIR / "ukraine-settlement.yaml"  # the Python API's way to them, from any folder
    with pytest.raises(detente.InputError, match="no example named 'ukrane'.*ukraine-settlement.yaml"):
        detente.example("ukrane")
    assert main(["examples", "-f", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [e["name"] for e in listed[:2]] == ["ukraine-settlement.yaml", "ukraine-settlement-contrast.yaml"]
    assert all(Path(e["path"]).is_file() and e["actors"] > 0 and "error" not in e for e in listed)
    assert main(["examples"]) == 0
    assert "Ukraine settlement (one analyst's view, December 2024)" in capsys.readouterr().out

    dest = tmp_path / "mine"
    assert main(["examples", "--copy", str(dest)]) == 0
    copied = sorted(p.name for p in dest.iterdir())
    assert "ukraine-settlement.yaml" in copied and "LICENSE-KTAB.txt" in copied and "README.md" in copied
    assert "copied 9 files" in capsys.readouterr().err
    (dest / "ukraine-settlement.yaml").write_text("edited", encoding="utf-8")
    assert main(["examples", "--copy", str(dest)]) == 2  # nothing overwritten
    assert "already exists; nothing was copied" in capsys.readouterr().err
    assert (dest / "ukraine-settlement.yaml").read_text(encoding="utf-8") == "edited"
    assert main(["run", str(dest / "eu-emission-standards.yaml"), "-f", "json"]) == 0


def test_a_missing_file_named_as_a_shipped_example_says_where_it_is(tmp_path, capsys):
    from detente.scenario.examples import EXAMPLES_DIR

    assert main(["run", str(tmp_path / "examples" / "ukraine-settlement.yaml")]) == 2
    err = capsys.readouterr().err
    assert "no such file; an example of that name ships with detente: " in err
    assert str(EXAMPLES_DIR / "ukraine-settlement.yaml") in err and "detente examples --copy DIR" in err
    assert main(["run", str(tmp_path / "mine.yaml")]) == 2
    assert "ships with" not in capsys.readouterr().err


def test_where_the_files_went_is_said_after_the_tables(tmp_path):
    """"wrote 13 files to out/ (open out/report.html)" came first and scrolled away above the tables."""
    for cmd, files in ((["run", str(EXAMPLES / "eu-emission-standards.yaml"), "--store", f"sqlite:///{tmp_path / 'r.db'}"],
                        "report.html"),
                       (["compare", str(EXAMPLES / "ukraine-settlement.yaml"),
                         str(EXAMPLES / "ukraine-settlement-contrast.yaml")], "compare.html")):
        out = tmp_path / files.split(".")[0]
        p = subprocess.run([sys.executable, "-m", "detente.cli", *cmd, "--out", str(out)],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert p.returncode == 0, p.stdout
        lines = p.stdout.rstrip().splitlines()
        assert lines[-1].startswith(f"wrote ") and lines[-1].endswith(f"(open {out / files})"), lines[-3:]
        assert "┏" not in "\n".join(lines[-2:]) and any("┏" in x for x in lines)
        if cmd[0] == "run":
            assert lines[-2].startswith("recorded run 1 in sqlite:")


def test_an_unwritable_matplotlib_folder_is_replaced_quietly(tmp_path) -> None:
    """With HOME read-only (or missing), `run --out` printed matplotlib's two-line "mkdir -p failed ...
    it is highly recommended to set the MPLCONFIGDIR environment variable"; the Numba cache already
    had its fallback."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    env = {k: v for k, v in os.environ.items() if k != "MPLCONFIGDIR"}
    env.update(XDG_CONFIG_HOME=str(blocker), TMPDIR=str(tmp_path))
    p = subprocess.run([sys.executable, "-m", "detente", "run", str(EXAMPLES / "eu-emission-standards.yaml"),
                        "-m", "mean", "--out", str(tmp_path / "out")], capture_output=True, text=True, env=env)
    assert p.returncode == 0, p.stderr
    assert "MPLCONFIGDIR" not in p.stderr and "mkdir" not in p.stderr and (tmp_path / "out" / "report.html").exists(), p.stderr
    assert (tmp_path / f"detente-matplotlib-{os.getuid()}").is_dir()
