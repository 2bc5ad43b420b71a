"""The window's store worker (データベース処理の裏方): every store call a window makes runs here, on one thread of
its own, one call after the other in the order they were asked for — never on the GUI thread, so a slow or silent
network never freezes the window.

- :meth:`StoreWorker.call` ``(fn, on_done, on_error)`` runs ``fn()`` on the worker thread and calls back on the
  GUI thread with its result or its exception.
- :func:`in_background` turns a view method written as a generator into one that waits without blocking::

      @in_background
      def refresh(self):
          try:
              rows = yield lambda: self.store.list_cases(text)   # runs on the worker; the window goes on
          except StoreError as exc:                              # errors arrive where they always did
              ...
          self.show(rows)                                        # back on the GUI thread

  A second call of the same method on the same view supersedes the first (only the newest result is shown).
- Whether the server answers (:attr:`StoreWorker.online`, signal ``online_changed``): a call that fails with
  :class:`StoreUnavailable` or that has not come back after ``stall_after`` seconds (packets vanishing without a
  reset: no error comes at all) means offline; any call that succeeds means online again. When idle, the worker
  pings the store every ``ping_every`` seconds, so a drop is noticed even when nobody types. While offline, calls
  fail at once with :class:`StoreUnavailable` instead of queueing behind a hung one (what the clerk enters goes to
  the outbox meanwhile: okuyami/ui/outbox.py).

``background=False`` runs every call at once on the caller's thread (the same code path, without the thread): the
step-by-step UI tests use it; the app and the fault tests run the thread.
"""

from __future__ import annotations

import functools
import queue
import threading
import time
from typing import Any, Callable

from PySide6.QtCore import QObject, QTimer, Signal

from ..store import eventlog
from ..store.store import StoreUnavailable

log = eventlog.get("connection")


class Offline(StoreUnavailable):
    """Refused at once: the worker already knows the server is not answering."""

    def __init__(self):
        super().__init__("サーバーに接続できません。接続が戻ると表示します。")


class Job:
    __slots__ = ("fn", "on_done", "on_error", "result", "error", "ping", "started")

    def __init__(self, fn, on_done=None, on_error=None, *, ping: bool = False):
        self.fn, self.on_done, self.on_error, self.ping = fn, on_done, on_error, ping
        self.result: Any = None
        self.error: BaseException | None = None
        self.started = 0.0

    def run(self) -> None:
        self.started = time.monotonic()
        try:
            self.result = self.fn()
        except Exception as exc:  # noqa: BLE001 - handed back to the GUI thread as it is
            self.error = exc


class Task:
    """A coroutine started by :func:`in_background`: ``finished`` / ``result`` once it has run to its end."""

    def __init__(self):
        self.finished = False
        self.cancelled = False
        self.result: Any = None

    def cancel(self) -> None:
        self.cancelled = True


