"""The guidance sheet in the family's language (issue 13) and the sheet's deadlines and summary (issue 12.2/12.3):
English with no Japanese but names and addresses, やさしい日本語, every text of the default rulebook translated,
missing translations marked and warned about, urgent items first, nothing internal on the family's paper."""

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from okuyami.core.case import load_case_doc
from okuyami.core.rulebook import check_rulebook
from okuyami.core.translations import SUFFIX
from okuyami.core.urgency import urgency
from okuyami.documents import i18n
from okuyami.documents.packet import make_packet

ROOT = Path(__file__).resolve().parents[1]
TODAY = dt.date(2026, 11, 22)
HEAVY = ROOT / "examples" / "case_heavy.yaml"
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff01-\uff60\u3000-\u303f々〆]")


def text_of(pdf: Path, page: int | None = None) -> str:
    reader = PdfReader(str(pdf))
    pages = reader.pages if page is None else [reader.pages[page]]
    return "\n".join(p.extract_text() for p in pages)


def packet(book, tmp, language, today=TODAY):
    case, doc = load_case_doc(HEAVY, "case_heavy.yaml", today=today)
    return case, make_packet(book, case, tmp, today=today, case_doc=doc, case_file="case_heavy.yaml",
                             language=language)


@pytest.fixture(scope="module")
def english(tmp_path_factory, book):
    return packet(book, tmp_path_factory.mktemp("en"), "en")


def test_english_sheet_has_no_japanese_but_names_addresses_and_wareki(english, book):
    case, pk = english
    assert pk.untranslated == []
    text = text_of(pk.out_dir / "guidance.pdf")
    allowed = [case.deceased.name, case.applicant.name] + [a.address for a in book.root.agencies.values()]
    allowed += [o.address for o in book.root.offices.values()]
    rest = text
    for a in sorted(allowed, key=len, reverse=True):
        rest = rest.replace(a, "")
    rest = re.sub(r"\((令和|平成|昭和)[0-9元]+年[0-9]+月[0-9]+日\)", "", rest)  # the 和暦 beside a date
    left = sorted(set(JAPANESE.findall(rest)))
    assert left == [], [line for line in rest.splitlines() if JAPANESE.search(line)][:5]
    # and it is the real thing: every place, deadline and item is there, in English
    for needle in ("Your guide to the procedures after a death", "Mon 9 November 2026 (令和8年11月9日)",
                   "Change of head of household", "Deadline: Tue 24 November 2026 (within 14 days of the death)",
                   "Floor 1, Counter 2", "Citizens Division - Family Register Section", "Please bring:",
                   "Sample Tax Office", "At a glance", "Done today, here at the city hall", "2 days left"):
        assert needle in text.replace("\n", " ") or needle in text, needle
    flat = re.sub(r"\s+", "", text)
    for p in pk.result.procedures:  # every item, with its date
        assert re.sub(r"\s+", "", p.rule.spec.title_en) in flat, p.code
        if p.deadline:
            assert re.sub(r"\s+", "", i18n.format_day(p.deadline, "en")) in flat, p.code
    for cid in {p.rule.spec.counter for p in pk.result.procedures if p.rule.spec.counter}:  # every place
        assert re.sub(r"\s+", "", book.root.counters[cid].name_en) in flat, cid


def test_english_forms_stay_japanese_each_after_a_cover_note(english):
    _, pk = english
    reader = PdfReader(str(pk.packet_path))
    assert pk.cover_pages == len(pk.forms)
    assert len(reader.pages) == pk.guidance_pages + 2 * len(pk.forms)
    cover = reader.pages[pk.guidance_pages].extract_text()
    form = reader.pages[pk.guidance_pages + 1].extract_text()
    assert "About the form behind this page" in cover and "Take it to:" in cover and "Counter 3" in cover
    assert "住民異動届" in form  # the official form itself, in Japanese, untouched
    assert text_of(pk.out_dir / "forms" / f"{pk.forms[0][0]}.pdf") == form  # forms/ as the contract says


