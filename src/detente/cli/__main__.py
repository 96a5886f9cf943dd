"""``python -m detente.cli ...``: the ``detente`` program."""

from detente.cli import entry

entry()
