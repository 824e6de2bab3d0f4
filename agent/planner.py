"""The ``rules`` planner: a deterministic, bilingual LangChain chat model that emits tool calls.

It runs in the same agent graph as an LLM would. Each time the graph calls it, it reads the
last user message (:func:`agent.intents.parse`) and the tool results of this turn so far,
and answers with the next tool call, or with the final reply once the plan is done.
Multi-step plans pass data along: a refinement is ``rewrite_prompt`` and then
``generate_image`` with the rewritten prompt, the same seed and the old image as parent.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import ConfigDict

from agent import intents
from agent.state import SessionState

HELP = """I make and refine pictures from your words. Try:
• a cat on a sofa            → a new picture
• make it night / add a red hat / 把背景换成海边  → change the current picture
• more detailed / 美化一下     → a richer prompt, same seed
• variations / same but seed 7 → new seeds
• undo · back to #2 · history
• send a photo (with a caption like "make it watercolor") → I edit it
• draw #1 in the style of #2  → two references
• find pictures of a beach · find pictures like #2 · use result 3 as the starting image
• /new starts a new conversation · /settings size 512 · steps 8 · negative: blurry"""


class RulesPlanner(BaseChatModel):
    """Plans a turn from its message and the session state, without any language model."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    state: SessionState

    @property
    def _llm_type(self) -> str:
        return "imagechat-rules"

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> RulesPlanner:
        return self  # the plan only ever names tools of the toolbox

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None,
                  **kwargs: Any) -> ChatResult:
        last_human = max(i for i, m in enumerate(messages) if isinstance(m, HumanMessage))
        done = [m for m in messages[last_human + 1:] if isinstance(m, ToolMessage)]
        text = str(messages[last_human].content)
        message = self.next_step(text, [_result(m) for m in done])
        return ChatResult(generations=[ChatGeneration(message=message)])

    # ---------------------------------------------------------------------------------
    def next_step(self, text: str, results: list[dict[str, Any]]) -> AIMessage:
        """The next tool call for ``text`` given the results so far, or the final answer."""
        if results and not results[-1].get("ok", False):
            return AIMessage(content=results[-1].get("error", "That did not work."))
        st = self.state
        intent = intents.parse(text, has_image=st.current is not None,
                               has_search=bool(st.last_search), has_upload=bool(st.uploads))
        plan = self._plan(intent, results)
        if plan is None:
            return AIMessage(content=self._final(intent, results))
        name, args = plan
        call_id = f"call_{len(results) + 1}_{name}"
        return AIMessage(content="", tool_calls=[{"id": call_id, "name": name, "args": args}])

    def _target(self, intent: intents.Intent) -> int | None:
        """The image a message is about: a named one, else this turn's upload, else current."""
        if intent.refs:
            return intent.refs[0]
        if self.state.uploads:
            return self.state.uploads[-1]
        return self.state.current.number if self.state.current else None

    def _plan(self, intent: intents.Intent, results: list[dict[str, Any]]
              ) -> tuple[str, dict[str, Any]] | None:
        step = len(results)
        kind = intent.kind
        target = self._target(intent)
        if kind == "generate":
            return ("generate_image", {"prompt": intent.text}) if step == 0 else None
        if kind == "edit":
            info = self.state.image(target) if target is not None else None
            if info is None or not info.prompt:  # a photo: edit the pixels
                args: dict[str, Any] = {"instruction": intent.text}
                if target is not None:
                    args["image"] = target
                return ("edit_image", args) if step == 0 else None
            if step == 0:
                return "rewrite_prompt", {"instruction": intent.text, "image": target}
            if step == 1:
                r = results[0]
                return "generate_image", {"prompt": r["prompt"], "seed": r["seed"],
                                          "parent": r["image"], "tool": "refine",
                                          "negative_prompt": r.get("negative_prompt")}
            return None
        if kind == "beautify":
            if step == 0:
                return "beautify_prompt", _drop_none({"image": target})
            if step == 1:
                r = results[0]
                return "generate_image", _drop_none({"prompt": r["prompt"], "seed": r["seed"],
                                                     "parent": r["image"], "tool": "beautify"})
            return None
        if step > 0:
            return None
        single: dict[str, tuple[str, dict[str, Any]]] = {
            "variations": ("variations", _drop_none({"image": target, "count": intent.count})),
            "reseed": ("variations", _drop_none({"image": target, "seed": intent.seed})),
            "undo": ("undo", {}),
            "goto": ("go_to_image", {"number": intent.refs[0] if intent.refs else 0}),
            "history": ("history", {}),
            "settings": ("set_settings", intent.settings),
            "search": ("search_images", {"query": intent.text}),
            "search_like": ("search_images", {"like": intent.refs[0] if intent.refs else None}),
            "use_result": ("use_search_result", {"result": intent.result,
                                                 "prompt": intent.text}),
            "img2img": ("img2img", _drop_none({"prompt": intent.text, "image": target})),
        }
        if kind == "restyle":
            return "restyle", {"image": intent.refs[0], "style": intent.refs[1],
                               "prompt": _strip_style_words(intent.text)}
        if kind == "settings" and "invalid" in intent.settings:
            return None
        return single.get(kind)

    def _final(self, intent: intents.Intent, results: list[dict[str, Any]]) -> str:
        if results:  # the last step's message says what the turn produced
            return str(results[-1].get("message", ""))
        if intent.kind == "help":
            return HELP
        if intent.kind == "settings":
            return str(intent.settings.get("invalid", "Settings unchanged."))
        if intent.kind == "describe" and self.state.uploads:
            numbers = ", ".join(f"#{n}" for n in self.state.uploads)
            return (f"Got it, saved as {numbers}. Tell me what to do with it: 'make it "
                    "watercolor', 'a castle, use it as the starting image', or 'draw #1 in the "
                    "style of #2'.")
        return "Tell me what you'd like to see, for example: a cat on a sofa. Say 'help' for more."


def _result(message: ToolMessage) -> dict[str, Any]:
    try:
        data = json.loads(str(message.content))
        return data if isinstance(data, dict) else {"ok": True, "message": str(data)}
    except ValueError:
        return {"ok": message.status != "error", "message": str(message.content),
                "error": str(message.content)}


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def _strip_style_words(text: str) -> str:
    import re

    text = re.sub(r"\b(draw|paint|render|make)\b|\bin the style of\b|\bstyle of\b"
                  r"|画成?|的风格|风格", " ", text, flags=re.I)
    return re.sub(r"\s+", " ", text).strip(" ,.，。")
