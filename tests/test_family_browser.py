"""The family page in a real browser (issue 25): headless Debian Chromium driven by Selenium, the page served by a
local http.server that logs every request.

The QR code printed on examples/case.yaml's sheet is read back from the PDF (pdftoppm + zbarimg) and opened at
phone size (390 × 844): the page must list exactly the sheet's procedures and deadlines, grouped and ordered as
the sheet's summary, ask nothing of any server but its own three files, keep ticks on the phone, make calendar
files itself, share the same link, speak the printed language, stay readable and work offline once loaded.

CI installs chromium, chromium-driver, zbar-tools and poppler-utils (.ci/run); there a missing one fails the
test. Locally (CI unset) the test is skipped without them.
"""

from __future__ import annotations

import datetime as dt
import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from okuyami.core.urgency import urgency
from okuyami.documents import i18n
from okuyami.family import fragment as F

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "case.yaml"
HEAVY = ROOT / "examples" / "case_heavy.yaml"
OWN_FILES = {"/", "/index.html", "/rules.json", "/sw.js"}
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


def _missing() -> list[str]:
    out = [path for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]
    out += [tool for tool in ("zbarimg", "pdftoppm") if shutil.which(tool) is None]
    try:
        import selenium  # noqa: F401
    except ImportError:
        out.append("selenium (pip)")
    return out


@pytest.fixture(scope="module", autouse=True)
def _browser_tools():
    missing = _missing()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"CI must test the family page in Chromium: missing {', '.join(missing)} (.ci/run installs them)")
        pytest.skip(f"no browser test here: missing {', '.join(missing)}")


def japan_today() -> dt.date:
    return (dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=9)).date()


# -- the city's website: a local http.server that logs what is asked of it -------------------------------------

