"""Settings by profile: `DJANGO_SETTINGS_MODULE` names one of them.

- `config.settings.local`: what `make run` starts (DEBUG, demo data, development secrets).
- `config.settings.test`: what pytest runs (production behaviour, one process; see its docstring).
- `config.settings.production`: the default of every entry point (manage.py, ASGI, WSGI, Celery);
  it refuses to start without the secrets, hosts and servers a deployment must name.
"""
