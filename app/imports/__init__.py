"""Spreadsheet import and export of the year's data: templates, all-or-nothing import with a dry run, exports.

`datasets.DATASETS` names every import; `base.run_import` runs one; `export` writes the lists in the import format.
"""
from app.imports.routes import bp

__all__ = ["bp"]
