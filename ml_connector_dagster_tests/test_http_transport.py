"""The stdlib transport under httpx: what a real server on loopback does to a connection, and what we make of it."""

import gzip
import socket
import threading
import time
from collections.abc import Callable, Iterator

import httpx
import pytest

from ml_connector_dagster.http.client import ApiClient
from ml_connector_dagster.http.errors import TransientError, WriteOutcomeUnknown
from ml_connector_dagster.http.retry import RetryPolicy
from ml_connector_dagster.http.transport import StdlibTransport

Answer = Callable[[bytes], bytes | None]  # request bytes → response bytes, or None to hang up without answering


class RawServer:
    """A loopback HTTP/1.1 server that does exactly what its `answer` says, then closes when told to."""

    def __init__(self, answer: Answer, close_after_answer: bool) -> None:
        self.answer = answer
        self.close_after_answer = close_after_answer
        self.connections = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._handle, args=(connection,), daemon=True).start()

    def _handle(self, connection: socket.socket) -> None:
        with connection:
            while True:
                request = connection.recv(65536)
                if not request:
                    return
                reply = self.answer(request)
                if reply is None:
                    return
                connection.sendall(reply)
                if self.close_after_answer:
                    return

    def close(self) -> None:
        self._listener.close()


def reply(body: bytes, *headers: str) -> bytes:
    head = "\r\n".join(["HTTP/1.1 200 OK", f"Content-Length: {len(body)}", "Content-Type: application/json", *headers])
    return head.encode() + b"\r\n\r\n" + body


@pytest.fixture
def servers() -> Iterator[list[RawServer]]:
    started: list[RawServer] = []
    yield started
    for server in started:
        server.close()


def test_a_connection_the_server_closed_while_idle_is_not_reused(servers: list[RawServer]) -> None:
    # The server hangs up after each answer without saying so, as idle keep-alive timeouts do.
    server = RawServer(lambda request: reply(b'{"ok": 1}'), close_after_answer=True)
    servers.append(server)
    client = ApiClient("test", server.url)
    for _ in range(3):
        assert client.get_json("/thing") == {"ok": 1}
        time.sleep(0.05)
    assert server.connections == 3
    # Writes go through too: a dead idle connection is never where a write is sent.
    assert client.send_json("POST", "/thing", {"a": 1}) == {"ok": 1}


def test_kept_alive_connections_are_reused(servers: list[RawServer]) -> None:
    server = RawServer(lambda request: reply(b"[1, 2.50]"), close_after_answer=False)
    servers.append(server)
    client = ApiClient("test", server.url)
    for _ in range(5):
        assert [str(v) for v in client.get_json("/numbers")] == ["1", "2.50"]
    assert server.connections == 1


def test_a_compressed_answer_is_decoded(servers: list[RawServer]) -> None:
    body = gzip.compress(b'{"compressed": true}')
    servers.append(RawServer(lambda request: reply(body, "Content-Encoding: gzip"), close_after_answer=False))
    assert ApiClient("test", servers[0].url).get_json("/x") == {"compressed": True}


def test_an_answer_cut_off_after_a_write_is_an_unknown_outcome(servers: list[RawServer]) -> None:
    servers.append(RawServer(lambda request: None, close_after_answer=True))
    client = ApiClient("test", servers[0].url, retry=RetryPolicy(max_attempts=2, base_delay_seconds=0))
    with pytest.raises(WriteOutcomeUnknown, match="failed after sending: RemoteProtocolError"):
        client.send_json("POST", "/orders", {"number": 1})
    with pytest.raises(TransientError, match="gave up after 2 attempts: RemoteProtocolError"):
        client.get_json("/orders")


def test_nobody_listening_is_a_connect_error_and_a_slow_answer_a_read_timeout(servers: list[RawServer]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    transport = StdlibTransport()
    with pytest.raises(httpx.ConnectError, match="cannot connect"):
        transport.handle_request(httpx.Request("GET", f"http://127.0.0.1:{closed_port}/"))

    def slow(request: bytes) -> bytes:
        time.sleep(1.0)
        return reply(b"{}")

    servers.append(RawServer(slow, close_after_answer=False))
    request = httpx.Request("GET", f"{servers[-1].url}/", extensions={"timeout": {"connect": 1, "read": 0.2}})
    with pytest.raises(httpx.ReadTimeout):
        transport.handle_request(request)