def test_easy_japanese_sheet(book, tmp_path):
    _, pk = packet(book, tmp_path, "easy-ja")
    text = text_of(pk.out_dir / "guidance.pdf")
    assert pk.untranslated == []
    for needle in ("家族（かぞく）が 亡（な）くなった ときの 手続（てつづ）き", "2026年11月9日（月）",
                   "世帯主（せたいぬし）を 変（か）える 届（とど）け", "今日（きょう） 市役所（しやくしょ）で できる こと",
                   "あと 2日（にち）"):
        assert needle in text.replace("\n", ""), needle
    assert "令和" not in text.split("作（つく）った")[1][:40]  # 西暦 dates in やさしい日本語


def test_japanese_sheet_summary_urgent_first_and_nothing_internal(book, tmp_path):
    case, pk = packet(book, tmp_path, "ja")
    first = text_of(pk.out_dir / "guidance.pdf", 0)
    for needle in ("まとめ", "今日ここで済むこと", "2週間以内に", "後日でよいこと", "★急ぎ"):
        assert needle in first, needle
    summary = first.split("今日ここで済むこと")[1].split("2週間以内に")[0]
    urgent = [i for i, line in enumerate(summary.splitlines()) if "★急ぎ" in line]
    calm = [i for i, line in enumerate(summary.splitlines()) if line.startswith("・")]
    assert urgent and calm and max(urgent) < min(calm)  # urgent items come first
    assert "世帯主変更届 あと2日" in summary.replace("　", " ")
    whole = text_of(pk.out_dir / "guidance.pdf")
    assert "契約上のコード" not in whole and "✓" not in whole
    for code in book.rules:
        if "_" in code:
            assert code not in whole, code
    for q in book.questions.values():  # staff hints stay on the clerk's screen
        if q.spec.hint:
            assert q.spec.hint not in whole.replace("\n", ""), q.fact


def test_an_overdue_item_says_what_to_do(book, tmp_path):
    late_day = dt.date(2026, 12, 21)
    _, ja = packet(book, tmp_path / "ja", "ja", today=late_day)
    text = text_of(ja.out_dir / "guidance.pdf").replace("\n", "")
    assert "期限切れ（27日超過）" in text  # 世帯主変更届, due 11/24
    assert "期限を過ぎたら：期限を過ぎても手続きはできます。" in text  # the default: it can still be done
    _, en = packet(book, tmp_path / "en", "en", today=late_day)
    text = text_of(en.out_dir / "guidance.pdf").replace("\n", " ")
    assert "27 days overdue" in text and "Deadline passed: You can still do this after the deadline." in text


def test_rule_late_text_is_used(book):
    rule = book.rules["souzoku_houki"]
    assert rule.spec.late.startswith("3か月を過ぎると") and rule.spec.late_en and rule.spec.late_easy


def test_every_procedure_and_place_of_the_default_rulebook_is_translated(book):
    fields = ("title", "reason", "note")
    for rule in book.rules.values():
        spec = rule.spec
        for lang, suffix in SUFFIX.items():
            for f in fields:
                if getattr(spec, f):
                    assert getattr(spec, f + suffix), (rule.code, f + suffix)
            assert spec.bring == [] or len(getattr(spec, "bring" + suffix) or []) == len(spec.bring), rule.code
            if spec.deadline.text:
                assert getattr(spec, "deadline" + suffix), (rule.code, "deadline" + suffix)
    for cid, c in book.root.counters.items():
        assert c.name_en and c.name_easy, cid
    for aid, a in book.root.agencies.items():
        assert a.name_en and a.name_easy and (not a.hours or (a.hours_en and a.hours_easy)), aid
    for q in book.root.questions:
        assert q.text_en and q.text_easy, q.fact
    _, problems = check_rulebook(ROOT / "rules.yaml", today=TODAY)
    assert [str(p) for p in problems.warnings if "translation" in p.message] == []


