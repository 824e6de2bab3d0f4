"""The LLM planner with a real model: Qwen2.5-Coder-1.5B-Instruct served by llama.cpp
(``scripts/local-llm.sh start``). Skipped when that server is not up; run with ``-m llm``.

A CPU-only 1.5B model answers in seconds to a minute here, so the deadlines are raised the
way docs/local-llm.md tells users to."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from agent.engine import Agent
from settings import Settings
from storage import repo
from tests.pictures import png
from tests.test_agent import say

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.llm


def local_llm_url() -> str | None:
    try:
        out = subprocess.run([str(ROOT / "scripts" / "local-llm.sh"), "status"],
                             capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r"https?://\S+/v1", out.stdout)
    return match.group(0) if out.returncode == 0 and match else None


@pytest.fixture(scope="module")
def url() -> str:
    found = local_llm_url()
    if found is None:
        pytest.skip("the local LLM server is not up (scripts/local-llm.sh start)")
    return found


RAW_CALL = re.compile(r'\{\s*"(name|arguments|tool)"|<tool_call>|```')


def test_a_bilingual_conversation_end_to_end_on_a_real_model(settings: Settings,
                                                            url: str) -> None:
    agent = Agent(settings.with_(planner="openai", llm_base_url=url, llm_model="qwen",
                                 llm_timeout_s=240.0, llm_turn_budget_s=600.0))
    planners = []

    def turn(text: str, **kw):  # noqa: ANN003, ANN202
        reply = say(agent, text, **kw)
        planners.append(reply.planner)
        assert not RAW_CALL.search(reply.text), reply.text  # never a raw call or JSON
        return reply

    one = turn("a red car parked on a street").images
    assert [i.number for i in one] == [1] and "car" in one[0].prompt.lower()
    two = turn("make it blue").images
    assert two and two[-1].parent == 1 and "blue" in two[-1].prompt.lower()
    turn("undo")
    three = turn("把背景换成海边").images
    assert three and three[-1].parent == 1
    turn("back to #1")
    var = turn("another one").images
    assert var and var[-1].parent == 1 and var[-1].seed != one[0].seed
    photo = turn("make it watercolor", pictures=[png((200, 120, 40))]).images
    assert photo and photo[-1].tool in ("instruct", "img2img")
    with agent.storage.db.session() as s:
        conv = repo.current_conversation(s, repo.get_user(s, "cli:alice"))
        assert conv.current_image.number == photo[-1].number
    # Qwen2.5-Coder-1.5B plans some turns itself (a fallback turn says so in its reply);
    # every turn still does what was asked, and no raw call ever reaches the user
    print("planners:", json.dumps(planners))
    assert planners.count("llm") >= 1, planners
