"""The OpenAI-compatible planner against a fake endpoint on loopback, and its fallbacks.

Faulty endpoints (hanging, dripping, garbage, 500, 401) must cost a turn at most the LLM
budget, end in the rules planner with a picture, never show endpoint text or keys, and
trip the circuit breaker so the next turn does not wait. Tool calls that small models
write as text become real calls; what they invent (seeds, image numbers) is checked.
"""

from __future__ import annotations

import json
import logging
import socket
import time

import pytest
from fake_openai import FakeOpenAI

from agent import llm as llm_mod
from agent.engine import Agent
from agent.llm_calls import clean_reply, parse_calls
from agent.types import Attachment, Turn
from settings import Settings
from storage import repo

KEY = "sk-test-SECRET-0123456789abcdef"
FAST = 1.5  # the LLM budget per turn in most tests here (the real one is 12 s)


def llm_settings(settings: Settings, base_url: str, **kw: object) -> Settings:
    return settings.with_(planner="openai", llm_base_url=base_url, llm_model="fake-model", **kw)


def turn(agent: Agent, text: str) -> object:
    return agent.handle_turn(Turn(user="cli:zoe", text=text))


@pytest.fixture
def fast(monkeypatch: pytest.MonkeyPatch) -> None:
    """Short deadlines so faulty-endpoint tests take ~1.5 s, not 12 s."""
    monkeypatch.setattr(llm_mod, "REQUEST_DEADLINE_S", FAST)
    monkeypatch.setattr(llm_mod, "TURN_BUDGET_S", FAST)


def shown(reply: object) -> str:
    """Everything of a reply a user can read."""
    return "\n".join([reply.text, *reply.notes])


# ------------------------------------------------------------------ planning with an LLM
def test_llm_plans_with_tool_calls_and_sees_state(settings: Settings) -> None:
    script = [
        [("generate_image", json.dumps({"prompt": "a cat on a sofa", "seed": 11}))],
        "Here is your cat, #1.",
        [("rewrite_prompt", json.dumps({"instruction": "make it night", "image": 1}))],
        [("generate_image", json.dumps({"prompt": "a cat on a sofa at night", "seed": 11,
                                        "parent": 1}))],
        "Night has fallen on #2.",
    ]
    with FakeOpenAI(script, strict=True) as fake:
        agent = Agent(llm_settings(settings, fake.base_url))
        first = turn(agent, "a cat on a sofa, seed 11")  # the user names the seed
        assert first.text == "Here is your cat, #1." and first.images[0].seed == 11
        second = turn(agent, "make it night")
        assert second.text == "Night has fallen on #2." and second.planner == "llm"
        made = second.images[0]
        assert (made.number, made.parent, made.seed) == (2, 1, 11)

        # the model was told the state (in this turn's message, last) and the history
        last = fake.requests[-1]
        asked = [m["content"] for m in last["messages"] if m["role"] == "user"][-1]
        assert "Current image: #1" in asked and "a cat on a sofa" in asked
        assert asked.endswith("User message:\nmake it night")
        assert "Current image" not in last["messages"][0]["content"]
        names = {t["function"]["name"] for t in last["tools"]}
        assert {"generate_image", "rewrite_prompt", "undo", "search_images"} <= names
        roles = [m["role"] for m in last["messages"]]
        assert roles.count("user") == 2 and "tool" in roles
        assert fake.rejected == []

    with agent.storage.db.session() as s:
        conv = repo.current_conversation(s, repo.get_user(s, "cli:zoe"))
        calls = [c["name"] for m in repo.recent_messages(s, conv, 50)
                 for c in (m.tool_calls or [])]
        assert calls == ["generate_image", "rewrite_prompt", "generate_image"]


