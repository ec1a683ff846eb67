"""Reports: the CSV export under the anonymity rules and the PDF report (text, pages, blob)."""

from __future__ import annotations

import csv
import io

import pytest
from pypdf import PdfReader

from ninevectors.services import analytics, reports
from ninevectors.services.backends import get_blob_storage
from ninevectors.services.errors import Forbidden
from tests.unit import test_analytics_support as data
from tests.unit import test_assessment_support as support
from tests.unit.test_assessment_support import Team

identity_env = support.identity_env
fake_clock = support.fake_clock
team = support.team


def _seeded(team: Team) -> str:
    crowd = data.people(team, 3)
    aid = data.assessment_with(team, [team.alice, *crowd])
    analytics.set_threshold(team.manager, aid, 3)
    for i, person in enumerate(crowd):
        data.submitted(team.org, aid, person.user_id, "peer", lambda _t, i=i: 2 + i,
                       {"2.1.1": f"=peer note {i}"})  # fmt: skip
    data.submitted(team.org, aid, team.alice.user_id, "manager", lambda _t: 5,
                   {"1.1.1": "alice alone"})  # fmt: skip
    return aid


def test_csv_has_the_visible_respondents_only(team: Team) -> None:
    aid = _seeded(team)
    export = reports.export_responses_csv(team.manager, aid)
    rows = list(csv.DictReader(io.StringIO(export.content)))
    assert export.rows == len(rows) == 3 * 156 and export.filename.endswith(".csv")
    assert {r["respondent"] for r in rows} == {"R001", "R002", "R003"}
    assert {r["respondent_type"] for r in rows} == {"peer"}
    assert "alice alone" not in export.content and team.alice.user_id not in export.content
    notes = sorted(r["notes"] for r in rows if r["notes"])
    assert notes == ["'=peer note 0", "'=peer note 1", "'=peer note 2"]  # formulas defused
    first = rows[0]
    assert (first["theme_id"], first["vector"], first["confidence"]) == ("1.1.1", "Market", "4")


def test_csv_is_empty_below_the_threshold_and_refused_to_members(team: Team) -> None:
    aid = data.assessment_with(team, [team.alice])
    data.submitted(team.org, aid, team.alice.user_id, None, lambda _t: 4)
    assert reports.export_responses_csv(team.manager, aid).rows == 0
    with pytest.raises(Forbidden):
        reports.export_responses_csv(team.alice, aid)


def test_pdf_report_is_stored_and_readable(team: Team) -> None:
    aid = _seeded(team)
    report = reports.generate_report(team.manager, aid)
    assert report.blob_name.startswith(f"reports/{team.org}/assessments/{aid}/")
    content = get_blob_storage().get(report.blob_name)
    reader = PdfReader(io.BytesIO(content))
    words = "\n".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) >= 3 and report.pages == len(reader.pages)
    for expected in ("Alpha Ltd", "Q1 Strategic Review", "Vector summary", "Market",
                     "Strengths", "Alignment", "Managers: hidden", "peer note 1"):  # fmt: skip
        assert expected in words, expected
    assert "alice alone" not in words
    assert f"/files/reports/{team.org}/" in report.url and "sig=" in report.url


def test_pdf_of_a_hidden_assessment_is_just_the_cover(team: Team) -> None:
    aid = data.assessment_with(team, [team.alice])
    data.submitted(team.org, aid, team.alice.user_id, None, lambda _t: 4)
    report = reports.generate_report(team.manager, aid)
    reader = PdfReader(io.BytesIO(get_blob_storage().get(report.blob_name)))
    assert len(reader.pages) == 1 and "1 of the 5" in reader.pages[0].extract_text()
