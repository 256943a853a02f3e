"""Printed documents: plain data in, PDF bytes out (and .xlsx for the ranking, award and reward lists).

Nothing here knows Flask or the database: the app (and `flask report`) turns a frozen review or award list into
the plain records of `reports.model`, and each module turns those into the bytes of one kind of document.
The same input always gives the same bytes. `reports.cells` writes every cell of every spreadsheet the app hands
out, these and the app's own (exports, templates, error workbooks): text as text, never a formula.
"""

from reportlab import rl_config

# Plain Flate streams, without ASCII85 on top: a quarter smaller and faster to write. Set once for the process, so
# every document is written the same way (the same input, the same bytes).
rl_config.useA85 = 0

# Line breaking (禁则): reportlab hangs a character that may not start a line at the end of the one before, but its
# list lacks the full-width comma, colon, semicolon and closing quotes that Chinese text uses, so a line could start
# with "，". Added once for the process (every document is broken the same way), in both modules that read the list.
from reportlab.lib import textsplit as _textsplit  # noqa: E402
from reportlab.platypus import paragraph as _paragraph  # noqa: E402

for _module in (_textsplit, _paragraph):
    _module.ALL_CANNOT_START += "".join(c for c in "，：；？！”’》〉" if c not in _module.ALL_CANNOT_START)
