"""The spreadsheet import format (.xlsx with Chinese headers, or .csv) and reading it into the engine's inputs.

Pure: no Flask, no database. `columns` defines the sheets, `workbook` reads file bytes, `rows` types the cells
(every bad cell reported with its position), `records` turns rows into subjects and records for a rule file.
"""
from app.spreadsheets.records import FileFacts, SheetError, read_facts, sheets_for

__all__ = ["FileFacts", "SheetError", "read_facts", "sheets_for"]