def test_prompt_is_short_stable_first_and_counted(settings: Settings) -> None:
    """The system prompt's stable part is identical across turns (a server's prompt cache
    reuses it); only the state at its end changes. Prints the tokens sent per turn."""
    script = [[("generate_image", json.dumps({"prompt": "a red apple"}))], "Here is #1.",
              [("generate_image", json.dumps({"prompt": "a green pear"}))], "Here is #2."]
    with FakeOpenAI(script) as fake:
        agent = Agent(llm_settings(settings, fake.base_url))
        turn(agent, "a red apple")
        turn(agent, "a green pear")
    systems = {r["messages"][0]["content"] for r in fake.requests}
    assert len(systems) == 1  # the same in every request and turn
    head = systems.pop()
    assert json.dumps(fake.requests[0]["tools"]) == json.dumps(fake.requests[-1]["tools"])
    # only the turn's own message carries the state; the history is the words as said
    users = [m["content"] for m in fake.requests[2]["messages"] if m["role"] == "user"]
    assert users[0] == "a red apple" and "Current image: #1" in users[-1]
    assert llm_mod.approx_tokens(head) < 600 and "always in English" in head
    per_request = [n // 4 for n in fake.sizes]
    print(f"\napprox tokens per request: {per_request}; system prompt "
          f"{llm_mod.approx_tokens(head)}, tool schemas "
          f"{llm_mod.approx_tokens(fake.requests[-1]['tools'])}")
    assert max(per_request) < 3000
    # a profile whose image model reads Chinese keeps Chinese prompts
    from agent.state import SessionState

    zh = llm_mod.system_prompt(SessionState(1, None, ()), settings.with_(profile="pai-zh"))
    assert "reads Chinese" in zh and "always in English" not in zh


def test_invented_seed_is_dropped_and_a_change_keeps_its_parents_seed(
        settings: Settings) -> None:
    script = [
        [("generate_image", json.dumps({"prompt": "a lighthouse", "seed": 12345, "n": 4,
                                        "parent": None, "tool": "sdxl"}))],
        "Here is #1.",
        [("generate_image", json.dumps({"prompt": "a lighthouse at night", "seed": 999,
                                        "parent": 1}))],
        "Here is #2.",
    ]
    with FakeOpenAI(script) as fake:
        agent = Agent(llm_settings(settings, fake.base_url))
        first = turn(agent, "a lighthouse")
        second = turn(agent, "make it night")
    assert len(first.images) == 1 and first.images[0].seed != 12345  # none asked for
    assert first.images[0].tool == "generate"
    assert second.images[0].parent == 1 and second.images[0].seed == first.images[0].seed


def test_a_missing_image_number_goes_back_to_the_model_once(settings: Settings) -> None:
    script = [
        [("generate_image", json.dumps({"prompt": "a lighthouse"}))], "Here is #1.",
        [("rewrite_prompt", json.dumps({"instruction": "make it night", "image": 7}))],
        [("rewrite_prompt", json.dumps({"instruction": "make it night", "image": 1}))],
        [("generate_image", json.dumps({"prompt": "a lighthouse at night", "parent": 1}))],
        "Night on #2.",
    ]
    with FakeOpenAI(script, strict=True) as fake:
        agent = Agent(llm_settings(settings, fake.base_url))
        turn(agent, "a lighthouse")
        reply = turn(agent, "make it night")
    assert reply.planner == "llm" and reply.images[0].parent == 1 and reply.text == "Night on #2."
    told = [m["content"] for r in fake.requests for m in r["messages"] if m["role"] == "user"]
    assert any("no image #7" in t and "#1" in t for t in told)
    assert fake.rejected == []


def test_a_model_that_stops_after_rewriting_still_draws(settings: Settings) -> None:
    """Seen with Qwen2.5-Coder-1.5B: rewrite_prompt, then "#1" and no generate_image."""
    script = [[("generate_image", json.dumps({"prompt": "a cat on a sofa"}))], "#1",
              '{"name": "rewrite_prompt", "arguments": {"instruction": "make it night"}}',
              "#1", "Night on #2."]
    with FakeOpenAI(script) as fake:
        agent = Agent(llm_settings(settings, fake.base_url))
        first = turn(agent, "a cat on a sofa")
        reply = turn(agent, "make it night")
    assert reply.planner == "llm" and len(reply.images) == 1
    made = reply.images[0]
    assert (made.parent, made.seed) == (1, first.images[0].seed) and "night" in made.prompt
    assert reply.text == "Night on #2." and fake.script == []


CONTENT_CALLS = {
    "fenced json": 'Sure!\n```json\n{"name": "generate_image", "arguments": '
                   '{"prompt": "a lighthouse at dusk", "seed": 4242, "parent": null}}\n```',
    "bare json": '{"name": "generate_image", "parameters": {"prompt": "a lighthouse at dusk"}}',
    "tool/args json list": '[{"tool": "generate_image", "args": {"prompt": '
                           '"a lighthouse at dusk"}}]',
    "qwen tool_call": '<tool_call>\n{"name": "generate_image", "arguments": '
                      '{"prompt": "a lighthouse at dusk"}}\n</tool_call>',
    "function form": 'I will draw it: generate_image(prompt="a lighthouse at dusk", n=1)',
    "doubled braces (seen)": '{{"name": "generate_image", "arguments": {"prompt": '
                             '"a lighthouse at dusk"}}}}',
    "unclosed json": '{"name": "generate_image", "arguments": {"prompt": "a lighthouse at dusk"',
}


@pytest.mark.parametrize("written", CONTENT_CALLS.values(), ids=CONTENT_CALLS.keys())
def test_tool_calls_written_as_text_make_real_images(settings: Settings, written: str) -> None:
    with FakeOpenAI([written, "Here is #1, a lighthouse at dusk."]) as fake:
        agent = Agent(llm_settings(settings, fake.base_url))
        reply = turn(agent, "a lighthouse at dusk")
    assert reply.planner == "llm" and len(reply.images) == 1
    assert "lighthouse at dusk" in reply.images[0].prompt and reply.images[0].seed != 4242
    assert reply.text == "Here is #1, a lighthouse at dusk."
    with agent.storage.db.session() as s:  # stored as a real call, not as JSON text
        conv = repo.current_conversation(s, repo.get_user(s, "cli:zoe"))
        stored = repo.recent_messages(s, conv, 20)
    assert [c["name"] for m in stored for c in m.tool_calls or []] == ["generate_image"]
    assert not any("{" in (m.content or "") for m in stored if m.role == "assistant")


def test_a_call_in_the_final_answer_is_never_shown(settings: Settings) -> None:
    """A call to a tool that does not exist (twice) is no answer: the rules make the
    picture, and the user sees neither the JSON nor the tool name."""
    bad = '```json\n{"name": "paint_picture", "arguments": {"prompt": "a kite"}}\n```'
    with FakeOpenAI([bad, bad]) as fake:
        agent = Agent(llm_settings(settings, fake.base_url))
        reply = turn(agent, "a red kite")
    assert reply.planner == "rules" and len(reply.images) == 1
    assert "kite" in reply.images[0].prompt
    assert llm_mod.NO_CALL_NOTE in reply.text
    assert "{" not in shown(reply) and "paint_picture" not in shown(reply)


def test_a_final_answer_of_only_json_shows_the_tools_own_words(settings: Settings) -> None:
    script = [[("generate_image", json.dumps({"prompt": "a blue bird"}))],
              '{"result": "done", "image": 1}']
    with FakeOpenAI(script) as fake:
        agent = Agent(llm_settings(settings, fake.base_url))
        reply = turn(agent, "a blue bird")
    assert reply.text.startswith("Here is #1: a blue bird") and "{" not in reply.text


def test_text_answers_need_no_picture(settings: Settings) -> None:
    answer = "Watercolour is softer; oil is richer. Say 'make it watercolor' to try it."
    with FakeOpenAI([answer]) as fake:
        agent = Agent(llm_settings(settings, fake.base_url))
        reply = turn(agent, "is watercolor nicer than oil painting?")
        assert reply.text == answer and reply.planner == "llm" and not reply.images
        asked = len(fake.requests)
        thanks = turn(agent, "thanks!")  # small talk: the rules answer at once
        assert thanks.planner == "rules" and "welcome" in thanks.text
        assert len(fake.requests) == asked


def test_a_command_the_model_only_talks_about_is_done_by_the_rules(settings: Settings) -> None:
    script = [[("generate_image", json.dumps({"prompt": "a red car"}))], "You're welcome!",
              'To get another one, you can say "variations".']
    with FakeOpenAI(script) as fake:
        agent = Agent(llm_settings(settings, fake.base_url))
        first = turn(agent, "a red car")
        assert first.text.startswith("Here is #1: a red car")  # not the model's chatter
        turn(agent, "make it blue")  # the fake has nothing scripted: rules make #2
        more = turn(agent, "another one")  # the model only talks about it
        asked = len(fake.requests)
        undo = turn(agent, "undo")
    assert more.planner == "rules" and more.text.startswith(llm_mod.NO_CALL_NOTE)
    assert more.images and more.images[0].parent == 2
    # a move between pictures is read by the rules at once, without asking the model
    assert undo.planner == "rules" and undo.text.startswith("Back to #")
    assert len(fake.requests) == asked


def test_malformed_call_arguments_are_repaired_or_fall_back(settings: Settings) -> None:
    script = [[("generate_image", '{"prompt": "a red kite"')],  # the closing brace is missing
              "Here is #1.",
              [("generate_image", '{"prompt": a blue kite}')],  # unreadable
              [("generate_image", "prompt=a blue kite")]]  # the retry is no better
    with FakeOpenAI(script) as fake:
        agent = Agent(llm_settings(settings, fake.base_url))
        repaired = turn(agent, "a red kite")
        fell_back = turn(agent, "a blue kite")
    assert repaired.planner == "llm" and "red kite" in repaired.images[0].prompt
    assert fell_back.planner == "rules" and "blue kite" in fell_back.images[0].prompt
    assert "built-in planner" in fell_back.text and "{" not in shown(fell_back)


def test_endless_tool_calls_end_and_fall_back(settings: Settings) -> None:
    with FakeOpenAI([]) as fake:
        # a new setting each time (never the same call twice), never a picture
        fake.default = lambda body: [("set_settings", json.dumps(
            {"steps": 2 + len(fake.requests) % 3, "guidance": 1.0 + len(fake.requests)}))]
        agent = Agent(llm_settings(settings, fake.base_url))
        start = time.monotonic()
        reply = turn(agent, "a red kite")
        elapsed = time.monotonic() - start
        assert len(fake.requests) == llm_mod.MAX_LLM_STEPS
        # the same call over and over ends at its first repeat
        fake.default = [("history", "{}")]
        before = len(fake.requests)
        again = turn(agent, "a green kite")
        assert len(fake.requests) - before == 3  # history, history (dropped), retry
    assert elapsed < 15 and reply.planner == "rules" and len(reply.images) == 1
    assert again.planner == "rules" and "green kite" in again.images[0].prompt


# ------------------------------------------------------------------ faulty endpoints
FAULTS = ["hang", "drip", "garbage", "error500", "unauthorized"]


@pytest.mark.parametrize("mode", FAULTS)
def test_faulty_endpoint_falls_back_fast_and_says_nothing_of_it(
        settings: Settings, fast: None, mode: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    with FakeOpenAI(mode=mode, drip_every=0.3) as fake:
        agent = Agent(llm_settings(settings, fake.base_url, llm_api_key=KEY))
        start = time.monotonic()
        reply = turn(agent, "a yellow boat")
        elapsed = time.monotonic() - start
        assert fake.requests, "the endpoint was asked"
    assert elapsed < FAST + 3, f"{mode}: {elapsed:.1f} s"
    assert reply.planner == "rules" and len(reply.images) == 1
    assert "boat" in reply.images[0].prompt and not reply.error
    text = shown(reply)
    assert llm_mod.UNAVAILABLE_NOTE in text
    for secret in (KEY, "Bearer", "srv/models", "Bad Gateway", "127.0.0.1", "HTTP",
                   "Error code", "credentials", "server_error", "timed out"):
        assert secret not in text
    assert KEY not in caplog.text  # redacted in the log too
    print(f"\n{mode}: fell back in {elapsed:.2f} s")


@pytest.mark.parametrize("mode", ["hang", "error500"])
def test_breaker_skips_a_failing_endpoint_then_probes_it_again(
        settings: Settings, fast: None, mode: str, caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    caplog.set_level(logging.WARNING)
    with FakeOpenAI(mode=mode) as fake:
        agent = Agent(llm_settings(settings, fake.base_url))
        turn(agent, "a yellow boat")
        if mode == "error500":  # fast failures open it after two in a row
            turn(agent, "a green boat")
        asked, warnings = len(fake.requests), len(caplog.records)
        times = []
        for words in ("a red boat", "a blue boat"):
            start = time.monotonic()
            reply = turn(agent, words)
            times.append(time.monotonic() - start)
            assert reply.planner == "rules" and len(reply.images) == 1
            assert llm_mod.UNAVAILABLE_NOTE in reply.text
        assert len(fake.requests) == asked  # not asked while the breaker is open
        assert max(times) < 1.0, times
        assert caplog.text.count("skipping it for") == 1  # logged once, not every turn
        assert len(caplog.records) == warnings  # the skipped turns logged nothing more

        # after the cooldown one probe goes out; the endpoint works again: LLM planning
        agent._llm.breaker.open_until = time.monotonic() - 1
        fake.mode = "script"
        fake.script = [[("generate_image", json.dumps({"prompt": "a white boat"}))],
                       "There you go."]
        back = turn(agent, "a white boat")
    number = back.images[0].number
    assert back.planner == "llm" and back.text.startswith(f"Here is #{number}: a white boat")
    assert "answers again" in caplog.text


@pytest.mark.slow
def test_the_real_budget_ends_a_dripping_endpoints_turn_within_15_s(settings: Settings) -> None:
    assert llm_mod.TURN_BUDGET_S <= 12 and llm_mod.REQUEST_DEADLINE_S <= 12
    Agent(settings).handle_turn(Turn(user="cli:warm", text="a cup"))  # build the tiny models
    with FakeOpenAI(mode="drip", drip_every=2.0) as fake:
        agent = Agent(llm_settings(settings, fake.base_url))
        start = time.monotonic()
        reply = turn(agent, "a yellow boat")
        elapsed = time.monotonic() - start
    print(f"\ndripping endpoint, real budget: turn took {elapsed:.1f} s")
    assert elapsed < 15 and reply.planner == "rules" and len(reply.images) == 1


def test_endpoint_down_falls_back_to_rules(settings: Settings) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    agent = Agent(llm_settings(settings, f"http://127.0.0.1:{port}/v1"))
    reply = turn(agent, "a yellow boat")
    assert llm_mod.UNAVAILABLE_NOTE in reply.text and str(port) not in reply.text
    assert len(reply.images) == 1 and "boat" in reply.images[0].prompt
    # the session continues normally
    assert turn(agent, "make it red").images[0].parent == 1


# ------------------------------------------------------------------ history the API accepts
def test_history_after_a_crash_mid_turn_is_accepted(settings: Settings) -> None:
    """A tool call left unanswered by a crash, and call ids repeated across turns (as the
    rules planner wrote them), must not make the API refuse the next LLM turn."""
    with FakeOpenAI([], strict=True) as fake:
        agent = Agent(llm_settings(settings, fake.base_url))
        assert turn(agent, "/help")  # a conversation exists
        with agent.storage.db.session() as s:
            conv = repo.current_conversation(s, repo.get_user(s, "cli:zoe"))
            call = [{"id": "call_1_generate_image", "name": "generate_image",
                     "args": {"prompt": "a cat"}}]
            repo.add_message(s, conv, "user", "a cat")  # turn 1: answered
            repo.add_message(s, conv, "assistant", "", tool_calls=call)
            repo.add_message(s, conv, "tool", '{"ok": false, "error": "busy"}',
                             tool_call_id="call_1_generate_image", name="generate_image")
            repo.add_message(s, conv, "assistant", "Sorry, busy.")
            repo.add_message(s, conv, "user", "a dog")  # turn 2: crashed, same id
            repo.add_message(s, conv, "assistant", "", tool_calls=call)
            repo.add_message(s, conv, "tool", '{"ok": true}', tool_call_id="call_9_orphan",
                             name="undo")  # a stray answer to nothing
        fake.script = [[("generate_image", json.dumps({"prompt": "a cow"}))], "Here is #1."]
        reply = turn(agent, "a cow")
        assert fake.rejected == [] and reply.planner == "llm" and reply.text == "Here is #1."
        sent = fake.requests[0]["messages"]
    ids = [c["id"] for m in sent for c in m.get("tool_calls") or []]
    assert len(ids) == len(set(ids)) == 1  # only the answered call, with a unique id


def test_slash_commands_never_reach_the_llm(settings: Settings) -> None:
    with FakeOpenAI([]) as fake:
        agent = Agent(llm_settings(settings, fake.base_url))
        assert "make and refine" in turn(agent, "/help").text
        assert fake.requests == []


# ------------------------------------------------------------------ reading calls from text
def test_parse_calls_reads_every_format_and_only_known_tools() -> None:
    from pydantic import BaseModel

    class Gen(BaseModel):
        prompt: str
        seed: int | None = None

    schemas = {"generate_image": Gen, "undo": None}
    cases = {
        '```\n{"name": "generate_image", "arguments": "{\\"prompt\\": \\"a\\"}"}\n```': 1,
        '{"function": {"name": "undo", "arguments": {}}}': 1,
        '{"tool_calls": [{"name": "undo"}, {"name": "generate_image", "args": {"prompt": "b"}}]}':
            2,
        "<tool_call>generate_image(prompt='c', seed=null)</tool_call>": 1,
        "generate_image('d')": 1,
    }
    for text, count in cases.items():
        parsed = parse_calls(text, schemas)
        assert len(parsed.calls) == count and not parsed.errors, text
        assert parsed.text == "", text
    wrong = parse_calls('{"name": "generate_image", "arguments": {"seed": "x"}}', schemas)
    assert not wrong.calls and "generate_image" in wrong.errors[0]
    unknown = parse_calls('{"name": "rm_rf", "arguments": {}}', schemas)
    assert not unknown.calls and "rm_rf" in unknown.errors[0]
    prose = parse_calls("A cat (a fluffy one) at {night}.", schemas)
    assert not prose.calls and prose.text == "A cat (a fluffy one) at {night}."
    assert clean_reply('Done! {"name": "undo", "arguments": {}}', ["undo"]) == "Done!"
    assert clean_reply('<tool_call>{"name": "x"}</tool_call>') == ""
    assert clean_reply("Done.\nundo(steps=???)", ["undo"]) == "Done."


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


def test_a_change_after_undo_applies_to_the_current_picture(settings: Settings) -> None:
    """Small models pick the newest picture after "undo"; a change that names no picture
    is a change of the current one, so the call is corrected."""
    script = [
        [("generate_image", json.dumps({"prompt": "a red car"}))], "Here is #1.",
        [("rewrite_prompt", json.dumps({"instruction": "make it blue", "image": 1}))],
        [("generate_image", json.dumps({"prompt": "a blue car", "parent": 1}))], "#2.",
        [("undo", "{}")], "Back to #1.",
        [("rewrite_prompt", json.dumps({"instruction": "add a spoiler", "image": 2}))],
        [("generate_image", json.dumps({"prompt": "a blue car with a spoiler", "parent": 2}))],
        "#3.",
    ]
    with FakeOpenAI(script) as fake:
        agent = Agent(llm_settings(settings, fake.base_url))
        turn(agent, "a red car")
        turn(agent, "make it blue")
        turn(agent, "undo")
        third = turn(agent, "add a spoiler").images[-1]
    assert third.parent == 1 and "red" in third.prompt and "blue" not in third.prompt


def test_a_small_models_wrong_tool_or_paraphrase_is_corrected(settings: Settings) -> None:
    """What Qwen2.5-Coder-1.5B did here: 'another one' drawn as a new picture of the words,
    and a Chinese instruction paraphrased into the few-shot example's words."""
    script = [  # English prompts: a Chinese one would also ask the model to translate it
        [("generate_image", json.dumps({"prompt": "a cat on a sofa"}))], "#1.",
        [("rewrite_prompt", json.dumps({"instruction": "make it watercolor", "image": 1}))],
        [("generate_image", json.dumps({"prompt": "whatever", "parent": 1}))], "#2.",
        [("generate_image", json.dumps({"prompt": "another one"}))], "#3.",
    ]
    with FakeOpenAI(script) as fake:
        agent = Agent(llm_settings(settings, fake.base_url))
        turn(agent, "a cat on a sofa")
        beach = turn(agent, "把背景换成海边").images[-1]
        another = turn(agent, "another one").images[-1]
    assert "beach" in beach.prompt and "watercolor" not in beach.prompt and beach.parent == 1
    assert "sofa" not in beach.prompt and "cat" in beach.prompt
    assert another.tool == "variations" and another.prompt == beach.prompt


def test_a_photo_changed_by_the_model_keeps_its_pixels(settings: Settings) -> None:
    from tests.pictures import png

    script = [[("rewrite_prompt", json.dumps({"instruction": "make it watercolor",
                                              "image": 1}))],
              [("generate_image", json.dumps({"prompt": "a photo, watercolor painting",
                                              "parent": 1}))], "Done: #2."]
    with FakeOpenAI(script) as fake:
        agent = Agent(llm_settings(settings, fake.base_url))
        reply = agent.handle_turn(Turn(user="cli:alice", text="make it watercolor",
                                       attachments=[Attachment(png((200, 30, 30)), "p.png")]))
    made = reply.images[-1]
    assert (made.number, made.parent, made.tool) == (2, 1, "instruct")
    with agent.storage.db.session() as s:
        conv = repo.current_conversation(s, repo.get_user(s, "cli:alice"))
        assert repo.get_image(s, conv, 2).extra["source_image_id"] == repo.get_image(
            s, conv, 1).id


def test_an_llm_failing_after_a_picture_keeps_the_picture(settings: Settings,
                                                          fast: None) -> None:
    with FakeOpenAI([]) as fake:
        def answer(body: dict) -> list:
            fake.mode = "error500"  # every later request fails, mid-turn
            return [("generate_image", json.dumps({"prompt": "a red kite over the sea"}))]

        fake.default = answer
        agent = Agent(llm_settings(settings, fake.base_url))
        reply = turn(agent, "a red kite over the sea")
        assert len(fake.requests) >= 2  # it was asked again after the picture, and failed
        after = turn(agent, "make it blue")  # the next turn goes on from the kept picture
    assert [(i.number, i.prompt) for i in reply.images] == [(1, "a red kite over the sea")]
    assert not reply.error and llm_mod.PARTIAL_NOTE in shown(reply)
    assert "server_error" not in shown(reply) and "/srv/models" not in shown(reply)
    assert [(i.number, i.parent) for i in after.images] == [(2, 1)]
    assert "kite" in after.images[0].prompt and "blue" in after.images[0].prompt


@pytest.mark.parametrize("text,calls,error", [
    ('{"name": "undo", "arguments": ""}', [("undo", {})], None),
    ('{"name": "history"}', [("history", {})], None),
    ('[{"name": "undo"}, {"name": "history"}]', [("undo", {}), ("history", {})], None),
    ('{"function_name": "undo", "input": {}}', [("undo", {})], None),
    ("```python\nundo()\n```", [("undo", {})], None),
    ('<tool_call>{"name": "undo"}</tool_call><tool_call>history()</tool_call>',
     [("undo", {}), ("history", {})], None),
    ('{"name": "generate_image", "arguments": "not json"}', [], "prompt: Field required"),
    ('{"name": "generate_image", "arguments": [1, 2]}', [], "must be a JSON object"),
])
def test_more_ways_small_models_write_calls(text: str, calls: list, error: str | None) -> None:
    from pydantic import BaseModel

    class Gen(BaseModel):
        prompt: str
        seed: int | None = None

    parsed = parse_calls(text, {"generate_image": Gen, "undo": None, "history": None})
    assert [(c["name"], c["args"]) for c in parsed.calls] == calls
    assert parsed.text == "" and parsed.found  # nothing of the call is shown to the user
    assert (error is None and not parsed.errors) or error in parsed.errors[0]


def test_an_unfinished_call_is_left_as_text() -> None:
    parsed = parse_calls('generate_image(prompt="a", seed=3', {"generate_image": None})
    assert parsed.calls == [] and not parsed.found
    assert parsed.text == 'generate_image(prompt="a", seed=3'
