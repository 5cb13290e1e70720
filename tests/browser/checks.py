"""The checks every page visited in a browser test must pass (`check_page`), and what they need."""
from __future__ import annotations

import functools
import re
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"

# Visible text of the page and the texts people meet outside text nodes (placeholders, labels for
# screen readers, titles, alternatives). Options of <select> are skipped: the language menu names
# each language in its own language. Hidden elements are skipped, visually-hidden ones are not
# (screen readers read them).
VISIBLE_TEXT_JS = """
() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const el = node.parentElement;
    if (!el || el.closest("script, style, noscript, option, template")) continue;
    if (!el.checkVisibility({visibilityProperty: true})) continue;
    const text = node.textContent.trim();
    if (text) out.push(text);
  }
  for (const el of document.querySelectorAll("[placeholder], [aria-label], [title], [alt], input[type=submit][value]")) {
    for (const attr of ["placeholder", "aria-label", "title", "alt"]) {
      if (el.getAttribute(attr)) out.push(el.getAttribute(attr));
    }
    if (el.matches("input[type=submit]")) out.push(el.value);
  }
  out.push(document.title);
  return out;
}
"""
# Controls a finger must hit on phones and tablets (STYLE.md: touch targets of at least 44 px).
# Links inside running text are exempt (WCAG 2.5.5), so are check boxes (their label is the target).
SMALL_TARGETS_JS = """
() => [...document.querySelectorAll(
    "button, .btn, select, .nav-link, .page-link, .navbar-toggler, "
    + "input:not([type=hidden]):not([type=checkbox]):not([type=radio])")]
  .filter(el => el.checkVisibility({visibilityProperty: true}))
  .filter(el => { const r = el.getBoundingClientRect(); return r.height < 43.5; })
  .slice(0, 5)
  .map(el => `${el.outerHTML.slice(0, 100)} is ${Math.round(el.getBoundingClientRect().height)}px high`)
"""
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\{?[^}]*\}?\}")
#: Three or more English words in a row, in a page that should be Chinese.
ENGLISH_RUN = re.compile(r"\b[A-Za-z]{2,}(?:[ ,'’-]+[A-Za-z]+){2,}\b")


@functools.cache
def english_sources() -> tuple[re.Pattern, ...]:
    """Whole-word patterns for the English source strings of our zh_Hans catalogues.

    A msgid with placeholders contributes its literal pieces. Pieces that also appear inside some
    Chinese translation (e.g. "API") are left out: seeing them is not a sign of a missing one.
    """
    entries = []
    for po_path in ROOT.glob("**/locale/zh_Hans/LC_MESSAGES/django.po"):
        if ".venv" in po_path.parts:
            continue
        entries += [e for e in polib.pofile(str(po_path)) if not e.obsolete]
    translations = " ".join(e.msgstr or " ".join(e.msgstr_plural.values()) for e in entries)
    pieces = set()
    for entry in entries:
        for msgid in filter(None, (entry.msgid, entry.msgid_plural)):
            for piece in PLACEHOLDER.split(msgid):
                piece = piece.strip(" .:,;·()")
                if len(re.findall(r"[A-Za-z]", piece)) >= 4 and piece not in translations:
                    pieces.add(piece)
    return tuple(re.compile(r"(?<![A-Za-z])" + re.escape(p) + r"(?![A-Za-z])") for p in sorted(pieces))


def untranslated(texts: list[str]) -> list[str]:
    """English left in a Chinese page: catalogue source strings and runs of English words."""
    text = "\n".join(texts)
    found = {p.pattern for p in english_sources() if p.search(text)}
    found = {re.sub(r"\\(.)", r"\1", p).removeprefix("(?<![A-Za-z])").removesuffix("(?![A-Za-z])")
             for p in found}
    found |= set(ENGLISH_RUN.findall(text))
    return sorted(found)


class PageWatcher:
    """Collects console errors, script errors, failed requests and error responses of one page.

    Each problem is kept with the HTTP status it is about (if any), so that `check_page` can let
    through a status the test expects of the document (a lockout answers 429).
    """

    def __init__(self, page, site):
        self.site = site
        self.problems: list[tuple[int | None, str]] = []
        self.html_responses: list = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append((None, f"script error: {error}")))
        page.on("request", self._request)
        page.on("requestfailed", self._failed)
        page.on("response", self._response)

    def _console(self, message):
        if message.type == "error":
            status = re.search(r"status of (\d{3})", message.text)
            url = message.location.get("url", "")
            self.problems.append((int(status.group(1)) if status and url == message.page.url else None,
                                  f"console error: {message.text} ({url})"))

    def _request(self, request):
        # Everything comes from the site itself: a CDN is unreachable from schools' networks here,
        # and the CSP forbids it anyway.
        if request.url.split(":", 1)[0] in {"http", "https", "ws", "wss"} and not (
            request.url.startswith(self.site.base + "/")
        ):
            self.problems.append((None, f"request outside the site: {request.url}"))

    def _failed(self, request):
        # ERR_ABORTED: the page navigated away while this was loading (a lazy favicon during a
        # form post). An asset that cannot be fetched fails with another error.
        if request.failure != "net::ERR_ABORTED":
            self.problems.append((None, f"request failed: {request.method} {request.url} ({request.failure})"))

    def _response(self, response):
        kind = response.request.resource_type
        if kind in {"document", "xhr", "fetch"} and "text/html" in response.headers.get("content-type", ""):
            self.html_responses.append(response)
        if response.status >= 400:
            self.problems.append((response.status if kind == "document" else None,
                                  f"{response.status} for {kind} {response.url}"))

    def take(self, expect_status=()) -> list[str]:
        problems, self.problems = self.problems, []
        return [text for status, text in problems if status is None or status not in expect_status]

    def take_html(self) -> list:
        responses, self.html_responses = self.html_responses, []
        return responses


