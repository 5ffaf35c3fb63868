"""An httpx transport on the standard library's `http.client`, for the one request per record a sync makes.

httpx's own transport (httpcore and h11, in pure Python) costs about half a millisecond of CPU per request;
`http.client` parses in C and costs a fifth of that. A post of thousands of records makes one request each, so
that difference is most of the connector's own time. The client keeps httpx's API, timeouts and error types;
only the wire work is swapped. Proxies are httpx's business: with a proxy configured, httpx's transport is used.
"""

import http.client
import queue
import select
import socket
import ssl
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

import certifi
import httpx

_IDLE_PER_ORIGIN = 32

Connection = http.client.HTTPConnection


def transport_for(base_url: str, max_connections: int) -> httpx.BaseTransport:
    """Ours, unless the environment routes this URL through a proxy (HTTP_PROXY, HTTPS_PROXY, … minus
    NO_PROXY): proxies are httpx's business."""
    url = httpx.URL(base_url)
    proxy = urllib.request.getproxies().get(url.scheme)
    if proxy and not urllib.request.proxy_bypass(url.host):
        limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
        return httpx.HTTPTransport(proxy=proxy, limits=limits)
    return StdlibTransport()


class StdlibTransport(httpx.BaseTransport):
    """Keep-alive connections per origin, reused only when the server has not closed them."""

    def __init__(self) -> None:
        self._idle: dict[tuple[str, str, int], queue.LifoQueue[Connection]] = {}
        self._lock = threading.Lock()
        self._tls = ssl.create_default_context(cafile=certifi.where())

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        timeouts = request.extensions.get("timeout", {})
        origin = (request.url.scheme, request.url.host, request.url.port or _default_port(request.url.scheme))
        with self._connection(origin, timeouts) as connection:
            self._send(connection, request, timeouts)
            try:
                answer = connection.getresponse()
                body = answer.read()
            except TimeoutError:
                connection.close()
                raise httpx.ReadTimeout("timed out waiting for the answer", request=request) from None
            except (http.client.HTTPException, OSError) as exc:
                connection.close()
                raise httpx.RemoteProtocolError(f"the server broke off the answer: {exc!r}", request=request) from None
            if answer.will_close:
                connection.close()
            headers = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in answer.getheaders()]
            return httpx.Response(answer.status, headers=headers, stream=httpx.ByteStream(body))

    def close(self) -> None:
        with self._lock:
            pools, self._idle = list(self._idle.values()), {}
        for pool in pools:
            while not pool.empty():
                pool.get_nowait().close()

    @contextmanager
    def _connection(self, origin: tuple[str, str, int], timeouts: dict[str, float | None]) -> Iterator[Connection]:
        with self._lock:
            pool = self._idle.setdefault(origin, queue.LifoQueue())
        connection = _reusable(pool)
        if connection is None:
            scheme, host, port = origin
            connect = timeouts.get("connect")
            if scheme == "https":
                connection = http.client.HTTPSConnection(host, port, timeout=connect, context=self._tls)
            else:
                connection = http.client.HTTPConnection(host, port, timeout=connect)
            try:
                connection.connect()
                # Headers and body go out as they are written: with Nagle's algorithm a body written after
                # its headers would wait for the server's delayed acknowledgement of them.
                assert connection.sock is not None
                connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except TimeoutError:
                raise httpx.ConnectTimeout(f"connecting to {host}:{port} timed out") from None
            except OSError as exc:
                raise httpx.ConnectError(f"cannot connect to {host}:{port}: {exc.strerror or exc}") from None
        assert connection.sock is not None
        connection.sock.settimeout(timeouts.get("read"))
        yield connection
        if connection.sock is not None and pool.qsize() < _IDLE_PER_ORIGIN:
            pool.put(connection)

    @staticmethod
    def _send(connection: Connection, request: httpx.Request, timeouts: dict[str, float | None]) -> None:
        target = request.url.raw_path.decode("ascii")
        try:
            connection.putrequest(request.method, target, skip_host=True, skip_accept_encoding=True)
            for name, value in request.headers.raw:
                connection.putheader(name.decode("latin-1"), value.decode("latin-1"))
            connection.endheaders(request.read() or None)
        except TimeoutError:
            connection.close()
            raise httpx.WriteTimeout("timed out sending the request", request=request) from None
        except OSError as exc:
            connection.close()
            raise httpx.WriteError(f"sending the request failed: {exc!r}", request=request) from None


def _reusable(pool: "queue.LifoQueue[Connection]") -> Connection | None:
    """An idle connection the server has not closed meanwhile: a closed one reads as readable (EOF)."""
    while True:
        try:
            connection = pool.get_nowait()
        except queue.Empty:
            return None
        sock = connection.sock
        if sock is not None and not _readable(sock):
            return connection
        connection.close()


def _readable(sock: socket.socket) -> bool:
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(0))


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80
