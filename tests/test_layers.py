"""The package's layers: data flows one way (files -> Scenario -> arrays -> model -> Result ->
store/report/web), so a module imports only its own part of the package and the parts below it;
and each heavy library is used by the one part it serves (charts in the report, the web framework
in the web app...), so the rest of the package never pays for it.

Every import counts, also one inside a function (the lazy imports that keep start-up light) and a
module named in a string for ``importlib`` (lazy re-exports)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "detente"

# Lowest first. A part may import itself and any part of a lower layer, never one of its own layer
# or above: the parts of one layer stay independent of each other.
LAYERS: list[set[str]] = [
    {"data", "_version", "errors", "jsontext", "quantiles", "lazy", "defaults", "csvsafe", "gcpause",
     "consoles", "progress", "words"},          # foundations: no detente import but each other's below
    {"jit", "memory", "guard"},        # Numba's cache and compile notice; whether a run fits in memory;
                                       # outputs never written over inputs
    {"scenario"},                      # the data model, readers, arrays and their draws
    {"calibration"},                   # the intervals and weights learned on DEU III, applied
    {"models"},                        # pure functions of arrays -> Trajectory
    {"result"},
    {"runner"},                        # scenario -> arrays -> model -> Result
    {"detente"},                       # the package's own names: load, run, save, Scenario, Result
    {"uncertainty"},                   # Monte Carlo, sensitivity, sweeps (runs of the runner)
    {"explain", "pool", "backtest"},   # answers built from runs
    {"store"},
    {"report"},
    {"web"},
    {"cli"},
    {"__main__"},
]
LAYER = {part: k for k, parts in enumerate(LAYERS) for part in parts}
MODULE_NAME = re.compile(r"detente(\.\w+)+")


# the parts that may import each heavy library
LIBRARIES = {
    "matplotlib": {"report"},
    "rich": {"report", "cli", "progress", "consoles"},
    "typer": {"cli"}, "uvicorn": {"cli"},
    "fastapi": {"web"}, "starlette": {"web"},
    "sqlalchemy": {"store"},
    "dask": {"uncertainty"}, "distributed": {"uncertainty"}, "SALib": {"uncertainty"},
    "numba": {"models", "jit"},
}


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(SRC.rglob("*.py")):
        parts = path.relative_to(SRC.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


MODULES = _modules()


def part(module: str) -> str:
    """The part of the package a module belongs to: ``detente.models.war.simulate`` -> ``models``."""
    bits = module.split(".")
    return bits[1] if len(bits) > 1 else "detente"


def imported(path: Path) -> set[str]:
    """Every detente module ``path`` imports, wherever the import stands."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names if a.name.split(".")[0] == "detente"}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module \
                and node.module.split(".")[0] == "detente":
            for a in node.names:  # ``from detente import jsontext`` imports detente.jsontext
                sub = f"{node.module}.{a.name}"
                names.add(sub if sub in MODULES else node.module)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and MODULE_NAME.fullmatch(node.value) and node.value in MODULES:
            names.add(node.value)
    return names


def libraries(path: Path) -> set[str]:
    """The top-level names of the libraries ``path`` imports (outside type-checking blocks too)."""
    tops: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            tops |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            tops.add(node.module.split(".")[0])
    return tops


def test_every_part_of_the_package_has_a_layer():
    assert {part(m) for m in MODULES} - set(LAYER) == set()


@pytest.mark.parametrize("module", sorted(MODULES))
def test_a_module_imports_only_its_own_part_and_lower_layers(module):
    here = part(module)
    wrong = sorted(m for m in imported(MODULES[module])
                   if part(m) != here and LAYER[part(m)] >= LAYER[here])
    assert wrong == [], f"{module} ({here}, layer {LAYER[here]}) imports {wrong}, which is not below it"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_a_heavy_library_is_imported_only_by_the_part_it_serves(module):
    here = part(module)
    wrong = sorted(lib for lib in libraries(MODULES[module]) & set(LIBRARIES) if here not in LIBRARIES[lib])
    assert wrong == [], f"{module} ({here}) imports {wrong}: only {[LIBRARIES[w] for w in wrong]} may"


def test_the_check_sees_imports_inside_functions_and_in_strings(tmp_path):
    f = tmp_path / "m.py"
    f.write_text("def f():\n    from detente.report import plots\n"
                 "LAZY = {'x': 'detente.web.app'}\n\"\"\"detente.cli is named in prose\"\"\"\n")
    assert imported(f) == {"detente.report.plots", "detente.web.app"}
    f.write_text("def f():\n    from matplotlib.figure import Figure\n    import numba.core\n")
    assert libraries(f) == {"matplotlib", "numba"}
