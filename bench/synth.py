"""Synthetic corpus for benchmarks: N valid guides with the shape of the real ones.

    python -m bench.synth 10000 /tmp/corpus-10k

Text is drawn (with a fixed seed) from the sentences, signals and scripts of the real guides in
content/, so word statistics are realistic; every guide has sections, signals, three scripts,
read-next and inline links to other synthetic guides, and belongs to one of the collections.
"""

from __future__ import annotations

import random
import re
import shutil
import sys
from pathlib import Path

import yaml

from api.config import ROOT
from api.content import load_corpus

COLLECTIONS = 20
TAGS = ["breakup", "no-contact", "cravings", "boundaries", "attachment", "grief", "safety", "texting"]


def _material() -> tuple[list[str], list[str], list[str], list[tuple[str, str | None, str]]]:
    corpus, _ = load_corpus(ROOT / "content")
    sentences, headings, signals, scripts = [], [], [], []
    for g in corpus.guides.values():
        signals.extend(g.signals)
        scripts.extend((s.situation, s.trigger, s.response) for s in g.scripts)
        for sec in g.sections:
            if sec.heading:
                headings.append(sec.heading)
            for b in sec.blocks:
                if b.type == "paragraph" and "guide" not in b.html:
                    sentences.extend(x for x in re.split(r"(?<=[.!?])\s+", b.text) if len(x) > 20)
    return sentences, headings, signals, scripts


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def generate(n: int, out: Path, seed: int = 7) -> Path:
    rng = random.Random(seed)
    sentences, headings, signals, scripts = _material()
    words = sorted({w.lower() for s in sentences for w in re.findall(r"[A-Za-z]{4,}", s)})
    (out / "guides").mkdir(parents=True, exist_ok=True)
    cols = [
        {"slug": f"collection-{c}", "title": f"Collection {c}", "description": f"Synthetic collection {c}."}
        for c in range(COLLECTIONS)
    ]
    (out / "collections.yaml").write_text(yaml.safe_dump(cols, sort_keys=False))
    (out / "redirects.yaml").write_text("renamed: {}\nretired: []\n")
    # The language and safety files are the real ones: the loader needs them, and they are not guides.
    shutil.copy(ROOT / "content" / "vocabulary.yaml", out / "vocabulary.yaml")
    shutil.copytree(ROOT / "content" / "safety", out / "safety", dirs_exist_ok=True)
    for i in range(n):
        slug = f"guide-{i:05d}"
        title = " ".join(rng.sample(words, 4)).capitalize()
        lines = [
            "---",
            f"slug: {slug}",
            f"title: {_q(title)}",
            f"summary: {_q(rng.choice(sentences))}",
            f"collection: collection-{i % COLLECTIONS}",
            f"order: {i}",
            f"tags: [{', '.join(sorted(rng.sample(TAGS, 3)))}]",
            f"updated: 2026-{1 + i % 12:02d}-{1 + i % 28:02d}",
            "byline: Written by the Love Patterns Lab editorial team.",
            "---",
            "",
            " ".join(rng.sample(sentences, 3)),
            "",
        ]
        used: set[str] = set()
        for k in range(6):
            heading = rng.choice(headings)
            while heading.lower() in used:
                heading = f"{heading} {k}"
            used.add(heading.lower())
            lines += [f"## {heading}", ""]
            for _ in range(2):
                lines += [" ".join(rng.sample(sentences, 3)), ""]
            if k == 0:
                lines += ["It is especially useful when:", "", "::: signals"]
                lines += [f"- {s}" for s in rng.sample(signals, 5)]
                lines += [":::", ""]
            if k == 2:
                for j in range(3):
                    situation, trigger, response = rng.choice(scripts)
                    lines += ["```script", f"id: {slug}-s{j}", f"situation: {_q(situation)}"]
                    if trigger:
                        lines.append(f"trigger: {_q(trigger)}")
                    send = j == 2
                    lines += [f"response: {_q(response)}", f"send: {str(send).lower()}"]
                    if send:
                        lines.append("safety: Only if it is safe to reply at all.")
                    lines += ["```", ""]
            if k == 3:
                other = f"guide-{(i + 7) % n:05d}"
                lines += [f"Read [this guide](guide:{other}) when {rng.choice(words)} feels like evidence.", ""]
        nxt, nxt2 = f"guide-{(i + 1) % n:05d}", f"guide-{(i + 13) % n:05d}"
        lines += [
            "::: read-next",
            f"Read [the next guide](guide:{nxt}) if {rng.choice(words)} is editing out the pattern. "
            f"Read [another guide](guide:{nxt2}) if the hardest part is {rng.choice(words)}.",
            ":::",
            "",
        ]
        (out / "guides" / f"{slug}.md").write_text("\n".join(lines), encoding="utf-8")
    return out


if __name__ == "__main__":
    generate(int(sys.argv[1]), Path(sys.argv[2]))
