"""The guidance sheet's own texts in three languages (案内票の固定文言): ``ja``, ``en`` and ``easy-ja``
(やさしい日本語).

The rulebook translates its own texts (``title_en:``, ``title_easy:`` …, see :mod:`okuyami.core.translations`);
this module holds what the app itself prints: headings, labels, the intro, the legends, dates, deadlines and how
close they are.

やさしい日本語 follows the usual guidelines for residents (short sentences, common words, 西暦 dates, words
separated by spaces) and gives the reading of a kanji word in brackets right after it — 「窓口（まどぐち）」. reportlab
has no ruby (furigana above the line); drawing small kana above each word would need a layout of our own for
every wrapped line and would break text extraction and search of the PDF, while the bracket form wraps like any
other text, prints with every font (the CID fallback too) and is what many cities' やさしい日本語 leaflets use.

Every character here is in the fonts the app may use, including reportlab's CID fallback (roughly Shift_JIS):
``tests/test_i18n.py`` checks it (no ✓, no —, no 〜, no ㉑).
"""

from __future__ import annotations

import datetime as dt

from ..core.rulebook import DeadlineSpec
from ..core.urgency import Urgency
from ..core.wareki import format_date

LANGUAGES = ("ja", "en", "easy-ja")
LANGUAGE_LABELS = {"ja": "日本語", "en": "English（英語）", "easy-ja": "やさしい日本語"}

