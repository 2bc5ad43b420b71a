"""履歴 tab of the case page: the visits, the papers handed over at each one (kept byte for byte, reprinted exactly
or saved again as PDF), the print log and the audit trail."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (QFileDialog, QHBoxLayout, QLabel, QPushButton, QTableWidgetItem, QTextBrowser,
                               QVBoxLayout, QWidget)

from ..store.store import ACTIONS_JA, STATE_LABELS, TASK_LABELS, StoreError, StoreUnavailable, field_label, to_jst
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
        html += [f"<li>{to_jst(p.at):%Y-%m-%d %H:%M}　{p.operator}（{p.terminal}）　"
                 f"{'PDF保存' if p.what.get('to') == 'pdf' else '印刷'}　"
                 + (f"再印刷（{p.what['reprint_of']}）" if p.what.get("reprint_of")
                    else f"申請書 {len(p.what.get('forms', []))}種類") + "</li>"
                 for p in prints] or ["<li>（なし）</li>"]
        html.append("</ul><h3>操作の記録（新しい順）</h3><ul>")
        for e in reversed(entries[-200:]):
            what = ACTIONS_JA.get(e.action, e.action)
            detail, status = self.describe(e.detail)
            html.append(f"<li>{to_jst(e.at):%Y-%m-%d %H:%M:%S}　{e.operator or '（不明）'}（{e.terminal}）　{what}"
                        + (f"：{detail}" if detail else "") + (f" → {status}" if status else "") + "</li>")
        html.append("</ul>")
        self.log.setHtml("".join(html))

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
        else:
            what = ""
        status = detail.get("status") or ""
        status = TASK_LABELS.get(status, status) if status else STATE_LABELS.get(detail.get("state", ""), "")
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
        target, _ = QFileDialog.getSaveFileName(self, "PDFとして保存", str(Path.home() / name), "PDF (*.pdf)")
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
