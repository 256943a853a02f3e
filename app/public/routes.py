"""Public pages: nothing beyond what the office chose to publish."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("public", __name__)