def test_missing_translation_warns_with_line_and_department_and_prints_marked(rules_copy, monkeypatch, tmp_path):
    monkeypatch.chdir(rules_copy.parent)
    f = rules_copy.parent / "rules" / "shimin.yaml"
    lines = f.read_text(encoding="utf-8").splitlines(keepends=True)
    title_line = next(i for i, line in enumerate(lines) if line.strip() == "title: 世帯主変更届") + 1
    f.write_text("".join(line for line in lines if "Change of head of household" not in line), encoding="utf-8")
    book, problems = check_rulebook(rules_copy, today=TODAY)
    assert book is not None and problems.errors == []
    (w,) = [str(p) for p in problems.warnings if "[no translation]" in p.message]
    assert w.startswith(f"rules/shimin.yaml:{title_line}:12: 警告: 手続き 'setainushi_henko' の title「世帯主変更届」"
                        "に英語（title_en）の訳がありません — 市民課")
    case, doc = load_case_doc(HEAVY, "case_heavy.yaml", today=TODAY)
    pk = make_packet(book, case, tmp_path / "out", today=TODAY, language="en")
    assert pk.untranslated == ["rules/shimin.yaml: setainushi_henko title"]
    text = text_of(pk.out_dir / "guidance.pdf")
    assert "[JA] 世帯主変更届" in text and "[JA] = not yet translated" in text
    proc = subprocess.run([sys.executable, "-m", "okuyami", "rules", "check", "--rules", str(rules_copy)],
                          capture_output=True, text=True, cwd=rules_copy.parent)
    assert proc.returncode == 0 and "に英語（title_en）の訳がありません" in proc.stderr  # a warning only


def test_old_rulebook_without_translations_stays_valid(rules_copy, monkeypatch):
    monkeypatch.chdir(rules_copy.parent)
    for f in [rules_copy, *(rules_copy.parent / "rules").glob("*.yaml")]:
        out, key_indent = [], None
        for line in f.read_text(encoding="utf-8").splitlines(keepends=True):
            indent = len(line) - len(line.lstrip())
            if re.match(r"\s*\w+_(en|easy):", line):  # a translation (and the items of a translated list)
                key_indent = indent
                continue
            if key_indent is not None and indent > key_indent and line.lstrip().startswith("- "):
                continue
            key_indent = None
            out.append(line)
        f.write_text("".join(out), encoding="utf-8")
    book, problems = check_rulebook(rules_copy, today=TODAY)
    assert [str(p) for p in problems.errors] == []
    assert len([p for p in problems.warnings if "translation" in p.message]) > 100


def test_dates_and_urgency_in_each_language(book):
    assert i18n.format_day(dt.date(2027, 1, 4), "en") == "Mon 4 January 2027"
    assert i18n.format_day(dt.date(2027, 1, 4), "en", wareki=True) == "Mon 4 January 2027 (令和9年1月4日)"
    assert i18n.format_day(dt.date(2027, 1, 4), "easy-ja") == "2027年1月4日（月）"
    assert i18n.format_day(dt.date(2027, 1, 4), "ja") == "令和9年1月4日(月)"
    today = dt.date(2026, 11, 23)
    assert [urgency(dt.date(2026, 11, 20), today).label(lang) for lang in ("ja", "en", "easy-ja")] == \
        ["期限切れ（3日超過）", "3 days overdue", "期限（きげん）を 3日（にち） 過（す）ぎて います"]
    assert urgency(today, today).label("en") == "due today"
    assert urgency(dt.date(2026, 11, 24), today).label("en") == "1 day left"
    spec = book.rules["setainushi_henko"].spec.deadline
    assert i18n.describe_deadline(spec, "en") == "within 14 days of the death"
    assert i18n.describe_deadline(book.rules["shibou_todoke"].spec.deadline, "en") == \
        "within 7 days of the death, counting the day of death"
    from okuyami.core.rulebook import DeadlineSpec

    assert [i18n.describe_deadline(DeadlineSpec(), lang) for lang in ("ja", "en", "easy-ja")] == \
        ["期限なし", "no deadline", "期限（きげん）は ありません"]
    assert i18n.describe_deadline(DeadlineSpec(months=3, **{"from": "funeral"}), "easy-ja") == \
        "お葬式（そうしき）の 日（ひ）から 3か月（げつ）の うちに"


