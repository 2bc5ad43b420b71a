"""A real TCP forwarder on 127.0.0.1 for network-fault tests: the app talks to the real PostgreSQL through it, and
the test breaks the line the ways a city network breaks:

- :meth:`Proxy.pause` — a blackhole: every connection stays open, nothing passes either way, no error, no reset
  (a pulled cable, a switch that drops packets). What is sent meanwhile is held, as TCP would retransmit it, and
  delivered by :meth:`Proxy.resume`;
- :meth:`Proxy.cut` — the line drops: no new connections, every open one broken (what was held is lost);
- :meth:`Proxy.restore` — the line is back (after a cut).
"""

from __future__ import annotations

import socket
import threading


class Proxy:
    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.port = 0
        self._server: socket.socket | None = None
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()
        self._flowing = threading.Event()
        self._flowing.set()
        self._generation = 0  # a cut ends every pipe of the generation before it

    def start(self) -> "Proxy":
        srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind(("127.0.0.1", self.port))
        self.port = srv.getsockname()[1]
        srv.listen(16)
        self._server = srv
        threading.Thread(target=self._accept, args=(srv,), daemon=True).start()
        return self

    def _accept(self, srv: socket.socket) -> None:
        while True:
            try:
                client, _ = srv.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._conns += [client, upstream]
                generation = self._generation
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b, generation), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket, generation: int) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                while not self._flowing.wait(0.05):  # blackholed: held, like unacknowledged TCP segments
                    if generation != self._generation:
                        return
                if generation != self._generation:
                    return
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def pause(self) -> None:
        """Blackhole: connections stay open, nothing gets through, nothing is refused."""
        self._flowing.clear()

    def resume(self) -> None:
        """The blackhole ends without a cut: what was held gets through."""
        self._flowing.set()

    def cut(self) -> None:
        """The network drops: no new connections, every open one broken."""
        with self._lock:
            self._generation += 1
            conns, self._conns = self._conns, []
        if self._server is not None:
            try:
                self._server.shutdown(socket.SHUT_RDWR)  # wakes the accept() blocked in the other thread
            except OSError:
                pass
            self._server.close()
            self._server = None
        for s in conns:
            try:
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except OSError:
                pass
        self._flowing.set()  # the next connections (after restore) flow

    def restore(self) -> None:
        self.start()
