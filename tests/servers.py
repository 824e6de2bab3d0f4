"""Real servers for the worker tests and benches, started on loopback by the caller: a
throwaway ``redis-server`` (:class:`RedisMissing` when it is not installed, which the tests
turn into a skip; ``.ci/run`` installs Debian's) and ``python bot.py worker`` processes."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
START_S = 120  # a worker imports torch and builds/loads the tiny models: generous when busy


def child_env(env: dict[str, str]) -> dict[str, str]:
    """``env`` for a test's child process built from scratch: one OpenMP thread (tiny models
    on 2 shared cores are many times slower with more), and coverage's own variables passed
    on, so a measured run counts the child too."""
    measured = {k: v for k, v in os.environ.items() if k.startswith("COVERAGE_")}
    return {**measured, **env, "OMP_NUM_THREADS": "1"}


class RedisMissing(RuntimeError):
    """redis-server is not installed here."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def redis_server(folder: Path) -> Iterator[str]:
    """A fresh redis-server on a free loopback port, data in ``folder``; yields its URL."""
    exe = shutil.which("redis-server")
    if exe is None:
        raise RedisMissing("redis-server is not installed (apt-get install -y redis-server)")
    import redis

    folder.mkdir(parents=True, exist_ok=True)
    for _ in range(3):  # a port taken between choosing and binding: choose again
        port = free_port()
        proc = subprocess.Popen(
            [exe, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder),
             "--save", "", "--appendonly", "no", "--protected-mode", "yes"],
            stdout=(folder / "redis.log").open("w"), stderr=subprocess.STDOUT)
        client = redis.Redis(port=port, socket_connect_timeout=1)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        if proc.poll() is None:
            break
    else:
        raise RuntimeError(f"redis-server would not start: {(folder / 'redis.log').read_text()}")
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Worker:
    """One ``python bot.py worker`` process (its own home: no shared disk with the bot)."""

    def __init__(self, url: str, folder: Path, model_cache: Path, name: str,
                 extra_env: dict[str, str] | None = None, threads: int = 1):
        self.name = name
        self.log = folder / f"{name}.log"
        folder.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "IMAGECHAT_BROKER_URL": url, "IMAGECHAT_HOME": str(folder / name),
               "IMAGECHAT_MODEL_CACHE": str(model_cache), "IMAGECHAT_PROFILE": "tiny",
               "IMAGECHAT_DEVICE": "cpu", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
               "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", **(extra_env or {})}
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "bot.py"), "worker", "--name", name,
             "--loglevel", "INFO", "--threads", str(threads)],
            stdout=self.log.open("w"), stderr=subprocess.STDOUT, env=env, cwd=str(ROOT))
        self.url = url

    def wait_ready(self, timeout: float = START_S) -> Worker:
        import redis

        from tools.workers import WORKERS

        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"worker {self.name} exited: {self.log.read_text()[-3000:]}")
            if client.zscore(WORKERS, self.name) is not None:
                return self
            time.sleep(0.1)
        raise RuntimeError(f"worker {self.name} not ready in {timeout} s: "
                           f"{self.log.read_text()[-3000:]}")

    def kill9(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()  # Celery's warm shutdown
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
