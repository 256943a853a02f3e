"""Add every coded value's Chinese label (app.models.enums) to a .pot file, so English can translate them.

Templates show labels as `_(value.label)`, which extraction cannot see. Usage: python scripts/add_enum_labels.py POT
"""
from __future__ import annotations

import inspect
import sys

from babel.messages.pofile import read_po, write_po

from app.models import enums


def main(pot_path: str) -> None:
    with open(pot_path, "rb") as handle:
        catalog = read_po(handle)
    for _name, cls in inspect.getmembers(enums, inspect.isclass):
        if issubclass(cls, enums.LabelledEnum) and cls is not enums.LabelledEnum:
            for member in cls:
                catalog.add(member.label, locations=[("app/models/enums.py", 0)])
    with open(pot_path, "wb") as handle:
        write_po(handle, catalog, width=120)


if __name__ == "__main__":
    main(sys.argv[1])
