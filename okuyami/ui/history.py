"""履歴 tab of the case page: the visits, the papers handed over at each one (kept byte for byte, reprinted exactly
or saved again as PDF), the print log and the audit trail."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QPushButton, QTableWidgetItem, QTextBrowser,
                               QVBoxLayout, QWidget)

from ..store.store import (ACTIONS_JA, RESERVATION_LABELS, STATE_LABELS, TASK_LABELS, StoreError, StoreUnavailable,
                           field_label, to_jst)
from .qtfix import save_file_name
from .tables import row_table
from .worker import in_background

VISIT_KINDS = {"counter": "窓口", "phone": "電話"}


class HistoryPanel(QWidget):
    def __init__(self, page):
        super().__init__()
        self.page = page
        self.packets = row_table(["交付日時", "ページ", "担当（端末）", "ファイル名"], 3)
        self.packets.setMaximumHeight(150)
        self.reprint_button = QPushButton("選んだ書類をそのまま再印刷…")
        self.save_button = QPushButton("選んだ書類をPDFとして保存…")
        self.reprint_button.clicked.connect(self.reprint_dialog)
        self.save_button.clicked.connect(self.save_dialog)
        buttons = QHBoxLayout()
        buttons.addWidget(self.reprint_button)
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        self.log = QTextBrowser()
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<b>お渡しした書類</b>（来庁ごとに保存。上書きされません）"))
        layout.addWidget(self.packets)
        layout.addLayout(buttons)
        layout.addWidget(self.log, 1)
        self.kept: list = []

    @in_background
    def refresh(self):
        """Read the case's visits, kept packets, print log and audit trail again (on the window's worker)."""
        store, case_id = self.page.store, self.page.case_id
        try:
            visits, prints, entries, self.kept = yield lambda: (store.visits(case_id), store.print_log(case_id),
                                                                store.history(case_id), store.packets(case_id))
            letters = [e for e in entries if e.action == "letter"]  # 事前案内: made, never "printed" as the packet
        except StoreError as exc:
            self.log.setHtml("<p>履歴を読み込めませんでした（サーバーに接続できません）。接続が戻ってから開き直してください。</p>"
                             if isinstance(exc, StoreUnavailable) else "")
            self.page.window.show_store_error(exc)
            return
        self.packets.setRowCount(len(self.kept))
        for i, k in enumerate(reversed(self.kept)):  # newest first
            cells = [f"{to_jst(k.at):%Y-%m-%d %H:%M}", f"{k.pages}", f"{k.operator or '（不明）'}（{k.terminal}）",
                     k.file_name]
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.UserRole, k.id)
                self.packets.setItem(i, j, item)
        if self.kept:
            self.packets.selectRow(0)
        for b in (self.reprint_button, self.save_button):
            b.setEnabled(bool(self.kept))
        html = ["<h3>来庁・電話</h3><ul>"]
        html += [f"<li>{to_jst(v.scheduled_at or v.started_at):%Y-%m-%d %H:%M}　{VISIT_KINDS.get(v.kind, v.kind)}　"
                 f"{v.operator}（{v.terminal}）</li>" for v in visits if (v.scheduled_at or v.started_at)] \
            or ["<li>（なし）</li>"]
        html.append("</ul><h3>印刷</h3><ul>")
        lines = [(p.at, f"<li>{to_jst(p.at):%Y-%m-%d %H:%M}　{p.operator}（{p.terminal}）　"
                        f"{'PDF保存' if p.what.get('to') == 'pdf' else '印刷'}　" + self.printed(p.what) + "</li>")
                 for p in prints]
        lines += [(e.at, f"<li>{to_jst(e.at):%Y-%m-%d %H:%M}　{e.operator}（{e.terminal}）　事前案内"
                         + (f"（予約番号 {e.detail['reservation']}）" if e.detail.get("reservation") else "") + "</li>")
                  for e in letters]
        html += [line for _at, line in sorted(lines, key=lambda x: x[0])] or ["<li>（なし）</li>"]
        html.append("</ul><h3>操作の記録（新しい順）</h3><ul>")
        for e in reversed(entries[-200:]):
            what = ACTIONS_JA.get(e.action, e.action)
            detail, status = self.describe(e.detail)
            html.append(f"<li>{to_jst(e.at):%Y-%m-%d %H:%M:%S}　{e.operator or '（不明）'}（{e.terminal}）　{what}"
                        + (f"：{detail}" if detail else "") + (f" → {status}" if status else "") + "</li>")
        html.append("</ul>")
        self.log.setHtml("".join(html))

    def printed(self, what: dict) -> str:
        """What a print was, in words: a reprint, a department's forms, or the family's packet."""
        if what.get("reprint_of"):
            return f"再印刷（{what['reprint_of']}）"
        if what.get("document") == "advance_notice":  # (recorded so before the letter had its own entry)
            return "事前案内"
        forms = len(what.get("forms", []))
        if what.get("department") and self.page.book is not None:
            from ..documents.prep_list import department_label

            return f"{department_label(self.page.book, what['department'])}の申請書 {forms}種類"
        return f"案内票と申請書 {forms}種類" if forms else "案内票"

    def describe(self, detail: dict) -> tuple[str, str]:
        """An audit entry's detail in the clerk's words: the procedure's title, the fact's meaning, the field's
        label, the status in Japanese — never the codes the log stores."""
        book = self.page.book
        if detail.get("procedure"):
            rule = book.rules.get(detail["procedure"]) if book else None
            what = rule.spec.title if rule else detail["procedure"]
        elif detail.get("fact"):
            fact = book.facts.get(detail["fact"]) if book else None
            what = fact.meaning if fact else detail["fact"]
        elif detail.get("field"):
            what = field_label(detail["field"])
        elif detail.get("reservation"):
            what = f"予約番号 {detail['reservation']}"
        else:
            what = ""
        status = detail.get("status") or ""
        if status and detail.get("reservation"):  # a booking's status: 予約済・到着・対応中・完了…
            status = RESERVATION_LABELS.get(status, "")
        elif status:
            status = TASK_LABELS.get(status, "")
        else:
            status = STATE_LABELS.get(detail.get("state", ""), "")
        return what, status

    def selected(self) -> int | None:
        items = self.packets.selectedItems()
        return items[0].data(Qt.UserRole) if items else None

    def reprint_dialog(self) -> None:
        packet_id = self.selected()
        if packet_id is None:
            return
        printer = QPrinter(QPrinter.HighResolution)
        if QPrintDialog(printer, self).exec() == QPrintDialog.Accepted:
            self.page.printing.reprint(packet_id, printer)

    def save_dialog(self) -> None:
        packet_id = self.selected()
        if packet_id is None:
            return
        name = next((k.file_name for k in self.kept if k.id == packet_id), "packet.pdf")
        target = save_file_name(self, "PDFとして保存", str(Path.home() / name), "PDF (*.pdf)")
        if target:
            self.save(packet_id, Path(target))

    @in_background
    def save(self, packet_id: int, target: Path):
        """Save a kept packet as PDF; the task's result says whether it was written."""
        store = self.page.store
        try:
            _info, pdf = yield lambda: store.packet_pdf(packet_id)  # audited
        except StoreError as exc:
            self.page.window.show_store_error(exc)
            return False
        target.write_bytes(pdf)
        return True
