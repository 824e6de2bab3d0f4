#!/usr/bin/env python3
"""A hand mutation run over the core modules (issue 19): each mutant is one small change a
careless edit could make; the tests named with it must fail.

    .venv/bin/python scripts/mutants.py             # every mutant, a table at the end
    .venv/bin/python scripts/mutants.py M01 M07     # some of them
    .venv/bin/python scripts/mutants.py --check     # every "old" text is still there, once

Each mutant is applied to the work tree, its tests run (``pytest -x``, no bytecode written,
so a mutant never survives in a .pyc), and the file is put back byte for byte before the
next one, also on Ctrl-C or an error. A mutant is *killed* when a test fails (or the run
exceeds its time limit); the table names the first failing test.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT_S = 600


@dataclass(frozen=True)
class Mutant:
    id: str
    file: str
    old: str
    new: str
    tests: tuple[str, ...]
    what: str


def m(id: str, file: str, old: str, new: str, tests: str, what: str) -> Mutant:  # noqa: A002
    return Mutant(id, file, old, new, tuple(tests.split()), what)


GUARDS = "tests/test_guards.py"
MUTANTS = [
    # --- the three that survived the spot-check in issue 19 -------------------------------
    m("M01", "agent/engine.py",
      "if owner is None or image is None or image.conversation.user_id != owner.id:",
      "if owner is None or image is None:",
      GUARDS, "ownership check dropped from Agent.image_number"),
    m("M02", "agent/intents.py",
      "if len(refs) >= 2 and RESTYLE.search(body):",
      "if len(refs) <= 2 and RESTYLE.search(body):",
      f"{GUARDS} tests/test_telegram.py::test_album_is_one_turn_with_every_photo",
      "restyle intent: >= 2 references flipped to <= 2"),
    m("M03", "tools/retrieve.py",
      "if row is not None and row.size == size and row.mtime_ns == mtime:",
      "if False:",
      GUARDS, "incremental index: the unchanged-file skip removed"),
    # --- ownership and conversations ------------------------------------------------------
    m("M04", "tools/retrieve.py",
      "if row is not None and row.size == size and row.mtime_ns == mtime:",
      "if row is not None and row.size == size:",
      GUARDS, "incremental index: a same-size edit counted as unchanged"),
    m("M05", "agent/engine.py",
      "if image is None or image.conversation.user_id != user.id:",
      "if image is None:",
      GUARDS, "a turn about another user's image id (button) is not refused"),
    m("M06", "agent/engine.py",
      "if not command and not turn.attachments and is_new_chat(text):",
      "if False:",
      "tests/test_paths.py -k new_chat",
      "'start over' / '新对话' no longer starts a new conversation"),
    m("M07", "agent/engine.py",
      "if not arg.strip().isdigit() or not 1 <= int(arg) <= len(convs):",
      "if not arg.strip().isdigit():",
      GUARDS, "/open N out of range is not refused"),
    m("M08", "agent/engine.py",
      "if len(text) > MAX_MESSAGE_CHARS:",
      "if len(text) > 10 * MAX_MESSAGE_CHARS:",
      "tests/test_paths.py", "an over-long message is silently cut instead of refused"),
    m("M09", "storage/repo.py",
      "if parent is not None and parent.conversation_id != conv.id:",
      "if False:",
      "tests/test_storage.py", "an image's parent may come from another conversation"),
    m("M10", "storage/repo.py",
      "if v is None:",
      "if False:",
      "tests/test_storage.py tests/test_paths.py",
      "settings: None no longer removes a key (seed -1 keeps the old seed)"),
    # --- storage -----------------------------------------------------------------------
    m("M11", "storage/db.py",
      "if now == self._identity:",
      "if True:",
      "tests/test_robustness.py", "a deleted/replaced database file is not noticed"),
    m("M12", "storage/db.py",
      'if tables - {"meta"} and "users" in tables:',
      "if False:",
      "tests/test_storage.py tests/test_paths.py",
      "a database with tables but no meta is not refused"),
    m("M13", "storage/db.py",
      "if version > SCHEMA_VERSION:",
      "if False:",
      "tests/test_storage.py", "a newer schema version is not refused"),
    m("M14", "storage/db.py",
      'elif "readonly" in msg or "unable to open" in msg:',
      'elif "unable to open" in msg:',
      "tests/test_paths.py", "a read-only database is reported as a generic failure"),
    m("M15", "storage/db.py",
      '"database or disk is full" in text or "no space left" in text',
      '"no space left" in text',
      "tests/test_robustness.py tests/test_paths.py",
      "SQLite's 'disk is full' not recognised"),
    m("M16", "storage/db.py",
      "                s.rollback()\n                raise self._error(e) from e",
      "                s.rollback()\n                raise",
      "tests/test_paths.py tests/test_robustness.py",
      "a database error inside a session reaches the user raw"),
    # --- integrity ---------------------------------------------------------------------
    m("M17", "tools/integrity.py",
      "if _count(new_prompt, k) >= max(1, _count(prompt, k))]",
      "if _count(new_prompt, k) > max(1, _count(prompt, k))]",
      "tests/test_integrity.py", "an unwanted word left once is not reported"),
    m("M18", "tools/integrity.py",
      "for k in [*keywords(prompt), *added]:",
      "for k in keywords(prompt):",
      "tests/test_integrity.py", "the instruction's new words are not expected"),
    m("M19", "tools/integrity.py",
      "if (len(w) < 2 or w in EN_STOPWORDS",
      "if (len(w) < 3 or w in EN_STOPWORDS",
      "tests/test_integrity.py", "two-letter words (tv, ox) no longer count"),
    m("M20", "tools/integrity.py",
      "score = 1.0 if not expected else",
      "score = 0.0 if not expected else",
      "tests/test_integrity.py", "nothing expected scores 0"),
    # --- planner -------------------------------------------------------------------------
    m("M21", "agent/planner.py",
      "            return intent.refs[0]\n",
      "            return intent.refs[-1]\n",
      GUARDS, "in a message naming two pictures, the second one is changed"),
    m("M22", "agent/planner.py",
      "if info is not None and info.pixel_born:  # redraw from its own pixels",
      "if False:",
      GUARDS,
      "beautify of a photo draws from noise instead of its pixels"),
    m("M23", "agent/planner.py",
      "            return self.state.current.parent  # \"no, keep the hat\": from before it went",
      "            return self.state.current.number",
      "tests/test_conversation.py tests/test_agent.py",
      "'no, keep the hat' restores from the current picture, not its parent"),
    # --- intents -------------------------------------------------------------------------
    m("M24", "agent/intents_settings.py",
      'if key == "seed" and value.lower() in ("random", "off", "none", "随机"):',
      "if False:",
      "tests/test_intents.py tests/test_agent.py tests/test_paths.py",
      "'/settings seed random' refused"),
    m("M25", "agent/intents_settings.py",
      'return {"width": w, "height": int(m.group(2) or w)}',
      'return {"width": w, "height": int(m.group(2) or 512)}',
      "tests/test_intents.py tests/test_agent.py tests/test_paths.py",
      "'/settings size 64' is not square"),
    m("M26", "agent/intents.py",
      "return bool(NEW_CHAT.match(text.strip()))",
      "return text.strip() == '/new'",
      "tests/test_intents.py tests/test_paths.py", "'start over' not read as /new"),
    # --- Telegram -----------------------------------------------------------------------
    m("M27", "channels/telegram.py",
      "if not self.agent.owns_image(user, image_id):\n            return False, None",
      "if False:\n            return False, None",
      "tests/test_telegram.py::test_nobody_can_press_buttons_of_someone_elses_image "
      "tests/test_telegram.py::test_every_photo_button_as_the_owner_and_as_someone_else",
      "a button of someone else's image is not refused by the channel"),
    m("M28", "channels/telegram.py",
      "if doc.file_size is not None and doc.file_size > limit:",
      "if False:",
      "tests/test_telegram.py::test_huge_uploads_are_refused_before_download",
      "a document over the upload limit is downloaded"),
    m("M29", "channels/telegram.py",
      "except BadRequest as e:  # e.g. dimensions Telegram refuses for photos: send the file",
      "except KeyError as e:  # e.g. dimensions Telegram refuses for photos: send the file",
      "tests/test_telegram_paths.py", "no document fallback when sendPhoto is refused"),
    m("M30", "channels/telegram.py",
      "        except BadRequest as e:\n            raise InvalidInput(f\"I could not download",
      "        except KeyError as e:\n            raise InvalidInput(f\"I could not download",
      "tests/test_telegram_paths.py", "a failed download is an apology, not a reason"),
    m("M31", "channels/telegram.py",
      "                      user_id, error, exc_info=error)\n            text = APOLOGY\n",
      "                      user_id, error, exc_info=error)\n            text = repr(error)\n",
      "tests/test_telegram_paths.py", "on_error shows the user the exception"),
    m("M32", "channels/telegram.py",
      "reply_markup=markup if i == len(parts) - 1 else None,",
      "reply_markup=markup if i == 0 else None,",
      "tests/test_telegram_paths.py", "a long reply's buttons go on its first part"),
    m("M33", "channels/telegram_render.py",
      "cut = rest.rfind(\"\\n\", 0, limit)",
      "cut = limit",
      "tests/test_telegram.py::test_long_texts_are_split_for_telegram",
      "long texts are cut mid-line"),
    m("M34", "channels/telegram_access.py",
      "if len(events) >= self.limit:",
      "if len(events) > self.limit:",
      "tests/test_telegram.py::test_per_user_rate_limit_says_slow_down "
      "tests/test_telegram.py::test_rate_limit_window_and_albums",
      "the rate limit lets one more message through"),
    # --- batch ---------------------------------------------------------------------------
    m("M35", "channels/batch.py",
      "if not 1 <= args.n <= MAX_N:",
      "if not 1 <= args.n:",
      "tests/test_batch.py tests/test_cli_inprocess.py", "--n above the maximum accepted"),
    m("M36", "channels/batch.py",
      "todo = [s for s in seeds if (row.idx, row.text, s, recipe) not in done]",
      "todo = list(seeds)",
      "tests/test_batch.py tests/test_cli_inprocess.py", "a resumed batch draws rows again"),
    m("M37", "channels/batch.py",
      "return 0 if report.drawn else 1",
      "return 0",
      "tests/test_batch.py tests/test_cli_inprocess.py",
      "a batch that drew nothing exits 0"),
    m("M38", "channels/batch.py",
      "text = candidates[0].prompt if candidates else text",
      "text = text",
      "tests/test_batch.py tests/test_cli_inprocess.py", "--beautify does nothing"),
    m("M39", "channels/batch.py",
      "out.resolve() == source.resolve() or os.path.samefile(out, source)):",
      "False):",
      "tests/test_batch.py tests/test_cli_inprocess.py", "-o the input file overwrites it"),
    # --- retrieval -----------------------------------------------------------------------
    m("M40", "tools/retrieve.py",
      "fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)",
      "fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)",
      "tests/test_retrieve_paths.py", "two processes may index one library at once"),
    m("M41", "tools/retrieve.py",
      'img.paste(rgba, mask=rgba.getchannel("A"))',
      "img.paste(rgba.convert(\"RGB\"))",
      "tests/test_retrieve_paths.py", "transparent pixels become black, not white"),
    m("M42", "tools/retrieve.py",
      "except (RuntimeError, ValueError, OSError) as e:\n            raise NotAvailable(",
      "except (ValueError,) as e:\n            raise NotAvailable(",
      "tests/test_retrieve_paths.py tests/test_retrieve.py",
      "an unreadable index file is a traceback, not a 'rebuild it' message"),
]


def _restore_on_signals() -> None:
    def stop(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, stop)


def check(mutants: list[Mutant]) -> list[str]:
    problems = []
    for mu in mutants:
        text = (ROOT / mu.file).read_text(encoding="utf-8")
        if text.count(mu.old) != 1:
            problems.append(f"{mu.id}: {mu.file}: 'old' found {text.count(mu.old)} times")
    return problems


def run_one(mu: Mutant, python: str) -> tuple[str, str, float]:
    """('killed'|'survived'|'timeout'|'stale', first failing test, seconds)."""
    path = ROOT / mu.file
    original = path.read_bytes()
    text = original.decode("utf-8")
    if text.count(mu.old) != 1:
        return "stale", "", 0.0
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "OMP_NUM_THREADS": "1",
           "PYTHONPATH": str(ROOT)}
    started = time.monotonic()
    try:
        path.write_text(text.replace(mu.old, mu.new), encoding="utf-8")
        try:
            proc = subprocess.run(
                [python, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-rf",
                 "--no-header", *mu.tests],
                cwd=ROOT, env=env, capture_output=True, text=True, timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            return "timeout", "", time.monotonic() - started
    finally:
        path.write_bytes(original)
    seconds = time.monotonic() - started
    failed = re.findall(r"^(?:FAILED|ERROR) (tests/[^\s\[]+(?:\[[^\]]*\])?)", proc.stdout, re.M)
    if proc.returncode == 0:
        return "survived", "", seconds
    if proc.returncode in (1, 3) and failed:  # a test failed, or collection broke
        return "killed", failed[0], seconds
    tail = (proc.stdout + proc.stderr).strip().splitlines()[-1:] or ["?"]
    return f"error (exit {proc.returncode})", tail[0][:100], seconds


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("ids", nargs="*", help="mutant ids (default: all)")
    ap.add_argument("--check", action="store_true", help="only check the 'old' texts")
    ap.add_argument("--python", default=sys.executable)
    args = ap.parse_args(argv)
    chosen = [mu for mu in MUTANTS if not args.ids or mu.id in args.ids]
    problems = check(chosen)
    if args.check or problems:
        print("\n".join(problems) or f"{len(chosen)} mutants, every 'old' text found once")
        return 1 if problems else 0
    _restore_on_signals()
    rows = []
    for mu in chosen:
        status, test, seconds = run_one(mu, args.python)
        rows.append((mu, status, test))
        print(f"{mu.id} {status:9} {seconds:6.1f}s {mu.file}: {mu.what}  {test}", flush=True)
    killed = sum(status in ("killed", "timeout") for _, status, _ in rows)
    print("\n| mutant | file | change | killed by |\n|---|---|---|---|")
    for mu, status, test in rows:
        by = test if status == "killed" else status.upper()
        print(f"| {mu.id} | {mu.file} | {mu.what} | {by} |")
    print(f"\n{killed}/{len(rows)} killed")
    return 0 if killed == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
