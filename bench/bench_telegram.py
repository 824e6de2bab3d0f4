#!/usr/bin/env python3
"""Concurrency through Telegram: N users at once against the fake Bot API server.

The real bot (python-telegram-bot, polling) and the real agent (tiny profile, CPU) run
against tests/fake_telegram.py on loopback. Every user asks for a picture at the same
moment; while those jobs queue for the image workers, every user also sends /help, one
user every ``--help-gap`` seconds (0.05: 20 a second, inside Telegram's 30 messages a
second; 0: all at once, a burst that flood control alone spreads over more than a
second). Prints, over the users: time to the first status message ("queued (position
N)"), time to the photo, and time to the /help answer sent while jobs were queued.

With ``--workers N`` the image work runs in N ``python bot.py worker`` processes (one
torch thread each) through a throwaway redis-server on loopback (Celery), so the bot's
process does only the talking.

    python bench/bench_telegram.py [--users 50] [--workers 2] [--help-gap 0.05] [--json out.json]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the fake Bot API server lives with the tests

from benchutil import pct  # noqa: E402 - after the path set-up

FIRST_USER = 5000



class _OwnLoop:
    """The fake Bot API server on its own event loop in its own thread, so Telegram's side
    of the work (parsing 50 photo uploads) does not run on the bot's event loop."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def run(self, coro):  # noqa: ANN001, ANN201
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def call(self, fn, *args):  # noqa: ANN001, ANN002, ANN201
        async def call():  # noqa: ANN202
            return fn(*args)
        return self.run(call())

    async def wait(self, coro):  # noqa: ANN001, ANN201
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, self.loop))

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)


async def run(users: int, home: str, broker_url: str = "",
              help_gap: float = 0.05) -> dict[str, object]:
    from fake_telegram import FakeTelegram

    from agent.engine import Agent
    from agent.types import Turn
    from channels.telegram import build_application
    from settings import Settings

    server = _OwnLoop()
    tg = server.run(FakeTelegram().start())
    settings = Settings.load(env={}, home=home, profile="tiny", device="cpu",
                             telegram_token=tg.token, telegram_allowed_users="*",
                             broker_url=broker_url)
    agent = Agent(settings)
    agent.handle_turn(Turn(user="bench:warm", text="warm up"))  # loads the models
    app = build_application(settings, agent, api_url=tg.api_url, rate_limit=1000)
    await app.initialize()
    await app.post_init(app)
    await app.updater.start_polling(poll_interval=0, timeout=1)
    await app.start()
    try:
        ids = [FIRST_USER + i for i in range(users)]
        asked: dict[int, float] = {}
        for uid in ids:
            asked[uid] = time.monotonic()
            server.call(tg.text, uid, f"a lighthouse number {uid}")
        await asyncio.sleep(0.3)  # the picture requests are in; their jobs queue up
        helped_at: dict[int, float] = {}
        for uid in ids:
            helped_at[uid] = time.monotonic()
            server.call(tg.text, uid, "/help")
            await asyncio.sleep(help_gap)
        await server.wait(tg.wait_until(lambda: all(tg.photos_to(uid) for uid in ids), 600,
                                        "all photos"))
        await server.wait(tg.wait_until(lambda: all(_help_reply(tg, uid) for uid in ids), 60,
                                        "all /help"))
        first_status, photo, help_reply = [], [], []
        for uid in ids:
            sent = [c for c in tg.calls if c.params.get("chat_id") in (uid, str(uid))
                    and c.method in ("sendMessage", "sendPhoto")]
            status = next(c for c in sent if "queued" in str(c.params.get("text", ""))
                          or c.method == "sendPhoto")
            first_status.append(status.at - asked[uid])
            photo.append(tg.photos_to(uid)[0].at - asked[uid])
            help_reply.append(_help_reply(tg, uid).at - helped_at[uid])
        last_photo = max(tg.photos_to(uid)[0].at for uid in ids)
        help_before = sum(_help_reply(tg, uid).at < last_photo for uid in ids)
    finally:
        await app.updater.stop()
        await app.stop()
        await app.post_shutdown(app)
        await app.shutdown()
        server.run(tg.stop())
        server.close()
        agent.storage.close()

    def summary(values: list[float]) -> dict[str, float]:
        return {"p50_s": statistics.median(values), "p95_s": pct(values, 0.95),
                "max_s": max(values)}

    return {"users": users, "first_status": summary(first_status), "photo": summary(photo),
            "help_while_queued": summary(help_reply), "help_before_last_photo": help_before,
            "help_p50_s": statistics.median(help_reply), "help_p95_s": pct(help_reply, 0.95),
            "status_p50_s": statistics.median(first_status),
            "photo_p50_s": statistics.median(photo)}


def _help_reply(tg, uid: int):  # noqa: ANN001, ANN202
    return next((c for c in tg.calls_of("sendMessage", uid)
                 if "make and refine" in str(c.params.get("text", ""))), None)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument("--workers", type=int, default=0,
                        help="image workers in their own processes through Redis (default 0: "
                        "image work in the bot's process)")
    parser.add_argument("--help-gap", type=float, default=0.05, metavar="S",
                        help="seconds between two users' /help (0: all at once)")
    parser.add_argument("--json", metavar="PATH")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as home, contextlib.ExitStack() as stack:
        url = ""
        if args.workers:
            from servers import Worker, redis_server

            url = stack.enter_context(redis_server(Path(home) / "redis"))
            workers = [Worker(url, Path(home) / "workers", Path(home) / "models", f"tg{i}",
                              threads=args.threads) for i in range(args.workers)]
            for w in workers:
                stack.callback(w.stop)
            for w in workers:
                w.wait_ready()
        result = asyncio.run(run(args.users, home, url, args.help_gap))
    where = (f"{args.workers} worker process(es) through Redis" if args.workers
             else "image work in the bot's process")
    print(f"Telegram, {args.users} users at once, real bot + real agent (tiny, CPU; {where}) "
          f"against the fake Bot API server; /help every {args.help_gap:g} s")
    print(f"{'what':<28} {'p50 s':>7} {'p95 s':>7} {'max s':>7}")
    for key, label in (("first_status", "first status message"), ("photo", "photo"),
                       ("help_while_queued", "/help while jobs queued")):
        r = result[key]
        print(f"{label:<28} {r['p50_s']:>7.2f} {r['p95_s']:>7.2f} {r['max_s']:>7.2f}")
    print(f"/help answered before the last photo: {result['help_before_last_photo']}"
          f"/{args.users}")
    if args.json:
        Path(args.json).write_text(json.dumps({"bench": "telegram", "workers": args.workers,
                                               "help_gap_s": args.help_gap,
                                               **result}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
