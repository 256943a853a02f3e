"""Build reports/data/strokes.txt.gz, the stroke table behind reports.strokes, from two Debian packages.

    apt-get install -y rime-data-stroke unicode-data
    python scripts/build_strokes.py [--stroke-dict PATH] [--unihan PATH] [--out PATH]

Sources (read only here; the app reads the committed output and needs neither package at run time):

* rime-data-stroke: /usr/share/rime-data/stroke.dict.yaml, "字<TAB>sequence" in the five stroke classes
  h 横, s 竖, p 撇, n 点 (捺), z 折. Its first part (the "main table") comes from the Taiwan CNS11643 stroke order
  data, with Taiwan glyphs and conventions (阝 3 strokes, 艹 4, 竖钩 as 折, 氵 as nnn); a comment line then starts
  the "supplement" inherited from the older table, which follows the mainland glyphs and the GB 5-class convention
  (竖钩 as 竖, 提 as 横, 捺 as 点; 弯钩, 斜钩, 横折钩 ... as 折). Licence LGPL-3.
* unicode-data: /usr/share/unicode/Unihan_IRGSources.txt.bz2, kTotalStrokes; where it gives two values the first
  is the zh-Hans (mainland) one. Unicode licence.

Choosing a sequence for a character (the count is always the mainland kTotalStrokes when Unihan has one):

1. Drop placeholder sequences: a main-table sequence shared by more than PLACEHOLDER_USES characters is filler,
   not data (the CNS extraction gives one 14-stroke sequence to about 6700 unrelated Extension B-F characters).
2. Among the sequences whose length equals the mainland count, take the supplement's (mainland glyph and
   convention) if it qualifies, else the first main-table one.
3. If none has that length: the supplement's sequence if there is one, else the main-table one closest in length
   (first on a tie). The count stays kTotalStrokes.
4. No kTotalStrokes (e.g. 〇): the count is the length of the chosen sequence.
5. kTotalStrokes but no usable sequence: the line has the count and an empty sequence.

Output: one line per character in code point order, "字<TAB>count<TAB>sequence", after a header comment naming the
SHA-256 of each source's text; gzip level 9 with mtime 0 and no file name, so the same sources give the same bytes.
"""
from __future__ import annotations

import argparse
import bz2
import gzip
import hashlib
import io
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STROKE_DICT = Path("/usr/share/rime-data/stroke.dict.yaml")
UNIHAN = Path("/usr/share/unicode/Unihan_IRGSources.txt.bz2")
OUT = ROOT / "reports" / "data" / "strokes.txt.gz"
PLACEHOLDER_USES = 100
STROKE_LETTERS = frozenset("hspnz")
SUPPLEMENT_MARK = "#The following entries inherited from the original table"


def read_stroke_dict(text: str) -> tuple[dict[str, list[str]], dict[str, str]]:
    """(main table: char -> sequences in file order, supplement: char -> sequence)."""
    main: dict[str, list[str]] = {}
    supplement: dict[str, str] = {}
    lines = text.splitlines()
    body = lines[lines.index("...") + 1:]
    in_supplement = False
    for line in body:
        if line.startswith(SUPPLEMENT_MARK):
            in_supplement = True
            continue
        if not line or line.startswith("#") or "\t" not in line:
            continue
        char, sequence = line.split("\t")[:2]
        if len(char) != 1 or not sequence or not set(sequence) <= STROKE_LETTERS:
            continue  # one supplement line has a stray digit; such lines are not usable
        if in_supplement:
            supplement.setdefault(char, sequence)
        else:
            main.setdefault(char, [])
            if sequence not in main[char]:
                main[char].append(sequence)
    if not in_supplement:
        raise SystemExit("stroke.dict.yaml: the supplement marker line was not found; has the format changed?")
    return main, supplement


def read_total_strokes(text: str) -> dict[str, int]:
    """char -> mainland (first) kTotalStrokes value."""
    counts: dict[str, int] = {}
    for line in text.splitlines():
        if "\tkTotalStrokes\t" in line:
            code, _field, value = line.split("\t")
            counts[chr(int(code[2:], 16))] = int(value.split()[0])
    return counts


def choose(count: int | None, main: list[str], supplement: str | None) -> tuple[int, str]:
    """(count, sequence) for one character, by the rules in the module docstring."""
    if count is not None:
        if supplement is not None and len(supplement) == count:
            return count, supplement
        for sequence in main:
            if len(sequence) == count:
                return count, sequence
        if supplement is not None:
            return count, supplement
        if main:
            return count, min(main, key=lambda s: abs(len(s) - count))
        return count, ""
    sequence = supplement if supplement is not None else (main[0] if main else "")
    return len(sequence), sequence


def build(stroke_text: str, unihan_text: str) -> bytes:
    main, supplement = read_stroke_dict(stroke_text)
    uses = Counter(s for sequences in main.values() for s in sequences)
    main = {c: [s for s in sequences if uses[s] <= PLACEHOLDER_USES] for c, sequences in main.items()}
    counts = read_total_strokes(unihan_text)
    lines = [
        "# 字<TAB>mainland total strokes<TAB>stroke sequence (h 横 s 竖 p 撇 n 点 z 折); see reports/data/README.md",
        "# stroke.dict.yaml sha256 " + hashlib.sha256(stroke_text.encode("utf-8")).hexdigest(),
        "# Unihan_IRGSources.txt sha256 " + hashlib.sha256(unihan_text.encode("utf-8")).hexdigest(),
    ]
    for char in sorted(set(main) | set(supplement) | set(counts)):
        count, sequence = choose(counts.get(char), main.get(char, []), supplement.get(char))
        if count or sequence:
            lines.append(f"{char}\t{count}\t{sequence}")
    raw = ("\n".join(lines) + "\n").encode("utf-8")
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as handle:
        handle.write(raw)
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stroke-dict", type=Path, default=STROKE_DICT, help="rime-data-stroke's stroke.dict.yaml")
    parser.add_argument("--unihan", type=Path, default=UNIHAN, help="unicode-data's Unihan_IRGSources.txt.bz2")
    parser.add_argument("--out", type=Path, default=OUT, help="where to write the gzip table")
    args = parser.parse_args(argv)
    stroke_text = args.stroke_dict.read_text(encoding="utf-8")
    opener = bz2.open if args.unihan.suffix == ".bz2" else open
    with opener(args.unihan, "rt", encoding="utf-8") as handle:
        unihan_text = handle.read()
    data = build(stroke_text, unihan_text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(data)
    print(f"wrote {args.out} ({len(data)} bytes)")


if __name__ == "__main__":
    main()
