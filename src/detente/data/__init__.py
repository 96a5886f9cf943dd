"""Package data: the synthesis weights and interval calibration fitted on DEU III (``python -m detente.backtest.fit``)."""
