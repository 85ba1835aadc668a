"""A guide's `sounds_like`: how readers who need it describe their situation, in their own words.

Editors write them in the front matter. They are checked with the file and the field, embedded at
publish beside the guide's vector (only for guides whose file changed), never served, and the
pattern check ranks a guide higher the more the reader's situation sounds like them.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import yaml

from api.content import load_corpus
from api.releases import vectors as guide_vectors
from api.semantic import DIM
from tests.conftest import publish_app
from tests.synthetic import MISSING, QUIET

URL = "/v1/pattern-check"
# Found by the words of both synthetic guides on a breakup (QUIET and MISSING); neither one's text
# speaks of it.
SITUATION = "Since the breakup I sit up every night scrolling through old holiday photos of us."
SOUNDS_LIKE = [
    "I look at our old holiday pictures every evening since we split up.",
    "every night i end up scrolling thru our trip photos from last summer",
]


def _with_examples(text: str, examples: list[str]) -> str:
    """A guide's Markdown with `sounds_like` added to its front matter."""
    head, rest = text[4:].split("\n---\n", 1)
    block = yaml.safe_dump({"sounds_like": examples}, width=1000, allow_unicode=True)
    return "---\n" + head + "\n" + block.rstrip("\n") + "\n---\n" + rest


def _ranking(client, situation: str) -> list[str]:
    r = client.post(URL, json={"situation": situation, "limit": 10})
    assert r.status_code == 200, r.get_data(as_text=True)
    return [x["slug"] for x in r.get_json()["results"]]


def _guide_text(content, slug: str) -> str:
    return (content / "guides" / f"{slug}.md").read_text(encoding="utf-8")


def test_a_guide_the_situation_sounds_like_comes_first(syn_content_dir, tmp_path) -> None:
    content = syn_content_dir()
    before = _ranking(publish_app(content, tmp_path / "one").test_client(), SITUATION)
    assert {QUIET, MISSING} <= set(before)
    second = before[1]
    content = syn_content_dir({f"guides/{second}.md": _with_examples(_guide_text(content, second), SOUNDS_LIKE)})
    after = _ranking(publish_app(content, tmp_path / "two").test_client(), SITUATION)
    assert after[0] == second and set(after) == set(before)  # re-ranked, nothing added or dropped


def test_examples_are_not_served(syn_content_dir, tmp_path) -> None:
    mark = "I look at our old holiday pictures every evening"
    content = syn_content_dir(
        {f"guides/{MISSING}.md": _with_examples(_guide_text(syn_content_dir(), MISSING), SOUNDS_LIKE)}
    )
    client = publish_app(content, tmp_path / "store").test_client()
    for url in (f"/v1/guides/{MISSING}", f"/v1/guides/{MISSING}/sections", "/v1/guides", "/v1/sync", "/v1/export"):
        r = client.get(url)
        assert r.status_code == 200, url
        assert mark not in r.get_data(as_text=True) and "sounds_like" not in r.get_data(as_text=True), url


def test_bad_examples_are_reported_with_file_and_field(syn_content_dir) -> None:
    base = _guide_text(syn_content_dir(), MISSING)
    content = syn_content_dir(
        {
            f"guides/{MISSING}.md": _with_examples(base, ["too short", *SOUNDS_LIKE]),
            f"guides/{QUIET}.md": _with_examples(
                _guide_text(syn_content_dir(), QUIET), [f"Example number {i} of too many." for i in range(61)]
            ),
        }
    )
    _, problems = load_corpus(content)
    errors = {(p.file.rsplit("/", 1)[-1], p.field, p.reason) for p in problems if p.severity == "error"}
    assert (f"{MISSING}.md", "sounds_like.0", "an example is a situation of 10 to 500 characters") in errors
    assert (f"{QUIET}.md", "sounds_like", "at most 60 examples") in errors
    lines = {p.field: p.line for p in problems if p.field.startswith("sounds_like")}
    assert all(isinstance(n, int) and n > 1 for n in lines.values())


def test_examples_are_read_once_spaces_folded_and_repeats_dropped(syn_content_dir) -> None:
    base = _guide_text(syn_content_dir(), MISSING)
    repeated = [
        SOUNDS_LIKE[0],
        "  I look at our old holiday   pictures every evening since we split up.",
        SOUNDS_LIKE[1],
    ]
    corpus, problems = load_corpus(syn_content_dir({f"guides/{MISSING}.md": _with_examples(base, repeated)}))
    assert not [p for p in problems if p.severity == "error"]
    assert corpus.guides[MISSING].sounds_like == tuple(SOUNDS_LIKE)


