"""The frontend build stamp: it changes with every input of the build and nothing else."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ninevectors.serving import build

CONFIG = {"api_url": "http://localhost:3000", "deploy_url": "http://localhost:3000"}


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "ninevectors" / "pages").mkdir(parents=True)
    (tmp_path / "ninevectors" / "pages" / "home.py").write_text("TITLE = 'Home'\n")
    (tmp_path / "ninevectors" / "framework.json").write_text("{}")
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "styles.css").write_text("body {}\n")
    (tmp_path / "reflex.lock").mkdir()
    (tmp_path / "reflex.lock" / "package.json").write_text("{}")
    (tmp_path / "rxconfig.py").write_text("config = None\n")
    return tmp_path


def _stamp(root: Path, config: dict[str, str] = CONFIG) -> str:
    return build.compute_stamp(root, config)


def test_the_stamp_is_stable(tree: Path) -> None:
    assert _stamp(tree) == _stamp(tree)


@pytest.mark.parametrize(
    "changed",
    [
        "ninevectors/pages/home.py",
        "ninevectors/framework.json",
        "assets/styles.css",
        "reflex.lock/package.json",
        "rxconfig.py",
    ],
)
def test_a_changed_input_changes_the_stamp(tree: Path, changed: str) -> None:
    before = _stamp(tree)
    with (tree / changed).open("a") as file:
        file.write("\n# changed\n")
    assert _stamp(tree) != before


def test_a_new_source_file_changes_the_stamp(tree: Path) -> None:
    before = _stamp(tree)
    (tree / "ninevectors" / "pages" / "about.py").write_text("")
    assert _stamp(tree) != before


def test_the_baked_in_configuration_changes_the_stamp(tree: Path) -> None:
    assert _stamp(tree, {**CONFIG, "api_url": "http://localhost:4000"}) != _stamp(tree)


def test_bytecode_and_files_reflex_writes_do_not_change_the_stamp(tree: Path) -> None:
    before = _stamp(tree)
    cache = tree / "ninevectors" / "pages" / "__pycache__"
    cache.mkdir()
    (cache / "home.cpython-311.pyc").write_bytes(b"\0")
    (tree / "assets" / "external").mkdir()
    (tree / "assets" / "external" / "shared.js").write_text("x")
    assert _stamp(tree) == before


def test_a_build_without_its_output_is_not_current(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stamp_file = tmp_path / "stamp.json"
    index = tmp_path / "build" / "client" / "index.html"
    monkeypatch.setattr(build, "STAMP_FILE", stamp_file)
    monkeypatch.setattr(build, "STATIC_INDEX", index)
    stamp_file.write_text(json.dumps({"stamp": "abc"}))
    assert build.recorded_stamp() is None
    index.parent.mkdir(parents=True)
    index.write_text("<html>")
    assert build.recorded_stamp() == "abc"


def test_ensure_built_builds_only_when_the_inputs_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = tmp_path / "build" / "client" / "index.html"
    inputs = {"stamp": "one"}
    builds: list[str] = []

    def fake_build() -> None:
        builds.append(inputs["stamp"])
        index.parent.mkdir(parents=True, exist_ok=True)
        index.write_text("<html>")

    monkeypatch.setattr(build, "STAMP_FILE", tmp_path / "stamp.json")
    monkeypatch.setattr(build, "STATIC_INDEX", index)
    monkeypatch.setattr(build, "WEB_LOCK", tmp_path / ".web.lock")
    monkeypatch.setattr(build, "compute_stamp", lambda *_args: inputs["stamp"])
    monkeypatch.setattr(build, "_run_build", fake_build)

    assert build.ensure_built() is True
    assert build.ensure_built() is False
    inputs["stamp"] = "two"
    assert build.ensure_built() is True
    index.unlink()
    assert build.ensure_built() is True  # the output is gone: rebuilt although stamped
    assert builds == ["one", "two", "two"]
