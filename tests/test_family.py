"""The family page (issue 25), Python side: the link's fragment (round trip, versions, a rulebook that gains codes,
no name or address, the heaviest case within QR version 15 at level M), the second QR code on the sheet, the
rulebook setting, and what ``okuyami family-page`` writes. The page itself is tested in Chromium:
tests/test_family_browser.py."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader

from okuyami.core.case import load_case
from okuyami.core.engine import evaluate
from okuyami.core.problems import InvalidInput
from okuyami.core.progress import Progress
from okuyami.core.rulebook import load_rulebook
from okuyami.core.urgency import Urgency, urgency
from okuyami.documents.context import build_context
from okuyami.documents.fonts import find_fonts
from okuyami.documents.guidance import build_guidance
from okuyami.family import fragment as F
from okuyami.family.sheet import family_link, family_list, qr_code
from okuyami.family.site import render_site, site_data

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ROOT / "examples" / "case_heavy.yaml"
EXAMPLE = ROOT / "examples" / "case.yaml"
TODAY = dt.date(2026, 11, 20)


def with_page_url(rules_copy: Path, url: str | None) -> Path:
    text = rules_copy.read_text(encoding="utf-8")
    text, n = re.subn(r"(?m)^  family_page:.*\n    url: .*\n", "" if url is None else
                      f"  family_page:\n    url: {url}\n", text)
    assert n == 1
    rules_copy.write_text(text, encoding="utf-8")
    return rules_copy


# -- the fragment ----------------------------------------------------------------------------------------------

CODES = st.from_regex(r"[a-z][a-z0-9_]{0,30}", fullmatch=True)
DAYS = st.dates(min_value=dt.date(2001, 1, 1), max_value=dt.date(2080, 12, 31))


@st.composite
def family_lists(draw):
    issued = draw(st.dates(min_value=dt.date(2010, 1, 1), max_value=dt.date(2060, 1, 1)))
    items = []
    for code in draw(st.lists(CODES, max_size=25, unique=True)):
        progress = draw(st.sampled_from([F.OPEN, F.DONE, F.DEFERRED, F.NOT_NEEDED]))
        items.append(F.Item(code, draw(st.sampled_from([F.REQUIRED, F.TO_CONFIRM])), progress,
                            draw(st.none() | DAYS), draw(st.none() | DAYS) if progress == F.DEFERRED else None))
    return F.FamilyList(draw(st.sampled_from(["ja", "en", "easy-ja"])), issued,
                        draw(st.text(F.DIGITS, min_size=4, max_size=4)), tuple(items))


@given(family_lists(), st.data())
def test_fragment_round_trip(family, data):
    codes = [i.code for i in family.items]
    by_id = data.draw(st.sets(st.sampled_from(codes))) if codes else set()  # the others go by name
    ids = {c: F.code_id(c) for c in by_id if sum(F.code_id(c) == F.code_id(o) for o in codes) == 1}
    text = F.encode(family, ids)
    assert re.fullmatch(r"[0-9A-Z.\-]*", text)  # QR alphanumeric characters only
    back = F.decode(text, {v: k for k, v in ids.items()})
    assert back.language == family.language and back.issued == family.issued and back.key == family.key
    assert [(i.code, i.status, i.progress, i.deadline, i.follow_up) for i in back.items] == \
        [(i.code, i.status, i.progress, i.deadline, i.follow_up) for i in family.items]
    assert F.decode(text.lower(), {v: k for k, v in ids.items()}) == back  # a reader that lowercases it


def test_versions_and_broken_links_are_refused_in_japanese():
    family = F.FamilyList("ja", TODAY, "ABCD", (F.Item("setainushi_henko", deadline=TODAY),))
    good = F.encode(family, {"setainushi_henko": F.code_id("setainushi_henko")})
    assert good.startswith("1J")
    for bad, says in (("2" + good[1:], "新しい"), (good[:-1], "切れて"), (good[:5], "切れて"), ("1Q" + good[2:], "言語"),
                      ("1J" + "W" + good[3:], "使われない"), ("", "ありません")):
        with pytest.raises(F.FragmentError, match=says):
            F.decode(bad, {})


def test_a_rulebook_that_gains_codes_keeps_old_links_readable(book):
    ids = F.unique_ids(book.rules)
    assert len(ids) == len(book.rules)  # no two codes of the default rulebook share an id
    grown = F.unique_ids(list(book.rules) + [f"city_service_{i}" for i in range(200)])
    assert all(grown.get(code) in (ids[code], None) for code in ids)  # an id never changes…
    kept = sum(grown.get(code) == ids[code] for code in ids)
    assert kept >= len(ids) - 2  # …and only a code that collides with a new one goes by name
    # a link printed with codes the page's rulebook does not know yet: read, unknown ones marked
    family = F.FamilyList("ja", TODAY, "ABCD", (F.Item("setainushi_henko", deadline=TODAY + dt.timedelta(days=4)),
                                                 F.Item("keiro_pass_henkan"), F.Item("city_new_thing")))
    text = F.encode(family, {"setainushi_henko": ids["setainushi_henko"], "keiro_pass_henkan": "Q7Q7"})
    back = F.decode(text, {v: k for k, v in ids.items()})
    assert [i.code for i in back.items] == ["setainushi_henko", None, "city_new_thing"]
    assert back.items[1].ref == "Q7Q7" and back.items[0].deadline == TODAY + dt.timedelta(days=4)


def _worst_progress(result, today):
    """Every procedure put off (後日) to a day of its own: the longest a link can be for this case."""
    return {p.code: Progress("deferred", "note that is not in the link", today, today + dt.timedelta(days=40 + i))
            for i, p in enumerate(result.procedures)}


def test_heaviest_case_fits_qr_version_15_at_level_m(book):
    case = load_case(HEAVY, "case_heavy.yaml", today=TODAY, facts=book.facts)
    result = evaluate(book, case)
    long_url = "https://www.city.sample-shi.lg.jp/kurashi/todokede/okuyamikorner/family-page/index.html"
    sizes = {}
    for label, progress in (("first visit", None), ("return visit, every item 後日", _worst_progress(result, TODAY))):
        family = family_list(book, case, result, today=TODAY, language="easy-ja", progress=progress)
        frag = F.encode(family, F.unique_ids(book.rules))
        qr = qr_code(F.link(long_url, frag))
        sizes[label] = (len(frag), qr.version)
        assert qr.version <= 15, (label, len(frag), qr.version)
        assert F.decode(frag, {v: k for k, v in F.unique_ids(book.rules).items()}) == \
            F.FamilyList("easy-ja", TODAY, family.key, tuple(
                F.Item(i.code, i.status, i.progress, i.deadline, i.follow_up, F.code_id(i.code)) for i in family.items))
    print(f"heaviest case: {len(result.procedures)} procedures; fragment characters and QR version: {sizes}")
    # every procedure of the rulebook at once (no family has them all), each put off: still a code a phone reads
    # at the sheet's 30 mm (0.3 mm a module)
    every = F.FamilyList("ja", TODAY, "ABCD", tuple(F.Item(c, F.REQUIRED, F.DEFERRED, TODAY + dt.timedelta(days=400),
                                                           TODAY + dt.timedelta(days=30)) for c in book.rules))
    assert qr_code(F.link(long_url, F.encode(every, F.unique_ids(book.rules)))).version <= 18


def test_the_link_holds_no_name_address_or_phone(book):
    case = load_case(HEAVY, "case_heavy.yaml", today=TODAY, facts=book.facts)
    result = evaluate(book, case)
    link = family_link(book, case, result, today=TODAY, language="ja", progress=_worst_progress(result, TODAY))
    assert link.startswith(book.root.settings.family_page.url + "#1J")
    assert link.isascii()
    frag = link.split("#", 1)[1]
    # what is in it: the version, the language, the issue date, the key, then ids, flags and day counts only
    assert re.fullmatch(r"1J[0-9A-V]{7}([0-9A-V]{4}[0-9A-V][0-9A-V]*)*", frag)
    for personal in (case.deceased.name, case.deceased.kana, case.deceased.address, case.applicant.name,
                     case.applicant.phone, case.applicant.address, "note that is not in the link"):
        for form in (personal, personal.replace(" ", ""), personal.upper()):
            assert form not in link
    assert case.deceased.birth_date.strftime("%Y") not in link and "SASAKI" not in link.upper()
    # the key is one way and the same for every sheet of this case (the phone keeps its ticks per key)
    again = family_list(book, case, result, today=TODAY + dt.timedelta(days=20), language="en")
    assert again.key == family_list(book, case, result, today=TODAY, language="ja").key


def test_progress_of_a_return_visit_is_in_the_link(book):
    case = load_case(HEAVY, "case_heavy.yaml", today=TODAY, facts=book.facts)
    result = evaluate(book, case)
    codes = [p.code for p in result.procedures]
    progress = {codes[0]: Progress("done", on=TODAY), codes[1]: Progress("deferred", follow_up=TODAY + dt.timedelta(days=9)),
                codes[2]: Progress("not_applicable"), codes[3]: Progress("prepared")}
    link = family_link(book, case, result, today=TODAY, language="en", progress=progress)
    back = F.decode(link.split("#")[1], {v: k for k, v in F.unique_ids(book.rules).items()})
    assert back.language == "en" and back.issued == TODAY
    assert [(i.progress, i.follow_up) for i in back.items[:4]] == [
        ("done", None), ("deferred", TODAY + dt.timedelta(days=9)), ("not_applicable", None), ("open", None)]
    assert [(i.code, i.status, i.deadline) for i in back.items] == [(p.code, p.status, p.deadline)
                                                                    for p in result.procedures]


# -- the sheet ---------------------------------------------------------------------------------------------------

def _sheet(book, case_path, number=None, **kw):
    case = load_case(case_path, case_path.name, today=TODAY, facts=book.facts)
    result = evaluate(book, case)
    out = build_guidance(book, case, result, build_context(book, case, result, TODAY, number=number), find_fonts(),
                         today=TODAY, **kw)
    return out, "\n".join(p.extract_text() for p in PdfReader(__import__("io").BytesIO(out.pdf)).pages)


def test_the_sheet_prints_the_second_code_labelled_for_the_family(book):
    for lang, family_label, staff_label in (("ja", "スマートフォンで見る", "窓口用"), ("en", "View on your phone", "For city staff")):
        out, text = _sheet(book, EXAMPLE, number=12, language=lang)  # a stored case: its number's code too
        assert out.problems == []
        flat = re.sub(r"\s+", "", text)
        assert family_label.replace(" ", "") in flat and staff_label.replace(" ", "") in flat
        out, text = _sheet(book, EXAMPLE, language=lang)  # a case file has no number: the family's code alone
        flat = re.sub(r"\s+", "", text)
        assert family_label.replace(" ", "") in flat and staff_label.replace(" ", "") not in flat
    out, text = _sheet(book, HEAVY, large=True, language="easy-ja")
    assert out.problems == [] and "スマートフォンで" in text


def test_without_a_page_address_there_is_no_second_code(rules_copy):
    book = load_rulebook(with_page_url(rules_copy, None))
    assert book.root.settings.family_page is None
    out, text = _sheet(book, EXAMPLE)
    assert "スマートフォン" not in text and "窓口用" not in text


def test_the_page_address_is_checked_with_a_japanese_message(rules_copy):
    for url, says in (("http://www.city.example.jp/okuyami/", "https://"), ("https://www.city.example.jp/#x", "使えません"),
                      ("www.city.example.jp", "使えません"), ("https://市役所.jp/", "使えません")):
        with pytest.raises(InvalidInput) as err:
            load_rulebook(with_page_url(rules_copy, url))
        message = "\n".join(str(p) for p in err.value.problems)
        assert "rules.yaml:" in message and says in message, message
        rules_copy.write_text((ROOT / "rules.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    assert load_rulebook(with_page_url(rules_copy, "http://127.0.0.1:8000/")).root.settings.family_page.url


# -- the site ----------------------------------------------------------------------------------------------------

def test_rules_json_holds_the_public_texts_in_three_languages(book):
    data = site_data(book)
    assert data["format"] == "okuyami-family-page/1" and data["link_versions"] == [F.VERSION]
    by_code = {p["code"]: p for p in data["procedures"]}
    assert list(by_code) == [r.code for r in book.ordered]
    for rule in book.ordered:
        p = by_code[rule.code]
        assert p["id"] == F.code_id(rule.code)
        assert p["title"]["ja"] == rule.spec.title and p["title"]["en"] == rule.spec.title_en
        assert p["bring"]["ja"] == rule.spec.bring and len(p["bring"]["easy-ja"]) == len(rule.spec.bring)
        assert bool(p["counter"]) != bool(p["agency"])
    koseki = next(c for c in data["counters"] if c["id"] == "shimin_koseki")
    assert koseki["place"] == {"ja": "1階 2番窓口", "en": "Floor 1, Counter 2", "easy-ja": "1階（かい） 2番（ばん） 窓口（まどぐち）"}
    assert koseki["phone"] == book.root.counters["shimin_koseki"].phone
    assert by_code["setainushi_henko"]["due_how"]["ja"] == "（死亡日から14日以内）"
    text = json.dumps(data, ensure_ascii=False)
    assert "山田" not in text and "佐々木" not in text  # nothing about any family


def test_page_urgency_texts_say_what_the_sheet_says(book):
    """The page counts あとN日 itself from templates in rules.json; they give Urgency.label's words."""
    texts = site_data(book)["texts"]

    def page_label(days: int, lang: str) -> str:  # page.js urgencyLabel
        n = abs(days)
        key = "u_overdue" if days < 0 else "u_today" if days == 0 else "u_left"
        key += "_one" if n == 1 and days != 0 else ""
        return texts[key][lang].replace("{n}", str(n))

    for lang in ("ja", "en", "easy-ja"):
        for days in range(-40, 60):
            assert page_label(days, lang) == urgency(TODAY + dt.timedelta(days=days), TODAY).label(lang), (lang, days)
    assert Urgency(None, "none").label("ja") == ""


