"""Start the whole platform in one terminal: the ASGI server (HTTP + WebSocket), a Celery worker
and Celery beat. A process that exits is started again on its own (the others keep running), as
a supervisor would in production; Ctrl-C or SIGTERM stops all three."""

import os
import signal
import subprocess
import sys
import time
from collections import deque

from django.conf import settings
from django.core.management.base import BaseCommand

from core.broker import prepare_filesystem_broker
from core.management.commands.seed_demo import DEMO_LOGINS

# A process that keeps dying is broken, not unlucky: give up after this many exits in a minute.
MAX_RESTARTS_PER_MINUTE = 5


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
        self.stdout.flush()

        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        exits = {name: deque() for name in commands}
        broken = None
        while not stopping and broken is None:
            time.sleep(0.5)
            for name, process in processes.items():
                if stopping or process.poll() is None:
                    continue
                now = time.monotonic()
                recent = exits[name]
                recent.append(now)
                while recent and recent[0] < now - 60:
                    recent.popleft()
                if len(recent) > MAX_RESTARTS_PER_MINUTE:
                    broken = name
                    break
                self.stderr.write(f"{name} exited (code {process.returncode}); starting it again.")
                processes[name] = subprocess.Popen(commands[name])
        if broken:
            self.stderr.write(f"{broken} keeps exiting ({MAX_RESTARTS_PER_MINUTE} times in a minute); stopping the others.")
        for process in processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for process in processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
        self.stdout.write("Stopped.")
        if broken:
            sys.exit(1)
