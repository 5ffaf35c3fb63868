"""What the connector's receivers (JAGGAER Document Export, NetSuite push) share about reading a request."""

from starlette.requests import Request


async def read_limited(request: Request, limit: int, too_large: Exception) -> bytes:
    """The body, refused by raising `too_large` as soon as it is known to be over `limit` bytes: before reading,
    when its Content-Length says so, else while reading."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    received = bytearray()
    async for chunk in request.stream():
        received += chunk
        if len(received) > limit:
            raise too_large
    return bytes(received)