def test_the_page_asks_nothing_of_any_other_server(book):
    files = render_site(book)
    assert set(files) == {"index.html", "rules.json", "sw.js"}
    html = files["index.html"].decode("utf-8")
    for name in ("index.html", "sw.js"):  # no address anywhere: no CDN, no web font, no analytics
        text = files[name].decode("utf-8")
        assert not re.search(r"https?:|wss?:|ftp:", text, re.I), name
        assert not re.search(r"""(src|href|action)\s*=\s*["']?//|url\(|@import|importScripts""", text), name
    assert "cookie" not in html.lower()
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)[1]
    assert "default-src 'none'" in csp and "connect-src 'self'" in csp
    for tag in ("script", "style"):  # the inline script and style are allowed by their hash, nothing else
        body = re.search(f"<{tag}>(.*?)</{tag}>", html, re.S)[1]
        digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode()
        assert f"{tag}-src 'sha256-{digest}'" in csp


def test_cli_family_page_writes_the_three_files(tmp_path, rules_copy):
    out = tmp_path / "site"
    proc = subprocess.run([sys.executable, "-m", "okuyami", "family-page", "--out", str(out)], capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == ["index.html", "rules.json", "sw.js"]
    assert "https://www.city.example.jp/okuyami/" in proc.stdout
    json.loads((out / "rules.json").read_text(encoding="utf-8"))
    # without the setting: written, and the clerk is told the sheet will not carry the code
    proc = subprocess.run([sys.executable, "-m", "okuyami", "family-page", "--out", str(tmp_path / "b"), "--rules",
                           str(with_page_url(rules_copy, None))], capture_output=True, text=True)
    assert proc.returncode == 0 and "family_page" in proc.stderr and "印刷されません" in proc.stderr
    blocked = tmp_path / "file"
    blocked.write_text("x")
    proc = subprocess.run([sys.executable, "-m", "okuyami", "family-page", "--out", str(blocked / "site")],
                          capture_output=True, text=True)
    assert proc.returncode == 1 and "書き込めません" in proc.stderr and "Traceback" not in proc.stderr
