"""README.md starts with exactly two set-up commands, and CI runs the second one."""

from __future__ import annotations

import re

from conftest import REPO


def setup_commands() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```bash\n(.*?)```", text, re.S)
    assert block and text.index(block.group(0)) < 40, "the first thing in README.md is the set-up block"
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_exactly_two_commands_install_then_run():
    cmds = setup_commands()
    assert len(cmds) == 2
    assert "pip install" in cmds[0] and "detente run examples/ukraine-settlement.yaml" in cmds[0]
    assert "pip install" in cmds[1] and "pytest" in cmds[1]


def test_ci_runs_the_readme_test_command():
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert ci[-1] == setup_commands()[1], "the last line of .ci/run is the README's test command"
