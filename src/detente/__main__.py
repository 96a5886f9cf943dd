"""``python -m detente``: the ``detente`` command."""

import sys

from detente.cli import main

sys.exit(main())
