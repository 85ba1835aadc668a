"""`content rename` and `content retire` on a copy of the corpus: every link rewritten, the redirect
added, the old URL answering 308 or 410 once published, sync delivering the change; and nothing
changed when the content has errors or the change would break it."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from tests.api.test_sync import Server, guide_md, merged, sync_all
from tests.synthetic import LIMITS, MISSING, QUIET, UNSAFE

OLD, NEW = MISSING, "missing-an-ex"


def linking_md(n: int) -> str:
    """linking-n links to OLD three ways (related, in its body, in its read-next), and to LIMITS,
    UNSAFE and the next linking guide once (so that no guide is an orphan: validate warns of one)."""
    text = guide_md(f"linking-{n}", "first-steps", link=OLD)
    text = text.replace("tags: [", f"related: [{OLD}, {QUIET}]\ntags: [", 1)
    body = (
        f"An introduction. See [missing them](guide:{OLD}), [saying no](guide:{LIMITS}),"
        f" [feeling unsafe](guide:{UNSAFE}) and [the next one](guide:linking-{(n + 1) % 3}).\n"
    )
    return text.replace("An introduction.\n", body, 1)


# The synthetic corpus (QUIET's read-next links to OLD) and three guides that link to OLD and LIMITS.
LINKING = {f"guides/linking-{n}.md": linking_md(n) for n in range(3)}


def snapshot(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def links_to(root: Path, slug: str) -> int:
    """Body links and `related` entries naming slug, over every guide."""
    total = 0
    for path in (root / "guides").glob("*.md"):
        text = path.read_text(encoding="utf-8")
        total += len(re.findall(rf"\(guide:{slug}\)", text))
        related = re.search(r"^related: \[(.*)\]$", text, re.M)
        total += related.group(1).split(", ").count(slug) if related else 0
    return total


@pytest.fixture()
def server(syn_content_dir, tmp_path) -> Server:
    return Server(syn_content_dir(LINKING), tmp_path)


def test_rename_moves_the_file_rewrites_every_link_and_redirects(server, runner) -> None:
    root = server.root
    before = links_to(root, OLD)
    assert before >= 8  # links in 4 guides, read-next and related lists among them
    _pages, token = sync_all(server)

    result = runner.invoke(args=["content", "rename", OLD, NEW, "--path", str(root)])
    assert result.exit_code == 0, result.output
    assert f"renamed '{OLD}' to '{NEW}'" in result.output
    assert not (root / "guides" / f"{OLD}.md").exists()
    assert re.search(rf"^slug: {NEW}$", (root / "guides" / f"{NEW}.md").read_text(), re.M)
    assert links_to(root, OLD) == 0 and links_to(root, NEW) == before
    assert f"  {OLD}: {NEW}\n" in (root / "redirects.yaml").read_text()
    assert "# Renamed guides" in (root / "redirects.yaml").read_text()  # the editor's comments stay
    check = runner.invoke(args=["content", "validate", "--path", str(root)])
    assert check.exit_code == 0 and "0 error(s), 0 warning(s)" in check.output, check.output

    server.restart()  # publish, then a fresh process over the store
    r = server.get(f"/v1/guides/{OLD}", status=308)
    assert r.headers["Location"].endswith(f"/v1/guides/{NEW}")
    assert server.get(f"/v1/guides/{NEW}").get_json()["slug"] == NEW
    delta = merged(sync_all(server, token)[0])
    assert delta["renamed"] == [{"from": OLD, "to": NEW}]
    assert NEW in [g["slug"] for g in delta["upserted"]]
    linking = server.get(f"/v1/guides/{QUIET}").get_json()
    assert NEW in str(linking) and f"guide:{OLD}" not in str(linking)


def test_an_older_rename_to_the_old_slug_goes_straight_to_the_new_one(server, runner) -> None:
    result = runner.invoke(args=["content", "rename", QUIET, "quiet-basics", "--path", str(server.root)])
    assert result.exit_code == 0, result.output
    redirects = (server.root / "redirects.yaml").read_text()
    assert "  old-quiet: quiet-basics\n" in redirects  # was old-quiet: QUIET
    assert f"  {QUIET}: quiet-basics\n" in redirects
    server.restart()
    assert server.get("/v1/guides/old-quiet", status=308).headers["Location"].endswith("/quiet-basics")


def test_retire_removes_the_guide_unlinks_it_and_answers_410(syn_content_dir, tmp_path, runner) -> None:
    slug = LIMITS
    server = Server(syn_content_dir(LINKING), tmp_path)
    _pages, token = sync_all(server)
    assert links_to(server.root, slug) >= 1
    reason = "Merged into: Quiet After a Breakup."
    result = runner.invoke(args=["content", "retire", slug, "--reason", reason, "--path", str(server.root)])
    assert result.exit_code == 0, result.output
    assert not (server.root / "guides" / f"{slug}.md").exists()
    assert links_to(server.root, slug) == 0
    assert f'  - slug: {slug}\n    reason: "{reason}"\n' in (server.root / "redirects.yaml").read_text()

    server.restart()
    body = server.get(f"/v1/guides/{slug}", status=410).get_json()
    assert reason in body["detail"]
    delta = merged(sync_all(server, token)[0])
    assert [d["slug"] for d in delta["deleted"]] == [slug] and delta["deleted"][0]["reason"] == reason


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["rename", OLD, QUIET], f"'{QUIET}' is already used"),
        (["rename", OLD, "old-quiet"], "'old-quiet' is already used"),  # an old name answers a redirect
        (["rename", OLD, "Bad Slug"], "'Bad Slug' is not a slug"),
        (["rename", "no-such-guide", NEW], "there is no guide 'no-such-guide'"),
        (["retire", "old-quiet", "--reason", "x"], "there is no guide 'old-quiet' (it is an old name already)"),
        # QUIET's read-next links to MISSING only: the copy would not validate, so nothing is written
        (
            ["retire", MISSING, "--reason", "Gone."],
            "read-next: a '::: read-next' container must hold at least one guide: link",
        ),
    ],
)
def test_a_change_that_cannot_be_made_changes_nothing(syn_content_dir, runner, args, says) -> None:
    root = syn_content_dir()
    before = snapshot(root)
    result = runner.invoke(args=["content", *args, "--path", str(root)])
    assert result.exit_code == 1
    assert says in result.output and "nothing was changed" in result.output, result.output
    assert snapshot(root) == before


def test_content_with_errors_is_not_renamed(syn_content_dir, runner) -> None:
    root = syn_content_dir({"guides/unquoted.md": guide_md("unquoted", "limits")})  # its title: not in quotes
    broken = root / "guides" / "unquoted.md"
    broken.write_text(broken.read_text().replace("title: ", "title: Waiting: ", 1))
    before = snapshot(root)
    result = runner.invoke(args=["content", "rename", OLD, NEW, "--path", str(root)])
    assert result.exit_code == 1
    assert "unquoted.md:3: error: front matter: not valid YAML: put the title in quotes" in result.output
    assert "fix them first: nothing was changed" in result.output
    assert snapshot(root) == before
