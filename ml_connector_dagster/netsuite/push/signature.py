"""The signature a notification carries: HMAC-SHA256 of `<timestamp>.<raw body>` under the shared secret.

The timestamp is inside the signed text, so it cannot be moved forward on a captured notification; the receiver
refuses one outside its tolerance window, and one whose id it already holds. Those two together are the replay
defence: a signature is never remembered, so the same body signed again is a new notification only if its id is
new, and a new id changes the body and so the signature.
"""

import hashlib
import hmac
import secrets

from pydantic import SecretStr

TIMESTAMP_HEADER = "X-ML-Timestamp"
SIGNATURE_HEADER = "X-ML-Signature"
SCHEME = "sha256="


def signature(secret: SecretStr, timestamp: str, body: bytes) -> str:
    """The `X-ML-Signature` value: `sha256=` and the lower-case hex digest."""
    signed = timestamp.encode("ascii") + b"." + body
    digest = hmac.new(secret.get_secret_value().encode("utf-8"), signed, hashlib.sha256).hexdigest()
    return f"{SCHEME}{digest}"


def signature_matches(secret: SecretStr, timestamp: str, body: bytes, given: str) -> bool:
    # Constant time, so how long a refusal takes tells nothing about how much of a forged signature was right.
    return hmac.compare_digest(signature(secret, timestamp, body).encode("ascii"), given.strip().lower().encode())


def signed_headers(secret: SecretStr, timestamp: int, body: bytes) -> dict[str, str]:
    """The headers a sender adds, as the SuiteScript in `suitescript/` does."""
    stamp = str(timestamp)
    return {TIMESTAMP_HEADER: stamp, SIGNATURE_HEADER: signature(secret, stamp, body)}


def generate_secret() -> SecretStr:
    """64 hex characters: 256 random bits, and text NetSuite's API Secrets page takes as typed."""
    return SecretStr(secrets.token_hex(32))
