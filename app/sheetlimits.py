"""What one sheet of an uploaded or imported file may hold, from the configuration (IMPORT_MAX_ROWS,
IMPORT_MAX_COLUMNS, IMPORT_MAX_CELLS in config.py); the reader checks it before it reads (app/spreadsheets/extent.py).
"""
from __future__ import annotations

from flask import current_app

from app.spreadsheets.extent import SheetLimits


def sheet_limits() -> SheetLimits:
    """The configured limits of one sheet."""
    config = current_app.config
    return SheetLimits(int(config["IMPORT_MAX_ROWS"]), int(config["IMPORT_MAX_COLUMNS"]),
                       int(config["IMPORT_MAX_CELLS"]))