class StoreWorker(QObject):
    online_changed = Signal(bool)
    _delivered = Signal(object)  # a Job, emitted from the worker thread, handled on the GUI thread

    def __init__(self, parent=None, *, ping: Callable[[], None] | None = None, background: bool = True,
                 stall_after: float = 2.5, ping_every: float = 1.0):
        super().__init__(parent)
        self.background = background
        self.online = True
        self.reason = ""  # why offline (technical: for the log only)
        self.stall_after = stall_after
        self.ping_every = ping_every
        self._ping = ping
        self._latest: dict[tuple, Task] = {}
        self._queue: queue.Queue = queue.Queue()
        self._current: Job | None = None  # the job running on the thread (read by the watchdog)
        self._pending = 0  # jobs asked for and not yet delivered
        self._stopped = False
        self._delivered.connect(self._deliver)
        self._thread: threading.Thread | None = None
        self._timer = QTimer(self)
        if background:
            self._thread = threading.Thread(target=self._run, name="okuyami-store-worker", daemon=True)
            self._thread.start()
            self._timer.setInterval(200)
            self._timer.timeout.connect(self._watchdog)
        else:
            self._timer.setInterval(int(ping_every * 1000))
            self._timer.timeout.connect(self._probe_inline)
        self._timer.start()

    # -- asking ------------------------------------------------------------------------------------------------
    def call(self, fn: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
             on_error: Callable[[BaseException], None] | None = None) -> Job:
        """Run ``fn()`` on the worker thread; ``on_done(result)`` or ``on_error(exception)`` on the GUI thread."""
        job = Job(fn, on_done, on_error)
        if self._stopped:
            job.error = Offline()
            self._finish(job)
            return job
        if not self.online:  # do not queue behind a hung call: say so now (the outbox keeps what is entered)
            job.error = Offline()
            if self.background:
                self._pending += 1
                QTimer.singleShot(0, lambda: self._deliver(job))
            else:
                self._finish(job)
            return job
        self._pending += 1
        if self.background:
            self._queue.put(job)
        else:
            job.run()
            self._deliver(job)
        return job

    def idle(self) -> bool:
        """Nothing asked for is still waiting (tests wait for this)."""
        return self._pending == 0

    def busy_for(self) -> float:
        job = self._current
        return time.monotonic() - job.started if job is not None and job.started else 0.0

    # -- the thread --------------------------------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            try:
                job = self._queue.get(timeout=self.ping_every)
            except queue.Empty:
                if self._ping is None:
                    continue
                job = Job(self._ping, ping=True)  # the heartbeat: is the server still there?
            if job is None:
                return
            self._current = job
            job.run()
            self._current = None
            if self._stopped:
                return
            try:
                self._delivered.emit(job)
            except RuntimeError:  # the window is gone
                return

    def _watchdog(self) -> None:
        """A call that does not come back is as telling as one that fails (a silent drop sends no error)."""
        if self.online and self.busy_for() > self.stall_after:
            self._set_online(False, f"no answer from the server for {self.busy_for():.1f} s")

    def _probe_inline(self) -> None:
        if not self.online and self._ping is not None:
            job = Job(self._ping, ping=True)
            job.run()
            self._deliver(job)

    # -- results, on the GUI thread ----------------------------------------------------------------------------
    def _deliver(self, job: Job) -> None:
        if not job.ping:
            self._pending = max(0, self._pending - 1)
        error = job.error
        if error is None:
            self._set_online(True)
        elif isinstance(error, Offline):
            pass  # refused at once while offline: nothing new about the server
        elif isinstance(error, StoreUnavailable) or job.ping:
            self._set_online(False, eventlog.technical(error))
        else:
            self._set_online(True)  # the server answered (a refusal, a conflict): it is there
        self._finish(job)

    def _finish(self, job: Job) -> None:
        if job.ping:
            return
        if job.error is not None:
            if job.on_error is not None:
                job.on_error(job.error)
            elif not isinstance(job.error, StoreUnavailable):
                log.error("store call failed: %s: %s", type(job.error).__name__, job.error)
        elif job.on_done is not None:
            job.on_done(job.result)

    def _set_online(self, online: bool, reason: str = "") -> None:
        if online == self.online:
            return
        self.online = online
        self.reason = reason
        if online:
            log.info("server reachable again")
        else:
            log.warning("server unreachable: %s", reason)
        self.online_changed.emit(online)

    def stop(self) -> None:
        """The window closes: no more calls (one hung on a dead connection is left to its daemon thread)."""
        self._stopped = True
        self._timer.stop()
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=0.5)


# -- coroutines -----------------------------------------------------------------------------------------------
_inline: StoreWorker | None = None


def worker_of(view) -> StoreWorker:
    """The worker of the window a view belongs to (``view.window`` or ``view.page.window``)."""
    for holder in (view, getattr(view, "window", None), getattr(getattr(view, "page", None), "window", None)):
        worker = getattr(holder, "worker", None)
        if isinstance(worker, StoreWorker):
            return worker
    global _inline
    if _inline is None:
        _inline = StoreWorker(background=False)
    return _inline


def drive(worker: StoreWorker, gen, key: tuple | None = None) -> Task:
    """Run a generator coroutine: each value it yields is a callable run on ``worker``; its result (or exception)
    is sent back into the generator on the GUI thread. ``key``: a newer coroutine of the same key supersedes."""
    task = Task()
    if key is not None:
        old = worker._latest.get(key)
        if old is not None and not old.finished:
            old.cancel()
        worker._latest[key] = task

    def step(value: Any = None, error: BaseException | None = None) -> None:
        if task.cancelled:
            gen.close()
            return
        try:
            fn = gen.throw(error) if error is not None else gen.send(value)
        except StopIteration as stop:
            task.finished, task.result = True, stop.value
            if key is not None and worker._latest.get(key) is task:
                del worker._latest[key]
            return
        except Exception:
            task.finished = True
            log.exception("a window's background step failed")
            raise
        worker.call(fn, lambda v: step(v), lambda e: step(error=e))

    step()
    return task


def in_background(method):
    """Decorator for a view method written as a generator that ``yield`` s store calls (see the module's text)."""

    @functools.wraps(method)
    def start(self, *args, **kwargs) -> Task:
        gen = method(self, *args, **kwargs)
        return drive(worker_of(self), gen, key=(id(self), method.__name__))

    return start
