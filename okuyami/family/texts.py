"""The family page's own texts in three languages (ja, en, easy-ja), besides those it shares with the sheet
(:data:`SHEET_KEYS` of :mod:`okuyami.documents.i18n`, so the phone and the paper say the same thing).

They travel in ``rules.json``; the page fills ``{n}``, ``{date}``… itself. A phone shows them in its own fonts
(nothing is printed), so any character may be used here.
"""

from __future__ import annotations

# what the sheet already says, used as is on the page
SHEET_KEYS = ("doc_title", "issued", "phone", "summary", "bucket_today", "bucket_two_weeks", "bucket_later",
              "bucket_deferred", "bucket_none", "later_on", "later", "not_needed_head", "urgent", "to_confirm",
              "deadline", "deadline_text", "late_default", "late_label", "bring", "reason", "note", "default_hours",
              "legend_urgent", "untranslated", "legend_untranslated")

PAGE_TEXTS: dict[str, dict[str, str]] = {
    "page_title": {"ja": "おくやみ手続きの一覧", "en": "Your list of procedures after a death",
                   "easy-ja": "手続（てつづ）きの 一覧（いちらん）"},
    "today": {"ja": "今日は {date}", "en": "Today is {date}", "easy-ja": "今日（きょう）は {date}"},
    "remaining": {"ja": "残りの手続き：{n}件", "en": "Procedures left: {n}",
                  "easy-ja": "まだ する 手続（てつづ）き：{n}つ"},
    "urgent_count": {"ja": "★急ぎの手続きが {n}件あります。先に済ませてください。",
                     "en": "★ {n} urgent procedure(s): please do these first.",
                     "easy-ja": "★いそぎの 手続（てつづ）きが {n}つ あります。先（さき）に して ください。"},
    # あとN日 on the phone, as core/urgency.py says it on paper (tests/test_family.py checks they agree)
    "u_left": {"ja": "あと{n}日", "en": "{n} days left", "easy-ja": "あと {n}日（にち）"},
    "u_left_one": {"ja": "あと{n}日", "en": "{n} day left", "easy-ja": "あと {n}日（にち）"},
    "u_today": {"ja": "今日まで", "en": "due today", "easy-ja": "今日（きょう）まで"},
    "u_overdue": {"ja": "期限切れ（{n}日超過）", "en": "{n} days overdue",
                  "easy-ja": "期限（きげん）を {n}日（にち） 過（す）ぎて います"},
    "u_overdue_one": {"ja": "期限切れ（{n}日超過）", "en": "{n} day overdue",
                      "easy-ja": "期限（きげん）を {n}日（にち） 過（す）ぎて います"},
    "tick": {"ja": "済んだら、ここを押して印をつける", "en": "Tap here when it is done",
             "easy-ja": "終（お）わったら ここを 押（お）す"},
    "ticked": {"ja": "済み（このスマートフォンに記録）", "en": "Done (kept on this phone)",
               "easy-ja": "終（お）わりました（この スマートフォンに 記録（きろく））"},
    "counter_done": {"ja": "✓ 窓口で済みました", "en": "✓ Done at the counter",
                     "easy-ja": "✓ 窓口（まどぐち）で 終（お）わりました"},
    "done_head": {"ja": "済んだ手続き", "en": "Done", "easy-ja": "終（お）わった 手続（てつづ）き"},
    "confirm_group": {"ja": "確認が必要なこと（「わからない」とお答えいただいたもの）",
                     "en": "To be confirmed (you answered \"don't know\")",
                     "easy-ja": "まだ わからない こと"},
    "confirm_item": {"ja": "この手続きが必要かどうか、確認してください。", "en": "Please check whether you need this.",
                     "easy-ja": "この 手続（てつづ）きが いるか 調（しら）べて ください。"},
    "where": {"ja": "窓口：", "en": "Where: ", "easy-ja": "行（い）く ところ："},
    "call": {"ja": "電話する {phone}", "en": "Call {phone}", "easy-ja": "電話（でんわ）する {phone}"},
    "calendar": {"ja": "期限をカレンダーに入れる", "en": "Add the deadline to my calendar",
                 "easy-ja": "期限（きげん）を カレンダーに 入（い）れる"},
    "calendar_all": {"ja": "すべての期限をカレンダーに入れる", "en": "Add every deadline to my calendar",
                     "easy-ja": "ぜんぶの 期限（きげん）を カレンダーに 入（い）れる"},
    "ics_deadline": {"ja": "【期限】{title}", "en": "Deadline: {title}", "easy-ja": "期限（きげん）：{title}"},
    "ics_follow_up": {"ja": "【予定】{title}", "en": "Planned: {title}", "easy-ja": "する 日（ひ）：{title}"},
    "share": {"ja": "この一覧を家族に送る", "en": "Send this list to family",
              "easy-ja": "この 一覧（いちらん）を 家族（かぞく）に 送（おく）る"},
    "share_copied": {"ja": "リンクをコピーしました。メールやメッセージに貼り付けて送ってください。",
                     "en": "The link is copied. Paste it into an e-mail or a message.",
                     "easy-ja": "リンクを コピーしました。メールなどに 貼（は）って 送（おく）って ください。"},
    "share_manual": {"ja": "次のリンクをコピーして送ってください。", "en": "Copy this link and send it.",
                     "easy-ja": "この リンクを コピーして 送（おく）って ください。"},
    "contact_head": {"ja": "わからないことは", "en": "Questions", "easy-ja": "わからない ときは"},
    "privacy": {"ja": "この一覧は、案内票のQRコードのリンクの中にだけあります。お名前やご住所は入っていません。"
                      "市のサーバーには送られず、つけた印はこのスマートフォンの中だけに保存されます。",
                "en": "This list lives only in the link of the QR code on your sheet: no name, no address. It is not "
                      "sent to the city's server, and your ticks stay on this phone.",
                "easy-ja": "この 一覧（いちらん）に 名前（なまえ）や 住所（じゅうしょ）は ありません。"
                           "市役所（しやくしょ）には 送（おく）られません。印（しるし）は この スマートフォンの "
                           "中（なか）だけに あります。"},
    "offline": {"ja": "一度開けば、電波のないところでも見られます。", "en": "Once opened, it also works without a signal.",
                "easy-ja": "一度（いちど） 開（ひら）けば 電波（でんぱ）が なくても 見（み）られます。"},
    "language": {"ja": "ことば", "en": "Language", "easy-ja": "ことば"},
    "unknown": {"ja": "（この手続きの説明は、このページにまだありません。案内票をご覧ください）",
                "en": "(This page has no description of this procedure yet: please see your sheet.)",
                "easy-ja": "（この 手続（てつづ）きの 説明（せつめい）は まだ ありません。紙（かみ）を 見（み）て ください）"},
    "no_list": {"ja": "おくやみ手続きの案内票にある「スマートフォンで見る」のQRコードを読み取ると、あなたの手続きの一覧が"
                      "ここに表示されます。",
                "en": "Scan the 'View on your phone' QR code on your guidance sheet to see your list here.",
                "easy-ja": "紙（かみ）の 「スマートフォンで 見（み）る」の QRコードを 読（よ）むと、ここに "
                           "手続（てつづ）きが 出（で）ます。"},
    "bad_link": {"ja": "このリンクは読み取れませんでした。案内票のQRコードをもう一度読み取ってください。",
                 "en": "This link cannot be read. Please scan the QR code on your sheet again.",
                 "easy-ja": "この リンクは 読（よ）めません。もう一度（いちど） QRコードを 読（よ）んで ください。"},
    "newer_link": {"ja": "このリンクは新しい形式です。ページを再読み込みしてください。",
                   "en": "This link is newer than this page: please reload the page.",
                   "easy-ja": "ページを もう一度（いちど） 開（ひら）いて ください。"},
}
