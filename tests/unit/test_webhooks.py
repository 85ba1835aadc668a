"""Publish webhooks without a network: the signature against the spec's recipe, the backoff, the
endpoints file, and what an event says for renames, deletions and collection filters."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac

import pytest
from standardwebhooks.webhooks import Webhook

from api.releases import Entry, Manifest
from api.webhooks.deliver import backoff, sign
from api.webhooks.endpoints import WebhooksInvalid, load_endpoints
from api.webhooks.events import body, release_event

KEY = b"a test webhook key of 32 bytes!!"
SECRET = "whsec_" + base64.b64encode(KEY).decode()


def test_the_signature_is_the_spec_recipe_and_verifies_with_the_reference_library() -> None:
    payload = b'{"type":"release.published","data":{"upserted":["caf\xc3\xa9"]}}'
    headers = sign(SECRET, "msg_abc_00002_site", 1764580000, payload)
    # Standard Webhooks: v1, base64 HMAC-SHA256 over "id.timestamp.body", keyed with the decoded secret
    expected = base64.b64encode(hmac.new(KEY, b"msg_abc_00002_site.1764580000." + payload, hashlib.sha256).digest())
    assert headers == {
        "webhook-id": "msg_abc_00002_site",
        "webhook-timestamp": "1764580000",
        "webhook-signature": "v1," + expected.decode(),
    }
    fresh = sign(SECRET, "msg_x", int(dt.datetime.now(dt.UTC).timestamp()), payload)
    assert Webhook(SECRET).verify(payload, fresh)["data"]["upserted"] == ["café"]
    with pytest.raises(Exception, match="signature"):
        Webhook("whsec_" + base64.b64encode(b"another key, also 32 bytes long!").decode()).verify(payload, fresh)


def test_retries_back_off_exponentially_for_more_than_an_hour_by_default() -> None:
    delays = [backoff(n, 10.0) for n in range(1, 13)]
    assert delays[:4] == [10, 20, 40, 80] and max(delays) == 3600
    assert sum(delays[:9]) > 3600  # nine retries already span more than an hour
    assert [backoff(n, 0.2) for n in (1, 2, 3)] == [0.2, 0.4, 0.8]  # a small base for tests


def test_the_endpoints_file_is_checked_and_names_the_mistake(tmp_path) -> None:
    path = tmp_path / "hooks.yaml"
    path.write_text(
        f"endpoints:\n  - {{name: site, url: 'https://x.example/h', secret: '{SECRET}', events: [release.published]}}\n"
    )
    [e] = load_endpoints(path)
    assert e.name == "site" and e.collections is None and e.events == {"release.published"}
    for bad, says in (
        ("url: 'ftp://x.example'", "endpoints[0].url"),
        ("secret: 'not-a-secret'", "endpoints[0].secret"),
        ("events: [release.deleted]", "endpoints[0].events"),
        ("colour: blue", "endpoints[0].colour"),
    ):
        field = bad.split(":")[0]
        entry = {
            "name": "site",
            "url": "'https://x.example/h'",
            "secret": f"'{SECRET}'",
            "events": "[release.published]",
        }
        entry.pop(field, None)
        line = ", ".join([*(f"{k}: {v}" for k, v in entry.items()), bad])
        path.write_text(f"endpoints:\n  - {{{line}}}\n")
        with pytest.raises(WebhooksInvalid) as err:
            load_endpoints(path)
        assert says in str(err.value) and SECRET not in str(err.value)
    assert load_endpoints(None) == []


def _manifest(seq: int, guides: dict[str, str], renamed=None, changed=(), modified=None, parent=None) -> Manifest:
    created = dt.datetime(2026, 12, 1, 9, 0, seq, tzinfo=dt.UTC)
    return Manifest(
        seq=seq,
        id=f"{seq:05d}_v{seq}",
        parent=parent,
        created=created,
        content_version=f"v{seq}",
        guides={s: Entry(f"d-{s}-{seq}", c) for s, c in guides.items()},
        renamed=renamed or {},
        retired={},
        changed=frozenset(changed),
        modified=modified or {},
    )


def test_an_event_names_upserts_deletes_and_renames_and_a_collection_filter_keeps_its_part() -> None:
    before = _manifest(1, {"a": "one", "b": "two", "c": "one"})
    after = _manifest(
        2,
        {"a2": "one", "b": "two"},
        renamed={"a": "a2"},
        changed={"a", "a2", "b", "c"},
        modified={"collection:two": ("x", dt.datetime(2026, 12, 1, 9, 0, 2, tzinfo=dt.UTC))},
        parent=before.id,
    )
    event = release_event(after, before)
    assert event is not None
    data = event["data"]
    assert data["upserted"] == ["a2", "b"] and data["deleted"] == ["c"]
    assert data["renamed"] == [{"from": "a", "to": "a2"}]
    assert data["collections"] == ["one", "two"] and data["parent"] == "00001_v1"
    assert data["paths"] == [f"/v1/guides/{s}" for s in ("a", "a2", "b", "c")] + [
        "/v1/collections/one",
        "/v1/collections/two",
    ]
    assert data["tags"][:2] == ["lp", "lp-list"] and "lp-guide-a" in data["tags"]
    only_two = release_event(after, before, frozenset({"two"}))
    assert only_two is not None and only_two["data"]["upserted"] == ["b"] and only_two["data"]["deleted"] == []
    assert release_event(after, before, frozenset({"three"})) is None  # nothing there changed: no event
    assert body(event) == body(release_event(after, before))  # the same bytes every time
