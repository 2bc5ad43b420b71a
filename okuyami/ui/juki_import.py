"""住基取込 in the desk app: from the menu (a file chosen by the clerk) or from a watched folder where the RPA
drops the day's death list; the import runs in the background with a progress bar, then a summary lists what was
created and updated, the lines not imported (with why), the 外字 found and the clerk's corrections kept.

Only regular files in the folder are read (a symbolic link, to /etc/passwd or anywhere, is passed over). The folder
and the profile are this PC's settings (``terminal.json``: ``juki_folder``, ``juki_profile``). A file
in the folder is imported once it has stopped growing (the RPA finished writing it), then moved into
``取込済/`` (or ``取込エラー/`` when the file as a whole could not be read), so it is never imported twice.
Reading and writing are okuyami/juki (no Qt).
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from stat import S_ISREG

from PySide6.QtCore import QFileSystemWatcher, QObject, Qt, QThread, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QLabel,
                               QLineEdit, QProgressBar, QPushButton, QTextBrowser, QVBoxLayout, QWidget)

from ..core.problems import InvalidInput
from ..core.redact import it_log
from ..juki.importer import Report, import_file
from ..juki.profile import load_profile
from ..juki.reader import FileProblem
from ..store.local_settings import TerminalSettings
from ..store.store import StoreError
from .qtfix import existing_folder, open_file_name

DONE_FOLDER = "取込済"
ERROR_FOLDER = "取込エラー"
POLL_MS = 5000


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class ImportWorker(QThread):
    """One import in the background: ``progress(done, total)``, then ``done(report)`` or ``failed(message)``."""

    progress = Signal(int, int)
    done = Signal(object)
    failed = Signal(str)

    def __init__(self, store, path: Path, profile_path: Path | None, book, today: dt.date):
        super().__init__()
        self.store, self.path, self.profile_path, self.book, self.today = store, path, profile_path, book, today

    def run(self) -> None:
        try:
            profile = load_profile(self.profile_path)
            report = import_file(self.store, self.path, profile, book=self.book, today=self.today,
                                 progress=lambda d, t: self.progress.emit(d, t), shown=self.path.name)
        except InvalidInput as exc:
            self.failed.emit("取込プロファイルに誤りがあります：\n" + "\n".join(str(p) for p in exc.problems))
        except FileProblem as exc:
            self.failed.emit(f"{exc.mark}: {exc.message}。何も取り込んでいません。")
        except StoreError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # noqa: BLE001 - said in Japanese; its text (SQL, a resident's data) goes to the IT log
            log = it_log("juki-import-failed", error=type(exc).__name__, message=exc)
            self.failed.emit(f"取り込みの途中で問題が起きました（{type(exc).__name__}）。取り込めた分は保存されています。"
                             "情報システム担当に連絡してください" + (f"（記録：{log}）" if log else "") + "。")
        else:
            self.done.emit(report)


def summary_html(report: Report) -> str:
    """The result as the clerk reads it: counts, then the lines to look at."""
    r, o = report.read, report.outcome
    case_of = o.case_of_line()
    parts = [f"<p><b>{_escape(report.summary())}</b></p>"]
    if o.linked:
        parts.append("<p>窓口で先に受け付けていた案件に宛名番号を結び付けました：" +
                     "、".join(f"案件 {c}" for _, c in o.linked) + "</p>")
    if r.skipped:
        parts.append("<h4>取り込まなかった行（ファイルを直して、もう一度取り込めます）</h4><ul>")
        parts += [f"<li>{s.line}行目：{_escape(s.message)}</li>" for s in r.skipped]
        parts.append("</ul>")
    if r.warnings:
        parts.append("<h4>確認してください</h4><ul>")
        parts += [f"<li>{w.line}行目" + (f"（案件 {case_of[w.line]}）" if w.line in case_of else "") +
                  f"：{_escape(w.message)}</li>" for w in r.warnings]
        parts.append("</ul>")
    if o.conflicts:
        parts.append("<h4>窓口の訂正を残した項目（住基の値とは違います）</h4><ul>")
        parts += [f"<li>{_escape(line.split(': ', 1)[-1])}</li>" for line in report.conflict_lines()]
        parts.append("</ul>")
    return "".join(parts)


class SummaryDialog(QDialog):
    """The result. After an import from the watched folder it does not block the window (the clerk may be in the
    middle of an interview); after the menu's import it is window-modal."""

    def __init__(self, parent, title: str, html: str, *, modal: bool = True):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setWindowModality(Qt.WindowModal if modal else Qt.NonModal)
        self.text = QTextBrowser()
        self.text.setHtml(html)
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.button(QDialogButtonBox.Close).setText("閉じる")
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
        self.resize(720, 480)


