"""The CLI's light option coercion (detente.cli_coercion) gives exactly what Typer's pydantic
coercion gives, and leaves every value it is not sure of (errors included) to Typer."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

VALUES: list[Any] = ["12", "0", "1", "-5", "007", "-0", "1.5", "1.50", "-0.0", "0.25", ".5", "5.", "1e3", " 5", "5 ",
                     "1_000", "+3", "abc", "", "table", "json", "JSON", " json", "xml", "csv", "equal", "mean", "bdm",
                     "x.yaml", "-", ".", "examples", "99999999999999999999", "65535", "65536", "1000000", "1000001",
                     "true", "no", 3, 2.5, 0, -1, True, False, Path("a.yaml")]


def _params() -> list[tuple[str, Any, Any]]:
    import typer.main

    from detente.cli import app

    out = []

    def walk(cmd: Any, where: str) -> None:
        for p in getattr(cmd, "params", []):
            out.append((f"{where} {p.name}", p, cmd))
        for name, sub in getattr(cmd, "commands", {}).items():
            walk(sub, f"{where} {name}")

    walk(typer.main.get_command(app), "detente")
    return out


def _outcome(fn: Any) -> tuple[str, Any]:
    from typer._click.exceptions import BadParameter

    try:
        return "value", fn()
    except BadParameter as e:
        return "error", e.format_message()


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if type(a) is not type(b):
        return False
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return a == b and (not isinstance(a, float) or math.copysign(1, a) == math.copysign(1, b))


def test_light_coercion_agrees_with_typers_or_defers() -> None:
    from typer import _coercion
    from typer._click import Context

    from detente.cli_coercion import DEFER, light_coercion

    light_values = deferred = 0
    for where, p, cmd in _params():
        d = p.type_descriptor
        light = None if d.file_annotation is not None else light_coercion(d.annotation, d.parameter_info)
        if light is None:
            continue
        full = _coercion.build_runtime_param(d)  # Typer's own (pydantic) coercion of this option
        ctx = Context(cmd)
        many = p.multiple or p.nargs == -1
        for v in VALUES + [p.default] + ([[v] for v in VALUES[:12]] + [["mean", "bdm"], ["1", "x"]] if many else []):
            if v is None:
                continue
            got = _outcome(lambda: light(v, p, ctx))
            if got == ("value", DEFER):
                deferred += 1
                continue
            want = _outcome(lambda: full._coerce_value(v, param=p, ctx=ctx))
            assert got[0] == want[0] and (_same(got[1], want[1]) if got[0] == "value" else got[1] == want[1]), \
                (where, d.annotation, v, got, want)
            light_values += got[0] == "value"
    assert light_values > 500 and deferred > 500  # both paths taken: the comparison compared something


def test_the_app_uses_the_light_coercion() -> None:
    from detente.cli_coercion import use_light_coercion

    use_light_coercion()  # idempotent
    params = {where: p for where, p, _ in _params()}
    draws = params["detente run draws"].get_runtime_param()
    assert type(draws).__name__ == "LightRuntimeParam"
    assert draws.coerce("7", param=params["detente run draws"], ctx=None) == 7


@pytest.mark.parametrize("args, message", [
    (["run", "examples/ukraine-settlement.yaml", "--draws", "0"], "Invalid value for '--draws'"),
    (["run", "examples/ukraine-settlement.yaml", "--draws", "1e3"], "Invalid value for '--draws'"),
    (["run", "examples/ukraine-settlement.yaml", "--format", "xml"], "'xml' is not one of 'table', 'json'"),
])
def test_values_left_to_typer_keep_its_messages(args: list[str], message: str, capsys: Any) -> None:
    from detente.cli import main

    assert main(args) == 2
    assert message in capsys.readouterr().err
