"""Start the whole platform in one terminal: the ASGI server (HTTP + WebSocket), a Celery worker
and Celery beat. Ctrl-C or SIGTERM stops all three; if one dies, the others are stopped too."""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from core.broker import prepare_filesystem_broker
from core.management.commands.seed_demo import DEMO_LOGINS


class Command(BaseCommand):
    help = "Run the web server (daphne), a Celery worker and Celery beat together."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))

    def handle(self, *args, port, host, **options):
        prepare_filesystem_broker()
        python = sys.executable
        commands = {
            "web": [python, "-m", "daphne", "-b", host, "-p", str(port), "config.asgi:application"],
            "worker": [python, "-m", "celery", "-A", "config", "worker", "-l", "INFO", "-P", "threads", "-c", "4",
                       "--without-gossip", "--without-mingle", "-n", f"worker-{port}@%h"],
            "beat": [python, "-m", "celery", "-A", "config", "beat", "-l", "INFO",
                     "--schedule", str(settings.VAR_DIR / "celerybeat-schedule")],
        }
        processes = {name: subprocess.Popen(cmd) for name, cmd in commands.items()}
        url = f"http://{host}:{port}/"
        self.stdout.write(self.style.SUCCESS(f"\nWeBox is starting on {url}  (admin: /admin/, API docs: /api/docs/)"))
        if settings.DEBUG:
            for email, password, role in DEMO_LOGINS:
                self.stdout.write(f"  {email} / {password}  ({role})")
        self.stdout.write("Press Ctrl-C to stop the web server, the worker and beat.\n")

        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        while not stopping and all(p.poll() is None for p in processes.values()):
            time.sleep(0.5)
        dead = [name for name, p in processes.items() if p.poll() is not None]
        if dead and not stopping:
            self.stderr.write(f"{', '.join(dead)} stopped unexpectedly; stopping the others.")
        for p in processes.values():
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for p in processes.values():
            try:
                p.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
        self.stdout.write("Stopped.")
        if dead and not stopping:
            sys.exit(1)
