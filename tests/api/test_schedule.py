"""Scheduled publishing with an injected clock: a publish_at guide joins the first release published
after its time (no file changed), the release records it, and a webhook announces it to a real receiver."""

from __future__ import annotations

import datetime as dt

import pytest

from api.app import create_app
from api.releases import ReleaseStore, preview_store, publish
from api.webhooks.deliver import Deliverer
from api.webhooks.endpoints import Endpoint
from api.webhooks.sqlite_queue import SqliteQueue
from tests.api.test_drafts import draft_md
from tests.e2e.receiver import SECRET, Receiver, delivered

SLUG = "scheduled-guide"
AT = dt.datetime(2030, 1, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture()
def receiver(tmp_path):
    r = Receiver(tmp_path).start()
    yield r
    r.stop()


def test_a_publish_at_guide_joins_the_first_release_after_its_time_and_a_webhook_announces_it(
    syn_content_dir, tmp_path, receiver
) -> None:
    root = syn_content_dir({f"guides/{SLUG}.md": draft_md(SLUG, front="publish_at: 2030-01-01T10:00:00+01:00")})
    store = ReleaseStore(tmp_path / "store")
    cache = tmp_path / "parse.pickle"
    first, made = publish(root, store, cache, now=AT - dt.timedelta(hours=1))
    assert made and SLUG not in first.guides and first.scheduled == {}
    assert SLUG in preview_store(store).open(preview_store(store).current_id() or "").corpus.guides
    app = create_app({"TESTING": True, "RELEASE_STORE": str(store.root)})
    assert app.test_client().get(f"/v1/guides/{SLUG}").status_code == 404

    endpoint = Endpoint("site", receiver.url, SECRET, frozenset({"release.published"}))
    queue = SqliteQueue(store, store.root)
    queue.enqueue_new([endpoint])  # the queue starts after the live release
    deliverer = Deliverer(queue, [endpoint], retry_base=0.2, timeout=5)

    # a second before its time: nothing new; a minute after: a new release, though no file changed
    _same, made = publish(root, store, cache, now=AT - dt.timedelta(seconds=1))
    assert not made
    second, made = publish(root, store, cache, now=AT + dt.timedelta(minutes=1))
    assert made and SLUG in second.guides and second.parent == first.id
    assert second.scheduled == {SLUG: "2030-01-01T09:00:00Z"}  # the release records what time let in
    fresh = create_app({"TESTING": True, "RELEASE_STORE": str(store.root)}).test_client()
    assert fresh.get(f"/v1/guides/{SLUG}").status_code == 200

    # the full build (no parse cache, a new store) agrees with the incremental one
    full, _ = publish(root, ReleaseStore(tmp_path / "full"), now=AT + dt.timedelta(minutes=1))
    assert full.content_version == second.content_version and full.guides == second.guides

    for _ in range(50):
        deliverer.round()
        if delivered(receiver.entries()):
            break
    [got] = delivered(receiver.entries())
    data = got["body"]["data"]
    assert got["body"]["type"] == "release.published" and got["id"].endswith(f"_{second.seq:05d}_site")
    assert data["version"] == second.id and data["parent"] == first.id
    assert data["upserted"] == [SLUG] and data["scheduled"] == [SLUG]
    assert f"/v1/guides/{SLUG}" in data["paths"] and "/v1/collections/first-steps" in data["paths"]
    assert f"lp-guide-{SLUG}" in data["tags"] and "lp-collection-first-steps" in data["tags"]
