"""Takes credentials out of text bound for a chat channel: user:password in URLs, secret-looking query values."""

import re

_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s@]+@")
_SECRET_QUERY = re.compile(
    r"(?P<name>[?&](?:access_token|token|client_secret|secret|password|passwd|pwd|api_key|apikey|key|sig|"
    r"signature|code)=)[^&\s#]*",
    re.IGNORECASE,
)
_BEARER = re.compile(r"(?P<name>\b(?:Bearer|Basic)\s+)[A-Za-z0-9._~+/=-]+", re.IGNORECASE)


def redact(text: str) -> str:
    text = _USERINFO.sub(r"\g<scheme>***@", text)
    text = _SECRET_QUERY.sub(r"\g<name>***", text)
    return _BEARER.sub(r"\g<name>***", text)
