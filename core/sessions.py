"""Sessions read from the cache and kept in the database (Django's cached_db) that stay readable
while the cache is down: an unreachable Redis must not refuse a signed-in WebSocket (channels reads
the session to find the user) with a server error instead of the socket's own 1013.

Ending a session still needs the cache: a session ended while its cached copy could not be removed
would live on when the cache came back, so deletion fails as loudly as before (a 503)."""

from django.contrib.sessions.backends import cached_db, db

from core.outages import UNAVAILABLE


class SessionStore(cached_db.SessionStore):
    def load(self):
        try:
            return super().load()
        except UNAVAILABLE:
            # cached_db copies what it read from the database back to the cache: with the cache
            # down, the database's copy is the session.
            return db.SessionStore.load(self)

    def exists(self, session_key):
        try:
            return super().exists(session_key)
        except UNAVAILABLE:
            return db.SessionStore.exists(self, session_key)
