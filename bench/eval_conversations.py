#!/usr/bin/env python3
"""How often whole multi-turn conversations go as a user expects, through the real agent.

Each line of a JSONL file is one conversation, ``{"id", "lang", "turns": [...]}``; a turn is
``{"say": TEXT, "upload": bool?, "expect": {...}}`` where ``expect`` holds:

``image``          true: this turn must make a new picture; false: text only (a picture sent
                   again, as "show #2" does, is not new)
``must_have``,     words the newest picture's prompt must / must not contain, matched as
``must_not_have``  ``bench/eval_edits.py`` matches them ("a|b" alternatives, English whole
                   words, Chinese substrings)
``pixels``         true: the new picture is an edit of its parent's pixels (a photo chain),
                   not a fresh text-to-image picture
``reply_has``      words the reply text must contain

Every turn also fails when its reply shows a raw tool call or JSON.

A conversation passes when every turn does. A new user per conversation, tiny profile,
rules planner unless ``--planner openai`` (then the ``IMAGECHAT_LLM_*`` environment).

    .venv/bin/python bench/eval_conversations.py tests/data/conversations_dev.jsonl
        [--failures N] [--json PATH] [--planner rules|openai]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval_edits import _items, contains  # noqa: E402  (the one matching rule)


def photo(seed: int) -> bytes:
    """A small picture with some structure, different per conversation."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (64, 64), ((seed * 37) % 256, (seed * 91) % 256, 120))
    ImageDraw.Draw(img).ellipse((16, 16, 48, 48), fill=(240, 220, 40))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


_RAW_CALL = re.compile(r'\{\s*"(?:name|arguments|tool|function|prompt|image)"\s*:|<tool_call>|'
                       r"\btool_calls?\b|```json")


def check_turn(agent, user: str, expect: dict, reply, before: int) -> list[str]:  # noqa: ANN001
    """Problems with one turn's reply (empty: it passed)."""
    from storage import repo

    problems = []
    new = [i for i in reply.images if i.number > before]
    if expect.get("image") and not new:
        problems.append("no new picture")
    if expect.get("image") is False and new:
        problems.append(f"made a picture #{new[-1].number}")
    if _RAW_CALL.search(reply.text or ""):  # a planner's tool call or JSON shown to the user
        problems.append("the reply shows a raw tool call or JSON")
    if new:
        prompt = new[-1].prompt or ""
        for item in _items(",".join(expect.get("must_have", []))):
            if not any(contains(prompt, alt) for alt in item):
                problems.append(f"prompt lacks {'|'.join(item)!r}")
        for item in _items(",".join(expect.get("must_not_have", []))):
            if any(contains(prompt, alt) for alt in item):
                problems.append(f"prompt keeps {'|'.join(item)!r}")
        if expect.get("pixels"):
            with agent.storage.db.session() as s:
                conv = repo.current_conversation(s, repo.get_user(s, user))
                row = repo.get_image(s, conv, new[-1].number)
                source = (row.extra or {}).get("source_image_id")
                if not source or row.tool in ("generate", "refine"):
                    problems.append(f"#{row.number} was drawn from noise ({row.tool}), not "
                                    "from its parent's pixels")
    for item in _items(",".join(expect.get("reply_has", []))):
        if not any(contains(reply.text, alt) for alt in item):
            problems.append(f"reply lacks {'|'.join(item)!r}")
    return problems


def run(path: Path, planner: str, home: Path) -> list[dict]:
    from agent.engine import Agent
    from agent.types import Attachment, Turn
    from settings import Settings

    env = {k: v for k, v in os.environ.items() if k.startswith("IMAGECHAT_LLM_")}
    settings = Settings.load(env={**env, "IMAGECHAT_PLANNER": planner}, home=home,
                             profile="tiny", device="cpu")
    agent = Agent(settings)
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        conv = json.loads(line)
        user = f"eval:{n}"
        top = 0
        turns = []
        for i, t in enumerate(conv["turns"], 1):
            pictures = [Attachment(photo(n * 10 + i), "photo.png")] if t.get("upload") else []
            reply = agent.handle_turn(Turn(user=user, text=t["say"], attachments=pictures))
            problems = check_turn(agent, user, t.get("expect", {}), reply, top)
            top = max([top, *(im.number for im in reply.images)])
            if re.match(r"/new\b|start over|new chat|重新开始", t["say"].strip(), re.I):
                top = 0  # a new conversation numbers its pictures from #1 again
            turns.append({"say": t["say"], "reply": reply.text[:300], "problems": problems,
                          "prompt": reply.images[-1].prompt if reply.images else None})
        out.append({"id": conv.get("id", str(n)), "lang": conv.get("lang", "?"),
                    "passed": all(not t["problems"] for t in turns), "turns": turns})
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("cases", type=Path, help="a conversations JSONL file")
    ap.add_argument("--planner", default="rules", choices=["rules", "openai"])
    ap.add_argument("--failures", type=int, default=0,
                    help="print up to N failures (default none, so a held-out file stays unseen)")
    ap.add_argument("--json", type=Path, help="write the figures here")
    args = ap.parse_args(argv)
    if not args.cases.is_file():
        print(f"error: no such file: {args.cases}", file=sys.stderr)
        return 2
    import logging

    logging.disable(logging.WARNING)
    import torch

    torch.set_num_threads(1)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as home:
        results = run(args.cases, args.planner, Path(home))
    elapsed = time.perf_counter() - started
    passed = sum(r["passed"] for r in results)
    turns = [t for r in results for t in r["turns"]]
    turns_ok = sum(not t["problems"] for t in turns)
    by_lang: dict[str, list[bool]] = {}
    for r in results:
        by_lang.setdefault(r["lang"], []).append(r["passed"])
    print(f"{args.cases.name} ({args.planner} planner): {passed}/{len(results)} conversations "
          f"pass ({passed / max(1, len(results)):.1%}), {turns_ok}/{len(turns)} turns, "
          f"{elapsed:.0f} s")
    for lang, oks in sorted(by_lang.items()):
        print(f"  {lang:6} {sum(oks)}/{len(oks)}")
    kinds: dict[str, int] = {}  # what failed, without the words (safe on a held-out file)
    for t in turns:
        for problem in t["problems"]:
            kind = re.sub(r" '.*| #\d+.*|\(.*", "", re.sub(r"^#\d+ ", "", problem))
            kinds[kind] = kinds.get(kind, 0) + 1
    if kinds:
        print("  failed checks: " + ", ".join(f"{k} {n}" for k, n in
                                             sorted(kinds.items(), key=lambda kv: -kv[1])))
    shown = 0
    for r in results:
        if r["passed"] or shown >= args.failures:
            continue
        shown += 1
        print(f"\nFAIL {r['id']}")
        for t in r["turns"]:
            mark = "  " if not t["problems"] else "✗ "
            print(f"  {mark}{t['say']!r} -> {t['reply'][:120]!r}")
            if t["problems"]:
                print(f"      {'; '.join(t['problems'])} [prompt: {t['prompt']!r}]")
    if args.json:
        args.json.write_text(json.dumps({
            "file": args.cases.name, "planner": args.planner, "conversations": len(results),
            "passed": passed, "rate": passed / max(1, len(results)), "turns": len(turns),
            "turns_passed": turns_ok, "seconds": round(elapsed, 1), "results": results,
        }, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
