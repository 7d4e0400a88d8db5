"""The docs stage: every operation on its vendor page, deterministic bytes, build time, and the CLI.

The browser tests open the built site in headless Chromium: pages load without console errors and the filter works.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import os
import re
import shlex
import signal
import subprocess
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markupsafe import escape

from generator.build import build
from generator.cli import main
from generator.docs import MARKER, render_site
from generator.errors import VoxspecError
from generator.ir import Api
from generator.lint import lint
from generator.load import Document, load, parse
from generator.openapi import METHODS, DocumentIndex
from generator.validate import validate
from tests.unit.specs import op, valid

ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT / "specs"
VENDORS = sorted(p.parent.name for p in SPECS.glob("*/openapi.yaml"))
CHROMIUM = Path("/usr/bin/chromium")
BROWSER_TIMEOUT = 90


@dataclass
class Site:
    files: dict[str, bytes]
    docs: dict[str, Document]
    raw: dict[str, bytes]
    invalid: dict[str, int]  # vendor -> number of findings; those are left out of the site
    apis: list[Api]


@pytest.fixture(scope="module")
def site() -> Site:
    """The site of every spec that validates, built the way `voxspec docs` builds it."""
    docs: dict[str, Document] = {}
    raw: dict[str, bytes] = {}
    invalid: dict[str, int] = {}
    for vendor in VENDORS:
        path = SPECS / vendor / "openapi.yaml"
        for _attempt in range(3):  # specs are edited while tests run; the download copy must match the IR
            data = path.read_bytes()
            doc = load(path, ROOT)
            if doc.sha256 == hashlib.sha256(data).hexdigest():
                break
        else:
            pytest.fail(f"{path} kept changing while the test read it")
        index = DocumentIndex(doc)
        findings = set(validate(doc, index)) | set(lint(doc, index))
        if findings:
            invalid[vendor] = len(findings)
            continue
        docs[vendor], raw[vendor] = doc, data
    if not docs:
        pytest.skip(f"no spec validates yet (findings per vendor: {invalid})")
    # Its speed is measured by `make bench-docs`, not here.
    apis = [build(doc, vendor) for vendor, doc in docs.items()]
    return Site(render_site(apis, raw), docs, raw, invalid, apis)


def vendor_of(site: Site, vendor: str) -> Document:
    if vendor in site.invalid:
        pytest.skip(f"specs/{vendor}/openapi.yaml has {site.invalid[vendor]} finding(s); it is not in the site")
    return site.docs[vendor]


def spec_operation_ids(doc: Document) -> list[str]:
    """operationIds read straight from the spec data, independently of the IR."""
    ids = []
    for item in doc.data.get("paths", {}).values():
        for method in METHODS:
            if isinstance(item, dict) and isinstance(item.get(method), dict):
                ids.append(str(item[method]["operationId"]))
    return ids


@dataclass
class Page(HTMLParser):
    """What the tests need from a page: ids, operation sections, links, external resources and code blocks."""

    ids: list[str] = field(default_factory=list)
    operations: dict[str, dict[str, str | None]] = field(default_factory=dict)
    nav: list[str] = field(default_factory=list)
    hrefs: list[str] = field(default_factory=list)
    resources: list[str] = field(default_factory=list)
    code: dict[tuple[str, str], str] = field(default_factory=dict)  # (operationId, example-python|curl) -> text
    _code_key: tuple[str, str] | None = None

    def __post_init__(self) -> None:
        super().__init__()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if a.get("id"):
            self.ids.append(str(a["id"]))
        if tag == "section" and "op" in classes:
            self.operations[str(a["id"])] = a
        if tag == "li" and "nav-op" in classes:
            self.nav.append("")
        if tag == "a" and a.get("href"):
            href = str(a["href"])
            self.hrefs.append(href)
            if self.nav and self.nav[-1] == "":
                self.nav[-1] = href
        if tag in ("script", "img", "iframe", "link", "source", "video", "audio") and (a.get("src") or a.get("href")):
            self.resources.append(str(a.get("src") or a.get("href")))
        if tag == "pre" and self.operations:
            kind = next((c for c in classes if c.startswith("example-")), None)
            if kind:
                self._code_key = (list(self.operations)[-1], kind)
                self.code[self._code_key] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "pre":
            self._code_key = None

    def handle_data(self, data: str) -> None:
        if self._code_key:
            self.code[self._code_key] += data


def page(html: bytes | str) -> Page:
    parsed = Page()
    parsed.feed(html.decode("utf-8") if isinstance(html, bytes) else html)
    parsed.close()
    return parsed


# ---------------------------------------------------------------- unit


@pytest.mark.parametrize("vendor", VENDORS)
def test_every_operation_has_an_anchor_and_a_sidebar_entry(site: Site, vendor: str) -> None:
    doc = vendor_of(site, vendor)
    expected = spec_operation_ids(doc)
    parsed = page(site.files[f"{vendor}/index.html"])
    assert sorted(parsed.operations) == sorted(expected)
    assert sorted(parsed.nav) == sorted(f"#{op_id}" for op_id in expected)
    assert list(parsed.operations) == [h[1:] for h in parsed.nav], "sidebar and page list operations in one order"


@pytest.mark.parametrize("vendor", VENDORS)
def test_ids_are_unique_and_every_internal_link_resolves(site: Site, vendor: str) -> None:
    vendor_of(site, vendor)
    parsed = page(site.files[f"{vendor}/index.html"])
    duplicates = sorted({i for i in parsed.ids if parsed.ids.count(i) > 1})
    assert not duplicates
    broken = sorted({h for h in parsed.hrefs if h.startswith("#") and h[1:] not in parsed.ids})
    assert not broken, f"links to missing anchors: {broken[:10]}"
    relative = {h for h in parsed.hrefs if not h.startswith(("#", "http://", "https://"))}
    assert relative == {"../index.html", "openapi.yaml"}


@pytest.mark.parametrize("vendor", VENDORS)
def test_pages_need_nothing_from_the_network(site: Site, vendor: str) -> None:
    vendor_of(site, vendor)
    for name in ("index.html", f"{vendor}/index.html"):
        html = site.files[name].decode("utf-8")
        assert page(html).resources == [], f"{name} loads external resources"
        style = "".join(re.findall(r"<style>(.*?)</style>", html, re.S))
        assert "@import" not in style and "url(" not in style and "@font-face" not in style


@pytest.mark.parametrize("vendor", VENDORS)
def test_examples_compile_call_the_operation_and_carry_no_secret(site: Site, vendor: str) -> None:
    vendor_of(site, vendor)
    api = next(a for a in site.apis if a.vendor == vendor)
    parsed = page(site.files[f"{vendor}/index.html"])
    assert len(parsed.code) == 2 * len(api.operations)
    for operation in api.operations:
        snippet, command = parsed.code[operation.op_id, "example-python"], parsed.code[operation.op_id, "example-curl"]
        compile(snippet, f"{vendor}:{operation.op_id}", "exec")
        assert f"from {api.package} import Client" in snippet
        assert f"client.{operation.op_id}(" in snippet
        words = shlex.split(command.replace("\\\n", " "))
        assert words[0] == "curl" and operation.path.split("{")[0] in command
        for flag, value in itertools.pairwise(words):
            if flag == "--data":
                json.loads(value)
        if any(operation.security) and api.security_schemes:
            assert re.search(rf"\${api.vendor.upper()}_[A-Z0-9_]+", command), command
            assert "os.environ[" in snippet
        assert "voxspec-mock-key" not in snippet + command


def test_raw_spec_is_copied_for_download_and_the_index_links_every_vendor(site: Site) -> None:
    index = page(site.files["index.html"])
    for vendor, data in site.raw.items():
        assert site.files[f"{vendor}/openapi.yaml"] == data
        assert 'href="openapi.yaml"' in site.files[f"{vendor}/index.html"].decode("utf-8")
        assert f"{vendor}/index.html" in index.hrefs
        assert f"{vendor}/openapi.yaml" in index.hrefs
    assert set(site.files) == {MARKER, "index.html"} | {
        f"{v}/{n}" for v in site.raw for n in ("index.html", "openapi.yaml")
    }


def test_site_is_deterministic(site: Site) -> None:
    apis = [build(doc, vendor) for vendor, doc in site.docs.items()]
    again = render_site(list(reversed(apis)), site.raw)
    assert again == site.files
    text = b"".join(site.files.values()).decode("utf-8", "replace")
    assert str(ROOT) not in text, "no absolute paths in the site"


def tiny_page(spec: dict[str, object]) -> str:
    doc = parse(json.dumps(spec), "specs/tiny/openapi.yaml")
    files = render_site([build(doc, "tiny")], {"tiny": json.dumps(spec).encode()})
    return files["tiny/index.html"].decode("utf-8")


def test_spec_text_is_escaped_and_schemas_link_to_components() -> None:
    spec = valid()
    op(spec)["summary"] = "<script>alert(1)</script> & more"
    html = tiny_page(spec)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in html
    assert 'href="#schema-Thing"' in html and 'id="schema-Thing"' in html
    assert 'id="auth-key"' in html and "X-Key: $TINY_KEY" in html
    parsed = page(html)
    assert list(parsed.operations) == ["get_thing"]
    assert "things" in str(parsed.operations["get_thing"]["data-search"])


def project(tmp_path: Path, **specs: dict[str, object]) -> Path:
    for vendor, data in specs.items():
        folder = tmp_path / "specs" / vendor
        folder.mkdir(parents=True)
        (folder / "openapi.yaml").write_text(json.dumps(data, indent=2))
    return tmp_path


def test_cli_writes_the_site_and_writes_nothing_for_a_bad_spec(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = valid()
    del op(broken)["responses"]["404"]
    root = project(tmp_path, good=valid(), tiny=broken)
    assert main(["--root", str(root), "docs"]) == 1
    captured = capsys.readouterr()
    assert "specs/tiny/openapi.yaml:" in captured.out
    assert not (root / "site").exists()
    (root / "specs/tiny/openapi.yaml").write_text(json.dumps(valid()))
    assert main(["--root", str(root), "docs"]) == 0
    assert "voxspec docs: 2 vendor(s)" in capsys.readouterr().err
    written = sorted(p.relative_to(root / "site").as_posix() for p in (root / "site").rglob("*") if p.is_file())
    assert written == [
        MARKER,
        "good/index.html",
        "good/openapi.yaml",
        "index.html",
        "tiny/index.html",
        "tiny/openapi.yaml",
    ]
    assert main(["--root", str(root), "docs", "good"]) == 0, "an existing site is replaced"
    assert not (root / "site/tiny").exists()


@pytest.mark.parametrize("folder", ["javascript:alert(1)", "Bad Name", "voip.cloud"])
def test_a_hostile_vendor_folder_name_gets_a_finding_and_no_link(
    folder: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(tmp_path, good=valid())
    (root / "specs" / folder).mkdir()
    (root / "specs" / folder / "openapi.yaml").write_text(json.dumps(valid(), indent=2))
    assert main(["--root", str(root), "docs"]) == 1
    out = capsys.readouterr().out
    assert f"specs/{folder}/openapi.yaml:1:1 /: vendor folder name" in out and "[vendor-name]" in out
    assert not (root / "site").exists()


def test_the_site_refuses_an_api_whose_vendor_name_was_never_checked() -> None:
    spec = valid()
    api = build(parse(json.dumps(spec), "specs/tiny/openapi.yaml"), "tiny")
    hostile = dataclasses.replace(api, vendor="javascript:alert(1)")
    with pytest.raises(VoxspecError, match="not a lower-case identifier"):
        render_site([hostile], {"javascript:alert(1)": json.dumps(spec).encode()})


def test_cli_refuses_to_replace_a_folder_it_did_not_write(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = project(tmp_path, tiny=valid())
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me")
    assert main(["--root", str(root), "docs", "--out", str(precious)]) == 2
    assert "not a voxspec site" in capsys.readouterr().err
    assert [p.name for p in precious.iterdir()] == ["notes.txt"]


# ---------------------------------------------------------------- headless Chromium

# `make test` installs Chromium; a bare `pytest` on a machine without it skips these, but CI never may.
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.is_file() and not os.environ.get("CI"),
    reason="headless browser tests need /usr/bin/chromium (`make browser` or apt-get install -y chromium)",
)
CONSOLE_LINE = re.compile(r"CONSOLE[:(]|Uncaught")


def chromium(url: str, workdir: Path, *options: str) -> tuple[str, str]:
    """Run headless Chromium once: (stdout, console lines). Killed with its whole process group on timeout."""
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--enable-logging=stderr",
        "--v=0",
        f"--user-data-dir={workdir / 'profile'}",
        "--window-size=1280,2000",
        *options,
        url,
    ]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        out, err = process.communicate(timeout=BROWSER_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        pytest.fail(f"chromium did not finish within {BROWSER_TIMEOUT}s: {url}")
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 0, f"chromium exited {process.returncode}: {err[-2000:]}"
    return out, "\n".join(line for line in err.splitlines() if CONSOLE_LINE.search(line))


@pytest.fixture(scope="module")
def built(site: Site, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("docs-site")
    for name, data in site.files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    return folder


@needs_chromium
def test_the_console_check_catches_a_page_error(tmp_path: Path) -> None:
    """The harness itself: a page that throws must be reported, or the other browser tests prove nothing."""
    bad = tmp_path / "bad.html"
    bad.write_text("<!DOCTYPE html><title>x</title><script>console.error('boom'); missing();</script>")
    _, console = chromium(bad.as_uri(), tmp_path, "--dump-dom")
    assert "missing is not defined" in console


@needs_chromium
@pytest.mark.parametrize("vendor", VENDORS)
def test_vendor_page_loads_cleanly_and_is_screenshotted(
    site: Site, built: Path, vendor: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    vendor_of(site, vendor)
    shots = tmp_path_factory.getbasetemp() / "docs-screenshots"
    shots.mkdir(exist_ok=True)
    for name, target in (("index", built / "index.html"), (vendor, built / vendor / "index.html")):
        png = shots / f"{name}.png"
        _, console = chromium(target.as_uri(), tmp_path_factory.mktemp("chromium"), f"--screenshot={png}")
        assert not console, f"console output on {target.name}:\n{console}"
        assert png.is_file() and png.stat().st_size > 20_000, "the screenshot is missing or blank"
    print(f"screenshots in {shots}")


@needs_chromium
@pytest.mark.parametrize("vendor", VENDORS)
def test_filter_box_hides_operations_that_do_not_match(
    site: Site, built: Path, vendor: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    vendor_of(site, vendor)
    static = page(site.files[f"{vendor}/index.html"]).operations
    # The longest operationId is the most specific term; it must keep its own operation and hide others.
    term = max(static, key=len)
    expected = {op_id for op_id, attrs in static.items() if term in str(attrs["data-search"])}
    assert term in expected and len(expected) < len(static)
    url = (built / vendor / "index.html").as_uri() + f"?filter={term}"
    workdir = tmp_path_factory.mktemp("chromium")
    dom, console = chromium(url, workdir, "--dump-dom")
    assert not console, console
    shown = {op_id for op_id, attrs in page(dom).operations.items() if "hidden" not in attrs}
    assert shown == expected
    shot = tmp_path_factory.getbasetemp() / "docs-screenshots" / f"{vendor}-filtered.png"
    shot.parent.mkdir(exist_ok=True)
    chromium(url, workdir, f"--screenshot={shot}")
    assert shot.is_file()


@pytest.mark.parametrize("vendor", VENDORS)
def test_every_operation_with_effects_shows_a_badge_saying_what_it_does(site: Site, vendor: str) -> None:
    vendor_of(site, vendor)
    html = site.files[f"{vendor}/index.html"].decode("utf-8")
    api = next(a for a in site.apis if a.vendor == vendor)
    for operation in api.operations:
        section = html.split(f'id="{operation.op_id}"', 1)[1].split("<section", 1)[0]
        badge = f'<span class="badge effects" title="This operation has effects: {escape(operation.effects or "")}">'
        assert (badge in section) == (operation.effects is not None), operation.op_id
    if vendor == "callcenter":
        assert "effects: places a real phone call" in html


# ---------------------------------------------------------------- auth snippets, sidebar, index search


@dataclass
class IndexSearch(HTMLParser):
    """The index page's search results: (href, data-search, hidden) per operation."""

    items: list[tuple[str, str, bool]] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "li" and "search-op" in (a.get("class") or "").split():
            self.items.append(("", str(a["data-search"]), "hidden" in a))
        elif tag == "a" and self.items and not self.items[-1][0]:
            self.items[-1] = (str(a["href"]), *self.items[-1][1:])


