"""Per-file progress of one multipart upload: the bytes sent fill the files in order."""

from __future__ import annotations

from ninevectors.state.documents import _picked, _with_progress


def _rows() -> list:
    picked = [
        {"name": "a.pdf", "size": 1000},
        {"name": "empty.txt", "size": 0},
        {"name": "b.pdf", "size": 3000},
    ]
    return [_picked(p) for p in picked]


def test_files_fill_in_order() -> None:
    assert [(r.status, r.percent) for r in _with_progress(_rows(), 0.0)] == [("waiting", 0)] * 3
    rows = _with_progress(_rows(), 0.1)
    assert [(r.status, r.percent, r.text) for r in rows] == [
        ("uploading", 40, "Uploading 40%"),
        ("waiting", 0, "Waiting"),
        ("waiting", 0, "Waiting"),
    ]
    rows = _with_progress(rows, 0.5)
    assert [(r.status, r.percent) for r in rows] == [
        ("checking", 100),
        ("checking", 100),
        ("uploading", 33),
    ]
    assert all(r.status == "checking" for r in _with_progress(rows, 1.0))


def test_a_verdict_is_never_overwritten_by_late_progress() -> None:
    rows = _with_progress(_rows(), 1.0)
    rows[0].status, rows[0].text = "rejected", "The file is empty."
    again = _with_progress(rows, 1.0)
    assert (again[0].status, again[0].text) == ("rejected", "The file is empty.")


def test_browser_input_is_checked() -> None:
    assert _picked("nonsense") is None
    assert _picked({"size": 3}) is None
    row = _picked({"name": "x.txt", "size": -5})
    assert row is not None and (row.size, row.size_label, row.status) == (0, "0 B", "waiting")