def test_every_character_the_sheet_prints_is_in_the_cid_fallback(book):
    """The CID fallback (HeiseiKakuGo-W5) covers roughly Shift_JIS: the app's own texts and the default rulebook's
    translations must all be in it (no ✓, —, 〜, ㉑…)."""
    texts = [v for entry in i18n.TEXTS.values() for v in entry.values()]
    for rule in book.rules.values():
        for suffix in SUFFIX.values():
            for key in ("title", "reason", "note", "deadline", "late"):
                texts.append(getattr(rule.spec, key + suffix) or "")
            texts += getattr(rule.spec, "bring" + suffix) or []
    bad = {ch for text in texts for ch in text if not _cp932(ch)}
    assert bad == set()


def _cp932(ch: str) -> bool:
    try:
        ch.encode("cp932")
        return True
    except UnicodeEncodeError:
        return False


def test_cli_print_language(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "okuyami", "print", str(HEAVY), "--out", str(tmp_path),
                           "--language", "easy-ja"], capture_output=True, text=True,
                          env={**__import__("os").environ, "OKUYAMI_TODAY": "2026-11-22"})
    assert proc.returncode == 0, proc.stderr
    assert "家族（かぞく）が 亡（な）くなった" in text_of(tmp_path / "guidance.pdf", 0).replace("\n", "")
    bad = subprocess.run([sys.executable, "-m", "okuyami", "print", str(HEAVY), "--out", str(tmp_path / "x"),
                          "--language", "fr"], capture_output=True, text=True)
    assert bad.returncode == 2 and "invalid choice: 'fr'" in bad.stderr


@pytest.fixture
def cid_fallback(monkeypatch):
    """No TrueType font at all: reportlab's built-in CID fonts, as on a fresh machine."""
    from okuyami.documents import fonts as fonts_mod

    monkeypatch.setattr(fonts_mod, "_index", lambda: {})
    fonts_mod.find_fonts.cache_clear()
    yield fonts_mod.find_fonts()
    fonts_mod.find_fonts.cache_clear()


def test_sheet_prints_with_the_cid_fallback(book, cid_fallback):
    from okuyami.core.engine import evaluate
    from okuyami.documents.context import build_context
    from okuyami.documents.guidance import build_guidance

    assert not cid_fallback.embedded
    case, _ = load_case_doc(HEAVY, "case_heavy.yaml", today=TODAY)
    result = evaluate(book, case)
    ctx = build_context(book, case, result, TODAY)
    for lang in ("en", "easy-ja"):
        out = build_guidance(book, case, result, ctx, cid_fallback, today=TODAY, language=lang)
        assert out.problems == [], (lang, out.problems[:3])
    late = build_guidance(book, case, result, ctx, cid_fallback, today=dt.date(2027, 6, 1), language="ja")
    fixed = [p for p in late.problems  # the app's own words (the rulebook's Japanese is checked by rules check)
             if p.split(": ")[1] in ("title", "header", "intro", "summary", "legend", "label", "urgency", "section")]
    assert fixed == []


def test_large_print_in_every_language(book, tmp_path):
    """A long summary (large print, many procedures) goes on over the page instead of failing."""
    for lang in ("en", "easy-ja"):
        _, normal = packet(book, tmp_path / f"n{lang}", lang)
        case, doc = load_case_doc(HEAVY, "case_heavy.yaml", today=TODAY)
        large = make_packet(book, case, tmp_path / f"l{lang}", today=TODAY, large=True, language=lang)
        assert large.guidance_pages > normal.guidance_pages and large.min_font_size >= 14
