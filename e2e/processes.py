"""The process sets the end-to-end suite drives, started as users start them.

- `embedded`: `make run` (the local profile: SQLite, disk cache, SQLite channel layer, filesystem
  broker) with its web server (daphne), worker and beat.
- `production`: `bin/supervise` (supervisord running the Procfile's bin/web, bin/worker, bin/beat)
  on the production profile (DEBUG off, PostgreSQL, Redis), after migrate and collectstatic. Its
  Redis is a private redis-server started here, so the "Redis is down" drill stops only that one.

Each set gets a free port, its own folder (VAR_DIR: SQLite files, media, mail, logs), its own
database and Redis. Emails are written to files (Django's file backend) and read back from there.
A set has E2E_START_SECONDS (300 by default) to answer /healthz after it is started.
"""

import email
import os
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from email import policy
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
HEARTBEAT_SECONDS = 2
SWEEP_AFTER_SECONDS = 15  # the sweepers run every minute and re-drive work lost for this long


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition, timeout, message, interval=0.25):
    """Poll `condition` until it returns something truthy; that value, or AssertionError."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"{message} (waited {timeout} s)")


class ProcessSet:
    profile = ""

    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix=f"webox-e2e-{self.profile}-"))
        self.mail = self.folder / "mail"
        self.mail.mkdir()
        self.log_path = self.folder / "server.log"
        self.port = int(os.environ.get("E2E_PORT") or free_port())
        self.base = f"http://localhost:{self.port}"
        self.env = {
            **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")},
            "VAR_DIR": str(self.folder / "var"),
            "PORT": str(self.port),
            "SITE_URL": self.base,
            "EMAIL_URL": f"filemail:///{self.mail}",  # django-environ drops one slash of an absolute path
            "HEARTBEAT_SECONDS": str(HEARTBEAT_SECONDS),
            "SWEEP_AFTER_SECONDS": str(SWEEP_AFTER_SECONDS),
            "PYTHONUNBUFFERED": "1",
        }
        self.leader = None
        self.sweep_seconds = SWEEP_AFTER_SECONDS

    # --- life ---------------------------------------------------------------------------------
    def start_group(self, command):
        """Start `command` in a session of its own (so stopping it stops all its processes)."""
        log = open(self.log_path, "ab")  # noqa: SIM115 - the process writes to it until stopped
        self.leader = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def wait_healthy(self, timeout=None):
        # A first start migrates a fresh database and seeds the demo: over 5 minutes on a busy machine.
        timeout = timeout or int(os.environ.get("E2E_START_SECONDS", 300))
        def healthy():
            if self.leader.poll() is not None:
                raise AssertionError(f"the process set exited ({self.leader.returncode}):\n{self.log_tail()}")
            try:
                return httpx.get(self.base + "/healthz", timeout=5).status_code == 200
            except httpx.TransportError:
                return False

        wait_for(healthy, timeout, f"/healthz never answered 200:\n{self.log_tail()}", interval=1)

    def stop(self):
        if self.leader is None or self.leader.poll() is not None:
            return
        os.killpg(self.leader.pid, signal.SIGTERM)
        try:
            self.leader.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(self.leader.pid, signal.SIGKILL)
            self.leader.wait(10)

    def cleanup(self):
        shutil.rmtree(self.folder, ignore_errors=True)

    # --- logs ---------------------------------------------------------------------------------
    def log_text(self, since=0):
        return self.log_path.read_bytes()[since:].decode("utf-8", "replace")

    def log_tail(self, lines=60):
        return "\n".join(self.log_text().splitlines()[-lines:])

    def log_size(self):
        return self.log_path.stat().st_size

    # --- processes ----------------------------------------------------------------------------
    def group_processes(self):
        """Every process of the set: its session (supervisord gives each program a process group
        of its own, inside the session the set was started in)."""
        out = subprocess.run(["ps", "-eww", "-o", "pid=,sid=,args="], capture_output=True, text=True, check=True).stdout
        rows = (line.split(None, 2) for line in out.splitlines())
        return [(int(pid), args) for pid, sid, args in rows if int(sid) == self.leader.pid]

    def pids_of(self, kind):
        """The set's worker or beat processes (the main one first, then its pool's)."""
        needle = {"worker": "config worker", "beat": "config beat"}[kind]
        return sorted(pid for pid, args in self.group_processes() if needle in args and "celery" in args)

    def pid_of(self, kind, missing_ok=False):
        """The main process of the set's worker or beat."""
        pids = self.pids_of(kind)
        assert pids or missing_ok, f"no {kind} process running:\n{self.log_tail()}"
        return pids[0] if pids else None

    def signal(self, kind, sig):
        pid = self.pid_of(kind)
        os.kill(pid, sig)
        return pid

    @contextmanager
    def frozen(self, kind):
        """The worker or beat stopped (SIGSTOP) for the block, then thawed. It is frozen only
        between two writes: one frozen inside a transaction would hold its locks (on SQLite, the
        whole database) and stall every request of the test."""
        for _ in range(100):
            pid = self.signal(kind, signal.SIGSTOP)
            if self.holds_no_write_lock():
                break
            os.kill(pid, signal.SIGCONT)
            time.sleep(0.1)
        else:
            raise AssertionError(f"the {kind} was never caught outside a write")
        try:
            yield
        finally:
            os.kill(pid, signal.SIGCONT)

    def holds_no_write_lock(self):
        return True

    def kill(self, kind):
        """SIGKILL every process of the worker or beat, as a crash would; their pids."""
        pids = self.pids_of(kind)
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return pids

    # --- mail ---------------------------------------------------------------------------------
    def emails_to(self, address):
        """Every email sent to `address` so far: [(subject, plain text body)]."""
        found = []
        for path in sorted(self.mail.glob("*.log")):
            for raw in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
                if not raw.strip():
                    continue
                message = email.message_from_bytes(raw.strip(b"\n"), policy=policy.default)
                if address in str(message.get("To", "")):
                    body = message.get_body(preferencelist=("plain",))
                    found.append((str(message["Subject"]), body.get_content() if body else ""))
        return found

    # --- commands in the set's environment ----------------------------------------------------
    def manage(self, *args, stdin=None):
        result = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=self.env, input=stdin, capture_output=True,
                                text=True, timeout=600)
        assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
        return result.stdout


