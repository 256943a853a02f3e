"""Every import, by name: members, records, attendance, branches, party-members, branch-results, history, pairings,
projects, contact-links, mass-contacts, enterprises.

Each reads the sheets of app/spreadsheets/columns.py, so a template, an export and an import always agree.
"""
from __future__ import annotations

from app.imports.base import Dataset
from app.imports.contacts import ContactLinks, MassContacts
from app.imports.enterprises import Enterprises
from app.imports.history import History
from app.imports.meetings import AttendanceImport, BranchResults
from app.imports.people import Branches, Members, PartyMembers
from app.imports.records import Records
from app.imports.registers import Pairings, Projects

DATASETS: dict[str, Dataset] = {d.name: d for d in (Members(), Records(), AttendanceImport(), Branches(),
                                                     PartyMembers(), BranchResults(), History(), Pairings(),
                                                     Projects(), ContactLinks(), MassContacts(), Enterprises())}
