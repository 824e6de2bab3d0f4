"""The OpenAI-compatible planner on paths the other LLM tests do not take: a structured call
to a tool that does not exist, a malformed call, and the configuration lines an operator
reads when the planner is set up wrong."""

from __future__ import annotations

import json

import pytest
from fake_openai import FakeOpenAI
from langchain_core.messages import AIMessage

from agent import llm as llm_mod
from agent.engine import Agent
from errors import ConfigError
from settings import Settings
from tests.test_agent_llm import llm_settings, shown, turn


def test_a_call_to_a_tool_that_does_not_exist_goes_back_to_the_model(settings: Settings) -> None:
    script = [[("paint_picture", json.dumps({"prompt": "a kite"}))],
              [("generate_image", json.dumps({"prompt": "a kite"}))], "There you go."]
    with FakeOpenAI(script) as fake:
        agent = Agent(llm_settings(settings, fake.base_url))
        reply = turn(agent, "a kite")
    assert reply.planner == "llm" and len(reply.images) == 1
    assert "a kite" in reply.images[0].prompt and fake.script == []
    told = [str(m.get("content")) for r in fake.requests for m in r["messages"]
            if m["role"] in ("tool", "user")]
    assert any("there is no tool named 'paint_picture'" in t for t in told)
    assert "paint_picture" not in shown(reply)


def test_a_planner_set_up_wrong_is_one_line_for_the_operator(settings: Settings) -> None:
    with pytest.raises(ConfigError, match="needs IMAGECHAT_LLM_BASE_URL and IMAGECHAT_LLM_MODEL"):
        llm_mod.build_chat_model(settings.with_(planner="openai", llm_base_url="",
                                                llm_model=""))
    with pytest.raises(ConfigError, match="unknown planner 'gpt'; use 'rules' or 'openai'"):
        llm_mod.build_chat_model(settings.with_(planner="gpt"))
    assert llm_mod.build_chat_model(settings) is None  # the rules planner needs no model


def test_a_malformed_structured_call_is_refused_with_its_tool_named() -> None:
    message = AIMessage(content="", invalid_tool_calls=[
        {"name": "generate_image", "args": "{prompt: oops", "id": "c1", "error": "bad JSON"}])
    with pytest.raises(llm_mod.PlannerUnavailable,
                       match=r"malformed call to generate_image \(bad JSON\)"):
        llm_mod.check_tool_calls(message)
    assert llm_mod.prompt_language(None) == "en"
