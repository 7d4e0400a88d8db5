"""Package versions: the semver gate against release tags or --since, the changelog, and pyproject's version."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from generator.build import build
from generator.diff.changelog import render_changelog
from generator.diff.versions import check_versions, required
from generator.load import load, parse
from generator.render import package_environment
from tests.diff.corpus import base, dump


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository with specs/corp/openapi.yaml at package version 1.0.0, released as tag corp-v1.0.0."""
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "config", "user.email", "dev@example.com")
    _git(tmp_path, "config", "user.name", "dev")
    _save(tmp_path, base())
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-qm", "corp 1.0.0")
    _git(tmp_path, "tag", "corp-v1.0.0")
    return tmp_path


def _save(root: Path, spec: dict[str, Any]) -> Path:
    path = root / "specs/corp/openapi.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dump(spec), encoding="utf-8")
    return path


def _breaking(version: str) -> dict[str, Any]:
    spec = base()
    spec["info"]["x-voxspec-package-version"] = version
    del spec["paths"]["/agents/{agent_id}"]["delete"]
    return spec


def test_required_bump_is_major_or_minor_under_one() -> None:
    assert required((1, 4, 2)) == (2, 0, 0)
    assert required((0, 3, 1)) == (0, 4, 0)


@pytest.mark.parametrize(("version", "passes"), [("1.0.0", False), ("1.1.0", False), ("1.0.1", False), ("2.0.0", True)])
def test_breaking_change_since_last_tag_needs_major_bump(repo: Path, version: str, passes: bool) -> None:
    _save(repo, _breaking(version))
    findings = check_versions(repo, ["corp"])
    if passes:
        assert findings == []
    else:
        (finding,) = findings
        assert finding.rule == "package-version-bump"
        assert "since corp-v1.0.0 break clients, so the package version must be 2.0.0 or later" in finding.message
        assert "DELETE /agents/{agent_id}: operation removed [operation-removed]" in finding.message
        assert finding.line == 5  # the x-voxspec-package-version line of the dumped spec


def test_compatible_change_needs_no_bump(repo: Path) -> None:
    spec = base()
    spec["paths"]["/agents"]["get"]["summary"] = "All agents"
    _save(repo, spec)
    assert check_versions(repo, ["corp"]) == []


def test_since_revision_instead_of_tags(repo: Path) -> None:
    _git(repo, "tag", "-d", "corp-v1.0.0")
    _save(repo, _breaking("1.0.0"))
    assert check_versions(repo, ["corp"]) == []  # no release yet: nothing to compare with
    assert len(check_versions(repo, ["corp"], since="HEAD")) == 1


def test_changelog_lists_classified_changes_between_releases(repo: Path) -> None:
    path = _save(repo, _breaking("2.0.0"))
    text = render_changelog(repo, "corp", load(path, repo), "header")
    assert text.startswith("<!-- header -->\n# Changelog of voxspec-corp\n")
    assert "## 2.0.0 (unreleased, since 1.0.0)\n\n### Breaking changes for clients\n\n" in text
    assert "- `DELETE /agents/{agent_id}`: operation removed\n" in text
    assert text.endswith("## 1.0.0\n\nFirst release.\n")
    _git(repo, "commit", "-qam", "corp 2.0.0")
    _git(repo, "tag", "corp-v2.0.0")
    released = render_changelog(repo, "corp", load(path, repo), "header")
    assert "## 2.0.0 (since 1.0.0)\n" in released
    assert released == render_changelog(repo, "corp", load(path, repo), "header")  # deterministic


def test_changelog_without_tags_has_one_entry(tmp_path: Path) -> None:
    doc = parse(dump(base()), "specs/corp/openapi.yaml")
    text = render_changelog(tmp_path, "corp", doc, "header")  # not a git repository at all
    assert text.count("\n## ") == 1
    assert "## 1.0.0\n\nFirst release.\n" in text


def test_pyproject_carries_the_package_version() -> None:
    doc = parse(dump(base()), "specs/corp/openapi.yaml")
    api = build(doc, "corp")
    rendered = package_environment().get_template("package/pyproject.toml.j2").render(api=api)
    assert 'version = "1.0.0"' in rendered


def test_vendor_added_after_since_passes_and_bad_since_is_unusable(repo: Path) -> None:
    from generator.errors import SpecError

    (repo / "specs/newco").mkdir()
    (repo / "specs/newco/openapi.yaml").write_text(dump(base()), encoding="utf-8")
    assert check_versions(repo, ["corp", "newco"], since="HEAD") == []
    with pytest.raises(SpecError, match=r"cannot read specs/corp/openapi\.yaml at no-such-rev"):
        check_versions(repo, ["corp"], since="no-such-rev")
