"""Broadcast to connected sockets against a raw group_send to the same sockets (run on purpose).

    .venv/bin/python bench/broadcast.py [--sockets 1000] [--rounds 3]

Starts the production process set (bin/supervise: uvicorn with 2 workers, Celery worker and beat,
DEBUG off, PostgreSQL, a private Redis; see e2e/processes.py), adds `--sockets` users, all members
of one organization, and opens one WebSocket per user from this process (JWT in the header, as a
native app does): it prints how long they took to connect. Then each round, in alternating order:
  - raw group_send: one channel-layer message to the group every socket is in, nothing else;
  - broadcast to everyone: notifications.services.broadcast(), what the staff broadcast task runs
    (a notification row per user, bulk-inserted in their language, then one group send);
  - broadcast to the organization: the same for its members (notify() of an organization);
  - through the worker: the staff broadcast task queued to the Celery worker of the set.
Each is timed from the call until every socket has it; prints medians, the ratio of each to the
raw group_send, and how many sockets missed a message (any miss is a failure).
"""

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import common  # noqa: E402

WAIT = 30  # seconds a round waits for the last socket before counting the missing ones


class Sockets:
    """The open sockets and, per round label, when each received it."""

    def __init__(self, expected):
        self.expected = expected
        self.arrivals = {}
        self.done = {}

    def expect(self, label):
        self.arrivals[label] = []
        self.done[label] = asyncio.Event()

    def arrived(self, label):
        if label in self.arrivals:
            self.arrivals[label].append(time.perf_counter())
            if len(self.arrivals[label]) == self.expected:
                self.done[label].set()

    async def read(self, ws):
        async for raw in ws:
            message = json.loads(raw)
            self.arrived(message.get("label") or message.get("title"))

    async def timed(self, label, send):
        """Seconds from `send()` until every socket received `label`, and how many never did."""
        self.expect(label)
        began = time.perf_counter()
        await send()
        try:
            await asyncio.wait_for(self.done[label].wait(), WAIT)
        except TimeoutError:
            pass
        arrivals = self.arrivals.pop(label)
        return (max(arrivals) - began if arrivals else WAIT), self.expected - len(arrivals)


async def connect_all(url, tokens, sockets):
    import websockets

    async def one(token):
        ws = await websockets.connect(
            url, additional_headers={"Authorization": f"Bearer {token}"}, max_queue=None, open_timeout=120
        )
        hello = json.loads(await ws.recv())
        assert hello["type"] == "hello", hello
        return ws

    began = time.perf_counter()
    opened = await asyncio.gather(*(one(token) for token in tokens))
    seconds = time.perf_counter() - began
    readers = [asyncio.ensure_future(sockets.read(ws)) for ws in opened]
    return opened, readers, seconds


def add_audience(count):
    from rest_framework_simplejwt.tokens import AccessToken

    from accounts.models import Membership, Organization, User

    organization = Organization.objects.create(name="Bench audience", slug="bench-audience", currency="EUR", locale="fr")
    users = User.objects.bulk_create(
        [User(email=f"listener{n}@bench.test", locale="en" if n % 2 else "") for n in range(count)]
    )
    Membership.objects.bulk_create([Membership(user=user, organization=organization) for user in users])
    return organization, [str(AccessToken.for_user(user)) for user in users]


async def rounds(args, sockets, organization):
    from asgiref.sync import sync_to_async
    from channels.layers import get_channel_layer
    from django.db import connections

    from notifications import services, tasks
    from notifications.live import EVERYONE

    layer = get_channel_layer()

    def in_thread(fn, *args, **kwargs):
        """Run a sync call in a thread of its own, closing that thread's database connection after."""

        def call():
            try:
                fn(*args, **kwargs)
            finally:
                connections.close_all()

        return sync_to_async(call, thread_sensitive=False)()

    async def raw(label):
        await layer.group_send(EVERYONE, {"type": "push", "payload": {"type": "bench", "label": label}})

    sides = {
        "raw group_send": raw,
        "broadcast to everyone": lambda label: in_thread(services.broadcast, key=uuid.uuid4(), title=label),
        "broadcast to the organization": lambda label: in_thread(
            services.broadcast, key=uuid.uuid4(), title=label, organization=organization
        ),
        "through the worker": lambda label: in_thread(tasks.broadcast.delay, str(uuid.uuid4()), label),
    }
    results = {name: [] for name in sides}
    missed = dict.fromkeys(sides, 0)
    for n in range(-1, args.rounds):  # round -1 warms up (connections, imports) and is not counted
        names = list(sides) if n % 2 == 0 else list(reversed(sides))
        for name in names:
            label = f"bench {name} {n}"
            seconds, lost = await sockets.timed(label, lambda name=name, label=label: sides[name](label))
            if n >= 0:
                results[name].append(seconds)
                missed[name] += lost
    return results, missed


def report(results, missed, sockets):
    base = statistics.median(results["raw group_send"])
    for name, seconds in results.items():
        median = statistics.median(seconds)
        shown = ", ".join(f"{s * 1000:,.0f}" for s in seconds)
        ratio = "" if name == "raw group_send" else f", {median / base:.1f}× the raw group_send"
        print(f"  {name}: all {sockets:,} sockets in {median * 1000:,.0f} ms (rounds {shown} ms){ratio}; missed {missed[name]}")


async def run(args, base_url, organization, tokens):
    sockets = Sockets(len(tokens))
    url = base_url.replace("http://", "ws://") + "/ws/notifications/"
    opened, readers, seconds = await connect_all(url, tokens, sockets)
    print(f"  connect: {len(opened):,} sockets open and greeted in {seconds:.2f} s")
    results, missed = await rounds(args, sockets, organization)
    report(results, missed, len(tokens))
    for reader in readers:
        reader.cancel()
    await asyncio.gather(*(ws.close() for ws in opened), return_exceptions=True)
    return sum(missed.values())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sockets", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with common.production_set() as process_set:
        from django.db import connection

        organization, tokens = add_audience(args.sockets)
        connection.close()  # the rounds write from other threads
        print(f"broadcast to {args.sockets:,} connected sockets, production process set on {process_set.base}")
        print(f"  machine: {common.machine()}")
        lost = asyncio.run(run(args, process_set.base, organization, tokens))
        print(f"  {common.load_line()}")
    sys.exit(1 if lost else 0)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
