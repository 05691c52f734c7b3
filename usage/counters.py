"""Usage counters in the cache: an atomic add per event, an atomic take per flush.

Keys are `usage:c:<org_id>:<metric>:<YYYYMM>` so a count stays in the month it happened in.

With Redis (production) an add is one round trip (INCRBY + SADD to a "dirty" set) and a take is
one Lua script that moves every dirty counter into a hash named by a fresh batch token and lists
that token as in flight, all atomically: a second flusher finds nothing left to take, and
increments that arrive meanwhile go to fresh counters for the next flush. The batch is applied to
the database under its token (unique), then dropped; a batch left by a crashed flusher is
replayed by the next one, and the unique token stops it being counted twice.

Without Redis (the embedded default) the web server, the worker and beat share diskcache's
SQLite files: the counters live in a sub-cache of their own, an add is one transaction over it
(atomic across processes), and a take moves every counter into a batch key in one transaction,
with the same in-flight and drop steps as on Redis.

Requests are metered with `add_soon()`: the increment goes to a per-process sender thread, so a
request never waits on Redis or on the disk; increments queued while the sender is busy are
summed and go out together in its next round. A process sends what it queued before it reads or
takes counters, and when it exits.
"""

import atexit
import functools
import logging
import os
import threading
import time
import uuid
from collections import Counter
from datetime import date

from django.core.cache import cache, caches

logger = logging.getLogger("webox.usage")

_DIRTY = "usage:dirty"
_INFLIGHT = "usage:inflight"
_BATCH = "usage:batch:"

# The taken counters come back as one "key=value" line each in a single string: a flat reply of
# 40,000 items costs the client far more to parse than one bulk string cut with str.split.
_TAKE_ALL = """
local members = redis.call('SMEMBERS', KEYS[1])
redis.call('DEL', KEYS[1])
local taken = {}
for _, key in ipairs(members) do
  local value = redis.call('GET', key)
  if value then
    redis.call('DEL', key)
    if value ~= '0' then
      redis.call('HINCRBY', KEYS[2], key, value)
      taken[#taken + 1] = key .. '=' .. value
    end
  end
end
if #taken > 0 then redis.call('SADD', KEYS[3], ARGV[1]) end
return table.concat(taken, '\\n')
"""


def counter_key(org_id, metric, month):
    return f"usage:c:{org_id}:{metric}:{month.year}{month.month:02d}"


def parse_key(key):
    """(org_id, metric, month) from a counter key (with or without the cache prefix)."""
    _, _, org_id, metric, yyyymm = key.rsplit(":", 4)
    return int(org_id), metric, _month(yyyymm)


@functools.lru_cache(maxsize=64)
def _month(yyyymm):
    """A flush parses thousands of keys of the same month or two."""
    return date(int(yyyymm[:4]), int(yyyymm[4:]), 1)


def using_redis():
    return caches["default"].__class__.__module__.startswith("django_redis")


class Sender:
    """Sends queued increments from a daemon thread, one `send({key: amount})` per round: what
    arrives while a round is out is summed into the next one. A failed round (the cache is down)
    is kept and retried with back-off; metering never fails a request."""

    RETRY_MAX_SECONDS = 5.0

    def __init__(self, send):
        self._send = send
        self._pid = None
        atexit.register(self.send_now)

    def _start(self):
        """Fresh state in each process: a forked child inherits neither the thread nor the queue."""
        self._pid = os.getpid()
        self._queued = Counter()
        self._ready = threading.Condition()
        self._sending = threading.Lock()
        threading.Thread(target=self._run, name="usage-counter-sender", daemon=True).start()

    def put(self, amounts):
        if self._pid != os.getpid():
            self._start()
        with self._ready:
            self._queued.update(amounts)
            self._ready.notify()

    def send_now(self):
        """Send what this process queued before returning (reads, takes, exit)."""
        if self._pid == os.getpid():
            self._round()

    def _round(self):
        with self._sending:
            with self._ready:
                amounts, self._queued = self._queued, Counter()
            if not amounts:
                return True
            try:
                self._send(dict(amounts))
            except Exception:
                with self._ready:
                    self._queued.update(amounts)
                logger.exception("usage_counters_send_failed keys=%s", len(amounts))
                return False
            return True

    def _run(self):
        delay = 0.0
        while True:
            time.sleep(delay)
            with self._ready:
                self._ready.wait_for(lambda: self._queued)
            delay = 0.0 if self._round() else min(max(delay * 2, 0.1), self.RETRY_MAX_SECONDS)


