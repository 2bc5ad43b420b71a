"""Small widgets the screens share: :class:`WrapButton`, a push button whose text wraps to the width it has, so a
long question or answer never widens the pane it sits in (and the procedures beside it keep their columns)."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy


class WrapButton(QPushButton):
    """A push button with its text in a word-wrapping label: as wide as the layout gives it (never wider than
    ``MAX_HINT`` asks for), as tall as its text then needs. ``text()`` / ``setText()`` work as on a button."""

    MIN_WIDTH = 120
    MAX_HINT = 420

    def __init__(self, text: str = "", parent=None):
        super().__init__(parent)
        self.label = QLabel(text, self)
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.PlainText)
        self.label.setAttribute(Qt.WA_TransparentForMouseEvents)  # a click is the button's
        self.label.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 12, 6)
        layout.addWidget(self.label)
        policy = QSizePolicy(QSizePolicy.Preferred, QSizePolicy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def text(self) -> str:  # noqa: D102 (Qt)
        return self.label.text()

    def setText(self, text: str) -> None:  # noqa: N802 (Qt)
        self.label.setText(text)
        self.updateGeometry()

    def hasHeightForWidth(self) -> bool:  # noqa: N802 (Qt)
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 (Qt)
        m = self.layout().contentsMargins()
        inner = max(width - m.left() - m.right(), 10)
        return max(self.minimumHeight(), self.label.heightForWidth(inner) + m.top() + m.bottom())

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt)
        m = self.layout().contentsMargins()
        natural = self.label.fontMetrics().horizontalAdvance(self.label.text()) + m.left() + m.right() + 8
        width = min(natural, self.MAX_HINT)
        return QSize(width, self.heightForWidth(width))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt)
        m = self.layout().contentsMargins()
        return QSize(self.MIN_WIDTH, max(self.minimumHeight(), self.label.fontMetrics().height() + m.top() + m.bottom()))
