"""Guide bodies: Markdown (markdown-it-py) to sections of typed blocks.

markdown-it does the parsing and the escaped HTML; this module only walks its tokens and
adds what the content format defines on top: `::: signals|safety|read-next` containers,
```script blocks and `guide:` links.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token
from marshmallow import ValidationError
from mdit_py_plugins.container import container_plugin

from api.content.inline import GUIDE_SCHEME, InlineWalk, sentence_around
from api.content.model import Block, Link, Problem, Script, Section, Span
from api.content.schemas import ScriptSchema, flatten_errors
from api.content.yamlutil import YamlError, load_yaml
from api.urls import page_href

CONTAINERS = ("signals", "safety", "read-next")
INTRO_ANCHOR = "introduction"
WORDS_PER_MINUTE = 200
_WORD = re.compile(r"[\w'’-]+")
_TABLE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)+\|?\s*$", re.M)  # a |---|---| row


def _make_md() -> MarkdownIt:
    # "html": False makes raw HTML in a guide text, so nothing an editor types is injected.
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    for name in CONTAINERS:
        md.use(container_plugin, name=name)
    md.add_render_rule("link_open", _render_link_open)
    md.add_render_rule("fence", _render_fence)
    return md


def _render_link_open(self: Any, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    href = str(token.attrGet("href") or "")
    if href.startswith(GUIDE_SCHEME):
        slug = href[len(GUIDE_SCHEME) :]
        return f'<a href="{html.escape(page_href(slug))}" data-guide="{html.escape(slug)}">'
    return self.renderToken(tokens, idx, options, env)


def _render_fence(self: Any, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    if token.info.strip() == "script":
        script = env.get("scripts", {}).get(token.map[0] if token.map else -1)
        return script_html(script) if script else ""
    return str(self.fence(tokens, idx, options, env))


MD = _make_md()


def script_html(script: Script) -> str:
    esc = html.escape
    parts = [f'<figure class="script" id="script-{esc(script.id)}" data-send="{str(script.send).lower()}">']
    parts.append(f'<figcaption class="situation">{esc(script.situation)}</figcaption>')
    if script.trigger:
        parts.append(f'<blockquote class="trigger">{esc(script.trigger)}</blockquote>')
    if script.instruction:
        parts.append(f'<p class="instruction">{esc(script.instruction)}</p>')
    parts.append(f'<blockquote class="response">{esc(script.response)}</blockquote>')
    if script.safety:
        parts.append(f'<p class="safety-condition">{esc(script.safety)}</p>')
    parts.append("</figure>\n")
    return "".join(parts)


def slugify(text: str) -> str:
    text = re.sub(r"['’]", "", text.lower())
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-") or "section"


def reading_time(words: int) -> int:
    return max(1, -(-words // WORDS_PER_MINUTE))


@dataclass
class Body:
    sections: list[Section] = field(default_factory=list)
    scripts: list[Script] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    signals: list[str] = field(default_factory=list)
    safety_notes: list[str] = field(default_factory=list)
    words: int = 0


class _BodyParser:
    def __init__(self, text: str, slug: str, file: str, first_line: int) -> None:
        self.file = file
        self.slug = slug
        self.first_line = first_line  # file line of the body's first line
        self.tokens = MD.parse(text)
        self.env: dict[str, Any] = {"scripts": {}}
        self.problems: list[Problem] = []
        self.body = Body()
        self.section = INTRO_ANCHOR
        self.signal_containers = 0
        self.open_containers: list[tuple[str, int | None]] = []  # name, line

    # -- helpers -------------------------------------------------------------------------
    def line(self, token: Token) -> int | None:
        return self.first_line + token.map[0] if token.map else None

    def problem(self, token: Token | None, fieldname: str, reason: str) -> None:
        line = self.line(token) if token is not None else None
        self.problems.append(Problem(self.file, line, fieldname, reason))

    def close_of(self, i: int) -> int:
        """Index of the token that closes the one opened at i."""
        depth = 0
        for j in range(i, len(self.tokens)):
            depth += self.tokens[j].nesting
            if depth == 0:
                return j
        return len(self.tokens) - 1

    def render(self, i: int, j: int) -> str:
        return str(MD.renderer.render(self.tokens[i : j + 1], MD.options, self.env))

    # -- walking -------------------------------------------------------------------------
    def parse(self) -> tuple[Body, list[Problem]]:
        current: list[Block] = []
        heading: str | None = None
        heading_line: int | None = None
        anchors: set[str] = set()
        i = 0
        while i < len(self.tokens):
            tok = self.tokens[i]
            if tok.type == "heading_open" and tok.tag in ("h1", "h2"):
                j = self.close_of(i)
                if tok.tag == "h1":
                    self.problem(tok, "body", "use '## ' for section headings; the title is set in front matter")
                self._end_section(heading, heading_line, current)
                heading = self.tokens[i + 1].content.strip()
                heading_line = self.line(tok)
                self.section = slugify(heading)
                if self.section in anchors or self.section == INTRO_ANCHOR:
                    self.problem(tok, "anchor", f"duplicate section anchor '{self.section}'")
                anchors.add(self.section)
                current = []
                i = j + 1
                continue
            block, i = self.block(i)
            if block is not None:
                current.append(block)
        self._end_section(heading, heading_line, current)
        if self.signal_containers == 0:
            self.problem(None, "signals", "no '::: signals' list (the 'It is especially useful when' items)")
        elif self.signal_containers > 1:
            self.problem(None, "signals", "more than one '::: signals' list")
        return self.body, self.problems

    def _end_section(self, heading: str | None, line: int | None, blocks: list[Block]) -> None:
        if heading is None and not blocks:
            return  # no introduction
        text = " ".join(b.text for b in blocks if b.text)
        self.body.words += len(_WORD.findall(text)) + len(_WORD.findall(heading or ""))
        self.body.sections.append(Section(self.section, heading, tuple(blocks), text, line))

    def blocks_until(self, i: int, end: int) -> list[Block]:
        out: list[Block] = []
        while i < end:
            block, i = self.block(i)
            if block is not None:
                out.append(block)
        return out

    def block(self, i: int) -> tuple[Block | None, int]:
        tok = self.tokens[i]
        t = tok.type
        if t == "paragraph_open":
            j = self.close_of(i)
            inline = self.tokens[i + 1]
            if inline.content.lstrip().startswith(":::"):
                self.problem(
                    tok,
                    "body",
                    f"unknown or unclosed container '{inline.content.strip().splitlines()[0]}' "
                    f"(use one of: {', '.join(CONTAINERS)}; close with ':::')",
                )
            if _TABLE.search(inline.content):
                self.problem(
                    tok,
                    "body",
                    "tables are not supported (readers would see the '|' signs): write the rows as a list",
                )
            spans, text = self.inline(inline)
            return Block("paragraph", self.render(i, j), text, inlines=spans), j + 1
        if t == "heading_open":
            j = self.close_of(i)
            spans, text = self.inline(self.tokens[i + 1])
            return Block("heading", self.render(i, j), text, inlines=spans, level=int(tok.tag[1])), j + 1
        if t in ("bullet_list_open", "ordered_list_open"):
            j = self.close_of(i)
            items = []
            k = i + 1
            while k < j:
                end = self.close_of(k)  # list_item_close
                items.append(tuple(self.blocks_until(k + 1, end)))
                k = end + 1
            text = " ".join(" ".join(b.text for b in item) for item in items)
            return Block("list", self.render(i, j), text, items=tuple(items), ordered=t == "ordered_list_open"), j + 1
        if t == "blockquote_open":
            j = self.close_of(i)
            children = self.blocks_until(i + 1, j)
            return Block("quote", self.render(i, j), _join(children), children=tuple(children)), j + 1
        if t.startswith("container_"):
            return self.container(i)
        if t == "fence" and tok.info.strip() == "script":
            script = self.script(tok)
            if script is None:
                return None, i + 1
            return Block("script", self.render(i, i), script.text, script_id=script.id), i + 1
        if t == "fence" and _near_script(tok.info):
            self.problem(
                tok,
                "script",
                f"'```{tok.info.strip()}' looks like a misspelt script block: write '```script' "
                "(as it is, the script is shown as code and left out of the scripts)",
            )
            return None, i + 1
        if t in ("fence", "code_block"):
            return Block("code", self.render(i, i), tok.content.rstrip("\n")), i + 1
        if t == "hr":
            return Block("rule", self.render(i, i), ""), i + 1
        return None, i + 1

    def container(self, i: int) -> tuple[Block, int]:
        tok = self.tokens[i]
        name = tok.type[len("container_") : -len("_open")]
        j = self.close_of(i)
        if self.open_containers:
            outer, outer_line = self.open_containers[-1]
            self.problem(
                tok,
                outer,
                f"'::: {name}' starts inside the '::: {outer}' opened on line {outer_line}, which is not "
                f"closed: add a line with only ':::' where the {outer} part ends",
            )
        elif not self.tokens[j].markup:  # markdown-it closed it at the end of the guide: no ':::' line
            self.problem(
                tok,
                name,
                f"'::: {name}' is never closed: add a line with only ':::' where it ends "
                "(until then it swallows everything below it)",
            )
        links_before = len(self.body.links)
        self.open_containers.append((name, self.line(tok)))
        children = self.blocks_until(i + 1, j)
        self.open_containers.pop()
        text = _join(children)
        if name == "signals":
            self.signal_containers += 1
            lists = [b for b in children if b.type == "list"]
            if len(lists) != 1 or len(children) != 1:
                self.problem(tok, "signals", "a '::: signals' container must hold exactly one list")
            for item in lists[0].items if lists else ():
                self.body.signals.append(_join(item))
        elif name == "safety":
            if not text:
                self.problem(tok, "safety", "empty safety callout")
            self.body.safety_notes.append(text)
        elif name == "read-next" and len(self.body.links) == links_before:
            self.problem(tok, "read-next", "a '::: read-next' container must hold at least one guide: link")
        return Block(name.replace("-", "_"), self.render(i, j), text, children=tuple(children)), j + 1

    # -- inline --------------------------------------------------------------------------
    def inline(self, inline: Token) -> tuple[tuple[Span, ...], str]:
        """Spans and plain text of an inline token; records guide links with their sentence."""
        walk = InlineWalk(lambda reason: self.problem(inline, "body", reason))
        spans, _ = walk.walk(inline.children or [])
        text = walk.text
        kind = "read_next" if any(n == "read-next" for n, _ in self.open_containers) else "inline"
        for slug, label, start, end in walk.links:
            sentence, condition = sentence_around(text, start, end)
            if not slug:
                self.problem(inline, "link", "a 'guide:' link needs a slug")
                continue
            self.body.links.append(
                Link(slug, kind, label, condition or None, sentence, self.section, self.line(inline))
            )
        return tuple(spans), text

    # -- scripts -------------------------------------------------------------------------
    def script(self, tok: Token) -> Script | None:
        line = self.line(tok)
        first = (line or 0) + 1
        try:
            data, lines = load_yaml(tok.content, first)
        except YamlError as exc:
            self.problems.append(
                Problem(self.file, exc.line, f"script.{exc.field}" if exc.field else "script", exc.reason)
            )
            return None
        if not isinstance(data, dict):
            self.problems.append(Problem(self.file, line, "script", "a script block must hold 'field: value' lines"))
            return None
        try:
            fields = ScriptSchema().load(data)
        except ValidationError as err:
            sid = data.get("id") if isinstance(data.get("id"), str) else None
            for name, reason in flatten_errors(err.messages):
                top = name.split(".")[0]
                label = f"script[{sid}].{name}" if sid else f"script.{name}"
                self.problems.append(Problem(self.file, lines.get(top, line), label, reason))
            return None
        script = Script(
            id=fields["id"],
            guide=self.slug,
            section=self.section,
            situation=fields["situation"],
            response=fields["response"],
            send=fields["send"],
            trigger=fields["trigger"],
            instruction=fields["instruction"],
            safety=fields["safety"],
            tags=tuple(fields["tags"]),
            line=lines.get("id", line),
        )
        self.env["scripts"][tok.map[0] if tok.map else -1] = script
        self.body.scripts.append(script)
        return script


def _near_script(info: str) -> bool:
    """True for a fence info that is almost `script`: `scrpit`, `Script`, `scripts`, `script yaml`."""
    word = info.strip().split()[0].lower() if info.strip() else ""
    if info.strip() == "script" or not word:
        return False
    return word == "script" or word.startswith("script") or _distance(word, "script") <= 2


def _distance(a: str, b: str) -> int:
    """Edit distance counting a swap of two neighbours as one edit (`scrpit` is 1 from `script`)."""
    d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[-1][-1]


def _join(blocks: list[Block] | tuple[Block, ...]) -> str:
    return " ".join(b.text for b in blocks if b.text)


def parse_body(text: str, slug: str, file: str, first_line: int) -> tuple[Body, list[Problem]]:
    return _BodyParser(text, slug, file, first_line).parse()
