"""Every relative link in the docs and READMEs reaches a file of this repository, and none points outside it."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted(
    [*ROOT.glob("docs/*.md"), ROOT / "README.md", *ROOT.glob("*/README.md"), *ROOT.glob("clients/*/README.md")]
)
LINK = re.compile(r"\]\(([^)\s]+)\)")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_links_reach_files_of_the_repository(page):
    broken = []
    for target in LINK.findall(page.read_text()):
        path = target.split("#", 1)[0]
        if not path or path.startswith(("http://", "https://", "mailto:")):
            continue
        resolved = (page.parent / path).resolve()
        if not resolved.exists() or ROOT not in (resolved, *resolved.parents):
            broken.append(target)
    assert broken == []


def test_no_page_points_at_material_outside_the_repository():
    assert [p.name for p in PAGES if "../shared" in p.read_text()] == []