#: What the Content-Security-Policy would block in served HTML: inline scripts, event-handler
#: attributes, javascript: URLs and style attributes.
INLINE_CODE = re.compile(
    r"<script(?![^>]*\s(?:src=|type=[\"']?application/(?:ld\+)?json))[^>]*>|<[^>]+\s(?:on[a-z]+|style)\s*=[^>]*>"
    r"|<[^>]+\s(?:href|src|action)\s*=\s*[\"']?javascript:[^>]*>",
    re.IGNORECASE,
)


def inline_code(html: str) -> list[str]:
    return [m.group(0)[:80] for m in INLINE_CODE.finditer(html)]


AXE_RESULTS = ROOT / "test-artifacts" / "axe"


def run_axe(page, name: str | None) -> list[dict]:
    """Run axe-core (shipped inside axe-playwright-python) on the page; returns its violations.

    Every violation is written to test-artifacts/axe/<name>.json for the record; the caller decides
    which impacts fail (check_page fails on serious and critical ones).
    """
    import json

    from axe_playwright_python.sync_playwright import Axe

    # Colours are checked as they settle, not halfway through a transition: a button just tapped
    # (still under the pointer) fades into its hover colours over 0.15 s, and axe measuring in the
    # middle of the fade saw a contrast that no one sees (tests/browser/test_handover.py, once in a
    # few runs under load).
    # Bootstrap drops its transitions for readers who ask for reduced motion (the CSP forbids
    # injecting a style to the same effect).
    page.emulate_media(reduced_motion="reduce")
    results = Axe().run(page, options={"resultTypes": ["violations"]}).response
    violations = [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [n["target"] for n in v["nodes"]][:10]}
        for v in results["violations"]
    ]
    if name is None:
        return violations
    AXE_RESULTS.mkdir(parents=True, exist_ok=True)
    (AXE_RESULTS / f"{name}.json").write_text(
        json.dumps({"url": page.url, "axe": results["testEngine"]["version"], "violations": violations},
                   ensure_ascii=False, indent=1)
    )
    return violations


def _screenshot(page, path, attempts: int = 3) -> None:
    """A full-page screenshot. Chromium sometimes answers "Unable to capture screenshot" (a
    compositor frame not ready: seen once in CI, with two browser runs side by side on two cores);
    that is the tool's failure, not the page's, so it is tried again after a short wait. Any other
    error, or the third failure, fails the test."""
    from playwright.sync_api import Error

    for attempt in range(attempts):
        try:
            page.screenshot(path=str(path), full_page=True, animations="disabled")
            return
        except Error as exc:
            if "Unable to capture screenshot" not in str(exc) or attempt == attempts - 1:
                raise
            page.wait_for_timeout(500)


def check_page(page, name: str, *, expect_status: tuple[int, ...] = (), axe: bool = False) -> Path:
    """The checks for every page a browser test visits; returns the screenshot's path.

    Saves a full-page screenshot to test-artifacts/screenshots/<name>.<viewport>.<lang>.png first
    (so a failing page can be looked at), then fails on: console errors or script errors, failed
    requests or error responses (a CDN asset would fail here), a horizontal scrollbar at the
    viewport, controls under 44 px high on a phone or tablet, the wrong <html lang>, and English source text visible in a Chinese page.
    HTML served since the last check (pages and htmx fragments) must hold no inline script, event
    handler or style attribute (the CSP would block them). With `axe=True`, axe-core runs too and
    serious or critical violations fail (every result is kept in test-artifacts/axe/).
    `expect_status` names error statuses the document itself may have (e.g. 429 for a lockout).
    """
    watcher = page.watcher
    page.wait_for_load_state("load")
    lang = watcher.site.lang
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.{page.viewport_name}.{lang}.png"
    _screenshot(page, path)

    problems = watcher.take(expect_status)
    for response in watcher.take_html():
        try:
            body = response.text()
        except Exception:  # a redirect or a response the browser no longer holds
            continue
        if found := inline_code(body):
            problems.append(f"inline code the CSP forbids in {response.url}: {found}")
    scroll_width, client_width = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    if scroll_width > client_width:
        wide = page.evaluate(
            """(w) => [...document.querySelectorAll('body *')]
                 .filter(e => e.getBoundingClientRect().right > w + 0.5)
                 .slice(0, 5).map(e => e.outerHTML.slice(0, 120))""",
            client_width,
        )
        problems.append(f"horizontal scrollbar: content {scroll_width}px wide in {client_width}px: {wide}")
    if page.viewport_name in {"phone", "phone_390", "tablet", "tablet_portrait"} and (small := page.evaluate(SMALL_TARGETS_JS)):
        problems.append(f"touch targets under 44px: {small}")
    html_lang = page.evaluate("() => document.documentElement.lang")
    if html_lang != lang:
        problems.append(f'<html lang="{html_lang}"> where "{lang}" was expected')
    if lang == "zh-hans":
        english = untranslated(page.evaluate(VISIBLE_TEXT_JS))
        if english:
            problems.append(f"untranslated text in the Chinese page: {english}")
    if axe:
        slug = f"{name}.{page.viewport_name}.{lang}"
        serious = [v for v in run_axe(page, slug) if v["impact"] in {"serious", "critical"}]
        problems += [f"axe {v['impact']}: {v['id']} ({v['help']}) at {v['nodes']}" for v in serious]
    assert not problems, f"{name} ({page.url}):\n  " + "\n  ".join(problems)
    return path
