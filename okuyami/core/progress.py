"""Progress (経過): what has already happened about each procedure for a family — for the return visit's sheet.

The store keeps it per case × procedure (``tasks``); the documents only read it, as a plain mapping procedure code
→ :class:`Progress`, so the sheet can show what was done (✓ with the date), what the family will do later (後日,
with the day and the note) and what was checked and found not needed, and list only what remains as still to do.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

DONE, DEFERRED, NOT_NEEDED = "done", "deferred", "not_applicable"


@dataclass(frozen=True)
class Progress:
    status: str  # open / prepared / done / deferred / not_applicable (the store's task statuses)
    note: str = ""
    on: dt.date | None = None  # the day it was recorded (Japan time)
    follow_up: dt.date | None = None  # 後日: the day the family means to do it

    @property
    def settled(self) -> bool:
        """Nothing left to do about it (済 or 不要)."""
        return self.status in (DONE, NOT_NEEDED)