class QueuedAdds:
    """add_soon(): add() from the process's sender thread. Reads first send what is queued."""

    def __init__(self):
        self.sender = Sender(self.add)

    def add_soon(self, amounts):
        self.sender.put(amounts)


class RedisCounters(QueuedAdds):
    def __init__(self):
        from django_redis import get_redis_connection

        super().__init__()
        self.redis = get_redis_connection("default")
        self._take_all = self.redis.register_script(_TAKE_ALL)

    def _k(self, name):
        return cache.make_key(name)

    def add(self, amounts):
        """{key: amount} in one round trip."""
        pipe = self.redis.pipeline(transaction=False)
        for key, amount in amounts.items():
            pipe.incrby(self._k(key), amount)
        pipe.sadd(self._k(_DIRTY), *[self._k(key) for key in amounts])
        pipe.execute()

    def peek(self, key):
        self.sender.send_now()
        value = self.redis.get(self._k(key))
        return int(value) if value else 0

    def peek_many(self, keys):
        self.sender.send_now()
        values = self.redis.mget([self._k(k) for k in keys]) if keys else []
        return {k: int(v) for k, v in zip(keys, values, strict=True) if v}

    def take(self):
        """Move every pending counter into a new batch: (token, {key: value}) or (None, {})."""
        self.sender.send_now()
        token = uuid.uuid4().hex
        raw = _decode(self._take_all(keys=[self._k(_DIRTY), self._k(_BATCH + token), self._k(_INFLIGHT)], args=[token]))
        if not raw:
            return None, {}
        pairs = (line.rsplit("=", 1) for line in raw.split("\n"))
        return token, {key: int(value) for key, value in pairs}

    def batches_in_flight(self):
        """Batches taken but not yet dropped (a crashed or concurrent flusher): [(token, {key: value})]."""
        found = []
        for token in self.redis.smembers(self._k(_INFLIGHT)):
            token = _decode(token)
            values = self.redis.hgetall(self._k(_BATCH + token))
            found.append((token, {_decode(k): int(v) for k, v in values.items()}))
        return found

    def drop(self, token):
        pipe = self.redis.pipeline(transaction=True)
        pipe.delete(self._k(_BATCH + token))
        pipe.srem(self._k(_INFLIGHT), token)
        pipe.execute()


class DiskCounters(QueuedAdds):
    """diskcache (the embedded default): every process of the machine shares the files."""

    _BATCH_PREFIX = "batch:"

    def __init__(self):
        super().__init__()
        self.counters = caches["default"].cache("usage-counters")

    def add(self, amounts):
        with self.counters.transact(retry=True):
            for key, amount in amounts.items():
                self.counters.incr(key, amount, retry=True)

    def peek(self, key):
        self.sender.send_now()
        return self.counters.get(key, 0, retry=True)

    def peek_many(self, keys):
        values = {key: self.peek(key) for key in keys}
        return {k: v for k, v in values.items() if v}

    def take(self):
        self.sender.send_now()
        token = uuid.uuid4().hex
        with self.counters.transact(retry=True):
            keys = [key for key in self.counters if not key.startswith(self._BATCH_PREFIX)]
            taken = {key: value for key in keys if (value := self.counters.pop(key, 0, retry=True))}
            if taken:
                self.counters.set(self._BATCH_PREFIX + token, taken, retry=True)
        return (token, taken) if taken else (None, {})

    def batches_in_flight(self):
        found = []
        for key in list(self.counters):
            if key.startswith(self._BATCH_PREFIX) and (batch := self.counters.get(key, retry=True)) is not None:
                found.append((key.removeprefix(self._BATCH_PREFIX), batch))
        return found

    def drop(self, token):
        self.counters.delete(self._BATCH_PREFIX + token, retry=True)


def _decode(value):
    return value.decode() if isinstance(value, bytes) else value


@functools.cache
def store():
    """The process's counter store, chosen from the settings once (finding the cache costs more
    than counting a request)."""
    return RedisCounters() if using_redis() else DiskCounters()
