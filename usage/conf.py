"""Usage settings, read from the environment with safe defaults (listed in the README)."""

import environ

env = environ.Env()

# Metrics refused past their limit; the others (traffic, API requests) are allowed and alerted.
HARD_METRICS = frozenset(
    env.list("USAGE_HARD_METRICS", default=["generation_credits", "storage_bytes", "concurrent_jobs", "memory_mb"])
)
# Alert levels in percent of the limit.
ALERT_LEVELS = (80, 95, 100)
# Where each organization's files live in default_storage (generation and support write under it).
STORAGE_PREFIX = env("USAGE_STORAGE_PREFIX", default="orgs/{org_id}/")
# Other per-organization folders counted too (support keeps ticket attachments in its own folder).
STORAGE_EXTRA_FOLDERS = tuple(env.list("USAGE_STORAGE_EXTRA_FOLDERS", default=["support/{org_id}/"]))
# Folders under the organization's prefix that do not count as storage (invoices are excluded).
STORAGE_EXCLUDED = tuple(env.list("USAGE_STORAGE_EXCLUDED", default=["invoices"]))
# Flush batches kept for the replay check, then pruned.
FLUSH_RETENTION_DAYS = env.int("USAGE_FLUSH_RETENTION_DAYS", default=7)