TEXTS: dict[str, dict[str, str]] = {
    "title": {"ja": "おくやみ手続きのご案内（手続き案内票）",
              "en": "Your guide to the procedures after a death",
              "easy-ja": "家族（かぞく）が 亡（な）くなった ときの 手続（てつづ）き"},
    "deceased": {"ja": "亡くなった方", "en": "The deceased", "easy-ja": "亡（な）くなった 人（ひと）"},
    "deceased_name": {"ja": "{name} 様（{age}歳）", "en": "{name} (aged {age})", "easy-ja": "{name} さん（{age}歳（さい））"},
    "death_date": {"ja": "亡くなった日", "en": "Date of death", "easy-ja": "亡（な）くなった 日（ひ）"},
    "visitor": {"ja": "ご来庁の方", "en": "Visitor", "easy-ja": "来（き）た 人（ひと）"},
    "visitor_name": {"ja": "{name} 様{rel}", "en": "{name}", "easy-ja": "{name} さん{rel}"},
    "issued": {"ja": "発行日", "en": "Date issued", "easy-ja": "作（つく）った 日（ひ）"},
    "case_number": {"ja": "案件番号", "en": "Case number", "easy-ja": "番号（ばんごう）"},
    "contact": {"ja": "お問い合わせ：{city} {corner}（{office} {place}）電話 {phone}",
                "en": "Questions: {city}, {corner} ({office}, {place}), phone {phone}",
                "easy-ja": "わからない ときは：{city} {corner}（{office} {place}） 電話（でんわ） {phone}"},
    "phone": {"ja": "電話 {phone}", "en": "Phone {phone}", "easy-ja": "電話（でんわ） {phone}"},
    "count": {"ja": "市役所の窓口 {counters}か所で {city}件、市役所以外で {outside}件の手続きがあります{confirm}。",
              "en": "You have {city} procedure(s) at {counters} counter(s) of the city hall and {outside} elsewhere{confirm}.",
              "easy-ja": "市役所（しやくしょ）の 窓口（まどぐち） {counters}か所（しょ）で {city}つ、市役所（しやくしょ）では ない "
                         "ところで {outside}つの 手続（てつづ）きが あります{confirm}。"},
    "count_confirm": {"ja": "（うち要確認 {n}件）", "en": " ({n} still to be confirmed)",
                      "easy-ja": "（{n}つは まだ わかりません）"},
    "intro": {"ja": "番号の順に窓口をお回りください。終わった手続きは □ に印を付けてください。"
                    "期限の日が土日・祝日・年末年始にあたるときは、次の開庁日までとしています。",
              "en": "Please visit the counters in the order of their numbers, and tick the box □ of each procedure "
                    "when it is done. A deadline that falls on a weekend, a public holiday or the New Year "
                    "holidays moves to the next working day.",
              "easy-ja": "番号（ばんごう）の 順番（じゅんばん）に 窓口（まどぐち）へ 行（い）って ください。"
                         "終（お）わった 手続（てつづ）きは □ に 印（しるし）を つけて ください。"
                         "期限（きげん）の 日（ひ）が 休（やす）みの 日（ひ）の ときは、次（つぎ）の 日（ひ）までです。"},
    "legend_urgent": {"ja": "★ 急ぎ：期限を過ぎているか、7日以内の手続きです。先に済ませてください。",
                      "en": "★ Urgent: the deadline has passed or is within 7 days. Please do these first.",
                      "easy-ja": "★ いそぎ：期限（きげん）が 過（す）ぎて いるか、あと 7日（なのか）までの 手続（てつづ）きです。"
                                 "先（さき）に して ください。"},
    "legend_untranslated": {"ja": "",
                            "en": "[JA] = not yet translated; printed in Japanese. Please ask at the counter.",
                            "easy-ja": "［日本語（にほんご）］＝ やさしい日本語（にほんご）が まだ ありません。"
                                       "窓口（まどぐち）で 聞（き）いて ください。"},
    "untranslated": {"ja": "", "en": "[JA] ", "easy-ja": "［日本語（にほんご）］"},
    "summary": {"ja": "まとめ", "en": "At a glance", "easy-ja": "まとめ"},
    "bucket_today": {"ja": "今日ここで済むこと（市役所の窓口）", "en": "Done today, here at the city hall",
                     "easy-ja": "今日（きょう） 市役所（しやくしょ）で できる こと"},
    "bucket_two_weeks": {"ja": "2週間以内に（市役所以外）", "en": "Within 2 weeks (elsewhere)",
                         "easy-ja": "2週間（しゅうかん）の うちに（市役所（しやくしょ）では ない ところ）"},
    "bucket_later": {"ja": "後日でよいこと（市役所以外）", "en": "Later (elsewhere)",
                     "easy-ja": "あとで いい こと（市役所（しやくしょ）では ない ところ）"},
    "bucket_none": {"ja": "ありません", "en": "None", "easy-ja": "ありません"},
    "bucket_done": {"ja": "済んだ手続き：{n}件（手続きの欄に {mark} と日付があります）",
                    "en": "Already done: {n} (marked {mark} with the date below)",
                    "easy-ja": "もう 終（お）わった 手続（てつづ）き：{n}つ（{mark} と 日（ひ）が あります）"},
    "bucket_deferred": {"ja": "後日にすること（窓口でお約束したもの）", "en": "To do later (as agreed at the counter)",
                        "easy-ja": "あとで する こと（窓口（まどぐち）で 決（き）めた こと）"},
    "done_on": {"ja": "済（{date}）", "en": "Done ({date})", "easy-ja": "終（お）わりました（{date}）"},
    "later_on": {"ja": "後日：{date}ごろ", "en": "Later: around {date}", "easy-ja": "あとで：{date}ごろ"},
    "later": {"ja": "後日", "en": "Later", "easy-ja": "あとで"},
    "later_past_deadline": {"ja": "※期限（{date}）より後の予定です", "en": "※ planned after the deadline ({date})",
                            "easy-ja": "※しめきり（{date}）より あとの 予定（よてい）です"},
    "not_needed_head": {"ja": "窓口で確認し、不要となった手続き", "en": "Checked at the counter: not needed",
                        "easy-ja": "窓口（まどぐち）で 確（たし）かめて、しなくて いい 手続（てつづ）き"},
    "urgent": {"ja": "★急ぎ", "en": "★Urgent", "easy-ja": "★いそぎ"},
    "to_confirm": {"ja": "［要確認］", "en": "[To be confirmed] ", "easy-ja": "［まだ わかりません］"},
    "deadline": {"ja": "期限：{date}まで", "en": "Deadline: {date}", "easy-ja": "期限（きげん）：{date}まで"},
    "deadline_how": {"ja": "（{how}）", "en": " ({how})", "easy-ja": "（{how}）"},
    "deadline_text": {"ja": "期限：{text}", "en": "Deadline: {text}", "easy-ja": "期限（きげん）：{text}"},
    "late_default": {"ja": "期限を過ぎても手続きはできます。できるだけ早く手続きしてください。",
                     "en": "You can still do this after the deadline. Please do it as soon as you can.",
                     "easy-ja": "期限（きげん）を 過（す）ぎても できます。早（はや）く して ください。"},
    "late_label": {"ja": "期限を過ぎたら：", "en": "Deadline passed: ", "easy-ja": "期限（きげん）を 過（す）ぎたら："},
    "bring": {"ja": "持ち物：", "en": "Please bring:", "easy-ja": "持（も）って いく もの："},
    "reason": {"ja": "理由：", "en": "Why: ", "easy-ja": "どうして："},
    "forms": {"ja": "記入済みの申請書：{titles}", "en": "Prefilled form(s) enclosed, in Japanese: {n} (see the cover note)",
              "easy-ja": "書（か）いて ある 申請書（しんせいしょ）が {n}枚（まい） あります（日本語（にほんご））"},
    "note": {"ja": "ご注意：", "en": "Note: ", "easy-ja": "気（き）を つける こと："},
    "city_counters": {"ja": "市役所の窓口", "en": "Counters at the city hall",
                      "easy-ja": "市役所（しやくしょ）の 窓口（まどぐち）"},
    "counter_number": {"ja": "{n}番窓口", "en": "Counter {n}", "easy-ja": "{n}番（ばん） 窓口（まどぐち）"},
    "floor": {"ja": "{n}階", "en": "Floor {n}", "easy-ja": "{n}階（かい）"},
    "default_hours": {"en": "Weekdays 8:30-17:15",
                      "easy-ja": "月曜日（げつようび）から 金曜日（きんようび） 8:30から17:15まで"},
    "confirm_head": {"ja": "確認が必要なこと（「わからない」とお答えいただいた項目）",
                     "en": "Still to be confirmed (you answered \"don't know\")",
                     "easy-ja": "まだ わからない こと（「わからない」と 答（こた）えた こと）"},
    "confirm_reason": {"ja": "「{question}」への答えが「わからない」のため、対象かどうかの確認が必要です",
                       "en": "You answered \"don't know\" to: {question} Please check whether this applies.",
                       "easy-ja": "「{question}」が わかりません。この 手続（てつづ）きが いるか 調（しら）べて ください。"},
    "confirm_then": {"ja": "わかったら、次の手続きが必要かどうかが決まります：{titles}",
                     "en": "Once you know, this decides whether you need: {titles}",
                     "easy-ja": "わかったら、次（つぎ）の 手続（てつづ）きが いるか わかります：{titles}"},
    "pending_head": {"ja": "まだお聞きしていないこと", "en": "Not asked yet",
                     "easy-ja": "まだ 聞（き）いて いない こと"},
    "pending_intro": {"ja": "次のことに当てはまる場合は、ほかにも手続きが必要になることがあります。"
                            "{corner}（電話 {phone}）にお問い合わせください。",
                      "en": "If any of the following applies, you may need more procedures. Please call the "
                            "{corner} (phone {phone}).",
                      "easy-ja": "次（つぎ）の ことが ある ときは、ほかの 手続（てつづ）きも いるかも しれません。"
                                 "{corner}（電話（でんわ） {phone}）に 聞（き）いて ください。"},
    "outside": {"ja": "市役所以外での手続き", "en": "Procedures outside the city hall",
                "easy-ja": "市役所（しやくしょ）では ない ところの 手続（てつづ）き"},
    "footer_case": {"ja": "案件番号 {number}", "en": "Case {number}", "easy-ja": "番号（ばんごう） {number}"},
    "doc_title": {"ja": "おくやみ手続きのご案内", "en": "Guide to the procedures after a death",
                  "easy-ja": "手続（てつづ）きの 案内（あんない）"},
    # the second QR code of the header (okuyami/family): the family's list on their phone; the case one is for staff
    "family_qr": {"ja": "スマートフォンで|見る", "en": "View on your phone",  # |: where it may break in two lines
                  "easy-ja": "スマートフォンで|見（み）る"},
    "family_qr_sub": {"ja": "カメラで読み取ると、|この一覧が開きます", "en": "Scan with the camera to open this list",
                      "easy-ja": "カメラで 読（よ）んで ください"},
    "case_qr": {"ja": "窓口用", "en": "For city staff", "easy-ja": "窓口（まどぐち）で 使（つか）う"},
    # the cover note in front of each official form (languages other than ja)
    "cover_title": {"ja": "この申請書について", "en": "About the form behind this page",
                    "easy-ja": "この 後（うし）ろの 申請書（しんせいしょ）に ついて"},
    "cover_body": {"ja": "", "en": "The next page is an official form in Japanese: {form}. It has been "
                                  "filled in for you. It is for: {procedures}.",
                   "easy-ja": "次（つぎ）の ページは 申請書（しんせいしょ）です（{form}）。もう 書（か）いて あります。"
                              "この 手続（てつづ）きに 使（つか）います：{procedures}。"},
    "cover_where": {"ja": "", "en": "Take it to: {place}", "easy-ja": "持（も）って いく ところ：{place}"},
    "cover_check": {"ja": "", "en": "Please check what is written, sign where the counter staff show you, and "
                                    "hand it in there. The form stays in Japanese because it goes to the city.",
                    "easy-ja": "書（か）いて ある ことを 確（たし）かめて、窓口（まどぐち）に 出（だ）して ください。"},
}

WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December")
WEEKDAYS_EASY = ("月", "火", "水", "木", "金", "土", "日")


def text(key: str, lang: str, **values) -> str:
    """The fixed text ``key`` in ``lang`` (falling back to ja), with ``values`` filled in."""
    entry = TEXTS[key]
    return (entry.get(lang) or entry["ja"]).format(**values)


def format_day(d: dt.date | None, lang: str, *, wareki: bool = False) -> str:
    """A date for the family: ja ``令和9年1月4日(月)``; en ``Mon 4 January 2027`` (``wareki=True`` adds
    ``(令和9年1月4日)`` for comparing with Japanese papers); easy-ja ``2027年1月4日（月）`` (西暦, as the
    guidelines for やさしい日本語 ask)."""
    if d is None:
        return ""
    if lang == "en":
        out = f"{WEEKDAYS_EN[d.weekday()]} {d.day} {MONTHS_EN[d.month - 1]} {d.year}"
        return out + (f" ({format_date(d)})" if wareki else "")
    if lang == "easy-ja":
        return f"{d.year}年{d.month}月{d.day}日（{WEEKDAYS_EASY[d.weekday()]}）"
    return format_date(d, weekday=True)


def describe_deadline(spec: DeadlineSpec, lang: str) -> str:
    """How a deadline with a period is counted: 「死亡日から14日以内」, "within 14 days of the death",
    「亡（な）くなった 日（ひ）から 14日（にち）の うちに」. (A deadline written as ``text`` is translated in the
    rulebook, by ``deadline_en`` / ``deadline_easy``.)"""
    if lang == "ja" or spec.text:
        return spec.describe()
    if not spec.has_period:
        return "no deadline" if lang == "en" else "期限（きげん）は ありません"
    n, unit = ((spec.days, "d") if spec.days is not None else (spec.months, "m") if spec.months is not None
               else (spec.years, "y"))
    if lang == "en":
        word = {"d": "day", "m": "month", "y": "year"}[unit] + ("s" if n != 1 else "")
        start = "the death" if spec.from_ == "death" else "the funeral"
        counting = ", counting the day of death" if spec.count_first_day else ""
        return f"within {n} {word} of {start}{counting}"
    word = {"d": "日（にち）", "m": "か月（げつ）", "y": "年（ねん）"}[unit]
    start = "亡（な）くなった 日（ひ）" if spec.from_ == "death" else "お葬式（そうしき）の 日（ひ）"
    counting = "（その 日（ひ）も 入（い）れて）" if spec.count_first_day else ""
    return f"{start}から{counting} {n}{word}の うちに"


def urgency_label(u: Urgency, lang: str) -> str:
    """「あと5日」 / "5 days left" / 「あと 5日（にち）」 (see :meth:`Urgency.label`)."""
    return u.label(lang)


def counter_place(counter, lang: str, translate) -> str:
    """「1階 2番窓口」 / "Floor 1, Counter 2" for a counter (``translate(obj, key)`` gives the rulebook's
    translation of a text)."""
    import re

    from ..core.translations import SUFFIX

    m = re.fullmatch(r"([0-9０-９]+)階", counter.floor)
    if lang != "ja" and m and getattr(counter, "floor" + SUFFIX[lang], None) is None:
        floor = text("floor", lang, n=m.group(1))  # 2階 → Floor 2 / 2階（かい）
    else:
        floor = translate(counter, "floor")
    if isinstance(counter.number, int):
        number = text("counter_number", lang, n=counter.number)
    else:
        number = translate(counter, "number")
    return f"{floor}, {number}" if lang == "en" else f"{floor} {number}"
