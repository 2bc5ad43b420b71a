"""How close a deadline is (期限までの日数): the one place that says 「あとN日」, 「今日まで」 or 「期限切れ（N日超過）」.

Used by the desk app's procedure list and by the guidance sheet, so the screen and the paper always agree.
A deadline within :data:`URGENT_DAYS` days (or past) is *urgent*: shown first and marked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

URGENT_DAYS = 7  # 7日以内（または期限切れ）は「急ぎ」
SOON_DAYS = 14  # 2週間以内

Level = Literal["overdue", "today", "urgent", "soon", "later", "none"]


@dataclass(frozen=True)
class Urgency:
    """``days_left`` = deadline − today (negative when overdue; None without a deadline)."""

    days_left: int | None
    level: Level

    @property
    def is_urgent(self) -> bool:
        """Overdue, due today, or due within :data:`URGENT_DAYS` days."""
        return self.level in ("overdue", "today", "urgent")

    @property
    def sort_key(self) -> tuple[int, int]:
        """Urgent items first (most overdue first), then by days left; no deadline last."""
        if self.days_left is None:
            return (2, 0)
        return (0 if self.is_urgent else 1, self.days_left)

    def label_ja(self) -> str:
        """「期限切れ（3日超過）」「今日まで」「あと5日」, or "" without a deadline."""
        if self.days_left is None:
            return ""
        if self.days_left < 0:
            return f"期限切れ（{-self.days_left}日超過）"
        if self.days_left == 0:
            return "今日まで"
        return f"あと{self.days_left}日"

    def label(self, lang: str = "ja") -> str:
        """:meth:`label_ja` in the family's language: ``ja``; ``en`` ("3 days overdue", "due today",
        "5 days left"); ``easy-ja`` (「期限（きげん）を 3日（にち） 過（す）ぎて います」「今日（きょう）まで」「あと 5日（にち）」)."""
        if lang == "ja" or self.days_left is None:
            return self.label_ja()
        n = abs(self.days_left)
        if lang == "en":
            if self.days_left < 0:
                return f"{n} day{'s' if n != 1 else ''} overdue"
            if self.days_left == 0:
                return "due today"
            return f"{n} day{'s' if n != 1 else ''} left"
        if self.days_left < 0:
            return f"期限（きげん）を {n}日（にち） 過（す）ぎて います"
        if self.days_left == 0:
            return "今日（きょう）まで"
        return f"あと {n}日（にち）"


def urgency(deadline: dt.date | None, today: dt.date) -> Urgency:
    """The urgency of a deadline seen on ``today``."""
    if deadline is None:
        return Urgency(None, "none")
    left = (deadline - today).days
    if left < 0:
        level: Level = "overdue"
    elif left == 0:
        level = "today"
    elif left <= URGENT_DAYS:
        level = "urgent"
    elif left <= SOON_DAYS:
        level = "soon"
    else:
        level = "later"
    return Urgency(left, level)
