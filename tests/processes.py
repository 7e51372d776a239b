"""Run the portal as real processes on 127.0.0.1 (web server, django-q2 cluster, reference client).

Each `Portal` gets its own SQLite file, private files and mail folder under a temporary directory, so the
processes share one database with each other but never with the test database.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Portal:
    def __init__(self, directory, host="127.0.0.1", **env):
        """`host` names the server in its URL; it always listens on 127.0.0.1. Two portals in one browser need two
        host names (127.0.0.1 and localhost): cookies are kept per host, not per port."""
        self.directory = Path(directory)
        self.port = free_port()
        self.url = f"http://{host}:{self.port}"
        self.processes = {}
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.dev",
            # The embedded default (WAL, IMMEDIATE transactions), even when the suite itself runs on PostgreSQL.
            "SQLITE_PATH": str(self.directory / "portal.sqlite3"),
            "PORTAL_VAR_DIR": str(self.directory / "var"),
            "MEDIA_ROOT": str(self.directory / "media"),
            "REDIS_URL": "",
            "Q_WORKERS": "1",
            "WAGTAILADMIN_BASE_URL": self.url,
            "PYTHONUNBUFFERED": "1",
            **{key: str(value) for key, value in env.items()},
        }
        for inherited in ("DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL"):
            self.env.pop(inherited, None)

    def manage(self, *args, timeout=300):
        """Run a management command to completion and return its standard output."""
        result = subprocess.run(  # noqa: S603 — our own manage.py with arguments from the tests
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def shell(self, code, timeout=120):
        return self.manage("shell", "-c", code, timeout=timeout)

    def start(self, name, *command, start_new_session=False):
        """Start a long-running process; its output goes to <directory>/<name>.log.

        start_new_session=True puts it in a process group of its own, so a test can kill it together with
        the children it forks (os.killpg(process.pid, …)).
        """
        log = open(self.directory / f"{name}.log", "ab")  # noqa: SIM115 — closed in stop()
        process = subprocess.Popen(  # noqa: S603 — commands from the tests
            command,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=start_new_session,
        )
        self.processes[name] = (process, log)
        return process

    def start_server(self):
        self.start("server", sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{self.port}")
        wait_for_http(self.url + "/", process=self.processes["server"][0], log=self.log_path("server"))

    def start_cluster(self, name="cluster"):
        return self.start(name, sys.executable, "manage.py", "qcluster")

    def stop(self, name, sig=signal.SIGTERM, timeout=20):
        process, log = self.processes.pop(name)
        if process.poll() is None:
            # qcluster forks workers: signal the whole group only when we killed it on purpose.
            process.send_signal(sig)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=timeout)
        log.close()

    def stop_all(self):
        for name in list(self.processes):
            self.stop(name)

    def log_path(self, name):
        return self.directory / f"{name}.log"

    def log(self, name):
        path = self.log_path(name)
        return path.read_text(errors="replace") if path.exists() else ""


def wait_for_http(url, *, timeout=60, process=None, log=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            output = Path(log).read_text(errors="replace") if log else ""
            raise RuntimeError(f"process for {url} exited with {process.returncode}:\n{output[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5):  # noqa: S310 — our own server on 127.0.0.1
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


def wait_until(predicate, *, timeout=30, interval=0.2, message="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"{message} not met within {timeout} s")
