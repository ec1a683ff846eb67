"""The assessment flows against real backends: SQLite + in-process cache, SQLite + Redis and
PostgreSQL + Redis (servers on loopback): create → participants → start → open → save
(two tabs at once) → resume → submit → scores and analytics → reminders → presence."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis

from ninevectors.models.principal import Principal
from ninevectors.services import assessments
from ninevectors.services.assessments import _common as c
from ninevectors.services.backends import get_store, reset_backends
from ninevectors.services.database import migrate, reset_engine
from ninevectors.services.identity import passwords
from ninevectors.services.identity.roles import Role
from ninevectors.services.store.base import Query
from ninevectors.settings import get_settings
from tests.fixtures.postgres import admin_url, create_database, drop_database
from tests.unit.test_assessment_support import make_user, outbox_to
from tests.unit.test_identity_support import CHEAP_HASHER, sign_up


@pytest.fixture(params=["sqlite+memory", "sqlite+redis", "postgres+redis"])
def backends(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    database, cache = request.param.split("+")
    monkeypatch.setattr(passwords, "_hasher", CHEAP_HASHER)
    dropped: str | None = None
    if database == "postgres":
        request.getfixturevalue("postgres_url")  # skips (or fails under CI) without a server
        url = create_database(admin_url(), prefix="ninevectors_assess")
        assert url is not None
        migrate(url)
        dropped = url
    else:
        url = request.getfixturevalue("temp_database")
    redis_url = ""
    if cache == "redis":
        redis_url = request.getfixturevalue("redis_url")
        redis.Redis.from_url(redis_url).flushdb()
    for name, value in (
        ("NINEVECTORS_DATABASE_URL", url),
        ("NINEVECTORS_DATA_DIR", str(tmp_path / "data")),
        ("NINEVECTORS_SMTP_HOST", ""),
        ("NINEVECTORS_STORE_BACKEND", "sql"),
        ("NINEVECTORS_CACHE_BACKEND", cache),
        ("NINEVECTORS_REDIS_URL", redis_url),
    ):
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    reset_engine()
    reset_backends()
    yield request.param
    get_store().close()
    reset_backends()
    reset_engine()
    get_settings.cache_clear()
    if dropped:
        drop_database(admin_url(), dropped)


def people() -> tuple[Principal, Principal, Principal]:
    admin = sign_up().principal
    alice = make_user(admin, "alice@alpha.example", Role.MEMBER, "Alice", "Able")
    bob = make_user(admin, "bob@alpha.example", Role.MEMBER, "Bob", "Baker")
    return admin, alice, bob


def due_in(days: int) -> str:
    return (datetime.now(UTC).date() + timedelta(days=days)).isoformat()


def test_core_flow(backends: str) -> None:
    admin, alice, bob = people()
    created = assessments.create_assessment(
        admin, {"name": "Backend review", "due_date": due_in(7), "required_vectors": [2, 6]}
    )
    for person in (alice, bob):
        assessments.add_participant(admin, created.id, {"user_id": person.user_id})
    assessments.change_status(admin, created.id, "in-progress")
    view = assessments.open_response(alice, created.id)
    assert len(view.answers) == 25 and view.current_sub_lens_id == "2.1"

    themes = sorted(view.answers)
    errors: list[BaseException] = []

    def tab(field: str) -> None:
        try:
            for theme in themes:
                value = {"rating": 4 if theme < "6" else 2} if field == "rating" else {field: 3}
                assessments.save_answer(alice, created.id, theme, value)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=tab, args=(f,)) for f in ("rating", "confidence")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors

    assessments.set_position(alice, created.id, "6.2")
    assessments.record_time(alice, created.id, 250)
    resumed = assessments.open_response(alice, created.id)  # another device
    assert resumed.current_sub_lens_id == "6.2" and resumed.progress.percent == 100
    assert all(a["rating"] and a["confidence"] == 3 for a in resumed.answers.values())

    assessments.open_response(bob, created.id)
    assessments.save_answer(bob, created.id, "2.1.1", {"rating": 5})
    with pytest.raises(assessments.IncompleteResponse) as incomplete:
        assessments.submit_response(bob, created.id)
    assert [len(ids) for ids in incomplete.value.missing.values()] == [15, 9]

    result = assessments.submit_response(alice, created.id)
    assert result.responses is not None
    assert result.responses.overall_score == 3.0
    assert (result.responses.strength_areas, result.responses.improvement_areas) == ([2], [6])
    analytics = assessments.get_assessment(admin, created.id).analytics
    assert (analytics.total_responses, analytics.avg_time_to_complete) == (1, 250)
    assert analytics.completion_rate == 33.3

    views = {v.name: v for v in assessments.list_participants(admin, created.id)}
    assert views["Alice Able"].status == "completed" and views["Bob Baker"].progress_percent == 4
    assert assessments.send_scheduled_reminders() == 2  # the admin and Bob
    assert assessments.send_scheduled_reminders() == 0
    assert outbox_to("alice@alpha.example") == []

    assert assessments.touch_presence(alice, created.id) == []
    assert assessments.touch_presence(bob, created.id) == ["Alice Able"]


def test_anonymous_flow(backends: str) -> None:
    admin, alice, _bob = people()
    created = assessments.create_assessment(
        admin, {"name": "Anon", "required_vectors": [6], "anonymous_responses": True}
    )
    assessments.add_participant(admin, created.id, {"user_id": alice.user_id})
    assessments.change_status(admin, created.id, "in-progress")
    view = assessments.open_response(alice, created.id)
    for theme in view.answers:
        assessments.save_answer(alice, created.id, theme, {"rating": 3, "notes": "private"})
    assessments.submit_response(alice, created.id)
    (stored,) = get_store().query(c.RESPONSES, admin.organization_id, Query()).items
    assert stored.get("userId") is None and alice.user_id not in repr(stored)
    mine = assessments.get_my_response(alice, created.id)
    assert mine is not None and mine.id == stored["id"]
    assert assessments.get_my_response(admin, created.id) is None