def index_search(html: bytes | str) -> list[tuple[str, str, bool]]:
    parsed = IndexSearch()
    parsed.feed(html.decode("utf-8") if isinstance(html, bytes) else html)
    parsed.close()
    return parsed.items


def test_oauth2_schemes_show_the_sign_in_arguments(site: Site) -> None:
    shown = 0
    for api in site.apis:
        html = site.files[f"{api.vendor}/index.html"].decode("utf-8")
        for scheme in api.security_schemes:
            if not scheme.fetches_token:
                continue
            prefix = f"{api.vendor}_{scheme.py_name}".upper()
            fields = ["client_id", "client_secret"] + (["username", "password"] if scheme.password_grant else [])
            for name in fields:
                assert f"{scheme.py_name}_{name}=os.environ[&#34;{prefix}_{name.upper()}&#34;]" in html, (
                    api.vendor,
                    name,
                )
            shown += 1
    assert shown >= 1, "no vendor signs in with OAuth2: the test shows nothing"


@pytest.mark.parametrize("vendor", VENDORS)
def test_the_mock_snippet_authenticates_against_the_mock(site: Site, vendor: str) -> None:
    """The page's "Against the mock" Client, run as written (its transport swapped for the in-process mock)."""
    vendor_of(site, vendor)
    from tests.client.harness import vendor as harness_vendor
    from tests.helpers import sync_transport

    html = site.files[f"{vendor}/index.html"].decode("utf-8")
    assert f"<code>voxspec mock {vendor}</code>" in html
    snippet = re.search(r'id="auth-mock".*?<dt>Python</dt><dd><code>(Client\(.*?\))</code>', html, re.S)
    assert snippet, "no Client for the mock on the page"
    v = harness_vendor(vendor)
    app = v.app()

    def client(**kwargs: object) -> object:
        return v.pkg.Client(transport=sync_transport(app), **kwargs)

    api = eval(snippet.group(1).replace("&#34;", '"'), {"Client": client})  # the page's own text
    operation, arguments = v.simple_get()
    with api:
        getattr(api, operation)(**arguments)  # raises AuthenticationError if the credential is not the mock's


