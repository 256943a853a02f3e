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
