"""Putting the system into service (正式启用) and keeping its calendar: the set-up checklist, the organisation page,
届 (terms), appraisal years, accounts in bulk; as pages for the admin and as `flask` commands for scripted set-up.

`checklist` says what is still missing; `terms`, `years` and `accounts` are the use cases; the organisation's
facts themselves live in app.organisation, since every document reads them.
"""
from app.setup.routes import bp

__all__ = ["bp"]