def test_a_publish_embeds_only_the_changed_guides_examples(syn_content_dir, tmp_path, monkeypatch) -> None:
    base = syn_content_dir()
    content = syn_content_dir(
        {
            f"guides/{MISSING}.md": _with_examples(_guide_text(base, MISSING), SOUNDS_LIKE),
            f"guides/{QUIET}.md": _with_examples(
                _guide_text(base, QUIET), ["Everything reminds me of her, so I went quiet."]
            ),
        }
    )
    corpus, _ = load_corpus(content)
    encoded: list[str] = []
    real = guide_vectors.encoder

    class Counting:
        def encode(self, texts: list[str]) -> np.ndarray:
            encoded.extend(texts)
            return real().encode(texts)

    monkeypatch.setattr(guide_vectors, "encoder", Counting)
    monkeypatch.setattr(guide_vectors, "_texts", guide_vectors.LRUCache(1000))  # nothing embedded before
    first, second = tmp_path / "one", tmp_path / "two"
    first.mkdir(), second.mkdir()
    guide_vectors.write_vectors(corpus, first, None)
    assert set(SOUNDS_LIKE) <= set(encoded)
    _, examples = guide_vectors.read_all(first)
    assert examples[corpus.guides[MISSING].digest].shape == (len(SOUNDS_LIKE), DIM)

    edited = dataclasses.replace(corpus.guides[QUIET], digest="0" * 64, sounds_like=("A new example of the quiet.",))
    changed = dataclasses.replace(corpus, guides={**corpus.guides, QUIET: edited})
    encoded.clear()
    monkeypatch.setattr(guide_vectors, "_texts", guide_vectors.LRUCache(1000))
    guide_vectors.write_vectors(changed, second, first)
    assert "A new example of the quiet." in encoded and not set(SOUNDS_LIKE) & set(encoded)
    _, after = guide_vectors.read_all(second)
    assert np.array_equal(after[corpus.guides[MISSING].digest], examples[corpus.guides[MISSING].digest])
    assert after["0" * 64].shape == (1, DIM) and corpus.guides[QUIET].digest not in after


def test_a_vectors_file_written_before_examples_gets_them_at_the_next_publish(syn_content_dir, tmp_path) -> None:
    content = syn_content_dir(
        {f"guides/{MISSING}.md": _with_examples(_guide_text(syn_content_dir(), MISSING), SOUNDS_LIKE)}
    )
    corpus, _ = load_corpus(content)
    old, new = tmp_path / "old", tmp_path / "new"
    old.mkdir(), new.mkdir()
    guides = sorted(corpus.guides.values(), key=lambda g: g.slug)
    with open(old / guide_vectors.VECTORS_FILE, "wb") as fh:  # the file as written before examples
        np.savez(
            fh,
            model=np.array(guide_vectors.MODEL_NAME),
            digests=np.array([g.digest for g in guides], dtype=str),
            vectors=guide_vectors.embed_guides(guides),
        )
    known, examples = guide_vectors.read_all(old)
    assert len(known) == len(guides) and examples == {}
    assert guide_vectors.write_vectors(corpus, new, old) == 0  # no guide embedded again...
    _, examples = guide_vectors.read_all(new)
    assert set(examples) == {corpus.guides[MISSING].digest}  # ...but the examples are


def test_how_much_a_situation_sounds_like_a_guide_is_the_mean_of_its_closest_examples() -> None:
    from api.patterns.meaning import VectorTable

    eye = np.eye(4, DIM, dtype=np.float32)
    examples = {"a": np.stack([eye[0], eye[1], eye[2]]), "b": np.stack([eye[3]])}
    table = VectorTable({"a": eye[0], "b": eye[3], "c": eye[1]}, examples)
    vectors = table.of(["c", "a", "b"])  # guide 0 has no examples
    query = (eye[0] + eye[1]) / np.sqrt(2)
    like = vectors.like(query, [0, 1, 2], k=2)
    assert set(like) == {1, 2}  # a guide without examples is left out
    assert abs(like[1] - float(np.sqrt(2) / 2)) < 1e-6  # its two closest: both at 0.707
    assert abs(like[2]) < 1e-6
    assert abs(vectors.like(query, [1], k=3)[1] - float(np.sqrt(2) / 3)) < 1e-6  # (0.707 + 0.707 + 0) / 3


def test_the_contrast_space_weighs_what_tells_near_guides_apart() -> None:
    """Two guides' examples spread widely along one direction (how they are told) and differ only
    along a narrow one (who reaches out). A situation on guide a's side of the narrow direction, told
    like guide b's examples, sounds more like b as it is, and more like a in the contrast space."""
    from api.patterns.meaning import Contrast, VectorTable

    rng = np.random.default_rng(7)
    eye = np.eye(3, DIM, dtype=np.float32)

    def unit(m: np.ndarray) -> np.ndarray:
        return (m / np.linalg.norm(m, axis=-1, keepdims=True)).astype(np.float32)

    told = rng.normal(0.0, 0.2, 24)  # a's examples: told one way...
    a = unit(eye[0] + told[:, None] * eye[2] + 0.2 * eye[1])
    b = unit(eye[0] + rng.normal(1.5, 0.6, 24)[:, None] * eye[2] - 0.2 * eye[1])  # ...b's another
    table = VectorTable({"a": eye[0], "b": eye[0]}, {"a": a, "b": b})
    vectors = table.of(["a", "b"])
    query = unit(eye[0] + 1.5 * eye[2] + 0.2 * eye[1])
    as_is = vectors.like(query, [0, 1])
    there = vectors.like(query, [0, 1], share=1.0)
    assert as_is[1] > as_is[0] and there[0] > there[1]
    assert vectors.contrast is table.contrast is not None  # one space for every scope of the release
    assert Contrast.fit(a, [(0, 1), (1, 2)]) is None  # one example per guide: no spread to learn from
    assert Contrast.fit(a, [(0, 24)]) is None  # one guide's examples: nothing to tell apart
    assert VectorTable({"a": eye[0]}).contrast is None  # no examples at all
