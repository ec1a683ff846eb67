"""Answer saves from the wizard page: ``POST /api/wizard/answers`` over the real service.

Each batch is one conditional write; numbers order one tab's changes (a late or repeated
delivery never overwrites a newer choice), other tabs are never blocked, and every refusal is
a specific status and message that changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from ninevectors.api import answers as answers_api
from ninevectors.models.principal import Principal
from ninevectors.services import assessments
from ninevectors.services.identity import sessions
from tests.unit import test_assessment_support as support
from tests.unit.test_assessment_support import Team, audit_actions, running, snapshot

team = support.team
identity_env = support.identity_env
fake_clock = support.fake_clock

HEADERS = {"X-NV-Request": "1"}


def token_for(person: Principal) -> str:
    started = sessions.begin_session(person.user_id, person.organization_id, person.role)
    token = sessions.redeem_handoff(started.handoff)
    assert token is not None
    return token


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(Starlette(routes=answers_api.routes), base_url="http://localhost:3000") as c:
        yield c


def post(
    client: TestClient, person: Principal | None, body: Any, headers: dict[str, str] | None = None
) -> Any:
    client.cookies.clear()
    if person is not None:
        client.cookies.set("nv_session", token_for(person))
    return client.post(answers_api.PATH, json=body, headers=HEADERS if headers is None else headers)


def batch(aid: str, *edits: tuple[str, int, dict[str, Any]], writer: str = "tab-aaaa1") -> Any:
    return {
        "assessmentId": aid,
        "writer": writer,
        "edits": [{"themeId": t, "number": n, "changes": c} for t, n, c in edits],
    }


def stored(team: Team, aid: str, person: Principal) -> dict[str, Any]:
    view = assessments.open_response(person, aid)
    return view.answers


def test_a_batch_is_saved_and_answers_with_the_new_progress(team: Team, client: TestClient) -> None:
    aid = running(team, team.alice, required_vectors=[6])
    assessments.open_response(team.alice, aid)
    response = post(
        client,
        team.alice,
        batch(
            aid,
            ("6.1.1", 1, {"rating": 4}),
            ("6.1.2", 2, {"not_sure": True}),
            ("6.1.1", 3, {"confidence": 2, "notes": "Solid"}),
        ),  # fmt: skip
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["saved"] == 3
    assert body["progress"]["answered"] == 2 and body["progress"]["total"] == 9
    assert body["progress"]["perVector"] == {"6": 2}
    assert body["progress"]["perSubLens"]["6.1"] == 2
    answers = stored(team, aid, team.alice)
    assert answers["6.1.1"]["rating"] == 4 and answers["6.1.1"]["confidence"] == 2
    assert answers["6.1.1"]["notes"] == "Solid"
    assert answers["6.1.2"]["notSure"] is True and answers["6.1.2"]["rating"] is None
    assert response.headers["cache-control"] == "no-store"


def test_a_late_older_save_never_overwrites_the_newer_choice(
    team: Team, client: TestClient
) -> None:
    aid = running(team, team.alice, required_vectors=[6])
    assessments.open_response(team.alice, aid)
    assert post(client, team.alice, batch(aid, ("6.1.1", 12, {"rating": 5}))).status_code == 200
    late = post(client, team.alice, batch(aid, ("6.1.1", 11, {"rating": 2})))
    assert late.status_code == 200  # acknowledged: the page may forget it, it is superseded
    assert stored(team, aid, team.alice)["6.1.1"]["rating"] == 5
    # within one batch the newest number of a field wins, whatever the order it came in
    post(client, team.alice, batch(aid, ("6.1.1", 20, {"rating": 3}), ("6.1.1", 19, {"rating": 1})))
    assert stored(team, aid, team.alice)["6.1.1"]["rating"] == 3
    # another tab is never blocked by this tab's higher numbers: the last to arrive wins
    post(client, team.alice, batch(aid, ("6.1.1", 1, {"rating": 2}), writer="phone-bbbb2"))
    assert stored(team, aid, team.alice)["6.1.1"]["rating"] == 2


def test_saves_are_audited_once_per_sitting_not_per_click(team: Team, client: TestClient) -> None:
    aid = running(team, team.alice, required_vectors=[6])
    assessments.open_response(team.alice, aid)
    for number in range(1, 6):
        post(client, team.alice, batch(aid, ("6.1.1", number, {"rating": 1 + number % 5})))
    post(client, team.alice, batch(aid, ("6.1.2", 1, {"rating": 3}), writer="other-tab-9"))
    assert audit_actions(team.org).count("response.answers_saved") == 2  # two tabs


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("not json", "body"),
        ([1, 2], "body"),
        ({"assessmentId": "x", "writer": "tab-aaaa1", "edits": []}, "edits"),
        (
            {"writer": "tab-aaaa1", "edits": [{"themeId": "6.1.1", "number": 1, "changes": {}}]},
            "assessmentId",
        ),  # fmt: skip
        ("writer", "writer"),
        ("number", "edits.0.number"),
        ("unknown-field", "edits.0.extra"),
        ("rating", "rating"),
        ("theme", "theme_id"),
        ("vector", "theme_id"),
        ("evidence", "changes"),
        ("nothing", "changes"),
    ],
)
def test_bad_input_gets_a_specific_422_and_changes_nothing(
    team: Team, client: TestClient, body: Any, field: str
) -> None:
    aid = running(team, team.alice, required_vectors=[6])
    assessments.open_response(team.alice, aid)
    good = batch(aid, ("6.1.1", 1, {"rating": 3}))
    edit = good["edits"][0]
    variants: dict[str, Any] = {
        "writer": {**good, "writer": "x"},
        "number": {**good, "edits": [{**edit, "number": "1"}]},
        "unknown-field": {**good, "edits": [{**edit, "extra": 1}]},
        "rating": batch(aid, ("6.1.1", 1, {"rating": 9})),
        "theme": batch(aid, ("9.9.9", 1, {"rating": 3})),
        "vector": batch(aid, ("1.1.1", 1, {"rating": 3})),  # Market is not required
        "evidence": batch(aid, ("6.1.1", 1, {"evidence": ["doc"]})),
        "nothing": batch(aid, ("6.1.1", 1, {})),
    }
    before = snapshot(team)
    if body == "not json":
        client.cookies.set("nv_session", token_for(team.alice))
        response = client.post(answers_api.PATH, content=b"{rating", headers=HEADERS)
    else:
        response = post(client, team.alice, variants[body] if isinstance(body, str) else body)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field and response.json()["error"]
    assert snapshot(team) == before


def test_refusals_name_the_reason_and_change_nothing(team: Team, client: TestClient) -> None:
    aid = running(team, team.alice, required_vectors=[6])
    assessments.open_response(team.alice, aid)
    body = batch(aid, ("6.1.1", 1, {"rating": 3}))
    before = snapshot(team)
    assert post(client, None, body).status_code == 401
    client.cookies.set("nv_session", "forged")
    bad_cookie = client.post(answers_api.PATH, json=body, headers=HEADERS)
    assert bad_cookie.status_code == 401 and "Sign in" in bad_cookie.json()["error"]
    assert post(client, team.alice, body, headers={}).status_code == 403  # no page header
    foreign = {**HEADERS, "Origin": "https://evil.example"}
    assert post(client, team.alice, body, headers=foreign).status_code == 403
    assert post(client, team.bob, body).status_code == 404  # not his: no hint it exists
    assert post(client, team.viewer, body).status_code == 403  # viewers never answer
    assert post(client, team.alice, batch("as_unknown", ("6.1.1", 1, {}))).status_code == 404
    oversized = batch(aid, *[("6.1.1", n, {"notes": "x" * 1900}) for n in range(40)])
    assert post(client, team.alice, oversized).status_code == 422
    assert snapshot(team) == before


def test_nothing_lands_on_a_submitted_response(team: Team, client: TestClient) -> None:
    aid = running(team, team.alice, required_vectors=[6])
    support.answer_all(team.alice, aid, rating=3)
    assessments.submit_response(team.alice, aid)
    refused = post(client, team.alice, batch(aid, ("6.1.1", 99, {"rating": 1})))
    assert refused.status_code == 409 and "submitted" in refused.json()["error"]
    assert stored(team, aid, team.alice)["6.1.1"]["rating"] == 3


def test_a_closed_assessment_refuses_saves(team: Team, client: TestClient) -> None:
    aid = running(team, team.alice, required_vectors=[6])
    assessments.open_response(team.alice, aid)
    assert post(client, team.alice, batch(aid, ("6.1.1", 1, {"rating": 3}))).status_code == 200
    assessments.change_status(team.manager, aid, "completed")
    refused = post(client, team.alice, batch(aid, ("6.1.1", 2, {"rating": 1})))
    assert refused.status_code == 409 and "completed" in refused.json()["error"]
    assert stored(team, aid, team.alice)["6.1.1"]["rating"] == 3
