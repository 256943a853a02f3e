"""Reviews: the list and the run form (office), rankings, the explanation of each score, versions compared."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reviews", __name__)
