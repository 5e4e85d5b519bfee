"""Long-running subprocesses a test starts (a Celery worker, a development server), each
in its own session, logged to a file, and always stopped by the test's teardown."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def wait_for(condition: Callable[[], Any], timeout: float, what: str, process: Any = None) -> Any:
    """Poll ``condition`` until it is truthy; fail with the process's log after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.2)
    log = process.output() if process is not None else ""
    pytest.fail(f"Timed out after {timeout} s waiting for {what}.\n{log[-4000:]}")


class BackgroundProcess:
    """One subprocess with its output in ``log_path``."""

    def __init__(self, command: list[str], *, cwd: Path, env: dict[str, str], log_path: Path):
        self.command, self.cwd, self.env, self.log_path = command, cwd, env, log_path
        self.process: subprocess.Popen | None = None

    def launch(self) -> None:
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                self.command,
                cwd=self.cwd,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self) -> None:
        """SIGKILL to the whole session: no goodbye, no ack — like an OOM kill."""
        if self.running():
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if not self.running():
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()


class Worker(BackgroundProcess):
    """``celery -A <app> worker --pool=solo`` (the test project's app by default)."""

    def __init__(
        self,
        env: dict[str, str],
        log_path: Path,
        *,
        app: str = "tests.test_project",
        cwd: Path = ROOT,
        python: str = sys.executable,
    ) -> None:
        self.name = f"gdpr-mail-test-{uuid.uuid4().hex[:8]}"
        command = [
            python,
            "-m",
            "celery",
            "-A",
            app,
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "-l",
            "info",
            "-n",
            f"{self.name}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
        super().__init__(command, cwd=cwd, env=env, log_path=log_path)

    def start(self, timeout: float = 30) -> Worker:
        self.launch()
        return self.wait_ready(timeout)

    def wait_ready(self, timeout: float = 30) -> Worker:
        """After :meth:`launch`: wait for Celery's "ready." line."""
        wait_for(
            lambda: not self.running() or f"{self.name}@" in self.ready(),
            timeout,
            "the worker to be ready",
            self,
        )
        assert self.running(), f"the worker exited:\n{self.output()[-4000:]}"
        return self

    def ready(self) -> str:
        return "\n".join(line for line in self.output().splitlines() if " ready." in line)


class WebServer(BackgroundProcess):
    """``gunicorn`` with ``workers`` sync worker processes serving the test project's
    WSGI application (Django's own factory) on ``127.0.0.1:<port>``."""

    def __init__(self, env: dict[str, str], log_path: Path, *, port: int, workers: int = 2) -> None:
        self.url = f"http://127.0.0.1:{port}"
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "60",
            "django.core.wsgi:get_wsgi_application()",
        ]
        super().__init__(command, cwd=ROOT, env=env, log_path=log_path)

    def start(self, timeout: float = 60) -> WebServer:
        self.launch()
        return self.wait_ready(timeout)

    def wait_ready(self, timeout: float = 60) -> WebServer:
        """After :meth:`launch`: wait until the server answers (any status)."""
        import urllib.error
        import urllib.request

        def answers() -> bool:
            if not self.running():
                return True
            try:
                with urllib.request.urlopen(self.url + "/", timeout=5):  # noqa: S310
                    return True
            except urllib.error.HTTPError:
                return True  # it answered
            except OSError:
                return False

        wait_for(answers, timeout, f"gunicorn on {self.url}", self)
        assert self.running(), f"gunicorn exited:\n{self.output()[-4000:]}"
        return self
