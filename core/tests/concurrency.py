"""The harness of the race tests: real threads, each on its own database connection, released
together by a barrier (PostgreSQL only: mark the test with conftest.requires_postgres)."""

import threading
import time

from django.db import connection


def run_together(calls):
    """Run each callable in its own thread at the same moment; their outcomes in the given order:
    what a call returned, or the exception it raised (so the test asserts on it: an exception in a
    thread is otherwise lost)."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            outcomes[index] = call()
        except Exception as exc:
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def failures(outcomes):
    return [outcome for outcome in outcomes if isinstance(outcome, Exception)]


def backend_pid():
    """This thread's PostgreSQL backend, for wait_until_blocked in another thread."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def wait_until_blocked(pid, timeout=60):
    """Return once the PostgreSQL backend `pid` waits for a lock: how a race test puts two
    transactions in a chosen order (the one waiting is known to hold only what it took before)
    without guessing a duration. pg_locks is read live, never from a transaction's snapshot."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_locks WHERE pid = %s AND NOT granted", [pid])
            if cursor.fetchone():
                return
        time.sleep(0.01)
    raise AssertionError(f"backend {pid} never waited for a lock")
