"""The production profile with the benchmarks' bare views added to its URLs (bench/urls.py)."""

from config.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
