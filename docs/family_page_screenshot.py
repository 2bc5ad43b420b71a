"""Make the README's screenshots of the family page at phone size (390 × 844, headless Chromium):
python docs/family_page_screenshot.py

The heavy example family, as if the death was 9 days ago and the sheet printed 2 days ago (the page counts
あとN日 from the phone's clock, so the dates move with it). Writes docs/family-page.png (the top of the page)
and docs/family-page-card.png (one procedure: counter, phone, what to bring, calendar, the tick).
"""

from __future__ import annotations

import datetime as dt
import functools
import http.server
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from okuyami.core.case import load_case  # noqa: E402
from okuyami.core.engine import evaluate  # noqa: E402
from okuyami.core.rulebook import load_rulebook  # noqa: E402
from okuyami.family import fragment as F  # noqa: E402
from okuyami.family.sheet import family_list  # noqa: E402
from okuyami.family.site import write_site  # noqa: E402


def main() -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    tmp = Path(tempfile.mkdtemp())
    book = load_rulebook()
    write_site(book, tmp / "www")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(
        type("Quiet", (http.server.SimpleHTTPRequestHandler,), {"log_message": lambda *a: None}), directory=str(tmp / "www")))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    today = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=9)).date()
    death, printed = today - dt.timedelta(days=9), today - dt.timedelta(days=2)
    text = (ROOT / "examples" / "case_heavy.yaml").read_text(encoding="utf-8")
    text = text.replace("death_date: 2026-11-09", f"death_date: {death}").replace(
        "date: 2026-11-12", f"date: {death + dt.timedelta(days=3)}")
    (tmp / "case.yaml").write_text(text, encoding="utf-8")
    case = load_case(tmp / "case.yaml", "case.yaml", today=today, facts=book.facts)
    family = family_list(book, case, evaluate(book, case), today=printed, language="ja")
    link = F.link(f"http://127.0.0.1:{server.server_address[1]}/", F.encode(family, F.unique_ids(book.rules)))

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync", f"--user-data-dir={tmp / 'profile'}"):
        options.add_argument(flag)
    options.add_experimental_option("mobileEmulation", {"deviceMetrics": {"width": 390, "height": 844, "pixelRatio": 2}})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        driver.get(link)
        time.sleep(1.5)
        driver.save_screenshot(str(ROOT / "docs" / "family-page.png"))
        card = driver.find_element("css selector", 'section[data-group="today"] article.item:nth-of-type(2)')
        card.find_element("css selector", ".tick").click()
        driver.execute_script("arguments[0].scrollIntoView(false); window.scrollBy(0, 12);", card)  # its lower half
        time.sleep(0.5)
        driver.save_screenshot(str(ROOT / "docs" / "family-page-card.png"))
    finally:
        driver.quit()
        server.shutdown()
    print("docs/family-page.png, docs/family-page-card.png")


if __name__ == "__main__":
    main()
