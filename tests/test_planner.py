"""The rules planner's tool sequences, as unit tests: for a message and a session state,
the calls it makes in order and what each call is given, with the results a tool would
return fed back in. The agent tests (test_agent.py) assert what the user then sees; the
exact sequence is the planner's business and is pinned here."""

from __future__ import annotations

from typing import Any

import pytest

from agent.planner import RulesPlanner
from agent.state import ImageInfo, SessionState

CAR = ImageInfo(1, "generated", "a red car", 7, None, "generate")
BLUE_CAR = ImageInfo(2, "edited", "a blue car", 7, 1, "refine")
PHOTO = ImageInfo(1, "uploaded", "a red square", None, None, "upload", True)
PHOTO2 = ImageInfo(2, "uploaded", "a blue square", None, None, "upload", True)


def state(*images: ImageInfo, current: int | None = None, uploads: tuple[int, ...] = (),
          last_search: tuple[str, ...] = ()) -> SessionState:
    now = next((i for i in images if i.number == current), None) if current else (
        images[-1] if images else None)
    return SessionState(conversation_id=1, current=now, images=images, uploads=uploads,
                        last_search=last_search)


def result_of(name: str, args: dict[str, Any]) -> dict[str, Any]:
    """What the tool would answer (enough of it for the planner to read)."""
    if name == "rewrite_prompt":
        return {"ok": True, "prompt": "REWRITTEN", "image": args.get("image"), "seed": 7}
    if name == "beautify_prompt":
        return {"ok": True, "prompt": "BEAUTIFIED", "image": args.get("image"), "seed": 7}
    return {"ok": True, "images": [{"number": 9, "seed": 1}]}


def plan(st: SessionState, text: str) -> list[tuple[str, dict[str, Any]]]:
    planner = RulesPlanner(state=st)
    calls: list[tuple[str, dict[str, Any]]] = []
    results: list[dict[str, Any]] = []
    for _ in range(6):
        message = planner.next_step(text, results)
        if not message.tool_calls:
            return calls
        call = message.tool_calls[0]
        calls.append((call["name"], call["args"]))
        results.append(result_of(call["name"], call["args"]))
    raise AssertionError(f"no end to the plan: {calls}")


SEQUENCES = [
    (state(), "a red car", [("generate_image", {"prompt": "a red car"})]),
    (state(CAR), "make it blue", [
        ("rewrite_prompt", {"instruction": "make it blue", "image": 1}),
        ("generate_image", {"prompt": "REWRITTEN", "seed": 7, "parent": 1, "tool": "refine",
                            "negative_prompt": None})]),
    (state(CAR), "把背景换成海边", [
        ("rewrite_prompt", {"instruction": "把背景换成海边", "image": 1}),
        ("generate_image", {"prompt": "REWRITTEN", "seed": 7, "parent": 1, "tool": "refine",
                            "negative_prompt": None})]),
    (state(CAR, BLUE_CAR), "undo", [("undo", {})]),
    (state(PHOTO, uploads=(1,)), "make it watercolor", [
        ("rewrite_prompt", {"instruction": "make it watercolor", "image": 1}),
        ("edit_image", {"instruction": "make it watercolor", "image": 1,
                        "prompt": "REWRITTEN"})]),
    (state(PHOTO), "a castle, use it as the starting image",
     [("img2img", {"prompt": "a castle", "image": 1})]),
    (state(PHOTO, PHOTO2), "draw #1 in the style of #2",
     [("restyle", {"image": 1, "style": 2, "prompt": ""})]),
    (state(CAR), "variations", [("variations", {"image": 1})]),
    (state(CAR, BLUE_CAR), "back to #1", [("go_to_image", {"number": 1})]),
    (state(CAR), "more detailed", [
        ("beautify_prompt", {"image": 1}),
        ("generate_image", {"prompt": "BEAUTIFIED", "seed": 7, "parent": 1,
                            "tool": "beautify"})]),
    (state(CAR), "find pictures of a beach", [("search_images", {"query": "a beach"})]),
    (state(CAR), "find pictures like #1", [("search_images", {"like": 1})]),
    (state(CAR, last_search=("default:3", "default:4")),
     "use result 2 as the starting image: a sunny beach",
     [("use_search_result", {"result": 2, "prompt": "a sunny beach"})]),
]


@pytest.mark.parametrize(("st", "text", "expected"), SEQUENCES,
                         ids=[text for _, text, _ in SEQUENCES])
def test_the_rules_plan_these_calls_in_this_order(st: SessionState, text: str,
                                                  expected: list) -> None:
    assert plan(st, text) == expected


def test_a_failed_call_ends_the_plan_with_its_error() -> None:
    planner = RulesPlanner(state=state(CAR))
    first = planner.next_step("make it blue", [])
    assert first.tool_calls[0]["name"] == "rewrite_prompt"
    told = planner.next_step("make it blue", [{"ok": False, "error": "#1 has no prompt"}])
    assert not told.tool_calls and told.content == "#1 has no prompt"


def test_an_empty_message_gets_words_not_a_call() -> None:
    answer = RulesPlanner(state=state()).next_step("", [])
    assert not answer.tool_calls and "for example: a cat on a sofa" in answer.content