class FolderDialog(QDialog):
    """住基取込の設定 (this PC): the watched folder and the vendor profile."""

    def __init__(self, parent, folder: str, profile: str):
        super().__init__(parent)
        self.setWindowTitle("住基取込の設定（このパソコン）")
        self.folder = QLineEdit(folder)
        self.folder.setPlaceholderText("（監視しない）RPAが死亡者一覧のCSVを置くフォルダ")
        self.profile = QLineEdit(profile)
        self.profile.setPlaceholderText("（空欄：既定の列）他社の列の並びなら取込プロファイル（.yaml）")
        self.error = QLabel()
        self.error.setStyleSheet("color: #b00020;")
        self.error.setWordWrap(True)
        form = QFormLayout()
        for label, edit, pick in (("監視するフォルダ", self.folder, self._pick_folder),
                                  ("取込プロファイル", self.profile, self._pick_profile)):
            row = QHBoxLayout()
            row.addWidget(edit, 1)
            button = QPushButton("選ぶ…")
            button.clicked.connect(pick)
            row.addWidget(button)
            holder = QWidget()
            holder.setLayout(row)
            form.addRow(label, holder)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Ok).setText("保存")
        buttons.button(QDialogButtonBox.Cancel).setText("キャンセル")
        buttons.accepted.connect(self.check_and_accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel(f"フォルダに置かれたCSVは、書き込みが終わると取り込まれ、「{DONE_FOLDER}」に移ります。"))
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def _pick_folder(self) -> None:
        folder = existing_folder(self, "監視するフォルダ", self.folder.text() or str(Path.home()))
        if folder:
            self.folder.setText(folder)

    def _pick_profile(self) -> None:
        path = open_file_name(self, "取込プロファイル", self.profile.text() or str(Path.home()),
                              "取込プロファイル (*.yaml *.yml)")
        if path:
            self.profile.setText(path)

    def check_and_accept(self) -> None:
        folder, profile = self.folder.text().strip(), self.profile.text().strip()
        if folder and not Path(folder).is_dir():
            self.error.setText(f"フォルダ「{folder}」がありません。")
            return
        if profile:
            try:
                load_profile(Path(profile))
            except InvalidInput as exc:
                self.error.setText("取込プロファイルに誤りがあります：\n" + "\n".join(str(p) for p in exc.problems[:5]))
                return
        self.accept()


