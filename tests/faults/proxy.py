"""A TCP proxy on loopback that passes, refuses or hangs, to put real network faults before moto."""

import contextlib
import socket
import threading

DENIED = (
    b"<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You are not authorized to "
    b"perform this operation.</Message></Error></Errors><RequestID>fault-proxy</RequestID></Response>"
)


class FaultProxy:
    """Forwards 127.0.0.1:port to `target`; `mode` is "pass", "refuse" (close at once), "hang" (never
    answer) or "deny" (answer every request 403 UnauthorizedOperation, as AWS does to a revoked permission)."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.mode = "pass"
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.held: list[socket.socket] = []
        self.stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self):
        while not self.stopped:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.mode == "refuse":
                client.close()
            elif self.mode == "hang":
                self.held.append(client)  # read nothing, answer nothing
            elif self.mode == "deny":
                threading.Thread(target=self._deny, args=(client,), daemon=True).start()
            else:
                threading.Thread(target=self._pipe_pair, args=(client,), daemon=True).start()

    def _pipe_pair(self, client):
        try:
            upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=10)
        except OSError:
            client.close()
            return
        for a, b in ((client, upstream), (upstream, client)):
            threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _deny(client):
        try:
            client.settimeout(5)
            data = b""
            while b"\r\n\r\n" not in data and (chunk := client.recv(65536)):
                data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            length = next(
                (
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                ),
                0,
            )
            while len(body) < length and (chunk := client.recv(65536)):
                body += chunk
            client.sendall(
                b"HTTP/1.1 403 Forbidden\r\nContent-Type: text/xml\r\nConnection: close\r\n"
                b"Content-Length: %d\r\n\r\n%s" % (len(DENIED), DENIED)
            )
        except OSError:
            pass
        finally:
            client.close()

    @staticmethod
    def _pipe(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def heal(self):
        self.mode = "pass"
        for held in self.held:
            held.close()
        self.held.clear()

    def close(self):
        self.stopped = True
        self.heal()
        self.listener.close()
