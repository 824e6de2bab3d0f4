#!/usr/bin/env python3
"""How often the prompt rewrite does what an edit instruction asks, on a TSV case file.

Each case is a prompt, a change instruction and what the rewritten prompt must and must not
contain. Two ways to run it:

direct (default)  ``tools.rewrite.rewrite(prompt, instruction, backend="rules")``
``--agent``       through the real agent (tiny profile, rules planner): a new user per case
                  sends the prompt (picture #1), then the instruction; the prompt of the
                  newest image in the second reply is judged. No new image is a failure.

Case file: a header line starting with ``#``, then tab-separated columns
``type lang prompt instruction must_have must_not_have``. ``must_have`` and
``must_not_have`` are comma-separated items; ``|`` separates alternatives of one item
("seaside|beach" passes with either). Matching is case-insensitive; an item with Chinese
characters is a substring match; an English item must appear as whole words exactly as
written (no plural or verb-form tolerance: "dog" does not match "dogs"). Word characters are
ASCII letters, digits and "_": a hyphen or a Chinese character next to the item is a
boundary, so "red" is found in "red-haired" and "3D" in "3D渲染风格".

    .venv/bin/python bench/eval_edits.py tests/data/edits_dev.tsv [--agent]
        [--failures N] [--json PATH] [--type TYPE] [--backend rules|llm|both|auto] [--every K]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

_CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class Case:
    line: int
    type: str
    lang: str
    prompt: str
    instruction: str
    must_have: tuple[tuple[str, ...], ...]  # each item: its alternatives
    must_not_have: tuple[tuple[str, ...], ...]


def _items(cell: str) -> tuple[tuple[str, ...], ...]:
    out = []
    for item in cell.split(","):
        alts = tuple(a.strip() for a in item.split("|") if a.strip())
        if alts:
            out.append(alts)
    return tuple(out)


def load_cases(path: Path) -> list[Case]:
    cases = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cols = (line.split("\t") + [""] * 6)[:6]
        kind, lang, prompt, instruction = (c.strip() for c in cols[:4])
        if not prompt or not instruction:
            print(f"{path}:{n}: skipped (no prompt or instruction)", file=sys.stderr)
            continue
        cases.append(Case(n, kind or "?", lang or "?", prompt, instruction,
                          _items(cols[4]), _items(cols[5])))
    return cases


def contains(text: str, item: str) -> bool:
    """Chinese: substring. English: the words of ``item`` as whole words, case-insensitive."""
    if _CJK.search(item):
        return item in text
    return re.search(r"(?<![A-Za-z0-9_])" + re.escape(item.lower()) + r"(?![A-Za-z0-9_])",
                     text.lower()) is not None


def judge(case: Case, output: str | None) -> tuple[bool, list[str], list[str]]:
    """(passed, must-have items missing, must-not items present)."""
    if output is None:
        return False, ["<no new image>"], []
    missing = ["|".join(alts) for alts in case.must_have
               if not any(contains(output, a) for a in alts)]
    present = [a for alts in case.must_not_have for a in alts if contains(output, a)]
    return not missing and not present, missing, present


def _settings(home: Path, env: dict[str, str] | None = None):  # noqa: ANN202 - Settings
    from settings import Settings

    return Settings.load(env=env or {}, home=home / "home", profile="tiny", device="cpu",
                         model_cache=str(home / "models"))


def run_direct(cases: list[Case], home: Path, backend: str = "rules") -> list[str | None]:
    from tools.rewrite import rewrite

    llm = None
    if backend != "rules":  # the chat model the environment configures (IMAGECHAT_LLM_*)
        from agent.llm import build_chat_model

        llm = build_chat_model(_settings(home, {**os.environ, "IMAGECHAT_PLANNER": "openai"}))
    settings = _settings(home)
    return [rewrite(c.prompt, c.instruction, settings=settings, backend=backend,
                    llm=llm).prompt for c in cases]


def run_agent(cases: list[Case], home: Path, progress: bool) -> list[str | None]:
    from agent.engine import Agent
    from agent.types import Turn

    agent = Agent(_settings(home))
    outputs: list[str | None] = []
    for k, c in enumerate(cases):
        user = f"eval:{k}"
        first = agent.handle_turn(Turn(user=user, text=c.prompt))
        before = max((i.number for i in first.images), default=0)
        reply = agent.handle_turn(Turn(user=user, text=c.instruction))
        new = [i for i in reply.images if i.number > before]
        outputs.append(max(new, key=lambda i: i.number).prompt or "" if new else None)
        if progress and (k + 1) % 25 == 0:
            print(f"  {k + 1}/{len(cases)}", file=sys.stderr)
    return outputs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("cases", type=Path, help="TSV case file")
    ap.add_argument("--agent", action="store_true", help="run through the real agent")
    ap.add_argument("--failures", type=int, default=0, metavar="N",
                    help="print up to N failing cases")
    ap.add_argument("--json", type=Path, metavar="PATH", help="write the figures as JSON")
    ap.add_argument("--type", help="only cases of this type")
    ap.add_argument("--backend", default="rules", choices=("rules", "llm", "both", "auto"),
                    help="direct mode: the rewrite backend; all but rules use the chat model "
                         "that IMAGECHAT_LLM_BASE_URL / IMAGECHAT_LLM_MODEL name")
    ap.add_argument("--every", type=int, default=1, metavar="K",
                    help="only every K-th case (a quick sample for slow backends)")
    args = ap.parse_args(argv)

    import torch

    torch.set_num_threads(1)
    cases = load_cases(args.cases)
    if args.type:
        cases = [c for c in cases if c.type == args.type]
    cases = cases[::max(1, args.every)]
    if not cases:
        print("no cases", file=sys.stderr)
        return 2
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="eval-edits-") as tmp:
        outputs = (run_agent(cases, Path(tmp), progress=True) if args.agent
                   else run_direct(cases, Path(tmp), args.backend))
    seconds = time.perf_counter() - start

    per_type: dict[str, list[bool]] = defaultdict(list)
    per_lang: dict[str, list[bool]] = defaultdict(list)
    failures = []
    for c, out in zip(cases, outputs, strict=True):
        ok, missing, present = judge(c, out)
        per_type[c.type].append(ok)
        per_lang[c.lang].append(ok)
        if not ok:
            failures.append((c, out, missing, present))
    passed = sum(sum(v) for v in per_type.values())
    mode = "agent" if args.agent else f"direct, {args.backend}"
    print(f"{args.cases} ({mode}, {len(cases)} cases, {seconds:.1f}s)")
    print(f"overall  {passed / len(cases):6.1%}  ({passed}/{len(cases)})")
    for name, table in (("type", per_type), ("lang", per_lang)):
        for key in sorted(table):
            v = table[key]
            print(f"  {name} {key:<22} {sum(v) / len(v):6.1%}  ({sum(v)}/{len(v)})")
    for c, out, missing, present in failures[:args.failures]:
        print(f"\nFAIL [{c.type}/{c.lang}] line {c.line}\n  prompt: {c.prompt}\n"
              f"  instr:  {c.instruction}\n  got:    {out}\n"
              f"  missing {missing}  still has {present}")
    if args.json:
        figures = {
            "file": str(args.cases), "mode": mode, "cases": len(cases), "passed": passed,
            "overall": passed / len(cases), "seconds": round(seconds, 1),
            "per_type": {k: {"rate": sum(v) / len(v), "passed": sum(v), "cases": len(v)}
                         for k, v in sorted(per_type.items())},
            "per_lang": {k: {"rate": sum(v) / len(v), "passed": sum(v), "cases": len(v)}
                         for k, v in sorted(per_lang.items())},
        }
        args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