class JukiImport(QObject):
    """The menu actions, the watched folder and the background import of one main window."""

    finished = Signal(object)  # the Report (or None after a failure): tests and the case list listen

    def __init__(self, window, store, data_dir: Path, menu):
        super().__init__(window)
        self.window, self.store, self.data_dir = window, store, data_dir
        self.settings = TerminalSettings.load(data_dir)
        self.worker: ImportWorker | None = None
        self.queue: list[Path] = []
        self.sizes: dict[Path, tuple[int, float]] = {}
        self.dialog: QDialog | None = None
        self.last_report: Report | None = None
        before = menu.actions()[-1] if menu.actions() else None
        self.act_import = QAction("住基取込…", window)
        self.act_import.setShortcut("Ctrl+I")
        self.act_import.triggered.connect(self.choose_file)
        self.act_settings = QAction("住基取込の設定（監視フォルダ）…", window)
        self.act_settings.triggered.connect(self.configure)
        menu.insertAction(before, self.act_import)
        menu.insertAction(before, self.act_settings)
        menu.insertSeparator(before)
        self.bar = QProgressBar()
        self.bar.setMaximumWidth(240)
        self.bar.setFormat("住基取込 %v / %m 行")
        self.bar.hide()
        window.statusBar().addPermanentWidget(self.bar)
        self.watcher = QFileSystemWatcher(self)
        self.watcher.directoryChanged.connect(lambda _p: self.scan())
        self.timer = QTimer(self, interval=POLL_MS)  # network folders do not always notify: look every few seconds
        self.timer.timeout.connect(self.scan)
        self.watch(self.settings.juki_folder)

    def wait_done(self) -> None:
        """Closing the window: let a running import finish its batch (each batch is its own transaction)."""
        self.timer.stop()
        self.queue.clear()
        if self.worker is not None:
            self.worker.wait()

    # -- settings ------------------------------------------------------------------------------------------------
    @property
    def profile_path(self) -> Path | None:
        return Path(self.settings.juki_profile) if self.settings.juki_profile else None

    def configure(self) -> None:
        dialog = FolderDialog(self.window, self.settings.juki_folder, self.settings.juki_profile)
        self.dialog = dialog

        def save() -> None:
            settings = TerminalSettings.load(self.data_dir)
            settings.juki_folder, settings.juki_profile = dialog.folder.text().strip(), dialog.profile.text().strip()
            settings.save(self.data_dir)
            self.settings = settings
            self.watch(settings.juki_folder)

        dialog.accepted.connect(save)
        dialog.open()

    def watch(self, folder: str) -> None:
        if self.watcher.directories():
            self.watcher.removePaths(self.watcher.directories())
        self.sizes.clear()
        if folder and Path(folder).is_dir():
            self.watcher.addPath(folder)
            self.timer.start()
            self.window.statusBar().showMessage(f"住基取込フォルダを監視しています：{folder}", 8000)
            self.scan()
        else:
            self.timer.stop()

    # -- starting an import --------------------------------------------------------------------------------------
    def choose_file(self) -> None:
        start = self.settings.juki_folder or str(Path.home())
        path = open_file_name(self.window, "住基の死亡者一覧（CSV）", start, "CSV (*.csv *.CSV);;すべて (*)")
        if path:
            self.start(Path(path))

    def scan(self) -> None:
        """Queue the folder's CSV files that stopped growing since the last look."""
        folder = self.settings.juki_folder
        if not folder or not Path(folder).is_dir():
            return
        try:
            entries = sorted(Path(folder).iterdir())
        except OSError:
            return
        for path in entries:
            if path.suffix.lower() != ".csv" or path in self.queue:
                continue
            try:
                stat = path.lstat()  # the entry itself: a symbolic link (to /etc/passwd …) is not followed
            except OSError:
                continue
            if not S_ISREG(stat.st_mode):  # regular files only: no links, folders, pipes or devices
                continue
            size = (stat.st_size, stat.st_mtime)
            if self.sizes.get(path) == size and size[0] > 0:
                self.sizes.pop(path)
                self.queue.append(path)
            else:
                self.sizes[path] = size
        self._next()

    def start(self, path: Path) -> None:
        self.queue.append(path)
        self._next()

    def _next(self) -> None:
        if self.worker is not None or not self.queue or self.window.book is None:
            return
        path = self.queue.pop(0)
        self.worker = ImportWorker(self.store, path, self.profile_path, self.window.book, self.window.today)
        self.worker.progress.connect(self._progress)
        self.worker.done.connect(lambda report, p=path: self._done(p, report))
        self.worker.failed.connect(lambda message, p=path: self._failed(p, message))
        self.act_import.setEnabled(False)
        self.bar.setRange(0, 0)
        self.bar.show()
        self.window.statusBar().showMessage(f"住基取込：{path.name} を読んでいます…")
        self.worker.start()

    def _progress(self, done: int, total: int) -> None:
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(done)

    def _finish_worker(self) -> None:
        self.worker.wait()
        self.worker = None
        self.bar.hide()
        self.act_import.setEnabled(True)

    def _in_folder(self, path: Path) -> bool:
        folder = self.settings.juki_folder
        return bool(folder) and path.parent.resolve() == Path(folder).resolve()

    def _move(self, path: Path, sub: str) -> None:
        """A file from the watched folder goes into 取込済/ (or 取込エラー/), stamped, so it is not read again."""
        if not self._in_folder(path):
            return
        target = path.parent / sub / f"{dt.datetime.now():%Y%m%d-%H%M%S}_{path.name}"
        try:
            target.parent.mkdir(exist_ok=True)
            shutil.move(str(path), str(target))
        except OSError as exc:
            self.window.statusBar().showMessage(f"{path.name} を「{sub}」に移せませんでした：{exc.strerror}", 15000)

    def _done(self, path: Path, report: Report) -> None:
        self._finish_worker()
        self.last_report = report
        self._move(path, DONE_FOLDER)
        self.window.statusBar().showMessage(report.summary(), 15000)
        if self.window.stack.currentWidget() is self.window.list_page:
            self.window.list_page.refresh()
        self.dialog = SummaryDialog(self.window, "住基取込の結果", summary_html(report), modal=not self._in_folder(path))
        self.dialog.open()
        self.finished.emit(report)
        self._next()

    def _failed(self, path: Path, message: str) -> None:
        self._finish_worker()
        self.last_report = None
        self._move(path, ERROR_FOLDER)
        self.dialog = SummaryDialog(self.window, "住基取込できませんでした", f"<p><b>{_escape(path.name)}</b></p><p>"
                                    + _escape(message).replace("\n", "<br>") + "</p>", modal=not self._in_folder(path))
        self.dialog.open()
        self.finished.emit(None)
        self._next()


__all__ = ["JukiImport", "ImportWorker", "SummaryDialog", "FolderDialog", "summary_html"]
