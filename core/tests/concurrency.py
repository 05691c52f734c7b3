"""The harness of the race tests: real threads, each on its own database connection, released
together by a barrier (PostgreSQL only: mark the test with conftest.requires_postgres)."""

import threading

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
