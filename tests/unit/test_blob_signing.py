"""Signed download links of the local blob folder."""

from __future__ import annotations

import time

import pytest

from ninevectors.services.blob import signing

SECRET = "unit-test-secret"


def test_signed_params_verify() -> None:
    params = signing.signed_params(SECRET, "a/b.txt", 60, filename="b.txt")
    assert params["filename"] == "b.txt"
    assert int(params["exp"]) - time.time() == pytest.approx(60, abs=2)
    signing.verify(SECRET, "a/b.txt", params["exp"], params["sig"], "b.txt")


@pytest.mark.parametrize(
    ("name", "filename", "secret"),
    [
        ("a/c.txt", "b.txt", SECRET),
        ("a/b.txt", "evil.html", SECRET),
        ("a/b.txt", None, SECRET),
        ("a/b.txt", "b.txt", "other-secret"),
    ],
)
def test_any_change_breaks_the_signature(name: str, filename: str | None, secret: str) -> None:
    params = signing.signed_params(SECRET, "a/b.txt", 60, filename="b.txt")
    with pytest.raises(signing.InvalidSignature, match="invalid signature"):
        signing.verify(secret, name, params["exp"], params["sig"], filename)


def test_expiry_is_part_of_the_signature_and_enforced() -> None:
    params = signing.signed_params(SECRET, "a", 60)
    later = str(int(params["exp"]) + 3600)
    with pytest.raises(signing.InvalidSignature, match="invalid signature"):
        signing.verify(SECRET, "a", later, params["sig"])
    with pytest.raises(signing.InvalidSignature, match="link expired"):
        signing.verify(SECRET, "a", params["exp"], params["sig"], now=int(params["exp"]) + 1)
    signing.verify(SECRET, "a", params["exp"], params["sig"], now=int(params["exp"]))


@pytest.mark.parametrize(("exp", "sig"), [(None, "x"), ("1", None), ("-5", "x"), ("1e9", "x")])
def test_malformed_links(exp: str | None, sig: str | None) -> None:
    with pytest.raises(signing.InvalidSignature, match="invalid link"):
        signing.verify(SECRET, "a", exp, sig)


def test_non_positive_or_overlong_lifetime_is_refused() -> None:
    with pytest.raises(ValueError):
        signing.signed_params(SECRET, "a", 0)
    with pytest.raises(ValueError):
        signing.signed_params(SECRET, "a", signing.MAX_LIFETIME_SECONDS + 1)


def test_a_genuine_link_that_claims_a_long_life_is_refused() -> None:
    """Signed with the right key (a leaked one, say) for ten years: not served."""
    exp = str(int(time.time()) + 10 * 365 * 86400)
    sig = signing.sign(SECRET, "org_b/documents/plan.pdf", int(exp))
    with pytest.raises(signing.InvalidSignature, match="lives too long"):
        signing.verify(SECRET, "org_b/documents/plan.pdf", exp, sig)


def test_content_disposition() -> None:
    assert signing.content_disposition("report.pdf") == (
        "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf"
    )
    header = signing.content_disposition('Zürich "Q3".pdf')
    assert header.startswith('attachment; filename="Z_rich _Q3_.pdf";')
    assert header.endswith("filename*=UTF-8''Z%C3%BCrich%20%22Q3%22.pdf")
    assert "\n" not in signing.content_disposition("a\r\nSet-Cookie: x")
