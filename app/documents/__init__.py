"""Printed documents: previews and downloads for the office, numbered certificates, the public check page."""
from app.documents.routes import bp, verify_bp

__all__ = ["bp", "verify_bp"]
