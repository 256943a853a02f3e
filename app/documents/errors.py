"""The one error of the documents: one that cannot be made (yet), said in words for the office."""
from __future__ import annotations


class DocumentError(ValueError):
    """A document cannot be made (yet), said in words for the office."""
