"""A per-process memo of facts about a user, keyed by a version kept on the user's row.

Every signed-in request loads the user's row; a version column on it (bumped in the
database by every change to the fact, in the same transaction) tells a worker whether what
it read before still holds, so the fact costs no query and no cache round trip while it
does. An entry also expires after `max_age` seconds: the bound for a change made outside
the ORM paths that bump the version (raw SQL in a shell).
"""

import threading
import time
from collections.abc import Callable


class UserMemo:
    def __init__(self, version_field: str, *, max_age: float, max_entries: int = 10_000):
        self.version_field = version_field
        self.max_age = max_age
        self.max_entries = max_entries
        self._entries: dict[tuple[int, int], tuple[float, object]] = {}
        self._lock = threading.Lock()

    def get(self, user, compute: Callable[[], object]):
        version = getattr(user, self.version_field, None)
        if version is None or user.pk is None:  # not known to be current: no memo
            return compute()
        key = (user.pk, version)
        now = time.monotonic()
        entry = self._entries.get(key)
        if entry is not None and now - entry[0] < self.max_age:
            return entry[1]
        value = compute()
        self._keep(key, now, value)
        return value

    def refresh(self, user, compute: Callable[[], object]):
        """Compute now and keep the value (when it is known to be wanted soon)."""
        value = compute()
        version = getattr(user, self.version_field, None)
        if version is not None and user.pk is not None:
            self._keep((user.pk, version), time.monotonic(), value)
        return value

    def _keep(self, key, now, value) -> None:
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()  # rare (that many users on one worker): start over
            self._entries[key] = (now, value)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
