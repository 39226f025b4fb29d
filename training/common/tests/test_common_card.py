"""The model-card building blocks: Markdown tables, sections, the "not measured" fallback, missing values."""
from common.card import NOT_MEASURED, fmt, not_measured, read_json, section, table


def test_table_lines_and_empty_cells():
    assert table(["a", "b"], [[1, "x"], ["", ""]]) == ["| a | b |", "|---|---|", "| 1 | x |", "| | |"]
    assert table(["", ""], []) == ["| | |", "|---|---|"]


def test_section_and_not_measured():
    assert section("Files", "one", "", "two") == "## Files\n\none\n\ntwo\n"
    assert not_measured("Results", ": no `metrics.json`.") == f"## Results\n\n{NOT_MEASURED}: no `metrics.json`.\n"


def test_fmt_says_missing_for_none_and_nan():
    assert fmt(0.12345) == "0.123" and fmt(2, 1) == "2.0"
    assert fmt(None) == fmt(float("nan")) == "n/a" and fmt(None, missing="-") == "-"


def test_read_json_missing_file(tmp_path):
    assert read_json(tmp_path / "absent.json") is None and read_json(None) is None
    (tmp_path / "x.json").write_text('{"a": 1}')
    assert read_json(tmp_path / "x.json") == {"a": 1}
