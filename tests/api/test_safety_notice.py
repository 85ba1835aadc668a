"""The safety notice fitted to the danger and the country (content/safety/resources.yaml)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from api.app import create_app
from api.partner_keys import hash_key

SELF_HARM = "i dont want to be here anymore since she left"
STRANGULATION = "he put his hands round my throat last night"
IMAGE_ABUSE = "my ex is threatening to post my nudes"
ATTACHMENT_ONLY = "test-key-attachment-only-0009"  # a collection with no safety guide, region AU


def _notice(client, q: str, **params: str) -> dict:
    r = client.get("/v1/search", query_string={"q": q, **params})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert list(body)[0] == "safety" and body["safety"] is not None, q
    return body["safety"]


def test_self_harm_leads_with_the_crisis_line_of_the_region(search_client) -> None:
    gb = _notice(search_client, SELF_HARM, region="GB")
    assert gb["kinds"][0]["kind"] == "self_harm" and gb["level"] == "urgent"
    assert gb["resources"][0]["phone"] == "116 123" and "Samaritans" in gb["resources"][0]["name"]
    assert gb["emergency_numbers"] == ["999"] and "999" in gb["message"]
    us = _notice(search_client, SELF_HARM, region="US")
    assert us["resources"][0]["phone"] == "988"
    assert us["emergency_numbers"] == ["911"] and us["message"].startswith("If you might act on these thoughts now")
    # never a domestic-violence line first for someone thinking of ending their life
    assert "self_harm" in us["resources"][0]["kinds"]


def test_strangulation_in_australia_leads_with_the_national_service(search_client) -> None:
    au = _notice(search_client, STRANGULATION, region="AU")
    assert au["matched"][0] == "strangulation"
    assert au["resources"][0]["name"] == "1800RESPECT"
    assert au["emergency_numbers"] == ["000"] and "000" in au["message"]
    assert all("AU" in r["regions"] or "international" in r["regions"] for r in au["resources"])


def test_image_abuse_in_the_uk_leads_with_its_own_service(search_client) -> None:
    gb = _notice(search_client, IMAGE_ABUSE, region="GB")
    assert "image_abuse" in gb["matched"]
    assert "Revenge Porn" in gb["resources"][0]["name"]


def test_with_no_region_the_notice_names_several_emergency_numbers(search_client) -> None:
    notice = _notice(search_client, STRANGULATION)
    assert notice["region"] is None
    assert {"112", "911", "999", "000", "111"} <= set(notice["emergency_numbers"])
    assert all(n in notice["message"] for n in ("911", "999", "112"))
    assert notice["resources"] and all("international" in r["regions"] for r in notice["resources"])


def test_accept_language_decides_the_region_and_then_varies(search_client) -> None:
    r = search_client.get("/v1/search", query_string={"q": SELF_HARM}, headers={"Accept-Language": "en-NZ,en;q=0.8"})
    assert r.get_json()["safety"]["region"] == "NZ"
    assert "Accept-Language" in r.headers.get("Vary", "")
    r = search_client.get(
        "/v1/search", query_string={"q": SELF_HARM, "region": "IE"}, headers={"Accept-Language": "en-NZ"}
    )
    assert r.get_json()["safety"]["region"] == "IE"  # the request's own region comes first
    assert "Accept-Language" not in r.headers.get("Vary", "")


def test_an_unknown_region_is_a_422_that_names_the_valid_ones(search_client) -> None:
    for url in ("/v1/search", "/v1/suggest"):
        r = search_client.get(url, query_string={"q": "he hit me", "region": "FR"})
        assert r.status_code == 422
        reason = r.get_json()["errors"]["query"]["region"][0]
        assert all(code in reason for code in ("AU", "CA", "GB", "IE", "NZ", "US"))
    r = search_client.get("/v1/search", query_string={"q": "he hit me", "region": "gb"})
    assert r.status_code == 422
    r = search_client.post("/v1/pattern-check", json={"situation": "he hit me", "region": "XX"})
    assert r.status_code == 422 and "region" in r.get_json()["errors"]["json"]


def test_pattern_check_and_suggest_take_the_region(search_client) -> None:
    body = search_client.post("/v1/pattern-check", json={"situation": SELF_HARM, "region": "GB"}).get_json()
    assert body["safety"]["region"] == "GB" and body["safety"]["resources"][0]["phone"] == "116 123"
    safety = search_client.get("/v1/suggest", query_string={"q": "he choked me", "region": "AU"}).get_json()["safety"]
    assert safety["region"] == "AU" and safety["resources"][0]["name"] == "1800RESPECT"


@pytest.fixture()
def scoped_client(tmp_path: Path, _release_store: Path):
    keys = tmp_path / "keys.yaml"
    keys.write_text(
        yaml.safe_dump(
            {
                "anonymous": {"allowed": True},
                "keys": [
                    {
                        "name": "attachment",
                        "sha256": hash_key(ATTACHMENT_ONLY),
                        "collections": ["attachment-patterns"],
                        "region": "AU",
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    app = create_app({"TESTING": True, "RELEASE_STORE": str(_release_store), "PARTNER_KEYS_FILE": str(keys)})
    return app.test_client()


def test_a_partner_scope_without_safety_guides_still_gets_resources(scoped_client) -> None:
    r = scoped_client.get("/v1/search", query_string={"q": STRANGULATION}, headers={"X-API-Key": ATTACHMENT_ONLY})
    safety = r.get_json()["safety"]
    assert safety["guides"] == []  # the partner's collections hold no safety guide
    assert safety["region"] == "AU"  # the key's default region
    assert safety["resources"] and safety["resources"][0]["name"] == "1800RESPECT"