@pytest.mark.parametrize("vendor", VENDORS)
def test_the_sidebar_shows_each_summary_beside_its_path(site: Site, vendor: str) -> None:
    vendor_of(site, vendor)
    html = site.files[f"{vendor}/index.html"].decode("utf-8")
    entries = re.findall(r'<li class="nav-op".*?</li>', html)
    api = next(a for a in site.apis if a.vendor == vendor)
    assert len(entries) == len(api.operations)
    for entry in entries:
        assert re.search(r'</code><span class="nav-summary">[^<]+</span>', entry), entry


def test_the_index_lists_every_operation_of_every_vendor_for_search(site: Site) -> None:
    items = index_search(site.files["index.html"])
    expected = {f"{api.vendor}/index.html#{op.op_id}" for api in site.apis for op in api.operations}
    assert {href for href, _search, _hidden in items} == expected and len(items) == len(expected)
    assert all(hidden for _href, _search, hidden in items), "results show before anything is searched"


@needs_chromium
def test_the_index_search_finds_operations_across_vendors(
    site: Site, built: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    items = index_search(site.files["index.html"])
    # A term most vendors use, narrowed by a second one: every term must match.
    terms = ["list", "get"]
    expected = {href for href, search, _ in items if all(t in search for t in terms)}
    vendors = {href.split("/", 1)[0] for href in expected}
    assert len(vendors) >= 2, f"pick terms that several vendors match: {vendors}"
    assert len(expected) < len(items)
    url = (built / "index.html").as_uri() + "?q=" + "+".join(terms)
    dom, console = chromium(url, tmp_path_factory.mktemp("chromium"), "--dump-dom")
    assert not console, console
    shown = {href for href, _search, hidden in index_search(dom) if not hidden}
    assert shown == expected
