"""What the ratio benchmarks share: Django on the project's settings, a throw-away database, the
machine and its load printed beside the figures, and A/B rounds reduced to medians and a ratio.

A script starts with:

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench import common

    common.setup_django(cache_prefix="bench-flush")
"""

import contextlib
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path


def setup_django(*, cache_prefix):
    """Django on config.settings, with cache and channel-layer keys of the benchmark's own."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    os.environ.setdefault("TESTING", "true")
    os.environ["CACHE_KEY_PREFIX"] = cache_prefix
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False  # the production profile: no query log, no debug-only work


@contextlib.contextmanager
def throwaway_database():
    """Django's test_<name> database, created for the run and dropped after it."""
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        yield name
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


@contextlib.contextmanager
def production_set(*, settings_module=None, env=None):
    """The production process set of the end-to-end suite (bin/supervise: uvicorn with 2 workers,
    Celery worker and beat, DEBUG off, PostgreSQL, a private Redis; see e2e/processes.py), started
    for the run and removed after it, with Django set up in this process on the same environment.
    `settings_module` replaces the production profile's; `env` adds to the set's environment."""
    from e2e.processes import Production

    class Bare(Production):
        """The set as the end-to-end suite starts it, without its journey's seed (a benchmark adds
        its own rows)."""

        def start(self):
            self.start_redis()
            pg = ["-h", "127.0.0.1", "-U", "postgres"]
            subprocess.run(["dropdb", *pg, "--if-exists", self.database], check=True, capture_output=True)
            subprocess.run(["createdb", *pg, self.database], check=True)
            for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"], ["compilemessages"]):
                self.manage(*command)
            self.start_group(["bin/supervise"])
            self.wait_healthy()

    process_set = Bare()
    if settings_module:
        process_set.env["DJANGO_SETTINGS_MODULE"] = settings_module
    process_set.env.update(env or {})
    try:
        process_set.start()
        os.environ.update(process_set.env)
        import django

        django.setup()
        yield process_set
    finally:
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        process_set.stop()
        process_set.cleanup()


def _cpu_model():
    for line in Path("/proc/cpuinfo").read_text().splitlines() if Path("/proc/cpuinfo").exists() else []:
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown CPU"


def _load():
    return "/".join(f"{value:.2f}" for value in os.getloadavg())


def machine():
    """One line: CPU, cores, memory, load average (1/5/15 min), database and Redis versions."""
    from django.conf import settings
    from django.db import connection

    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    database = connection.vendor
    if database == "postgresql":
        database += f" {connection.pg_version // 10000}.{connection.pg_version % 10000}"
    redis = "no Redis"
    if settings.REDIS_URL:
        from django_redis import get_redis_connection

        redis = f"Redis {get_redis_connection('default').info('server')['redis_version']}"
    return f"{_cpu_model()}, {os.cpu_count()} cores, {memory:.0f} GiB, load {_load()}; {database}, {redis}"


def timed(fn):
    began = time.perf_counter()
    result = fn()
    return time.perf_counter() - began, result


class Rounds:
    """A/B rounds: `add(name, seconds)` per round and side, then medians and the ratio."""

    def __init__(self):
        self.seconds = {}

    def add(self, name, seconds):
        self.seconds.setdefault(name, []).append(seconds)

    def median(self, name):
        return statistics.median(self.seconds[name])

    def report(self, name, *, unit, per, baseline):
        """'name: median ... (rounds ...)' for `per` items per round, as a rate, and its ratio to `baseline`."""
        rates = [per / s for s in self.seconds[name]]
        base = statistics.median(per / s for s in self.seconds[baseline])
        rate = statistics.median(rates)
        shown = ", ".join(f"{r:,.0f}" for r in rates)
        return f"{name}: {rate:,.0f} {unit}/s (rounds {shown}), {rate / base:.2f} of {baseline}"


def load_line():
    return f"load average now {_load()}"
