"""A guard against a reference-counting bug of PySide6 6.12.0 on Python 3.11 (Qt の不具合への対策).

Measured here (PySide6-Essentials 6.12.0, Python 3.11.7): every ``emit()`` of a signal declared in Python drops one
reference to ``True``, and every ``QImage.fill()`` one to ``None``, without ever having taken them. On Python 3.11
those objects are not immortal, so after a few thousand signals (a day at the counter, or a long test run) the
count reaches zero and the process aborts with "Fatal Python error: bool_dealloc". 6.11.2 does not have the bug,
and Python ≥ 3.12 is immune (True/False/None are immortal there).

:func:`guard` probes for the bug once (ten emits of a throwaway signal) and, only if references are lost, adds a
large number of references to ``True``, ``False`` and ``None`` that are never given back (their reference count
is raised directly, as Python 3.12 makes them immortal) — enough for a billion signals — so the stray decrements
never reach zero, not even while the interpreter shuts down. No memory is used. Imported by ``okuyami.ui``.
"""

from __future__ import annotations

import ctypes
import sys

BALLAST = 1 << 30  # extra references each: one emit costs one
_done: list[bool] = []


def lost_per_emit() -> int:
    """References to ``True`` one Python-declared signal emit loses (0 with a correct binding)."""
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        ping = Signal()

    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(10):
        probe.ping.emit()
    return max(0, (before - sys.getrefcount(True)) // 10)


def guard() -> bool:
    """Keep the ballast if this PySide6 loses references (see the module doc); returns whether it did."""
    if _done or sys.version_info >= (3, 12):
        return bool(_done and _done[0])
    lost = lost_per_emit() > 0
    if lost:
        for obj in (True, False, None):  # ob_refcnt is the first field of every object (CPython)
            ctypes.c_ssize_t.from_address(id(obj)).value += BALLAST
    _done.append(lost)
    return lost
