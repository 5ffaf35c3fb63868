"""Bearer tokens as the simulated identity providers issue them: opaque, expiring, revocable."""

import secrets
import threading
import time


class TokenIssuer:
    def __init__(self, expires_in: int = 3600) -> None:
        self.expires_in = expires_in
        self.issued_count = 0
        self._expiry: dict[str, float] = {}
        self._lock = threading.Lock()

    def issue(self) -> tuple[str, int]:
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._expiry[token] = time.monotonic() + self.expires_in
            self.issued_count += 1
        return token, self.expires_in

    def is_valid(self, token: str) -> bool:
        with self._lock:
            expiry = self._expiry.get(token)
        return expiry is not None and time.monotonic() < expiry

    def expire_all(self) -> None:
        """Makes every token issued so far invalid at once, as an IdP-side expiry or revocation would."""
        with self._lock:
            self._expiry.clear()
