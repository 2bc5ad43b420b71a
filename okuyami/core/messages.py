"""The rulebook's messages (ルールの誤りメッセージ): every message that ``okuyami rules check``, ``rules test``,
``evaluate`` and the desk app's ルール menu can show about a rulebook, a case file or a form template, in one place.

Each message is Japanese, says what is wrong and how to fix it, and ends with an English key word in brackets
for the city's IT staff (``[unknown key]``), the same in every message of that kind::

    rules/shimin.yaml:12:5: 未知のキー 'Title'（'title' のことですか？）。… [unknown key]

:func:`say` formats a message of the catalogue; the department handbook (docs/rules-guide.md §9) lists every
kind with an example, made by :func:`handbook_list` (tests/test_rule_messages.py keeps the two the same).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Message:
    key: str  # the English key word, shown in brackets: the kind of the message
    group: str  # the heading it is listed under in the handbook
    text: str  # Japanese, with {fields}
    example: dict[str, Any] = field(default_factory=dict)  # fields for the handbook's example
    where: str = "rules/shimin.yaml:12:5"  # where the handbook's example says it was found
    note: str = ""  # one more sentence for the handbook (what the mistake usually is)


G_READ = "ファイルを読めないとき（まずこれを直します）"
G_YAML = "書き方（YAML）の誤り"
G_KEYS = "項目（キー）と値の誤り"
G_PLACE = "窓口・課・庁舎・予約枠"
G_PROC = "手続き"
G_COND = "条件（when:）"
G_QUEST = "質問（questions:）"
G_FORM = "申請書の様式（forms_templates/）"
G_CASE = "事例・シナリオ（ケースファイル、rules/scenarios/）"
G_XLSX = "表計算ファイル（export-xlsx / import-xlsx）"
G_WARN = "警告（ルールは使えます）"

_CATALOGUE = [
    # --- a file that cannot be read ------------------------------------------------------------------------
    Message("file not found", G_READ, "ファイル '{file}' がありません。名前と場所を確かめてください{hint}",
            {"file": "rules/shimin.yml", "hint": "（'rules/shimin.yaml' のことですか？）"}, "rules.yaml:690:5",
            "include: に書いたファイル名の打ち間違いがよくある原因です。"),
    Message("cannot read", G_READ, "ファイルを読めません（{reason}）。ファイルが開けるか、読み取りの権限があるかを確かめてください",
            {"reason": "アクセスが拒否されました"}, "rules/shimin.yaml"),
    Message("not UTF-8", G_READ, "文字コードが UTF-8 ではありません{guess}。エディタで文字コードを UTF-8 にして保存し直してください"
                                 "（BOM 付きでもかまいません）",
            {"guess": "（Shift_JIS（cp932）で保存されているようです）"}, "rules/shimin.yaml:5:1",
            "メモ帳なら「名前を付けて保存」→「文字コード：UTF-8」。"),
    Message("file too large", G_READ, "ファイルが大きすぎます（{size}。{limit} まで）。余分な部分を消すか、課ごとのファイルに分けてください",
            {"size": "25.3 MB", "limit": "16 MB"}, "rules/shimin.yaml"),
    Message("empty file", G_READ, "ファイルが空です。{what}",
            {"what": "'department:'（課のID）と 'procedures:'（手続きの一覧）を書いてください"}, "rules/shimin.yaml:1:1"),
    Message("not a mapping", G_READ, "{what}",
            {"what": "課のファイルには 'department:' と 'procedures:' を『キー: 値』の形で書きます"}, "rules/shimin.yaml:1:1"),
    # --- YAML ------------------------------------------------------------------------------------------------
    Message("tab", G_YAML, "字下げにタブ文字があります。タブを半角スペースに置き換えてください（YAMLではタブで字下げできません）",
            {}, "rules/shimin.yaml:14:1"),
    Message("full-width space", G_YAML, "{where}に全角スペースがあります。半角スペースに置き換えてください",
            {"where": "行の始め（字下げ）"}, "rules/shimin.yaml:14:3"),
    Message("full-width colon", G_YAML, "'{key}' の後のコロンが全角の「：」です。半角の「:」と半角スペースに直してください（{key}: …）",
            {"key": "title"}, "rules/shimin.yaml:14:5"),
    Message("missing colon", G_YAML, "'{text}' の後にコロン「:」がありません。『{text}: 値』のように、キーの後に半角の「:」と"
                                     "半角スペースを書いてください",
            {"text": "title"}, "rules/shimin.yaml:14:5"),
    Message("space after colon", G_YAML, "'{key}:' の後に半角スペースがありません。『{key}: 値』のようにコロンの後に半角スペースを入れてください",
            {"key": "title"}, "rules/shimin.yaml:14:5"),
    Message("indentation", G_YAML, "字下げ（行の始めの空白の数）がずれています。{hint}",
            {"hint": "上の行の 'title:' と同じ位置（5桁目）から書き始めてください"}, "rules/shimin.yaml:15:4"),
    Message("unclosed quote", G_YAML, "ここで始まる引用符 {q} が閉じられていません。文字列の終わりに {q} を書き足すか、始めの {q} を消してください",
            {"q": "\""}, "rules/shimin.yaml:6:12", "引用符で囲んだ文字列は、閉じる引用符まで何行でも続いてしまうため、"
                                                  "閉じ忘れはずっと後の行で初めて誤りになります。表示された行を直してください。"),
    Message("quote inside quote", G_YAML, "引用符 {q} で囲んだ文字列の中に {q} があり、そこで文字列が終わってしまいます。"
                                          "{fix}",
            {"q": "'", "fix": "中の ' を '' と2つ重ねるか、全体を \"…\" で囲んでください"}, "rules/shimin.yaml:6:12"),
    Message("colon in value", G_YAML, "値の中に「: 」（コロンと空白）があります。値全体を \"…\" で囲むか、全角の「：」にしてください",
            {}, "rules/shimin.yaml:30:15"),
    Message("unclosed bracket", G_YAML, "ここで始まる {open} が閉じられていません。対応する {close} を書き足してください",
            {"open": "{", "close": "}"}, "rules/shimin.yaml:10:11"),
    Message("YAML syntax", G_YAML, "YAMLとして読めません（{detail}）。この行と一つ前の行の字下げ・コロン「:」・引用符・括弧を確かめてください",
            {"detail": "ここに書けない記号があります"}, "rules/shimin.yaml:14:9"),
    Message("unknown tag", G_YAML, "タグ '{tag}' は使えません。'!' で始まる語（タグ）を消して、値だけを書いてください",
            {"tag": "!!python/unicode"}, "rules/shimin.yaml:6:12"),
    Message("undefined alias", G_YAML, "別名 '*{name}' の元になるアンカー '&{name}' がありません。別名より前の行に '&{name}' を書くか、値をそのまま書いてください",
            {"name": "common_bring"}, "rules/shimin.yaml:30:12"),
    Message("alias expansion", G_YAML, "別名（*）の展開が大きすぎます（{count} 個を超えます）。アンカー（&）と別名（*）を使わずに、値をそのまま書いてください",
            {"count": "100,000"}, "rules/shimin.yaml:3:4",
            "別名を何重にも重ねたファイルは、読み込むと何億もの値になり、パソコンが止まってしまうため読みません。"),
    Message("too deep", G_YAML, "入れ子が深すぎます（{depth} 段を超えます）。括弧や字下げの重なりを減らしてください",
            {"depth": "64"}, "rules/shimin.yaml:40:30"),
    Message("bad merge", G_YAML, "'<<:' には別名（*名前）か、マッピング（キー: 値）を書きます", {}, "rules/shimin.yaml:20:5"),
    Message("bad key", G_YAML, "キーには名前を書きます（リストやマッピングはキーになりません）", {}, "rules/shimin.yaml:20:5"),
    Message("empty key", G_YAML, "キーが空です。コロン「:」の前に項目名を書いてください", {}, "rules/shimin.yaml:20:5"),
    Message("duplicate key", G_YAML, "キー '{key}' が重複しています（最初は {first}）。YAMLでは後のほうだけが黙って使われるため、どちらかを消すか名前を変えてください",
            {"key": "days", "first": "12行5桁"}, "rules/shimin.yaml:12:19"),
    Message("ambiguous boolean", G_YAML, "'{text}' は読み手によって意味が変わります。はい／いいえなら {meant}、言葉なら \"{text}\" と引用符で囲んでください",
            {"text": "yes", "meant": "true"}, "rules/kaigo.yaml:20:36"),
    Message("leading zero", G_YAML, "'{text}' は先頭が0の数です（8進数と読まれることがあります）。数なら {number}、番号や文字なら \"{text}\" と引用符で囲んでください",
            {"text": "012", "number": "12"}, "rules.yaml:120:13"),
    Message("ambiguous number", G_YAML, "'{text}' は読み手によって違う数になります。普通の10進数で書くか、文字なら \"{text}\" と引用符で囲んでください",
            {"text": "1:30"}, "rules.yaml:120:13"),
    Message("not a number", G_YAML, "'{text}' は数として使えません。普通の数を書いてください", {"text": ".inf"}, "rules.yaml:120:13"),
    Message("impossible date", G_YAML, "'{text}' という日付はありません。日付を確かめてください（YYYY-MM-DD）",
            {"text": "2026-02-30"}, "rules/shimin.yaml:40:17"),
    Message("date with time", G_YAML, "'{text}'：時刻は書かず、日付だけを YYYY-MM-DD で書いてください",
            {"text": "2026-11-01 10:00"}, "rules/shimin.yaml:40:17"),
    # --- keys and values (the schema) --------------------------------------------------------------------------
    Message("unknown key", G_KEYS, "未知のキー '{key}'{hint}。{fix}",
            {"key": "Title", "hint": "（'title' のことですか？）", "fix": "正しいキー名に直してください"},
            "rules/shimin.yaml:6:5"),
    Message("missing key", G_KEYS, "{where}に '{key}:' がありません。{fix}",
            {"where": "'procedures' の3番目", "key": "deadline", "fix": "書き足してください（期限がなければ deadline: {text: 速やかに}）"},
            "rules/shimin.yaml:5:5"),
    Message("wrong type", G_KEYS, "{name}には {expected} を書きます（今は {got}）。{fix}",
            {"name": "'days'（期限の日数）", "expected": "整数", "got": "'14'", "fix": "引用符を外してください"},
            "rules/kaigo.yaml:22:23"),
    Message("not one of", G_KEYS, "{name}に '{got}' は使えません。{options} のどれかを書いてください{hint}",
            {"name": "'rollover'", "got": "next_day", "options": "next_open_day, none", "hint": "（'next_open_day' のことですか？）"},
            "rules.yaml:610:13"),
    Message("too small", G_KEYS, "{name}は {limit} 以上にしてください（今は {got}）",
            {"name": "'desks'（並行して対応できる窓口の数）", "limit": 1, "got": 0}, "rules.yaml:37:14"),
    Message("too large", G_KEYS, "{name}は {limit} 以下にしてください（今は {got}）。{fix}",
            {"name": "'days'（期限の日数）", "limit": "3,650", "got": "3,650,000",
             "fix": "期限の日数の書き間違いではありませんか"}, "rules/shimin.yaml:11:22"),
    Message("empty text", G_KEYS, "{name}が空です。文字を書いてください（省略できる項目なら、行ごと消してもかまいません）",
            {"name": "'title'（手続き名）"}, "rules/shimin.yaml:6:12",
            "空のままだと、案内票に空欄が印刷されてしまいます。"),
    Message("text too long", G_KEYS, "{name}が長すぎます（{got} 文字。{limit} 文字まで）。短くしてください",
            {"name": "'title'（手続き名）", "got": 215, "limit": 100}, "rules/shimin.yaml:6:12"),
    Message("too many items", G_KEYS, "{name}の項目が多すぎます（{got} 個。{limit} 個まで）",
            {"name": "'bring'（持ち物）", "got": 250, "limit": 100}, "rules/shimin.yaml:12:5"),
    Message("invalid value", G_KEYS, "{name}の値が正しくありません。{fix}",
            {"name": "'hours'", "fix": "書き方の例のとおりに書いてください"}, "rules.yaml:38:14"),
    Message("bad id", G_KEYS, "{what} '{id}' には半角の小文字・数字・_ だけを使ってください（例：{example}）",
            {"what": "手続きコード", "id": "Setainushi-henko", "example": "setainushi_henko"}, "rules/shimin.yaml:60:11"),
    Message("wrong format", G_KEYS, "'format:' は {want} と書きます", {"want": "okuyami-rules/1"}, "rules.yaml:8:9"),
    Message("include item", G_KEYS, "'include:' の{n}番目には、課のファイル名（例：rules/shimin.yaml）を書きます。上の行の字下げも確かめてください",
            {"n": 3}, "rules.yaml:690:5"),
    Message("included twice", G_KEYS, "'{file}' が 'include:' に2回書かれています。1つ消してください", {"file": "rules/shimin.yaml"},
            "rules.yaml:692:5"),
    # --- places and booking ----------------------------------------------------------------------------------
    Message("unknown office", G_PLACE, "庁舎 '{id}' は rules.yaml の 'offices:' にありません{hint}。'offices:' にある庁舎のIDを書いてください",
            {"id": "honchou", "hint": "（'honcho' のことですか？）"}, "rules.yaml:18:13"),
    Message("unknown department", G_PLACE, "課 '{id}' は rules.yaml の 'departments:' にありません{hint}。'departments:' にある課のIDを書いてください",
            {"id": "koorei", "hint": "（'kourei' のことですか？）"}, "rules.yaml:151:17"),
    Message("unknown counter", G_PLACE, "窓口 '{id}' は rules.yaml の 'counters:' にありません{hint}。'counters:' にある窓口のIDを書いてください",
            {"id": "kaigoo", "hint": "（'kaigo' のことですか？）"}, "rules/kaigo.yaml:9:14"),
    Message("unknown agency", G_PLACE, "外部機関 '{id}' は rules.yaml の 'agencies:' にありません{hint}。'agencies:' にある機関のIDを書いてください",
            {"id": "nenkin", "hint": "（'nenkin_jimusho' のことですか？）"}, "rules/outside.yaml:9:13"),
    Message("counter or agency", G_PLACE, "手続き '{code}' には 'counter:'（市の窓口）か 'agency:'（外部機関）のどちらか一方を書きます",
            {"code": "kenpo_maisouryo"}, "rules/outside.yaml:5:5"),
    Message("bad opening hours", G_PLACE, "予約枠の時間 '{text}'：{why}。'9:00-12:00' のように『始め-終わり』で書いてください",
            {"text": "16:00-9:00", "why": "終わりが始めと同じか、始めより前です"}, "rules.yaml:38:15",
            "時刻の書き間違い（午後4時からの枠を 16:00-9:00 としたなど）がよくある原因です。"),
    Message("overlapping hours", G_PLACE, "予約枠の時間 '{first}' と '{second}' が重なっています。重ならないように直してください",
            {"first": "9:00-12:00", "second": "11:00-13:00"}, "rules.yaml:38:15"),
    Message("no opening hours", G_PLACE, "予約枠の時間（hours:）が1つもありません。'9:00-12:00' のように書いてください", {}, "rules.yaml:38:15"),
    Message("range shorter than a slot", G_PLACE, "予約枠の時間 '{text}' は1組の時間（slot_minutes: {minutes}分）より短いため、予約を1つも受けられません。"
                                                  "時間を延ばすか、slot_minutes を短くしてください",
            {"text": "9:00-9:30", "minutes": 60}, "rules.yaml:38:15"),
    # --- procedures --------------------------------------------------------------------------------------------
    Message("duplicate code", G_PROC, "手続きコード '{code}' がもう一度使われています（最初は {first}）。どちらかのコードを変えてください",
            {"code": "kaigo_soshitsu", "first": "rules/kaigo.yaml:5:11"}, "rules/kourei.yaml:5:11"),
    Message("one deadline period", G_PROC, "期限には days（日）・months（か月）・years（年）のどれか1つだけを書きます", {},
            "rules/zeimu.yaml:12:15"),
    Message("funeral needs period", G_PROC, "'from: funeral'（葬儀日から数える）には days・months・years のどれかが必要です", {},
            "rules/hoken_nenkin.yaml:40:15"),
    Message("unknown form", G_PROC, "手続き '{code}' の様式 '{form}' のファイル {folder}/{form}.yaml がありません{hint}。"
                                    "様式のファイル名（.yaml を除く）を書いてください",
            {"code": "kokuho_soshitsu", "form": "kokuho_soushitsu", "folder": "forms_templates",
             "hint": "（'kokuho_soshitsu' のことですか？）"}, "rules/hoken_nenkin.yaml:22:9"),
    Message("forms folder missing", G_PROC, "様式のフォルダ '{folder}' がありません（settings: forms:）。フォルダ名を確かめてください",
            {"folder": "forms_templates"}, "rules.yaml:600:3"),
    Message("stray file", G_WARN, "このファイルは rules.yaml の 'include:' に書かれていないため、手続きは使われません。使うなら 'include:' に追加してください",
            {}, "rules/shimin_old.yaml"),
    # --- conditions --------------------------------------------------------------------------------------------
    Message("unknown fact", G_COND, "事実名 '{fact}' はありません{hint}。{fix}",
            {"fact": "kokuhoo", "hint": "（'kokuho' のことですか？）", "fix": "正しい事実名に直してください（手引き3章の表）"},
            "rules/hoken.yaml:42:7"),
    Message("unknown procedure", G_COND, "手続きコード '{code}' はありません{hint}。'applies:' にはルールにある手続きのコードを書いてください",
            {"code": "kokuho_soushitsu", "hint": "（'kokuho_soshitsu' のことですか？）"}, "rules/hoken_nenkin.yaml:60:20"),
    Message("applies loop", G_COND, "'applies:' が輪になっています：{cycle}。どれかの手続きの 'applies:' を、事実の条件に書き換えてください",
            {"cycle": "kokuho_sosaihi → kouki_sosaihi → kokuho_sosaihi"}, "rules/hoken_nenkin.yaml:60:20",
            "輪になった条件は、いつまでも判定が終わりません。"),
    Message("applies chain", G_COND, "手続き '{code}' から 'applies:' が {depth} 段もつながっています（{limit} 段まで）。"
                                     "途中の手続きの 'applies:' を、事実の条件に書き換えてください",
            {"code": "kokuho_sosaihi", "depth": 61, "limit": 50}, "rules/hoken_nenkin.yaml:60:11"),
    Message("question loop", G_COND, "質問の 'ask_when:' が輪になっています：{cycle}。自分の答えを条件にしない質問にしてください",
            {"cycle": "pension_type → pension_type"}, "rules.yaml:400:7"),
    Message("bad condition", G_COND, "{what}", {"what": "条件は 'always' か、{was_household_head: true} のような『事実: 値』で書きます（今は 'allways'）"},
            "rules/shimin.yaml:10:11"),
    Message("unknown comparison", G_COND, "比べ方 '{word}' はありません{hint}。{words} のどれかを使ってください",
            {"word": "atleast", "hint": "（'at_least' のことですか？）",
             "words": "is, is_not, one_of, none_of, at_least, at_most, above, below"}, "rules/shimin.yaml:64:41"),
    Message("wrong value", G_COND, "'{fact}' は {expected} です。'{got}' とは比べられません{hint}",
            {"fact": "foreign_national", "expected": "true か false", "got": "flase", "hint": "（'false' のことですか？）"},
            "rules/kankyou.yaml:40:30"),
    Message("condition out of range", G_COND, "'{fact}' と比べる値 {got} は範囲外です（{low}〜{high}）。数の書き間違いではありませんか",
            {"fact": "age_at_death", "got": 750, "low": 0, "high": 130}, "rules/hoken_nenkin.yaml:80:30"),
    Message("test for unknown", G_COND, "条件で 'unknown' は調べません。『わからない』という答えは、それだけで手続きを『要確認』にします", {},
            "rules/shimin.yaml:10:30"),
    Message("never applies", G_COND, "手続き '{code}' は、どんな答えでも対象になりません（'when:' の条件が矛盾しています）。条件を見直してください",
            {"code": "kaigo_torisage"}, "rules/kaigo.yaml:30:11", "例：40歳以上 かつ 30歳未満。"),
    # --- questions -------------------------------------------------------------------------------------------
    Message("no question", G_QUEST, "'{fact}' を聞く質問がありません。{file} の 'questions:' に追加してください",
            {"fact": "dog_registered", "file": "rules.yaml"}, "rules/kankyou.yaml:12:11"),
    Message("unused question", G_QUEST, "'{fact}' の質問はどの手続きの条件にも使われていません。質問を消すか、条件に使ってください",
            {"fact": "death_registered"}, "rules.yaml:331:11"),
    Message("never asked", G_QUEST, "'{fact}' の質問は聞かれることがありません（'ask_when:' が決して成り立ちません）。'ask_when:' を見直してください",
            {"fact": "pension_type"}, "rules.yaml:400:11"),
    Message("second question", G_QUEST, "'{fact}' の質問が2つあります（最初は {first}）。1つにしてください",
            {"fact": "funeral_held", "first": "rules.yaml:320:11"}, "rules.yaml:350:11"),
    Message("computed fact", G_QUEST, "'{fact}' は日付から計算されるため、聞くことはありません。この質問を消してください",
            {"fact": "age_at_death"}, "rules.yaml:350:11"),
    Message("contract fact type", G_QUEST, "'{fact}' は{what}（「{meaning}」）なので、型は決まっています。'type:' を消すか、"
                                           "市独自の事実には別の名前を付けてください（例：city_{fact}）",
            {"fact": "funeral_held", "what": "契約（§2）の事実", "meaning": "葬儀（葬祭）を行った"}, "rules.yaml:360:7"),
    Message("city fact needs type", G_QUEST, "事実名 '{fact}' はありません。市独自の事実なら、質問に 'type: bool'（または count・date・'choices:'）を書いてください",
            {"fact": "keiro_pass"}, "rules.yaml:360:11"),
    Message("type or choices", G_QUEST, "'type:' と 'choices:' は一緒に書けません。どちらか一方にしてください", {}, "rules.yaml:362:7"),
    Message("bad choices", G_QUEST, "{what}", {"what": "'choices:' の 'kouki' に表示名がありません。'kouki: 後期高齢者医療' のように書いてください"},
            "rules.yaml:300:9"),
    Message("ask_when needs if_not_asked", G_QUEST, "'ask_when:' には 'if_not_asked:'（質問しないときの値）も書いてください", {},
            "rules.yaml:400:7"),
    Message("if_not_asked alone", G_QUEST, "'if_not_asked:' は 'ask_when:' と一緒に書きます", {}, "rules.yaml:400:7"),
    Message("bad if_not_asked", G_QUEST, "'{fact}' の 'if_not_asked:' には{expected}、または not_applicable を書きます",
            {"fact": "pension_type", "expected": "basic_only, employee, mutual_aid のどれか"}, "rules.yaml:402:21"),
    Message("ask_when applies", G_QUEST, "'ask_when:' には事実の条件だけを書けます（'applies:' は使えません）", {}, "rules.yaml:401:18"),
    Message("group not bool", G_QUEST, "'{fact}' ははい／いいえの質問ではないため、チェックリスト（'group:'）に入れられません。'group:' を消してください",
            {"fact": "household_remaining_15plus"}, "rules.yaml:380:14"),
    Message("bad derive", G_QUEST, "{what}",
            {"what": "'derive:' の各項目には 'when:'（条件）と 'value:'（その答え）を書きます"}, "rules.yaml:330:9"),
    Message("derive reads answers", G_QUEST, "'derive:' の条件には受付票から決まる事実（funeral_date_given、applicant_relationship、"
                                             "age_at_death など）だけを使えます。質問の答え（{facts}）は使えません",
            {"facts": "funeral_held"}, "rules.yaml:331:15"),
    Message("bad derive value", G_QUEST, "'{fact}' の 'value:' には{expected}を書きます", {"fact": "funeral_held", "expected": "true か false"},
            "rules.yaml:332:18"),
    # --- form templates ------------------------------------------------------------------------------------------
    Message("form template", G_FORM, "{what}", {"what": "様式ID 'kokuho' はファイル名 'kokuho_soshitsu' と同じにしてください"},
            "forms_templates/kokuho_soshitsu.yaml:1:7"),
    # --- cases and scenarios ----------------------------------------------------------------------------------------
    Message("case", G_CASE, "{what}", {"what": "死亡日 2026-11-15 が生年月日 2030-01-01 より前です。日付を確かめてください"},
            "examples/case.yaml:6:15"),
    Message("scenario", G_CASE, "{what}", {"what": "'setainushi_henko' は required（要）のはずですが、出てきません"},
            "rules/scenarios/shimin.yaml:12:9"),
    Message("no scenarios", G_CASE, "シナリオのファイルが見つかりません（settings: scenarios:）。rules/scenarios/ に事例を書いてください", {},
            "rules.yaml"),
    # --- the spreadsheet round trip ----------------------------------------------------------------------------
    Message("code changed", G_XLSX, "コード（A列）は変えられません（'{was}' が '{now}' になっています）。元に戻してください。"
                                    "手続きの追加・削除・コードの変更は YAML で行います",
            {"was": "shibou_todoke", "now": "shibou_todoke2"}, "rules.xlsx!市民課!A3"),
    Message("row added", G_XLSX, "この行の手続き '{code}' はルールにありません。表計算では手続きを追加できません。行を消して、YAML で追加してください",
            {"code": "passport_henno"}, "rules.xlsx!市民課!A12"),
    Message("row removed", G_XLSX, "手続き '{code}' の行がありません。表計算では手続きを削除できません。行を元に戻してください（削除は YAML で行います）",
            {"code": "fukuji_todoke"}, "rules.xlsx!市民課"),
    Message("stale workbook", G_XLSX, "この表は {file} が変わる前に作られたものです（作成 {made}）。"
                                      "okuyami rules export-xlsx で作り直し、もう一度書き込んでください",
            {"file": "rules/shimin.yaml", "made": "2026-11-20 10:15"}, "rules.xlsx"),
    Message("not an okuyami workbook", G_XLSX, "この表は okuyami rules export-xlsx で作った表ではありません（{why}）",
            {"why": "記録用のシートがありません"}, "rules.xlsx"),
    Message("cell", G_XLSX, "{what}", {"what": "手続き名は1行で書いてください（改行は使えません）"}, "rules.xlsx!市民課!B12"),
    # --- warnings ------------------------------------------------------------------------------------------------
    Message("no provenance", G_WARN, "手続き '{code}' の出典（provenance:）に {missing} がありません — {owner}：根拠を書き足してください",
            {"code": "inu_touroku", "missing": "根拠法令（basis）", "owner": "環境課"}, "rules/kankyou.yaml:5:11"),
    Message("never verified", G_WARN, "手続き '{code}' は一度も確認されていません（provenance: verified）— {owner}：内容を確かめて日付を書いてください",
            {"code": "inu_touroku", "owner": "環境課"}, "rules/kankyou.yaml:5:11"),
    Message("verification old", G_WARN, "手続き '{code}' の最後の確認は {date} で、{days}日より前です — {owner}：今の法令・様式と照らし合わせてください",
            {"code": "inu_touroku", "date": "2024-04-01", "days": 365, "owner": "環境課"}, "rules/kankyou.yaml:5:11"),
    Message("no translation", G_WARN, "{what} の {key}「{text}」に{missing}の訳がありません — {owner}：この行のすぐ下に書き足してください"
                                      "（それまで案内票には日本語が印付きで印刷されます）",
            {"what": "手続き 'inu_touroku'", "key": "title", "text": "犬の登録事項変更", "missing": "英語（title_en）",
             "owner": "環境課"}, "rules/kankyou.yaml:6:12"),
    Message("translation count", G_WARN, "{what} の '{key}' は {got} 項目ですが、元の '{base}' は {want} 項目です — {owner}："
                                         "1項目に1つの訳を、同じ順番で書いてください",
            {"what": "手続き 'inu_touroku'", "key": "bring_en", "got": 2, "base": "bring", "want": 3, "owner": "環境課"},
            "rules/kankyou.yaml:14:7"),
    Message("translation without text", G_WARN, "{what} の '{key}' は '{base}' の訳ですが、'{base}' がありません — {owner}：'{key}' を消すか、'{base}' を書いてください",
            {"what": "手続き 'inu_touroku'", "key": "note_en", "base": "note", "owner": "環境課"}, "rules/kankyou.yaml:20:5"),
]

CATALOGUE: dict[str, Message] = {m.key: m for m in _CATALOGUE}
assert len(CATALOGUE) == len(_CATALOGUE), "two messages share a key word"

TAG = re.compile(r" \[([a-zA-Z][a-zA-Z0-9 _'/-]*)\]$")


def say(kind: str, /, **values: Any) -> str:
    """The message ``kind`` in Japanese, its fields filled in, the key word in brackets at the end."""
    m = CATALOGUE[kind]
    text = re.sub(r"[。、\s]+$", "", m.text.format(**values)).replace("。。", "。")
    return f"{text} [{kind}]"


def kind_of(message: str) -> str | None:
    """The key word of a message made by :func:`say` (None for any other text)."""
    found = TAG.search(message)
    return found.group(1) if found else None


def handbook_list() -> str:
    """The handbook's list of every message (docs/rules-guide.md §9), in catalogue order, grouped."""
    out: list[str] = []
    group = None
    for m in _CATALOGUE:
        if m.group != group:
            group = m.group
            out.append(f"\n### {group}\n")
        line = f"- **[{m.key}]** 例：`{m.where}: {'警告: ' if m.group == G_WARN else ''}{say(m.key, **m.example)}`"
        if m.note:
            line += f"  \n  {m.note}"
        out.append(line)
    return "\n".join(out).strip() + "\n"


# --- shared wording --------------------------------------------------------------------------------------------

def quoted(value: Any) -> str:
    """How a value is shown inside a message: 'text', 14, true, 何もない."""
    if value is None:
        return "何も書かれていない"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "マッピング（キー: 値）"
    if isinstance(value, list):
        return "リスト"
    if isinstance(value, (int, float)):
        return f"{value:,}" if isinstance(value, int) and abs(value) >= 10000 else str(value)
    text = str(value)
    return f"'{text if len(text) <= 40 else text[:39] + '…'}'"


__all__ = ["CATALOGUE", "Message", "say", "kind_of", "handbook_list", "quoted"]


if __name__ == "__main__":  # python -m okuyami.core.messages: the handbook's list (docs/rules-guide.md §9)
    print(handbook_list(), end="")
