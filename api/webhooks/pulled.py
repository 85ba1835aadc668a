"""The manifests of a shared release store, as the webhooks read them (no Flask here).

With a shared store (api/release_store.py) the deliverer, wherever it runs, reads the shared
pointer and brings the manifests it lacks down into this machine's copy (the publisher's, under
RELEASE_CACHE); the queue then builds events from them as from a store on this machine.
"""

from __future__ import annotations

from api.release_store import Mirror
from api.releases import Manifest, ReleaseId


class PulledManifests:
    def __init__(self, mirror: Mirror) -> None:
        self.mirror = mirror

    def current(self) -> ReleaseId | None:
        rid = self.mirror.pull_manifests()
        return ReleaseId.parse(rid) if rid else None

    def store_id(self) -> str | None:
        return self.mirror.local.store_id()

    def manifest(self, seq: int) -> Manifest | None:
        return self.mirror.local.manifest(seq)
