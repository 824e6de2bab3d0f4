"""How the LLM planner reads a model's answer: each way a small model writes a tool call is
read as the call it meant (the picture then made follows it), and an unusable call is refused
with the reason the model is told. Unit tests of agent/llm_calls.py with the agent's real tool
schemas; tests/test_agent_llm.py drives whole turns through a fake OpenAI server."""

from __future__ import annotations

import json
from typing import Any

import pytest

from agent.llm_calls import (
    clean_reply,
    compact_tool_specs,
    follow_up_call,
    parse_calls,
    schemas_of,
    turn_facts,
)
from agent.toolbox import build_tools


@pytest.fixture(scope="module")
def schemas() -> dict[str, Any]:
    return schemas_of(build_tools())


READ_AS = {
    "openai tool_calls in text": (
        '{"tool_calls": [{"function": {"name": "generate_image", '
        '"arguments": {"prompt": "a kite"}}}]}', [("generate_image", {"prompt": "a kite"})]),
    "function object": ('{"function": {"name": "undo", "arguments": {}}}', [("undo", {})]),
    "name alone": ('{"name": "undo"}', [("undo", {})]),
    "python, positional": ('generate_image("a kite", None, 7)',
                           [("generate_image", {"prompt": "a kite", "negative_prompt": None,
                                                "seed": 7})]),
    "python in a tool_call tag": ('<tool_call>generate_image(prompt="a kite")</tool_call>',
                                  [("generate_image", {"prompt": "a kite"})]),
    "python in a bare fence": ('```\ngo_to_image(3)\n```', [("go_to_image", {"number": 3})]),
    "an image number written '#2'": ('go_to_image(number="#2")',
                                     [("go_to_image", {"number": 2})]),
    "parent 'null' means none": (
        '{"name": "generate_image", "arguments": {"prompt": "a kite", "parent": "null"}}',
        [("generate_image", {"prompt": "a kite"})]),
    "arguments as a JSON string": (
        '{"name": "generate_image", "arguments": "{\\"prompt\\": \\"a kite\\", \\"seed\\": 5}"}',
        [("generate_image", {"prompt": "a kite", "seed": 5})]),
}


@pytest.mark.parametrize(("written", "meant"), READ_AS.values(), ids=READ_AS.keys())
def test_each_way_of_writing_a_call_is_read_as_the_call_meant(
        schemas: dict[str, Any], written: str, meant: list) -> None:
    parsed = parse_calls(written, schemas)
    assert [(c["name"], c["args"]) for c in parsed.calls] == meant
    assert parsed.errors == [] and parsed.found and parsed.text == ""


REFUSED = {
    "unknown tool": ('{"name": "paint", "arguments": {"prompt": "a kite"}}',
                     "there is no tool named 'paint'"),
    "a required number left null": (
        '{"name": "go_to_image", "arguments": {"number": null}}',
        "bad arguments for go_to_image (number: Field required)"),
    "a count in words": (
        '{"name": "generate_image", "arguments": {"prompt": "a kite", "n": "lots"}}',
        "bad arguments for generate_image (n: Input should be a valid integer"),
    "arguments that are no object": ('{"name": "generate_image", "arguments": "not json"}',
                                     "bad arguments for generate_image (prompt: Field required)"),
}


@pytest.mark.parametrize(("written", "why"), REFUSED.values(), ids=REFUSED.keys())
def test_an_unusable_call_is_refused_with_the_reason_the_model_is_told(
        schemas: dict[str, Any], written: str, why: str) -> None:
    parsed = parse_calls(written, schemas)
    assert parsed.calls == [] and parsed.found
    assert len(parsed.errors) == 1 and parsed.errors[0].startswith(why)


def test_plain_words_and_code_that_is_no_call_stay_text(schemas: dict[str, Any]) -> None:
    assert (parse_calls("", schemas).found, parse_calls("", schemas).calls) == (False, [])
    prose = parse_calls("generate_image(prompt=some_variable) is how I would do it", schemas)
    assert prose.calls == [] and not prose.found
    code = parse_calls('Here:\n```python\nprint("hi")\n```\ndone', schemas)
    assert code.calls == [] and code.text == "Here:\n\ndone"  # code is never shown


def test_a_rewrite_the_model_did_not_draw_is_drawn_with_its_parent_and_seed() -> None:
    rewritten = json.dumps({"ok": True, "prompt": "a blue car", "image": 1, "seed": 7,
                            "negative_prompt": "blurry"})
    call = follow_up_call([("rewrite_prompt", rewritten)])
    assert call is not None and call["name"] == "generate_image"
    assert call["args"] == {"prompt": "a blue car", "parent": 1, "seed": 7,
                            "negative_prompt": "blurry"}
    assert follow_up_call([("rewrite_prompt", "not json")]) is None
    assert follow_up_call([("rewrite_prompt", json.dumps({"ok": False}))]) is None
    assert follow_up_call([("undo", "{}")]) is None


def test_pictures_a_tool_made_count_as_known_numbers() -> None:
    made = json.dumps({"images": [{"number": 3, "seed": 9}, "not a picture"]})
    facts = turn_facts(None, ["not json", "[1, 2]", made])
    assert facts.numbers == {3} and facts.seeds == {3: 9}


def test_tool_specs_sent_to_the_model_are_compact() -> None:
    specs = [{"title": "Args", "type": "object", "properties": {"parent": {
        "anyOf": [{"type": "integer"}, {"type": "null"}], "default": None, "title": "Parent",
        "description": "an   image\n number"}}}]
    assert compact_tool_specs(specs) == [{"type": "object", "properties": {"parent": {
        "type": "integer", "description": "an image number"}}}]


def test_a_final_answer_never_shows_a_call() -> None:
    said = clean_reply('Done! {"name": "generate_image", "arguments": {}}\n'
                       'generate_image(prompt="x")\nEnjoy.', ["generate_image"])
    assert said.split() == ["Done!", "Enjoy."]
