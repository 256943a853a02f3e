"""Add every coded value's Chinese label (each LabelledEnum of app.models) to a .pot file, so English can translate it.

Templates show labels as `_(value.label)`, which extraction cannot see. Usage: python scripts/add_enum_labels.py POT
"""
from __future__ import annotations

import sys

from babel.messages.pofile import read_po, write_po

import app.models  # noqa: F401  (every model module: JobState lives beside its table, not in enums)
from app.models.enums import LabelledEnum


def labelled() -> list[type[LabelledEnum]]:
    """Every LabelledEnum class of app.models, wherever it is defined."""
    found, todo = [], list(LabelledEnum.__subclasses__())
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo += cls.__subclasses__()
    return sorted(found, key=lambda cls: (cls.__module__, cls.__name__))


def main(pot_path: str) -> None:
    with open(pot_path, "rb") as handle:
        catalog = read_po(handle)
    for cls in labelled():
        for member in cls:
            catalog.add(member.label, locations=[(cls.__module__.replace(".", "/") + ".py", 0)])
    with open(pot_path, "wb") as handle:
        write_po(handle, catalog, width=120)


if __name__ == "__main__":
    main(sys.argv[1])
