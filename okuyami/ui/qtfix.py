"""Fixes for what Qt does not do by itself (Qt の不足への対策): file dialogs entirely in Japanese
(:func:`save_file_name`, :func:`open_file_name`, :func:`existing_folder`; see the note above :func:`file_dialog`),
and a guard against a reference-counting bug of PySide6 6.12.0 on Python 3.11:

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


# -- file dialogs entirely in Japanese ------------------------------------------------------------------------------
# Qt's own (non-native) file dialog takes most of its texts from the qtbase_ja translation (app.install_japanese),
# but that translation lacks "&Look in:" and "Files of &type:" (measured with PySide6 6.12: they stay English).
# Every label of the dialog is therefore set here; a native dialog (Windows) is Japanese by the system anyway.
def file_dialog(parent, title: str, path: str, pattern: str, *, mode: str = "save"):
    """A file dialog whose every label is Japanese; ``mode``: save, open or folder. Not shown yet."""
    from PySide6.QtWidgets import QApplication, QFileDialog

    from .app import install_japanese

    install_japanese(QApplication.instance())  # Qt's own texts (once; a window made without make_app too)
    dialog = QFileDialog(parent, title, path, pattern)
    accept = {"save": "保存(&S)", "open": "開く(&O)", "folder": "選択(&S)"}[mode]
    for which, text in ((QFileDialog.LookIn, "場所(&L)："), (QFileDialog.FileName, "ファイル名(&N)："),
                        (QFileDialog.FileType, "ファイルの種類(&T)："), (QFileDialog.Accept, accept),
                        (QFileDialog.Reject, "キャンセル")):
        dialog.setLabelText(which, text)
    if mode == "save":
        dialog.setAcceptMode(QFileDialog.AcceptSave)
        dialog.setFileMode(QFileDialog.AnyFile)
        suffix = pattern.partition("(*.")[2].partition(")")[0]
        if suffix and " " not in suffix:
            dialog.setDefaultSuffix(suffix)  # 「案内」 is saved as 案内.pdf
    elif mode == "open":
        dialog.setAcceptMode(QFileDialog.AcceptOpen)
        dialog.setFileMode(QFileDialog.ExistingFile)
    else:
        dialog.setFileMode(QFileDialog.Directory)
        dialog.setOption(QFileDialog.ShowDirsOnly, True)
    return dialog


def _ask(parent, title: str, path: str, pattern: str, mode: str) -> str:
    dialog = file_dialog(parent, title, path, pattern, mode=mode)
    if dialog.exec() != dialog.DialogCode.Accepted:
        return ""
    chosen = dialog.selectedFiles()
    return chosen[0] if chosen else ""


def save_file_name(parent, title: str, path: str, pattern: str) -> str:
    """Where to save (「名前を付けて保存」), or '' if the clerk cancelled."""
    return _ask(parent, title, path, pattern, "save")


def open_file_name(parent, title: str, path: str, pattern: str) -> str:
    return _ask(parent, title, path, pattern, "open")


def existing_folder(parent, title: str, path: str) -> str:
    return _ask(parent, title, path, "", "folder")
