"""`content rename` and `content retire` on a copy of the corpus: every link rewritten, the redirect
added, the old URL answering 308 or 410 once published, sync delivering the change; and nothing
changed when the content has errors or the change would break it."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from tests.api.test_sync import Server, merged, sync_all

OLD, NEW = "why-do-i-miss-my-ex", "missing-an-ex"


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
def server(content_dir, tmp_path) -> Server:
    return Server(content_dir(), tmp_path)


def test_rename_moves_the_file_rewrites_every_link_and_redirects(server, runner) -> None:
    root = server.root
    before = links_to(root, OLD)
    assert before >= 8  # links in 6 guides, read-next and related lists among them
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
    linking = server.get("/v1/guides/no-contact-rule").get_json()
    assert NEW in str(linking) and f"guide:{OLD}" not in str(linking)


def test_an_older_rename_to_the_old_slug_goes_straight_to_the_new_one(server, runner) -> None:
    result = runner.invoke(
        args=["content", "rename", "no-contact-rule", "no-contact-basics", "--path", str(server.root)]
    )
    assert result.exit_code == 0, result.output
    redirects = (server.root / "redirects.yaml").read_text()
    assert "  no-contact: no-contact-basics\n" in redirects  # was no-contact: no-contact-rule
    assert "  no-contact-rule: no-contact-basics\n" in redirects
    server.restart()
    assert server.get("/v1/guides/no-contact", status=308).headers["Location"].endswith("/no-contact-basics")


def test_retire_removes_the_guide_unlinks_it_and_answers_410(content_dir, tmp_path, runner) -> None:
    slug = "staying-friends-with-an-ex"
    server = Server(content_dir(), tmp_path)
    _pages, token = sync_all(server)
    assert links_to(server.root, slug) >= 1
    reason = "Merged into: Closure Without Them."
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
        (["rename", OLD, "no-contact-rule"], "'no-contact-rule' is already used"),
        (["rename", OLD, "no-contact"], "'no-contact' is already used"),  # an old name answers a redirect
        (["rename", OLD, "Bad Slug"], "'Bad Slug' is not a slug"),
        (["rename", "no-such-guide", NEW], "there is no guide 'no-such-guide'"),
        (["retire", "no-contact", "--reason", "x"], "there is no guide 'no-contact' (it is an old name already)"),
        # its only read-next link would go: the copy does not validate, so nothing is written
        (
            ["retire", "anxious-texting", "--reason", "Gone."],
            "read-next: a '::: read-next' container must hold at least one guide: link",
        ),
    ],
)
def test_a_change_that_cannot_be_made_changes_nothing(content_dir, runner, args, says) -> None:
    root = content_dir()
    page = root / "guides" / "checking-their-social-media.md"  # its read-next: anxious-texting only
    page.write_text(
        re.sub(r"Read \[Why Do I Miss[^)]*\) if each look leaves you missing them more\. ", "", page.read_text())
    )
    before = snapshot(root)
    result = runner.invoke(args=["content", *args, "--path", str(root)])
    assert result.exit_code == 1
    assert says in result.output and "nothing was changed" in result.output, result.output
    assert snapshot(root) == before


def test_content_with_errors_is_not_renamed(content_dir, runner) -> None:
    root = content_dir()
    broken = root / "guides" / "anxious-texting.md"
    broken.write_text(broken.read_text().replace("title: ", "title: Waiting: ", 1))
    before = snapshot(root)
    result = runner.invoke(args=["content", "rename", OLD, NEW, "--path", str(root)])
    assert result.exit_code == 1
    assert "anxious-texting.md:3: error: front matter: not valid YAML: put the title in quotes" in result.output
    assert "fix them first: nothing was changed" in result.output
    assert snapshot(root) == before
