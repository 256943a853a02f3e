"""Rankings: the seam between recorded facts and the scoring engine, and the `rules` / `score` commands."""
