import environ

env = environ.Env()

# How long the dashboard figures stay cached when nothing they depend on changes (seconds).
CACHE_SECONDS = env.int("BACKOFFICE_CACHE_SECONDS", default=300)
