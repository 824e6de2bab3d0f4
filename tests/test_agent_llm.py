"""The OpenAI-compatible planner against a fake endpoint on loopback, and its fallbacks."""

from __future__ import annotations

import json
import socket

from fake_openai import FakeOpenAI

from agent.engine import Agent
from agent.types import Turn
from settings import Settings
from storage import repo


def llm_settings(settings: Settings, base_url: str) -> Settings:
    return settings.with_(planner="openai", llm_base_url=base_url, llm_model="fake-model")


def turn(agent: Agent, text: str) -> object:
    return agent.handle_turn(Turn(user="cli:zoe", text=text))


def test_llm_plans_with_tool_calls_and_sees_state(settings: Settings) -> None:
    script = [
        [("generate_image", json.dumps({"prompt": "a cat on a sofa", "seed": 11}))],
        "Here is your cat, #1.",
        [("rewrite_prompt", json.dumps({"instruction": "make it night", "image": 1}))],
        [("generate_image", json.dumps({"prompt": "a cat on a sofa at night", "seed": 11,
                                        "parent": 1}))],
        "Night has fallen on #2.",
    ]
    with FakeOpenAI(script) as fake:
        agent = Agent(llm_settings(settings, fake.base_url))
        first = turn(agent, "a cat on a sofa")
        assert first.text == "Here is your cat, #1." and first.images[0].seed == 11
        second = turn(agent, "make it night")
        assert second.text == "Night has fallen on #2."
        made = second.images[0]
        assert (made.number, made.parent, made.seed) == (2, 1, 11)

        # the model was told the state and the history, and offered the tools
        last = fake.requests[-1]
        system = last["messages"][0]["content"]
        assert "Current image: #1" in system and "a cat on a sofa" in system
        names = {t["function"]["name"] for t in last["tools"]}
        assert {"generate_image", "rewrite_prompt", "undo", "search_images"} <= names
        roles = [m["role"] for m in last["messages"]]
        assert roles.count("user") == 2 and "tool" in roles

    with agent.storage.db.session() as s:
        conv = repo.current_conversation(s, repo.get_user(s, "cli:zoe"))
        calls = [c["name"] for m in repo.recent_messages(s, conv, 50)
                 for c in (m.tool_calls or [])]
        assert calls == ["generate_image", "rewrite_prompt", "generate_image"]


def test_malformed_tool_call_falls_back_to_rules(settings: Settings) -> None:
    with FakeOpenAI([[("generate_image", '{"prompt": "a cat"')]]) as fake:  # broken JSON
        agent = Agent(llm_settings(settings, fake.base_url))
        reply = turn(agent, "a red kite")
    assert "built-in planner" in reply.text and "malformed" in reply.text
    assert len(reply.images) == 1 and "kite" in reply.images[0].prompt


def test_endpoint_down_falls_back_to_rules(settings: Settings) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    agent = Agent(llm_settings(settings, f"http://127.0.0.1:{port}/v1"))
    reply = turn(agent, "a yellow boat")
    assert "unavailable" in reply.text and "built-in planner" in reply.text
    assert len(reply.images) == 1 and "boat" in reply.images[0].prompt
    # the session continues normally
    assert turn(agent, "make it red").images[0].parent == 1


def test_slash_commands_never_reach_the_llm(settings: Settings) -> None:
    with FakeOpenAI([]) as fake:
        agent = Agent(llm_settings(settings, fake.base_url))
        assert "make and refine" in turn(agent, "/help").text
        assert fake.requests == []


def test_llm_rewrites_prompts_when_asked_and_falls_back_when_it_drops_content(
        settings: Settings) -> None:
    """rewrite_backend = "llm": the rewrite_prompt tool asks the configured chat LLM, and
    an answer that loses the prompt's content (twice) gives way to the rules rewrite."""
    from agent.llm import build_chat_model
    from agent.toolbox import TurnContext, build_tools, running

    script = [
        "A cat sleeping on a velvet sofa at night, moonlight through the window",  # good
        "a dog",  # loses the cat and the sofa
        "a dog again",  # the retry loses them too
    ]
    with FakeOpenAI(script) as fake:
        s = llm_settings(settings, fake.base_url).with_(rewrite_backend="llm")
        agent = Agent(s)
        with agent.storage.db.session() as db:
            conv_id = repo.current_conversation(db, repo.get_or_create_user(db, "cli:zoe")).id
        ctx = TurnContext(settings=s, storage=agent.storage, conversation_id=conv_id,
                          llm=build_chat_model(s))
        tools = {t.name: t for t in build_tools()}
        with running(ctx):  # call the tools directly, as the planner would
            assert json.loads(tools["generate_image"].invoke({"prompt": "a cat on a sofa"}))["ok"]
            good = json.loads(tools["rewrite_prompt"].invoke({"instruction": "make it night"}))
            bad = json.loads(tools["rewrite_prompt"].invoke({"instruction": "make it rainy"}))
    assert good["backend"] == "llm" and "moonlight" in good["prompt"]
    assert bad["backend"] == "rules" and "cat" in bad["prompt"] and "rain" in bad["prompt"]
    assert any("content check" in n for n in ctx.notes)
    asked = [m["content"] for r in fake.requests for m in r["messages"] if m["role"] == "user"]
    assert any("make it night" in a and "a cat on a sofa" in a for a in asked)
