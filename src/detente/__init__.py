"""detente: model multi-actor negotiations and forecast how they end.

>>> import detente
>>> detente.__version__
'0.1.0'
"""

from detente._version import __version__

__all__ = ["__version__"]
