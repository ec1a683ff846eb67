"""The 9 Vectors framework data file and its loader."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ninevectors.framework import FrameworkError, get_framework, load_framework
from ninevectors.framework.taxonomy import DATA_FILE
from tests.servers import missing_server

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference" / "nine-vectors.json"


def test_counts_and_categories() -> None:
    framework = get_framework()
    assert framework.categories == ("Assets", "Processes", "Structures")
    assert len(framework.vectors) == 9
    assert len(framework.sub_lenses) == 37
    assert len(framework.themes) == 156
    assert [v.name for v in framework.vectors_in("Processes")] == [
        "Strategy",
        "Operations",
        "Execution",
    ]


def test_ids_are_unique_and_stable() -> None:
    framework = get_framework()
    theme_ids = [t.id for t in framework.themes]
    assert len(set(theme_ids)) == 156
    assert framework.theme("1.1.1").name == "Market Size"
    assert framework.theme("9.1.1").name == get_framework().vector(9).sub_lenses[0].themes[0].name
    assert framework.sub_lens("1.2").name == "Competition"


def test_matches_the_reference_taxonomy() -> None:
    if not REFERENCE.exists():
        missing_server(f"reference taxonomy not found at {REFERENCE}")
    reference = json.loads(REFERENCE.read_text())
    framework = get_framework()
    for ref_vector in reference["vectors"]:
        vector = framework.vector(ref_vector["id"])
        assert (vector.name, vector.category, vector.color) == (
            ref_vector["name"],
            ref_vector["category"],
            ref_vector["color"],
        )
        for ref_sub_lens, sub_lens in zip(ref_vector["subLenses"], vector.sub_lenses, strict=True):
            assert (sub_lens.id, sub_lens.name) == (ref_sub_lens["id"], ref_sub_lens["name"])
            assert [t.name for t in sub_lens.themes] == ref_sub_lens["themes"]


def test_lookups_navigate_the_tree() -> None:
    framework = get_framework()
    assert framework.vector_of("4.2.1").name == "Strategy"
    assert framework.sub_lens_of("1.1.1").id == "1.1"
    assert framework.has_theme("1.1.1") and not framework.has_theme("1.1.99")
    with pytest.raises(KeyError, match="unknown theme id"):
        framework.theme("nope")
    with pytest.raises(KeyError, match="unknown vector id"):
        framework.vector(10)


def test_repeated_theme_names_have_distinct_ids() -> None:
    found = get_framework().find_themes("Adoption Curve")
    assert [t.id for t in found] == ["1.3.2", "1.5.4"]
    assert get_framework().find_themes("  ") == []
    assert [t.name for t in get_framework().find_themes("market size")] == ["Market Size"]


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "framework.json"
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return path


def _valid_data() -> dict:
    return json.loads(DATA_FILE.read_text())


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FrameworkError, match="not found"):
        load_framework(tmp_path / "absent.json")


def test_invalid_json_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FrameworkError, match="not valid JSON"):
        load_framework(_write(tmp_path, "{oops"))


def test_duplicate_theme_id_is_rejected(tmp_path: Path) -> None:
    data = _valid_data()
    themes = data["vectors"][0]["subLenses"][0]["themes"]
    themes[1]["id"] = themes[0]["id"]
    with pytest.raises(FrameworkError, match=r"duplicate theme ids: 1\.1\.1"):
        load_framework(_write(tmp_path, data))


def test_missing_theme_changes_the_counts(tmp_path: Path) -> None:
    data = _valid_data()
    data["vectors"][0]["subLenses"][0]["themes"].pop()
    with pytest.raises(FrameworkError, match="156 themes, found 9, 37 and 155"):
        load_framework(_write(tmp_path, data))


def test_bad_field_names_the_place(tmp_path: Path) -> None:
    data = _valid_data()
    data["vectors"][2]["color"] = "purple"
    with pytest.raises(FrameworkError, match=r"vectors\.2\.color"):
        load_framework(_write(tmp_path, data))


def test_theme_under_the_wrong_sub_lens_is_rejected(tmp_path: Path) -> None:
    data = _valid_data()
    data["vectors"][0]["subLenses"][0]["themes"][0]["id"] = "1.2.99"
    with pytest.raises(FrameworkError, match="not under sub-lens 1.1"):
        load_framework(_write(tmp_path, data))


def test_theme_guidance_names_the_theme_and_anchors_the_scale() -> None:
    text = get_framework().theme_guidance("1.1.1")
    assert "Market Size (Market Characteristics, Market)" in text
    assert "Rate 1 when Market Size is a critical weakness" in text
    with pytest.raises(KeyError):
        get_framework().theme_guidance("0.0.0")
