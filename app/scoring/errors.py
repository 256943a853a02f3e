"""RuleError: every mistake in a rule file (or a record the rules cannot score), as `file:line:col: 说明` lines."""
from __future__ import annotations

from collections.abc import Sequence


class RuleError(Exception):
    """One or more problems; `errors` lists every one of them, each already prefixed with where it is."""

    def __init__(self, errors: Sequence[str] | str) -> None:
        self.errors: list[str] = [errors] if isinstance(errors, str) else list(errors)
        super().__init__("\n".join(self.errors))
