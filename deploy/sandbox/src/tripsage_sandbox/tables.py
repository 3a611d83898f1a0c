"""The sandbox's reference tables, `data/<name>.csv`: `|`-separated with a header row; `#` lines are notes."""

from __future__ import annotations

import csv
from importlib import resources


def rows(name: str) -> list[dict[str, str]]:
    """Every row of data/<name>.csv, in file order, by column name."""
    text = resources.files("tripsage_sandbox").joinpath(f"data/{name}.csv").read_text(encoding="utf-8")
    return list(csv.DictReader((line for line in text.splitlines() if not line.startswith("#")), delimiter="|"))
