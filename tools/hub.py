"""The Hugging Face hub, for the real profiles: is it reachable, what a missing model is
called and how big, and the progress of a first download. No weights load here
(:mod:`tools.models` does that); this module imports no torch."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

# Approximate download of each hub model the profiles name (what a user must fetch once).
MODEL_SIZES: dict[str, str] = {  # as docs/profiles.md gives them
    "stabilityai/sd-turbo": "2.6 GB in fp16, 5 GB in fp32",
    "stabilityai/sdxl-turbo": "7 GB in fp16, 14 GB in fp32",
    "stable-diffusion-v1-5/stable-diffusion-v1-5": "2.7 GB in fp16, 5 GB in fp32",
    "timbrooks/instruct-pix2pix": "2.5 GB in fp16, 5 GB in fp32",
    "alibaba-pai/pai-diffusion-artist-large-zh": "4 GB",
    "alibaba-pai/pai-bloom-1b1-text2prompt-sd": "2-4 GB",
    "alibaba-pai/pai-bloom-1b1-text2prompt-sd-v2": "2-4 GB",
    "Helsinki-NLP/opus-mt-zh-en": "300 MB",
    "Salesforce/blip-image-captioning-base": "1 GB",
    "h94/IP-Adapter": "2.5-4.4 GB with its image encoder",
}

_cache_lock = threading.Lock()  # the probe cache


def model_label(model_id: str) -> str:
    """``'org/name' (about N GB)``: the model and how big its download is, for messages."""
    size = MODEL_SIZES.get("/".join(model_id.split("/")[:2]))
    return f"{model_id!r}" + (f" (about {size})" if size else "")


def how_to_get(model_id: str) -> str:
    """How to put a hub model into the local cache (a clause: no capital, no full stop)."""
    repo = "/".join(model_id.split("/")[:2])
    return (f"download it once with internet access (`huggingface-cli download {repo}`), "
            "or run imagechat once while online")


def _load_reason(model_id: str, err: BaseException) -> str:
    """Why ``model_id`` could not load (and how to get it when it is simply not here)."""
    text = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    lowered = str(err).lower()
    name = type(err).__name__
    if "OutOfMemory" in name or isinstance(err, MemoryError) or "out of memory" in lowered:
        return "it does not fit in memory (try a smaller profile, or the CPU)"
    if name == "RepositoryNotFoundError":
        return "there is no such model on the Hugging Face hub (or it is private)"
    if "neither a valid local path nor a valid repo id" in lowered:
        return "it is neither a local model folder nor a valid Hugging Face model id"
    if name in ("LocalEntryNotFoundError", "OfflineModeIsEnabled") or any(
        hint in lowered
        for hint in ("offline", "cached", "snapshot", "connect", "resolve", "unreachable")
    ):
        offline = " (HF_HUB_OFFLINE is set)" if hub_offline() else ""
        return (f"not in the local cache and the hub is unreachable{offline}; "
                f"{how_to_get(model_id)}")
    return text


def _model_load_error(model_id: str, err: BaseException) -> Exception:
    """An error naming the model (and its size), why it could not load and how to get it."""
    from errors import NotAvailable

    return NotAvailable(f"The model {model_label(model_id)} could not be loaded: "
                        f"{_load_reason(model_id, err)}.")


def _is_load_failure(err: BaseException) -> bool:
    """Errors of loading a model (missing, unreachable, too big) rather than bugs of ours."""
    if isinstance(err, OSError | ValueError | MemoryError):
        return True
    if "OutOfMemoryError" in type(err).__name__:
        return True
    network = {"huggingface_hub", "httpx", "httpx2", "requests", "urllib3"}
    return type(err).__module__.split(".")[0] in network


@contextlib.contextmanager
def download_progress(model_id: str | None) -> Iterator[None]:
    """While a hub model loads, its download's bytes go to the running job as progress
    ("downloading stabilityai/sd-turbo: 41%"): the chat's progress line and Telegram's
    status show it, instead of the libraries' own bars (which are off)."""
    if model_id is None:
        yield
        return
    import sys

    from huggingface_hub.utils import tqdm as hf_tqdm

    from tools.jobs import current_job

    module = sys.modules["huggingface_hub.utils.tqdm"]

    class DownloadBar(hf_tqdm):  # type: ignore[misc,valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.done_bytes = int(kwargs.get("initial") or 0)

        def update(self, n: float | None = 1) -> bool | None:
            self.done_bytes += int(n or 0)
            job = current_job()
            if job is not None:
                job.downloading(self.done_bytes, self.total, model_id)
            return super().update(n)

    with _download_lock:
        original, module.tqdm = module.tqdm, DownloadBar
        try:
            yield
        finally:
            module.tqdm = original


_download_lock = threading.RLock()


def hub_offline() -> bool:
    """True when the environment forbids the Hugging Face hub (HF_HUB_OFFLINE and friends)."""
    import os

    return any(os.environ.get(k, "").strip().lower() in ("1", "true", "yes", "on")
               for k in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"))


HUB_PROBE_SECONDS = 2.0  # how long a connection to the hub may take before we call it down
HUB_PROBE_TTL = 60.0  # seconds a probe's answer is trusted
_hub_probe: dict[str, tuple[float, bool]] = {}


def hub_reachable() -> bool:
    """False when the hub is forbidden (:func:`hub_offline`) or a TCP connection to it (or to
    the HTTPS proxy) fails within ``HUB_PROBE_SECONDS``; remembered for ``HUB_PROBE_TTL``.

    Loaders then read the local cache only, so a missing model fails at once with a message
    saying which one, instead of the hub client's minute of retries and warnings.
    """
    import os
    import socket
    import time
    from urllib.parse import urlsplit

    if hub_offline():
        return False
    proxy = next((os.environ[k] for k in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY",
                                          "all_proxy") if os.environ.get(k)), "")
    url = urlsplit(proxy or os.environ.get("HF_ENDPOINT") or "https://huggingface.co")
    host = url.hostname or "huggingface.co"
    port = url.port or (80 if url.scheme == "http" else 443)
    key = f"{host}:{port}"
    now = time.monotonic()
    with _cache_lock:
        seen = _hub_probe.get(key)
    if seen is not None and now - seen[0] < HUB_PROBE_TTL:
        return seen[1]
    result: list[bool] = []

    def probe() -> None:  # in a thread: name resolution ignores socket timeouts
        try:
            with socket.create_connection((host, port), timeout=HUB_PROBE_SECONDS):
                result.append(True)
        except OSError:
            result.append(False)

    worker = threading.Thread(target=probe, name="hub-probe", daemon=True)
    worker.start()
    worker.join(HUB_PROBE_SECONDS + 0.5)
    ok = bool(result and result[0])
    with _cache_lock:
        _hub_probe[key] = (time.monotonic(), ok)
    if not ok:
        import logging

        logging.getLogger(__name__).info(
            "the Hugging Face hub (%s) cannot be reached; models load from the local cache only",
            key)
    return ok
