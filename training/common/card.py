"""Building blocks of the model cards (mri/model_card.py, ct/model_card.py, chat/card.py). A card is built only from
files that training scripts wrote, so every reader here tolerates a missing file and every formatter a missing value:
the card then says what was not measured instead of failing or inventing a number."""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Iterable, Sequence

NOT_MEASURED = "_Not measured_"


def read_json(path: Path | None) -> dict | None:
    """The JSON at `path`, or None when there is no such file."""
    return json.loads(path.read_text()) if path and path.is_file() else None


def fmt(value, digits: int = 3, missing: str = "n/a") -> str:
    """`value` with `digits` decimals; `missing` for None or NaN (a metric that could not be computed)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return missing
    return f"{value:.{digits}f}"


def table(header: Sequence[str], rows: Iterable[Sequence]) -> list[str]:
    """A Markdown table as lines: header, separator, one line per row of cells (an empty cell is one space)."""
    def line(cells):
        return "|" + "|".join(f" {c} " if str(c) else " " for c in cells) + "|"
    return [line(header), "|" + "---|" * len(header), *(line(r) for r in rows)]


def section(title: str, *lines: str) -> str:
    """`## title`, a blank line, then `lines`, ending in a newline."""
    return "\n".join([f"## {title}", "", *lines, ""])


def not_measured(title: str, why: str) -> str:
    """The section for a measurement whose file is missing: `why` names the file (or the step that writes it)."""
    return section(title, f"{NOT_MEASURED}{why}")