class Site:
    def __init__(self, folder: Path):
        self.folder = folder
        self.requests: list[str] = []
        site = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args):  # quiet; every request is recorded instead
                site.requests.append(self.path)

            def end_headers(self):
                self.send_header("Cache-Control", "no-cache")
                super().end_headers()

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(folder)))
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def okuyami(*args: str, today: dt.date | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, **({"OKUYAMI_TODAY": today.isoformat()} if today else {}))
    proc = subprocess.run([sys.executable, "-m", "okuyami", *args], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    return proc


def publish(tmp: Path) -> tuple[Site, Path]:
    """A rulebook whose page lives on a local server, and the page (okuyami family-page) on that server."""
    folder = tmp / "www"
    folder.mkdir()
    site = Site(folder)
    rules = tmp / "rules"
    shutil.copytree(ROOT / "rules", rules / "rules")
    shutil.copytree(ROOT / "forms_templates", rules / "forms_templates")
    text = (ROOT / "rules.yaml").read_text(encoding="utf-8")
    text, n = re.subn(r"(?m)^(    url: ).*$", rf"\g<1>{site.base}", text, count=1)
    assert n == 1 and "family_page" in text
    (rules / "rules.yaml").write_text(text, encoding="utf-8")
    okuyami("family-page", "--out", str(folder), "--rules", str(rules / "rules.yaml"))
    return site, rules / "rules.yaml"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    site, rules = publish(tmp_path_factory.mktemp("family"))
    site.rules = rules
    yield site
    site.stop()


def open_browser(profile: Path, downloads: Path | None = None):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM  # the system's browser and driver: Selenium Manager downloads nothing
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-default-apps",
                 f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.add_experimental_option("mobileEmulation", {"deviceMetrics": {"width": 390, "height": 844,
                                                                          "pixelRatio": 2}})
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    if downloads is not None:
        driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    driver.get("about:blank")
    driver.get_log("performance")  # the browser's own new tab page, before any page of ours
    return driver


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("chromium")
    (tmp / "downloads").mkdir()
    driver = open_browser(tmp / "profile", tmp / "downloads")
    driver.downloads = tmp / "downloads"
    yield driver
    driver.quit()


def show(driver, url: str) -> list[dict]:
    """Open ``url`` and return the page's items as it lists them."""
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get("about:blank")
    driver.get(url)
    WebDriverWait(driver, 20).until(lambda d: d.execute_script(
        "return document.querySelector('article.item, #message') !== null"))
    return items_of(driver)


def items_of(driver) -> list[dict]:
    return driver.execute_script("""
        return Array.from(document.querySelectorAll('section.group')).flatMap(function (g) {
          return Array.from(g.querySelectorAll('article.item')).map(function (a) {
            function t(sel) { var n = a.querySelector(sel); return n ? n.textContent : null; }
            return {group: g.dataset.group, code: a.dataset.code, status: a.dataset.status,
                    progress: a.dataset.progress, deadline: a.dataset.deadline || null, title: t('.title'),
                    due: t('.due-date'), left: t('.left'), place: t('.place'), urgent: a.classList.contains('urgent'),
                    tel: Array.from(a.querySelectorAll('a.tel')).map(function (x) { return x.getAttribute('href'); }),
                    bring: Array.from(a.querySelectorAll('.bring li')).map(function (x) { return x.textContent; })};
          });
        });""")


def requests_seen(driver) -> list[str]:
    """Every request the page made (Chrome's performance log)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] in ("Network.requestWillBeSent", "Network.webSocketCreated"):
            urls.append(message["params"].get("request", {}).get("url") or message["params"].get("url"))
    return urls


def assert_only_own_requests(driver, site: Site) -> None:
    for url in requests_seen(driver):
        assert url.startswith(site.base) or url.startswith(("data:", "blob:", "about:")), url
        if url.startswith(site.base):
            assert "/" + url[len(site.base):].split("#")[0].split("?")[0] in OWN_FILES, url
    assert set(site.requests) <= OWN_FILES, site.requests


def print_sheet(site: Site, case: Path, out: Path, today: dt.date, *extra: str) -> tuple[str, str]:
    """Print the case's sheet, read its QR codes back from the rendered PDF: (the family link, the sheet's text)."""
    okuyami("print", str(case), "--out", str(out), "--rules", str(site.rules), *extra, today=today)
    subprocess.run(["pdftoppm", "-png", "-r", "200", "-f", "1", "-l", "1", str(out / "guidance.pdf"), str(out / "p")],
                   check=True)
    png = next(out.glob("p-*1.png"))
    decoded = subprocess.run(["zbarimg", "--raw", "-q", str(png)], capture_output=True, text=True)
    codes = [line for line in decoded.stdout.splitlines() if line.strip()]
    links = [c for c in codes if c.startswith(site.base)]
    assert len(links) == 1 and len(codes) == 1, codes  # the family's code (a case file has no number: no staff code)
    text = "\n".join(p.extract_text() for p in PdfReader(str(out / "guidance.pdf")).pages)
    return links[0], text


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def print_day(case: Path) -> dt.date:
    """Print as of today in Japan (so the sheet's あとN日 is the phone's), unless the clock is before the example."""
    death = dt.date.fromisoformat(re.search(r"death_date: (\S+)", case.read_text(encoding="utf-8"))[1])
    return max(japan_today(), death + dt.timedelta(days=5))


def summary_segment(sheet: str, start: str, end: str) -> str:
    text = flat(sheet)
    at = text.index(flat(start))
    return text[at:text.index(flat(end), at + len(flat(start)))]


@pytest.fixture(scope="module")
def example_sheet(site, tmp_path_factory):
    """examples/case.yaml printed once: (print day, the family link read from the PDF, the sheet's text)."""
    today = print_day(EXAMPLE)
    return (today, *print_sheet(site, EXAMPLE, tmp_path_factory.mktemp("example"), today))


@pytest.fixture(scope="module")
def heavy_sheet(site, tmp_path_factory):
    today = print_day(HEAVY)
    return (today, *print_sheet(site, HEAVY, tmp_path_factory.mktemp("heavy"), today))


# -- the tests ------------------------------------------------------------------------------------------------------

def test_the_qr_code_on_the_example_sheet_opens_the_sheets_list(site, browser, example_sheet):
    today, link, sheet = example_sheet
    evaluated = json.loads(okuyami("evaluate", str(EXAMPLE), "--format", "json", "--rules", str(site.rules),
                                   today=today).stdout)["procedures"]
    assert evaluated

    # the fragment decodes (Python side) into the evaluation, with the issue date and the language
    book_ids = {p["id"]: p["code"] for p in json.loads((site.folder / "rules.json").read_text("utf-8"))["procedures"]}
    family = F.decode(link.split("#", 1)[1], book_ids)
    assert family.issued == today and family.language == "ja"
    assert [(i.code, i.status, i.deadline and i.deadline.isoformat()) for i in family.items] == \
        [(p["id"], p["status"], p["deadline"]) for p in evaluated]

    items = show(browser, link)
    assert sorted((i["code"], i["deadline"]) for i in items) == sorted((p["id"], p["deadline"]) for p in evaluated)
    titles = {p["id"]: p["title"] for p in evaluated}
    phone_today = japan_today()
    for item in items:
        assert item["title"] == titles[item["code"]]
        assert flat(item["title"]) in flat(sheet), item["title"]  # the sheet prints the same words
        assert flat(item["place"]) in flat(sheet), item["place"]  # ① 1階 2番窓口　市民課 戸籍係, as the sheet
        assert item["tel"] and all(re.fullmatch(r"tel:[0-9]{9,11}", t) for t in item["tel"])
        for thing in item["bring"]:
            assert flat(thing) in flat(sheet), thing
        if item["deadline"]:
            day = dt.date.fromisoformat(item["deadline"])
            assert flat(i18n.format_day(day, "ja")) in flat(item["due"]) and flat(i18n.format_day(day, "ja")) in flat(sheet)
            label = urgency(day, phone_today).label("ja")
            assert item["left"].endswith(label)
            if phone_today == today:
                assert flat(label) in flat(sheet)
        else:
            assert flat(item["due"]) in flat(sheet), item["due"]  # 期限なし（…）, 期限：速やかに
    # grouped as the sheet's summary, in its order (urgent first)
    for group, start, end in (("today", "今日ここで済むこと", "2週間以内に"),):
        segment = summary_segment(sheet, start, end)
        listed = [i["title"] for i in items if i["group"] == group]
        assert listed and all(flat(t) in segment for t in listed)
        if phone_today == today:
            assert sorted(listed, key=lambda t: segment.index(flat(t))) == listed
    assert browser.execute_script("return document.cookie") == ""
    assert_only_own_requests(browser, site)


def test_the_heaviest_sheet_groups_and_orders_as_the_page(site, browser, heavy_sheet):
    today, link, sheet = heavy_sheet
    items = show(browser, link)
    evaluated = json.loads(okuyami("evaluate", str(HEAVY), "--format", "json", "--rules", str(site.rules),
                                   today=today).stdout)["procedures"]
    assert sorted((i["code"], i["deadline"]) for i in items) == sorted((p["id"], p["deadline"]) for p in evaluated)
    heads = ["今日ここで済むこと", "2週間以内に", "後日でよいこと", "市役所の窓口"]  # the summary, then the counters
    for group, start, end in zip(("today", "two_weeks", "later"), heads, heads[1:]):
        segment = summary_segment(sheet, start, end)
        listed = [i["title"] for i in items if i["group"] == group]
        assert all(flat(t) in segment for t in listed), group
        if japan_today() == today:
            assert sorted(listed, key=lambda t: segment.index(flat(t))) == listed, group
    assert [i["code"] for i in items if i["group"] == "confirm"] == [p["id"] for p in evaluated
                                                                     if p["status"] == "to_confirm"]
    urgent = [i["urgent"] for i in items if i["group"] == "today"]
    assert urgent == sorted(urgent, reverse=True)  # urgent first
    assert_only_own_requests(browser, site)


def test_ticks_stay_on_the_phone(site, browser, example_sheet):
    _, link, _ = example_sheet
    items = show(browser, link)
    first = items[0]["code"]
    browser.find_element("css selector", f'article[data-code="{first}"] .tick').click()
    assert browser.execute_script(f'return document.querySelector(\'article[data-code="{first}"]\').classList.contains("ticked")')
    browser.refresh()
    show(browser, link)
    assert browser.execute_script(f'return document.querySelector(\'article[data-code="{first}"] input.tick-box\').checked')
    stored = browser.execute_script("return Object.keys(localStorage).map(function (k) { return [k, localStorage[k]]; })")
    assert len(stored) == 1 and json.loads(stored[0][1]) == {first: 1}
    assert stored[0][0].startswith("okuyami-family-page:999999:")
    remaining = browser.find_element("id", "remaining").text
    assert str(len(items) - 1) in remaining
    assert browser.execute_script("return document.cookie") == ""
    browser.find_element("css selector", f'article[data-code="{first}"] .tick').click()  # untick: back as it was
    assert browser.execute_script("return localStorage.getItem(arguments[0])", stored[0][0]) == "{}"
    assert_only_own_requests(browser, site)


def test_each_deadline_as_a_calendar_file(site, browser, example_sheet):
    _, link, _ = example_sheet
    items = show(browser, link)
    dated = next(i for i in items if i["deadline"])
    for old in browser.downloads.iterdir():
        old.unlink()
    browser.find_element("css selector", f'article[data-code="{dated["code"]}"] button.ics').click()
    path = browser.downloads / f"okuyami-{dated['code']}.ics"
    for _ in range(100):
        if path.exists() and not list(browser.downloads.glob("*.crdownload")):
            break
        time.sleep(0.1)
    raw = path.read_bytes().decode("utf-8")
    assert raw.startswith("BEGIN:VCALENDAR\r\n") and raw.endswith("END:VCALENDAR\r\n")
    assert all(len(line.encode("utf-8")) <= 75 for line in raw.split("\r\n"))  # folded as RFC 5545 says
    text = raw.replace("\r\n ", "")
    day = dated["deadline"].replace("-", "")
    assert f"DTSTART;VALUE=DATE:{day}" in text and "END:VEVENT" in text
    summary = re.search(r"SUMMARY:([^\r\n]*)", text)[1]
    assert summary == f"【期限】{dated['title']}"
    assert "TRIGGER:-P3DT15H" in text and dated["tel"][0][4:] in re.sub(r"\D", "", text)
    assert_only_own_requests(browser, site)


def test_share_passes_the_same_link(site, browser, example_sheet):
    _, link, _ = example_sheet
    show(browser, link)
    browser.execute_script("""Object.defineProperty(navigator, 'share', {configurable: true, value: function (data) {
        window.shared = data; return Promise.resolve(); }});""")
    browser.find_element("id", "share").click()
    assert browser.execute_script("return window.shared.url") == link
    # without navigator.share: the link to copy, shown and selected
    browser.execute_script("Object.defineProperty(navigator, 'share', {configurable: true, value: undefined})")
    browser.find_element("id", "share").click()
    box = browser.find_element("id", "share-link")
    assert box.is_displayed() and box.get_attribute("value") == link
    assert_only_own_requests(browser, site)


def test_the_printed_language_and_a_choice_of_three(site, browser, tmp_path):
    link, sheet = print_sheet(site, HEAVY, tmp_path / "en", print_day(HEAVY), "--language", "en")
    assert link.split("#")[1][1] == "E"
    items = show(browser, link)
    data = json.loads((site.folder / "rules.json").read_text("utf-8"))
    en_titles = {p["code"]: p["title"]["en"] for p in data["procedures"]}
    assert browser.execute_script("return document.documentElement.lang") == "en"
    assert all(i["title"] == en_titles[i["code"]] for i in items)
    assert all(flat(i["title"]) in flat(sheet) for i in items)
    assert "Done today, here at the city hall" in browser.find_element("css selector", "section.group h2").text
    browser.find_element("css selector", 'button[data-lang="easy-ja"]').click()
    assert browser.execute_script("return location.hash.charAt(2)") == "Y"
    assert browser.execute_script("return document.querySelectorAll('ruby rt').length") > 10  # 漢字 with its reading
    title = browser.find_element("css selector", "section.group h2").get_attribute("textContent")
    assert title == i18n.text("bucket_today", "easy-ja")  # （よみ） kept for copying, shown as ruby
    browser.find_element("css selector", 'button[data-lang="ja"]').click()
    assert browser.find_element("css selector", "section.group h2").text.startswith("今日ここで済むこと")


def test_readable_at_phone_size(site, browser, heavy_sheet):
    _, link, _ = heavy_sheet
    for lang in "JEY":
        show(browser, link[:len(site.base) + 2] + lang + link[len(site.base) + 3:])
        metrics = browser.execute_script("""
            function lum(c) { var m = c.match(/[0-9.]+/g).map(Number).slice(0, 3).map(function (v) {
              v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
              return 0.2126 * m[0] + 0.7152 * m[1] + 0.0722 * m[2]; }
            function background(n) { for (; n; n = n.parentElement) { var b = getComputedStyle(n).backgroundColor;
              if (b !== 'rgba(0, 0, 0, 0)' && b !== 'transparent') return b; } return 'rgb(255, 255, 255)'; }
            function contrast(n) { var a = lum(getComputedStyle(n).color), b = lum(background(n));
              return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05); }
            var sel = ['.title', '.due-date', '.left', '.place', '.sub', '.bring li', 'section.group h2', 'a.tel',
                       '.tick span', 'button', '.remaining', '.alert'];
            var out = {width: document.documentElement.scrollWidth, inner: innerWidth, fonts: {}, contrast: {},
                       targets: []};
            sel.forEach(function (s) { var n = document.querySelector(s); if (!n) return;
              out.fonts[s] = parseFloat(getComputedStyle(n).fontSize); out.contrast[s] = contrast(n); });
            document.querySelectorAll('a.tel, button, label.tick').forEach(function (n) {
              var r = n.getBoundingClientRect(); out.targets.push([r.height, r.right]); });
            return out;""")
        assert metrics["inner"] == 390 and metrics["width"] <= 390, (lang, metrics["width"])  # no sideways scroll
        assert min(metrics["fonts"].values()) >= 18, (lang, metrics["fonts"])  # large text
        assert metrics["fonts"][".title"] >= 24
        assert min(metrics["contrast"].values()) >= 7, (lang, metrics["contrast"])  # WCAG AAA
        assert all(h >= 44 and right <= 390 for h, right in metrics["targets"]), lang  # big enough to tap


def test_unknown_procedures_and_broken_links_say_what_to_do(site, browser):
    family = F.FamilyList("ja", japan_today(), "ABCD", (F.Item("setainushi_henko", deadline=japan_today()),
                                                         F.Item("not_yet_on_this_page")))
    ids = {"setainushi_henko": F.code_id("setainushi_henko")}
    items = show(browser, F.link(site.base, F.encode(family, ids).replace(".NOT-YET-ON-THIS-PAGE.", "ZZZZ".replace("Z", "V"))))
    assert [i["code"] for i in items] == ["setainushi_henko", "#VVVV"]
    assert "このページにまだありません" in items[1]["title"]
    assert items[0]["left"] == "★急ぎ 今日まで"
    for fragment, kind in (("", "no_list"), ("#1J", "bad_link"), ("#2JABC", "newer_link"), ("#1J9ISAB%", "bad_link")):
        show(browser, site.base + fragment)
        assert browser.find_element("id", "message").get_attribute("data-kind") == kind, fragment


def test_works_offline_once_loaded(tmp_path, example_sheet):
    from selenium.webdriver.support.ui import WebDriverWait

    site, _ = publish(tmp_path)  # a server of its own, to be stopped
    driver = open_browser(tmp_path / "profile")
    try:
        link = site.base + "#" + example_sheet[1].split("#", 1)[1]  # the printed list, on this server
        online = show(driver, link)
        WebDriverWait(driver, 20).until(lambda d: d.execute_script(
            "return !!(navigator.serviceWorker && navigator.serviceWorker.controller)"))
        assert_only_own_requests(driver, site)
        site.stop()  # the signal is gone
        driver.refresh()
        assert items_of_when_ready(driver) == online
        english = link[:len(site.base) + 2] + "E" + link[len(site.base) + 3:]
        offline = show(driver, english)  # a new visit to the page, offline
        assert [i["code"] for i in offline] == [i["code"] for i in online]
    finally:
        driver.quit()
        site.stop() if site.thread.is_alive() else None


def items_of_when_ready(driver) -> list[dict]:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 20).until(lambda d: d.execute_script("return document.querySelector('article.item') !== null"))
    return items_of(driver)
