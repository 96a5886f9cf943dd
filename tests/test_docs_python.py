"""The Python shown in the docs runs as written: each file's ```python blocks in order, in one
namespace (as a notebook would), from a folder laid out like the repository."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from conftest import REPO

DOCS = [REPO / "docs" / "python.md", REPO / "README.md", REPO / "examples" / "README.md"]


def python_blocks(path: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), re.S)


@pytest.mark.parametrize("path", DOCS, ids=[str(p.relative_to(REPO)) for p in DOCS])
def test_the_python_of_the_docs_runs(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import matplotlib

    matplotlib.use("Agg")
    blocks = python_blocks(path)
    assert blocks, f"{path.name} shows no Python"
    (tmp_path / "examples").symlink_to(REPO / "examples")
    monkeypatch.chdir(tmp_path)  # outputs land in the test's folder, not in the repository
    namespace: dict[str, object] = {"__name__": "__docs__"}
    for k, code in enumerate(blocks):
        try:
            exec(compile(code, f"{path.name} block {k + 1}", "exec"), namespace)
        except Exception as e:  # noqa: BLE001 - name the block that failed
            raise AssertionError(f"{path.relative_to(REPO)}, block {k + 1} fails: {e!r}\n{code}") from e
    if path.name == "python.md":  # what the guide says it writes is there
        assert (tmp_path / "out" / "notebook" / "report.html").is_file()
        assert (tmp_path / "out" / "notebook" / "hawk.yaml").is_file()
    assert os.getcwd() == str(tmp_path)
