"""The audit log checked at start (監査ログの確認): the latest entries still form an unbroken hash chain.

In the background (the window opens at once), the last :data:`TAIL` entries are checked (on PostgreSQL by the
server itself, so a department terminal need not read the log). When the chain is broken, the status bar says so in
red, in Japanese, with the id of the first entry that was changed, removed or inserted — without a dialog: the
counter keeps working, IT runs ``okuyami audit verify`` on the whole log.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel

from ..store.store import StoreError

TAIL = 500
STYLE = "color: white; background: #b00020; font-weight: bold; padding: 2px 8px;"


class AuditCheck(QObject):
    done = Signal(object)  # the ChainReport, or None when the check could not run

    def __init__(self, window, store):
        super().__init__()
        self.window = window
        self.store = store
        self.label: QLabel | None = None
        self.report = None
        self.finished = threading.Event()
        self.done.connect(self._show)

    def start(self) -> None:
        threading.Thread(target=self._run, name="okuyami-audit-check", daemon=True).start()

    def _run(self) -> None:
        try:
            report = self.store.audit_check(TAIL)
        except StoreError:
            report = None  # no database: the connection banner says so
        except Exception:  # noqa: BLE001 - a check that cannot run must not stop the counter
            report = None
        self.report = report
        self.done.emit(report)
        self.finished.set()

    def _show(self, report) -> None:
        if report is None or report.ok:
            return
        try:
            self.label = QLabel("⚠ 操作履歴（監査ログ）が改ざんされています：" + report.problem.text
                                + "。情報システム担当に連絡してください。")
            self.label.setStyleSheet(STYLE)
            self.label.setToolTip("okuyami audit verify で全体を確認できます。")
            self.window.statusBar().insertPermanentWidget(0, self.label)  # never hidden by a passing message
        except RuntimeError:  # the window was closed meanwhile
            pass


def start_audit_check(window, store) -> AuditCheck:
    check = AuditCheck(window, store)
    check.start()
    return check
