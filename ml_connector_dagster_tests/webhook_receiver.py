"""A Slack-compatible webhook on loopback that keeps what it is sent, or answers with a chosen error."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from ml_connector_dagster.simulation.server import LoopbackServer

# Slack's incoming-webhook paths are the credential: a test asserts this never shows up in a message.
SECRET_PATH = "/services/T0001/B0002/s3cr3tPathToken"


@dataclass
class Receiver:
    url: str
    posts: list[dict[str, Any]] = field(default_factory=list)
    answer: int = 200

    @property
    def texts(self) -> list[str]:
        return [str(post["text"]) for post in self.posts]


@contextmanager
def webhook() -> Iterator[Receiver]:
    receiver = Receiver(url="")

    async def _post(request: Request) -> PlainTextResponse:
        if receiver.answer != 200:
            return PlainTextResponse("no", status_code=receiver.answer)
        receiver.posts.append(await request.json())
        return PlainTextResponse("ok")

    app = Starlette(routes=[Route(SECRET_PATH, _post, methods=["POST"])])
    with LoopbackServer(app) as server:
        receiver.url = server.url + SECRET_PATH
        yield receiver
