"""Offline sync for the mobile apps: GET /v1/sync (initial and delta, paged) and GET /v1/export.

A sync token names a release of the store's chain (api/releases.py) by its sequence number, and
the scope. A delta is the difference between that release's manifest and the manifest of the
release being served, per slug, so a guide comes at most once per response and a change is never
missed, however many times it changed in between. Manifests are kept forever and the store is
shared, so every replica with the same store and secret answers a token alike; a token naming a
release this replica has not loaded yet gets a 503 with Retry-After, never a wrong delta.

Token payload (signed by api/tokens.py with LP_SECRET_KEY, purpose SYNC; opaque to clients):

    {"j": store id, "s": scope id, "lo": seq, "hi": seq}                      a sync token
    {..., "plo": seq, "phi": seq, "a": last slug sent}                        a page cursor (next_token)

`lo == hi` normally. A paged sync may see a new release between pages (each page is taken from
the release its request holds); the token it ends with then spans the releases its pages came
from (lo..hi), and the next sync re-sends every slug that changed inside that span, whatever the
app holds. Sequence number 0 means "nothing held".
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import Flask, Response, current_app, g, request, send_file
from flask.typing import ResponseReturnValue
from flask_smorest import Blueprint
from werkzeug.http import http_date

from api import encoding, serialize, tokens
from api import export as export_file
from api.content import Corpus
from api.content.scope import scope_id
from api.current import corpus, release
from api.current import store as current_store
from api.errors import abort
from api.guides import guide_key
from api.http import JSON, SPARSE_JSON, cache_control, cached_json, dumps, not_modified, responses
from api.partners import keys as partner_keys
from api.releases import Entry, Manifest, Release
from api.resources import QUERY
from api.schemas import (
    RENDERINGS,
    EmptyArgsSchema,
    ErrorSchema,
)
from api.spec import sparse_response
from api.sync_schemas import ExportSchema, SyncArgsSchema, SyncPageSchema, SyncPageSparseSchema
from api.views import view_digest

log = logging.getLogger(__name__)

blp = Blueprint("sync", __name__, url_prefix="/v1", description="Offline sync for the mobile apps.")

RESYNC = "Sync again from scratch: GET /v1/sync without a token."


# -- tokens ---------------------------------------------------------------------------------
def _secret() -> bytes:
    secret = current_app.config["SECRET_KEY"]
    if not secret:
        abort(503, "Sync is not available: the server has no secret key (LP_SECRET_KEY).")
    return secret.encode() if isinstance(secret, str) else bytes(secret)


def encode_token(payload: dict[str, Any]) -> str:
    return tokens.serializer(_secret(), tokens.SYNC).dumps(payload)


def decode_token(r: Release, token: str) -> dict[str, Any]:
    """The payload, after checking signature, store, scope and range; else 400/410/503 in the error shape."""
    payload, signed = tokens.load(_secret(), tokens.SYNC, token)
    if not isinstance(payload, dict) or not all(k in payload for k in ("j", "s", "lo", "hi")):
        abort(400, f"The sync token is not valid. {RESYNC}")
    if payload["j"] != r.store_id:  # another store's chain (or the old journal's): cannot be used
        abort(410, f"The sync token has expired (the change history it points into is gone). {RESYNC}")
    if not signed:
        abort(400, f"The sync token is not valid. {RESYNC}")
    if payload["s"] != _scope():
        abort(410, f"The sync token was issued for another API key or scope. {RESYNC}")
    seqs = [payload[k] for k in ("lo", "hi", "plo", "phi") if k in payload]
    if not all(type(s) is int and s >= 0 for s in seqs) or payload["lo"] > payload["hi"]:
        abort(400, f"The sync token is not valid. {RESYNC}")
    if max(seqs) > r.seq:  # published, but not loaded here yet: a moment, not a wrong delta
        abort(503, "This server has not loaded the release your token names yet. Try again shortly.", retry_after=1)
    return payload


def _scope() -> str:
    collections = g.get("scope")
    return "*" if collections is None else scope_id(collections)


# -- what changed ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Change:
    slug: str
    kind: str  # "upsert", "delete" or "rename"
    reason: str | None = None
    to: str | None = None


def changes(
    r: Release,
    c: Corpus,
    lo: int,
    hi: int,
    names: tuple[str, ...] | None = None,
    render: tuple[str, ...] | None = None,
) -> list[Change]:
    """What an app holding release `lo` (uncertain about slugs changed in lo..hi) needs, by slug.

    One change per slug: the difference between then and now, not the history in between.
    """
    collections = g.get("scope")
    head = r.seq
    store = current_store()  # the preview chain's for a preview request

    def visible(entry: Entry | None) -> bool:
        return entry is not None and (collections is None or entry.collection in collections)

    if lo == 0:  # nothing held: everything there is, nothing to delete
        return [Change(slug, "upsert") for slug in sorted(c.guides)]
    then = store.manifest(lo)
    if then is None:
        abort(410, f"The sync token has expired (the release it names is gone). {RESYNC}")
    now = r.manifest
    uncertain = store.touched(lo, hi)
    span: list[Manifest] = []  # the releases the app's pages came from, read when first needed

    def held(slug: str, before: Entry | None) -> bool:
        """Whether the app may hold this slug: visible to its scope in a release its pages came from.
        A slug it never saw (a hidden guide that changed mid-sync) is never deleted nor renamed."""
        if visible(before):
            return True
        if slug not in uncertain:
            return False
        if not span:
            span.extend(m for m in map(store.manifest, range(lo, hi + 1)) if m is not None)
        return any(visible(m.guides.get(slug)) for m in span)

    out = []
    for slug in sorted(store.touched(min(lo, head), max(hi, head)) | uncertain):
        before = then.guides.get(slug)
        if slug in c.guides:
            if slug in uncertain or not visible(before) or _seen_changed(slug, then, now, collections, names, render):
                out.append(Change(slug, "upsert"))
        elif held(slug, before):
            target = c.live_slug(slug)  # restricted: a rename is kept only when its final target is visible
            if target is not None:
                out.append(Change(slug, "rename", to=target))
            else:
                # the app held it, so it may know why it went, whichever collection the file names
                out.append(Change(slug, "delete", reason=r.corpus.retired.get(slug)))
    return out


def _seen_changed(
    slug: str,
    then: Manifest,
    now: Manifest,
    collections: frozenset[str] | None,
    names: tuple[str, ...] | None,
    render: tuple[str, ...] | None,
) -> bool:
    """Whether the guide's JSON, as this scope, fields and render see it, differs from then.
    A manifest made before views were kept: whether anything it depends on changed."""
    was, now_deps = then.views.get(slug), now.views.get(slug)
    if was is None or now_deps is None:
        return then.guides.get(slug) != now.guides.get(slug)
    return view_digest(was, then.guides, collections, names, render) != view_digest(
        now_deps, now.guides, collections, names, render
    )


def _collections(c: Corpus) -> list[dict[str, Any]]:
    return [
        {
            "slug": x.slug,
            "title": x.title,
            "description": x.description,
            "guides": [s for s in x.guides if s in c.guides],
        }
        for x in c.collections.values()
    ]


def _view(args: dict[str, Any]) -> tuple[tuple[str, ...] | None, tuple[str, ...] | None, str | None]:
    """(fields, render, the view's name in a token). `slug` is always among the fields: an app
    stores guides by it. The default view has no name (tokens from before render= stay valid)."""
    names = args.get("fields_")
    if names:
        names = ("slug", *dict.fromkeys(n for n in names if n != "slug"))
    render = serialize.renderings(args.get("render"))
    if names is None and render is None:
        return None, None, None
    return names, render, f"{','.join(render or RENDERINGS)};{','.join(names or ())}"


def _redirects(c: Corpus) -> dict[str, Any]:
    return {
        "renamed": dict(sorted(c.renamed.items())),
        "retired": [{"slug": s, "reason": why} for s, why in sorted(c.retired.items())],
    }


def _guide_json(c: Corpus, slug: str, names: tuple[str, ...] | None, render: tuple[str, ...] | None) -> bytes:
    """A guide's JSON from the response cache: the very entry GET /v1/guides/{slug} serves."""
    entry = responses().get_or_build(
        (c.version, *guide_key(slug, names, render)),
        lambda: serialize.guide_view(c.guides[slug], c, names, render),
        cache_control(),
        release().modified(f"guide:{slug}"),
    )
    return entry.body


@blp.route("/sync")
@blp.arguments(SyncArgsSchema(), **QUERY)
@blp.response(200, SyncPageSchema)
@sparse_response(blp, SyncPageSparseSchema, "A page of changes")
@blp.alt_response(400, schema=ErrorSchema, description="The token is not valid: sync again without one")
@blp.alt_response(410, schema=ErrorSchema, description="The token has expired: sync again without one")
def sync(args: dict[str, Any]) -> ResponseReturnValue:
    """Sync guides for offline use

    Without a token: every guide (paged: follow next_token), then a sync_token and the redirects
    on the last page. With token=sync_token: only what changed since (upserted, deleted, renamed),
    and a new sync_token. Keep `fields` and `render` the same for a token's whole life. Tokens
    survive content rebuilds and server restarts; a 400 or 410 means start again without a token.
    """
    c = corpus()
    r = release()
    head = r.seq
    size = args["page_size"]
    names, render, view = _view(args)
    base: dict[str, Any] = {"j": r.store_id, "s": _scope(), "lo": 0, "hi": 0}
    if view is not None:
        base["v"] = view
    plo = phi = head
    after = ""
    if args.get("token"):
        p = decode_token(r, args["token"])
        if p.get("v") != view:
            abort(410, f"The sync token was issued for other fields or render parameters. {RESYNC}")
        base.update(lo=p["lo"], hi=p["hi"])
        if "a" in p:  # a page cursor: the pages so far came from versions plo..phi
            if not isinstance(p["a"], str) or "plo" not in p or "phi" not in p:
                abort(400, f"The sync token is not valid. {RESYNC}")
            after, plo, phi = p["a"], min(p["plo"], head), max(p["phi"], head)

    def build() -> bytes:
        todo = [ch for ch in changes(r, c, base["lo"], base["hi"], names, render) if ch.slug > after]
        page, more = todo[:size], len(todo) > size
        upserted = b",".join(_guide_json(c, ch.slug, names, render) for ch in page if ch.kind == "upsert")
        rest: dict[str, Any] = {
            "deleted": [{"slug": ch.slug, "reason": ch.reason} for ch in page if ch.kind == "delete"],
            "renamed": [{"from": ch.slug, "to": ch.to} for ch in page if ch.kind == "rename"],
            "collections": None if more else _collections(c),
            "redirects": _redirects(c) if base["lo"] == 0 and not more else None,
            "next_token": None,
            "sync_token": None,
            "links": {"next": None},
        }
        if more:
            cursor = encode_token({**base, "plo": plo, "phi": phi, "a": page[-1].slug})
            rest["next_token"] = cursor
            query = urlencode({k: ",".join(v) for k, v in (("fields", names), ("render", render)) if v}, safe=",")
            rest["links"]["next"] = f"/v1/sync?token={cursor}&page_size={size}" + (f"&{query}" if query else "")
        else:
            rest["sync_token"] = encode_token({**base, "lo": plo, "hi": phi})
        return b'{"upserted":[' + upserted + b"]," + dumps(rest)[1:]

    key = ("sync", args.get("token") or "", size, names, render)
    sparse = names is not None or render is not None
    return cached_json(key, build, cache_control_="no-store", etag=False, mimetype=SPARSE_JSON if sparse else JSON)


def export_of(r: Release, c: Corpus, scope: str) -> export_file.ExportFile:
    """Release `r`'s export as `c` (a scope's corpus) sees it: the file, written on first need by
    one process, its digest read once per process."""
    token = encode_token({"j": r.store_id, "s": scope, "lo": r.seq, "hi": r.seq})
    # The token depends on the secret and the store: a file written under another is not this one.
    name = f"{c.version}-{hashlib.sha256(token.encode()).hexdigest()[:12]}"
    files: dict[str, export_file.ExportFile] = r.local.setdefault("exports", {})
    found = files.get(name)
    if found is None or not found.path.exists():

        def build(path: Path) -> None:
            guides = (serialize.guide(c.guides[s], c) for s in sorted(c.guides))
            tail = {"collections": _collections(c), "redirects": _redirects(c), "sync_token": token}
            export_file.write(path, {"version": c.version}, guides, tail)

        folder = Path(current_app.config["EXPORT_DIR"])
        found = files[name] = export_file.ensure(folder, name, build, keep_from_seq=r.seq - 1)
    return found


def prebuild_exports() -> None:
    """Once per release and process, right after it goes live here, in the background: open its
    search index and write its exports (everyone's and each partner key's), so that no reader
    waits for either (at 10,000 guides: 0.7 s and 18 s on a quiet machine)."""
    r = g.get("lp_release")
    if r is None or "export_prebuild" in r.local or not current_app.config["EXPORT_PREBUILD"]:
        return  # (this runs on every request: once the prebuild was started, one dict lookup)
    mine = object()
    if r.local.setdefault("export_prebuild", mine) is not mine:
        return  # started already (by this request's thread or another's)
    scopes = [None, *dict.fromkeys(p.collections for p in partner_keys().principals() if p.collections is not None)]
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    threading.Thread(target=_prebuild, args=(app, r, scopes), name="export-prebuild", daemon=True).start()


def _prebuild(app: Flask, r: Release, scopes: list[frozenset[str] | None]) -> None:
    with contextlib.suppress(OSError, AttributeError):  # Linux: lower this thread's priority only
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
    started = time.perf_counter()
    try:  # the search index, opened now rather than by this process's first search or suggest
        r.search.info()
    except Exception:  # (answered then: /v1/ready says so)
        log.warning("could not open the search index of release %s", r.id)
    with app.app_context():
        for collections in scopes if app.config["SECRET_KEY"] else []:  # (no secret: no export, a 503)
            try:
                export_of(r, r.scoped(collections), "*" if collections is None else scope_id(collections))
            except Exception:  # never the worker's end: a reader's request builds it then
                log.exception("could not write the export of release %s", r.id)
                return
    # What this process built for the release (the open index above all) leaves the cyclic GC's
    # reach, as the master's loaded content does (gunicorn.conf.py): a full collection in a warm
    # worker at 10,000 guides took 0.5 s, a pause that would land on some reader's request.
    gc.freeze()
    log.info("exports of release %s ready (%d scopes, %.1f s)", r.id, len(scopes), time.perf_counter() - started)


@blp.route("/export")
@blp.arguments(EmptyArgsSchema(), **QUERY)
@blp.response(200, ExportSchema)
def export(_args: dict) -> ResponseReturnValue:
    """Export the whole corpus as one bundle

    Every guide (whole), the collections and the redirects, with a sync_token to continue with
    GET /v1/sync. Sent gzipped (Content-Encoding: gzip) to every client that takes gzip. Strong
    ETag: send If-None-Match to get 304 when nothing changed.
    """
    r = release()
    found = export_of(r, corpus(), _scope())
    gz = encoding.accepts(request.headers.get("Accept-Encoding"), "gzip")
    etag = found.etag if gz else f"{found.etag}-id"  # the inflated JSON is another representation
    modified = r.modified("corpus")
    headers = {"ETag": f'"{etag}"', "Cache-Control": cache_control(), "Vary": "Accept-Encoding"}
    if modified is not None:
        headers["Last-Modified"] = http_date(modified)
    if not_modified(etag, modified):
        return Response(status=304, headers=headers)
    if not gz:
        return Response(export_file.inflate(found.path), mimetype=JSON, headers=headers)
    resp = send_file(found.path, mimetype=JSON, conditional=False, etag=False)
    resp.headers.update(headers)
    resp.headers["Content-Encoding"] = "gzip"
    return resp
