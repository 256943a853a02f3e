"""Printed documents: previews and downloads for the office, numbered certificates, the public check page.

`kinds` is the registry of document kinds and makes each one; `content` feeds reports.model from the database;
`certificates` numbers certificates and keeps the print log; `print_settings` holds what the office sets before
printing (issuer, public address, printers, reward amounts).
"""
from app.documents.routes import bp, verify_bp

__all__ = ["bp", "verify_bp"]
