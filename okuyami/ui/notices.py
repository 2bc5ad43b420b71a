"""Notices into Qt (お知らせの受信): the store's :class:`~okuyami.store.notices.NoticeWatcher` runs in its own
thread; this bridge turns its callbacks into Qt signals delivered on the GUI thread, so a view refreshes when
another terminal changes something and the window shows a banner when the server is gone."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class NoticeBridge(QObject):
    notices = Signal(list)  # list[Notice]
    state = Signal(bool, str)  # connected, message

    def __init__(self, store, parent=None, poll_seconds: float | None = None):
        super().__init__(parent)
        self.watcher = store.watcher(self.notices.emit, self.state.emit, poll_seconds=poll_seconds)

    def start(self) -> None:
        self.watcher.start()

    def stop(self) -> None:
        self.watcher.stop()
