"""A release store several replicas share: a shared directory or an S3-compatible bucket.

No Flask here. With `RELEASE_STORE=s3://bucket/prefix` (or a directory and `RELEASE_SHARED=1`),
the store holds every release as one file with its checksum, and each replica keeps a local copy
(a plain ReleaseStore under `RELEASE_CACHE`) that it serves from, as a single machine does:

    store.json              the chain's id (copied, so sync tokens are the same on every replica)
    current                 the live release id: moved last by a publisher, polled by replicas
    status.json             the outcome of the last publish (shown on /v1/ready)
    manifests/<seq>.json    every manifest, kept forever (sync tokens stand on them)
    bundles/<id>.tar        a release's bundle (corpus, search index, manifest)
    bundles/<id>.sha256     its SHA-256, written before the pointer moves
    preview/                the preview chain (drafts included), the same layout under that prefix

A replica that sees the pointer move downloads the new bundle, checks its SHA-256, unpacks it,
then moves its local pointer; each worker then opens the release and swaps it in whole
(api/releases.py, Served). A replica that cannot fetch keeps serving the release it has and says
why on /v1/ready. A publisher works on a local copy too, then uploads bundle, checksum and
manifest, and moves the shared pointer last: a replica never sees a pointer to a half-written release.

The preview chain (api/releases.py, `preview_store`: `preview/` inside the store, a store of the
same layout with its own id) is mirrored the same way by a second Mirror over the `preview/` prefix:
a publisher sends it up before the published chain, and a replica fetches it when a preview request
asks (api/preview.py), so its preview keys and tokens read the same drafts as the publisher's.

S3 goes through boto3 (the reference SDK: any S3-compatible endpoint through AWS_ENDPOINT_URL,
credentials through its usual chain; the tests run it against moto's server).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
import shutil
import tarfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from api.content.files import file_lock, write_atomic
from api.releases import MANIFEST_FILE, PREVIEW_DIR, ReleaseId, ReleaseStore, preview_store

log = logging.getLogger(__name__)

LOCAL_KEEP = 3  # bundles a replica keeps on its disk (the live one included)
META = ("store.json", "status.json")


class Backend(Protocol):
    location: str

    def get(self, key: str) -> bytes | None: ...
    def put(self, key: str, data: bytes) -> None: ...
    def download(self, key: str, dest: Path) -> None: ...
    def upload(self, key: str, src: Path) -> None: ...
    def list(self, prefix: str) -> list[str]: ...
    def delete(self, key: str) -> None: ...
    def lock(self) -> contextlib.AbstractContextManager[None]: ...


class DirBackend:
    """A directory every replica mounts (NFS, a shared volume): files replaced atomically."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self.location = str(self.root)

    def get(self, key: str) -> bytes | None:
        try:
            return (self.root / key).read_bytes()
        except FileNotFoundError:
            return None

    def put(self, key: str, data: bytes) -> None:
        write_atomic(self.root / key, data)

    def download(self, key: str, dest: Path) -> None:
        shutil.copyfile(self.root / key, dest)

    def upload(self, key: str, src: Path) -> None:
        write_atomic(self.root / key, lambda fh: _copy_into(src, fh))

    def list(self, prefix: str) -> list[str]:
        folder = self.root / prefix
        return (
            sorted(f"{prefix}{p.name}" for p in folder.iterdir() if not p.name.startswith("."))
            if folder.is_dir()
            else []
        )

    def delete(self, key: str) -> None:
        (self.root / key).unlink(missing_ok=True)

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Publishers queue on an flock in the shared directory (as on one machine)."""
        with file_lock(self.root / "lock"):
            yield


class S3Backend:
    """An S3-compatible bucket (`s3://bucket/prefix`), through boto3 with short timeouts."""

    def __init__(self, uri: str) -> None:
        import boto3
        from botocore.config import Config

        bucket, _, prefix = uri.removeprefix("s3://").partition("/")
        self.bucket, self.prefix = bucket, prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.location = uri
        config = Config(connect_timeout=2, read_timeout=20, retries={"max_attempts": 2, "mode": "standard"})
        self.client = boto3.client("s3", config=config)

    def _key(self, key: str) -> str:
        return self.prefix + key

    def get(self, key: str) -> bytes | None:
        try:
            return bytes(self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read())
        except self.client.exceptions.NoSuchKey:
            return None

    def put(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data)

    def download(self, key: str, dest: Path) -> None:
        self.client.download_file(self.bucket, self._key(key), str(dest))

    def upload(self, key: str, src: Path) -> None:
        self.client.upload_file(str(src), self.bucket, self._key(key))

    def list(self, prefix: str) -> list[str]:
        out = []
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self._key(prefix)):
            out += [item["Key"][len(self.prefix) :] for item in page.get("Contents", [])]
        return sorted(out)

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def lock(self) -> contextlib.AbstractContextManager[None]:
        # S3 has no lock: run one publisher at a time (README, "Running several replicas").
        return contextlib.nullcontext()


class Prefixed:
    """The part of a shared store under a key prefix (the preview chain), as a store of its own."""

    def __init__(self, inner: Backend, prefix: str) -> None:
        self.inner, self.prefix = inner, prefix
        self.location = f"{inner.location.rstrip('/')}/{prefix.rstrip('/')}"

    def get(self, key: str) -> bytes | None:
        return self.inner.get(self.prefix + key)

    def put(self, key: str, data: bytes) -> None:
        self.inner.put(self.prefix + key, data)

    def download(self, key: str, dest: Path) -> None:
        self.inner.download(self.prefix + key, dest)

    def upload(self, key: str, src: Path) -> None:
        self.inner.upload(self.prefix + key, src)

    def list(self, prefix: str) -> list[str]:
        return [key.removeprefix(self.prefix) for key in self.inner.list(self.prefix + prefix)]

    def delete(self, key: str) -> None:
        self.inner.delete(self.prefix + key)

    def lock(self) -> contextlib.AbstractContextManager[None]:
        return contextlib.nullcontext()  # the whole store's publisher holds the store's lock


def backend(config: Any) -> Backend | None:
    """The shared store the configuration names; None for a store on this machine only."""
    where = str(config["RELEASE_STORE"])
    if where.startswith("s3://"):
        return S3Backend(where)
    if int(config["RELEASE_SHARED"]):
        return DirBackend(where)
    return None


def check_config(config: Any) -> None:
    """A shared store makes SECRET_KEY required: every replica must answer each sync token alike."""
    shared = str(config["RELEASE_STORE"]).startswith("s3://") or int(config["RELEASE_SHARED"])
    if shared and not config["SECRET_KEY"]:
        raise RuntimeError("LP_SECRET_KEY is required with a shared release store (the same on every replica)")


class ChecksumMismatch(RuntimeError):
    """A downloaded bundle is not the one its checksum names."""


@dataclass
class FetchState:
    latest: str | None = None  # the shared pointer, when last read
    error: str | None = None  # why the last fetch failed (None: it did not)
    at: float = 0.0  # time.time() of the last attempt


class Mirror:
    """This machine's copy of a shared store: `pull()` brings the live release down, checked."""

    def __init__(self, remote: Backend, local: ReleaseStore, keep: int = LOCAL_KEEP, chains: bool = True) -> None:
        self.remote, self.local, self.keep = remote, local, keep
        self.state = FetchState()
        # The preview chain, mirrored alike (`chains`: this is the whole store, not a part of it).
        self.preview = (
            Mirror(Prefixed(remote, PREVIEW_DIR + "/"), preview_store(local), keep, chains=False) if chains else None
        )

    def pull_preview(self, wait: bool = False) -> bool:
        """`pull()` for the preview chain (a replica's preview requests)."""
        return self.preview.pull(wait) if self.preview is not None else False

    def pull(self, wait: bool = False) -> bool:
        """Fetch the shared store's live release when this copy lacks it; whether one was fetched.

        Another process of this machine already fetching: return at once (unless `wait`); its
        result is on the local pointer a moment later. Failures are logged and kept in `state`;
        the local copy (and so the release served) stays as it was.
        """
        self.state.at = time.time()
        try:
            raw = self.remote.get("current")
            rid = raw.decode().strip() if raw else None
            self.state.latest = rid
            if rid is None or self._have(rid):
                self.state.error = None
                return False
            with self._fetching(wait) as mine:
                if not mine or self._have(rid):
                    return False
                self._pull_meta()
                self._pull_bundle(rid)
                write_atomic(self.local.pointer, rid + "\n")
                self._prune(rid)
            self.state.error = None
            log.info("fetched release %s from %s", rid, self.remote.location)
            return True
        except Exception as exc:  # the store unreachable, a bad checksum, a full disk: keep serving
            self.state.error = f"{type(exc).__name__}: {exc}"[:300]
            log.error("cannot fetch from the release store %s: %s", self.remote.location, self.state.error)
            return False

    def pull_manifests(self) -> str | None:
        """The shared pointer, with store.json and the manifests up to it brought down when this copy
        lacks them (the webhooks' deliverer reads them); this copy's own pointer stays as it is."""
        raw = self.remote.get("current")
        rid = raw.decode().strip() if raw else None
        named = ReleaseId.parse(rid) if rid is not None else None  # the shared pointer, read back
        if rid is not None and (named is None or self.local.manifest(named.seq) is None):
            self._pull_meta()
        return rid

    def _have(self, rid: str) -> bool:
        return self.local.current_id() == rid and (self.local.bundles / rid / MANIFEST_FILE).is_file()

    @contextlib.contextmanager
    def _fetching(self, wait: bool) -> Iterator[bool]:
        with file_lock(self.local.root / "fetch.lock", wait) as held:
            yield held

    def _pull_meta(self) -> None:
        """store.json, status.json, and every manifest this copy lacks (they never change)."""
        for name in META:
            data = self.remote.get(name)
            if data is not None:
                write_atomic(self.local.root / name, data)
        for key in self.remote.list("manifests/"):
            if key.endswith(".json") and not (self.local.root / key).is_file():
                data = self.remote.get(key)
                if data is not None:
                    write_atomic(self.local.root / key, data)

    def _pull_bundle(self, rid: str) -> None:
        """Download, check the SHA-256, unpack beside the others, rename into place."""
        expected = (self.remote.get(f"bundles/{rid}.sha256") or b"").decode().strip()
        self.local.bundles.mkdir(parents=True, exist_ok=True)
        part = self.local.bundles / f"{rid}.{os.getpid()}.fetching"
        tar = part.with_suffix(".tar")
        shutil.rmtree(part, ignore_errors=True)
        try:
            self.remote.download(f"bundles/{rid}.tar", tar)
            if sha256_of(tar) != expected:
                raise ChecksumMismatch(f"bundle {rid} does not match its checksum")
            with tarfile.open(tar) as archive:
                archive.extractall(part, filter="data")
            final = self.local.bundles / rid
            shutil.rmtree(final, ignore_errors=True)
            os.rename(part, final)
        finally:
            tar.unlink(missing_ok=True)
            shutil.rmtree(part, ignore_errors=True)

    def _prune(self, live: str) -> None:
        done = sorted((p for p in self.local.bundles.iterdir() if p.is_dir() and "." not in p.name), reverse=True)
        for old in [p for p in done if p.name != live][max(self.keep, 1) - 1 :]:
            shutil.rmtree(old, ignore_errors=True)

    # -- publishing ---------------------------------------------------------------------------
    @contextlib.contextmanager
    def publishing(self, keep: int) -> Iterator[ReleaseStore]:
        """Publish through the local copy: bring the chain down, let the caller publish into it,
        then send up what it made (bundle, checksum, manifest), and the pointer last."""
        with self.remote.lock():
            chains = [self] if self.preview is None else [self.preview, self]  # the preview goes up first
            before = [chain._base() for chain in chains]
            try:
                yield self.local
            finally:
                for chain, was in zip(chains, before, strict=True):
                    chain._send(was, keep)
                status = self.local.status_path
                if status.is_file():
                    self.remote.put("status.json", status.read_bytes())

    def _base(self) -> str | None:
        """The chain as the shared store has it, brought down: the base the next release builds on."""
        self._pull_meta()
        raw = self.remote.get("current")
        before = raw.decode().strip() if raw else None
        if before is not None:
            write_atomic(self.local.pointer, before + "\n")
        return before

    def _send(self, before: str | None, keep: int) -> None:
        """Send up the release the publish made in this chain, if it made one."""
        after = self.local.current()
        if after is not None and str(after) != before and (self.local.bundles / str(after)).is_dir():
            self._push(after)
            self._prune_remote(keep, str(after))

    def ensure_bundle(self, rid: str) -> None:
        """A rollback needs the old release's bundle on this machine."""
        if not (self.local.bundles / rid).is_dir():
            self._pull_bundle(rid)

    def _push(self, live: ReleaseId) -> None:
        rid = str(live)
        tar = self.local.root / f".{rid}.{os.getpid()}.tar"
        try:
            with tarfile.open(tar, "w") as archive:
                archive.add(self.local.bundles / rid, arcname=".")
            if self.remote.get("store.json") is None:
                self.remote.put("store.json", (self.local.root / "store.json").read_bytes())
            self.remote.upload(f"bundles/{rid}.tar", tar)
            self.remote.put(f"bundles/{rid}.sha256", (sha256_of(tar) + "\n").encode())
            key = f"manifests/{live.seq:05d}.json"
            self.remote.put(key, (self.local.root / key).read_bytes())
            self.remote.put("current", (rid + "\n").encode())  # the release goes live here, whole
        finally:
            tar.unlink(missing_ok=True)

    def _prune_remote(self, keep: int, live: str) -> None:
        tars = sorted((k for k in self.remote.list("bundles/") if k.endswith(".tar")), reverse=True)
        for key in [k for k in tars if k != f"bundles/{live}.tar"][max(keep, 1) - 1 :]:
            self.remote.delete(key)
            self.remote.delete(key.removesuffix(".tar") + ".sha256")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _copy_into(src: Path, fh: io.BufferedIOBase | Any) -> None:
    with open(src, "rb") as inp:
        shutil.copyfileobj(inp, fh, 1 << 20)


def open_store(config: Any, role: str = "replica") -> tuple[ReleaseStore, Mirror | None]:
    """The store this process reads (and a publisher writes): the configured directory itself, or,
    with a shared store, this machine's copy of it (`role`: "replica" for servers, "publisher" for
    `content publish` and `rollback`, so a publisher never moves a server's local pointer)."""
    check_config(config)
    remote = backend(config)
    if remote is None:
        return ReleaseStore(config["RELEASE_STORE"]), None
    local = ReleaseStore(Path(config["RELEASE_CACHE"]) / role)
    return local, Mirror(remote, local)