class Embedded(ProcessSet):
    """`make run`, as a newcomer starts it (demo data, demo logins)."""

    profile = "embedded"
    agent = ("agent@webox.test", "webox-agent")
    agent_totp_key = None  # the demo agent is exempt from the TOTP step on the local profile

    def __init__(self):
        super().__init__()
        self.env["DJANGO_SETTINGS_MODULE"] = "config.settings.local"

    def start(self):
        self.start_group(["make", "run", f"PORT={self.port}"])
        self.wait_healthy()
        assert "alice@webox.test / webox-demo" in self.log_text(), "make run did not print the demo logins"

    def holds_no_write_lock(self):
        """Every SQLite file of the set (data, channel layer, cache shards) takes a write now."""
        var = Path(self.env["VAR_DIR"])
        for path in [*var.glob("*.sqlite3"), *var.glob("cache/*/cache.db")]:
            connection = sqlite3.connect(path, timeout=0.5, isolation_level=None)
            try:
                connection.execute("BEGIN IMMEDIATE")
                connection.execute("ROLLBACK")
            except sqlite3.OperationalError:
                return False
            finally:
                connection.close()
        return True


class Production(ProcessSet):
    """The production profile under supervisord, on PostgreSQL and a private Redis."""

    profile = "production"

    def __init__(self):
        super().__init__()
        self.redis_port = int(os.environ.get("E2E_REDIS_PORT") or free_port())
        self.database = os.environ.get("E2E_DATABASE", f"webox_e2e_{self.port}")
        self.agent = ("e2e-agent@example.test", secrets.token_urlsafe(16))
        self.agent_totp_key = secrets.token_hex(20)  # staff act with a second factor: the agent's authenticator
        self.env.update(
            DJANGO_SETTINGS_MODULE="config.settings.production",
            SECRET_KEY=secrets.token_urlsafe(50),
            ALLOWED_HOSTS="localhost,127.0.0.1",
            SECURE_SSL_REDIRECT="false",
            # A staging install: the journey pays with the sandbox's test cards.
            PAYMENT_TEST_MODE="true",
            SANDBOX_WEBHOOK_SECRET=secrets.token_urlsafe(32),
            DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{self.database}",
            REDIS_URL=f"redis://127.0.0.1:{self.redis_port}/0",
            STATIC_ROOT=str(self.folder / "static"),
            WEB_CONCURRENCY="2",
            CELERY_CONCURRENCY="2",
            E2E_AGENT_EMAIL=self.agent[0],
            E2E_AGENT_PASSWORD=self.agent[1],
            E2E_AGENT_TOTP_KEY=self.agent_totp_key,
        )
        self.redis = None

    def start_redis(self):
        self.redis = subprocess.Popen(
            ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        wait_for(lambda: subprocess.run(["redis-cli", "-p", str(self.redis_port), "ping"], capture_output=True).returncode == 0,
                 20, "the private redis-server did not start")

    def stop_redis(self):
        if self.redis is not None and self.redis.poll() is None:
            self.redis.terminate()
            self.redis.wait(20)

    def start(self):
        self.start_redis()
        pg = ["-h", "127.0.0.1", "-U", "postgres"]
        subprocess.run(["dropdb", *pg, "--if-exists", self.database], check=True)
        subprocess.run(["createdb", *pg, self.database], check=True)
        self.manage("migrate", "--noinput")
        self.manage("collectstatic", "--noinput")
        self.manage("compilemessages")
        subprocess.run([PYTHON, "e2e/seed.py"], cwd=ROOT, env=self.env, check=True, capture_output=True)
        self.start_group(["bin/supervise"])
        self.wait_healthy()

    def stop(self):
        super().stop()
        self.stop_redis()

    def cleanup(self):
        super().cleanup()
        subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", self.database], check=False)


PROFILES = {"embedded": Embedded, "production": Production}


def main():
    """`python -m e2e.processes production`: start a set and keep it up (for trying things by hand)."""
    process_set = PROFILES[sys.argv[1]]()
    process_set.start()
    print(f"{process_set.profile} set on {process_set.base}; logs in {process_set.log_path}; Ctrl-C stops it")
    try:
        signal.pause()
    finally:
        process_set.stop()


if __name__ == "__main__":
    main()
