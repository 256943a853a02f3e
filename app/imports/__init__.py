"""Spreadsheet import and export of the year's data: templates, all-or-nothing import with a dry run, exports.

`DATASETS` names every import (members, records, attendance, branches, party-members, branch-results); each reads
the sheets of app/spreadsheets/columns.py, so a template, an export and an import always agree.
"""
from __future__ import annotations

from app.imports.base import ADDED, CHANGED, SAME, Dataset, Outcome, Planned, run_import
from app.imports.meetings import AttendanceImport, BranchResults
from app.imports.people import Branches, Members, PartyMembers
from app.imports.records import Records

DATASETS: dict[str, Dataset] = {d.name: d for d in (Members(), Records(), AttendanceImport(), Branches(),
                                                     PartyMembers(), BranchResults())}

from app.imports.routes import bp  # noqa: E402  (the routes read DATASETS)

__all__ = ["ADDED", "CHANGED", "DATASETS", "SAME", "Dataset", "Outcome", "Planned", "bp", "run_import"]
