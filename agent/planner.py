"""The ``rules`` planner: a deterministic, bilingual LangChain chat model that emits tool calls.

It runs in the same agent graph as an LLM would. Each time the graph calls it, it reads the
last user message (:func:`agent.intents.parse`) and the tool results of this turn so far,
and answers with the next tool call, or with the final reply once the plan is done.
Multi-step plans pass data along: a refinement is ``rewrite_prompt`` and then
``generate_image`` with the rewritten prompt, the same seed and the old image as parent.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import ConfigDict, Field

from agent import commands, intents, intents_tools, talk
from agent.state import SessionState
from tools.text import has_cjk

BEAUTIFY_STRENGTH = 0.5  # a beautified photo keeps its layout
_PIXEL_TOOLS = frozenset({"region", "zoom", "pan", "upscale", "vary", "blend"})

HELP = """I make and refine pictures from your words. Try:
• a cat on a sofa · 一只猫坐在沙发上  → a new picture (add 16:9, --ar 3:2 or 竖版 for its shape)
• make it night · add a red hat · change the dress from red to green · 把背景换成海边
  → change the current picture (only what you asked changes)
• more detailed · 美化一下       → a richer prompt, same seed
• variations · 再来两张 · same but seed 7 → new seeds
• undo · back to #2 · history · show #2 · prompt of #2 · which seed was #2
• send a photo (with a caption like "make it watercolor") → I describe it and edit it;
  later changes keep editing its pixels · describe #1 · 这张图里有什么
• a castle, use #1 as the starting image · draw #1 in the style of #2
• upscale #2 · upscale 4x · 放大2倍 · zoom out 2x · 缩小一点 · extend to the left · 向右扩展 ·
  make it wider · vary subtle · vary strong · 微调一下 · blend #1 and #3 · 把#1和#2融合
• only make the car red · just replace the sky with a starry night · 只把天空换成晚霞 → only
  that part changes (on photos, "make the car red" does this by itself)
• find pictures of a beach · find pictures like #2 · use result 3 as the starting image
• add this to my library (with a photo) · 加入我的图库 → searches find it later
Commands:
""" + commands.help_text()


class RulesPlanner(BaseChatModel):
    """Plans a turn from its message and the session state, without any language model."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    state: SessionState
    # tool-call ids are unique per turn, so a history read back never has two calls alike
    nonce: str = Field(default_factory=lambda: uuid.uuid4().hex[:8])

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
        intent = read(text, self.state)
        plan = self._plan(intent, results)
        if plan is None:
            return AIMessage(content=self._final(intent, results, zh=has_cjk(text)))
        name, args = plan
        call_id = f"call_{self.nonce}_{len(results) + 1}_{name}"
        return AIMessage(content="", tool_calls=[{"id": call_id, "name": name, "args": args}])

    def _target(self, intent: intents.Intent) -> int | None:
        """The image a message is about: a named one, else this turn's upload, else current."""
        if intent.refs:
            return intent.refs[0]
        if intent.field_ == "restore" and self.state.current and self.state.current.parent:
            return self.state.current.parent  # "no, keep the hat": from before it went
        if self.state.uploads:
            return self.state.uploads[-1]
        return self.state.current.number if self.state.current else None

    def _plan(self, intent: intents.Intent, results: list[dict[str, Any]]
              ) -> tuple[str, dict[str, Any]] | None:
        step = len(results)
        kind = intent.kind
        target = self._target(intent)
        info = self.state.image(target) if target is not None else None
        if kind == "generate":
            args = {"prompt": intent.text, **({"aspect": intent.settings["aspect"]}
                                              if intent.settings.get("aspect") else {})}
            return ("generate_image", args) if step == 0 else None
        if kind == "edit":
            return self._plan_edit(intent, target, info, results)
        if kind in _PIXEL_TOOLS:  # upscale, zoom out, pan, vary, blend, "only change X"
            return self._plan_pixels(intent, target, info, results)
        if kind == "beautify":
            if step == 0:
                return "beautify_prompt", _drop_none({"image": target})
            if step == 1:
                r = results[0]
                if info is not None and info.pixel_born:  # redraw from its own pixels
                    return "img2img", {"prompt": r["prompt"], "image": r["image"],
                                       "strength": BEAUTIFY_STRENGTH, "tool": "beautify"}
                return "generate_image", _drop_none({"prompt": r["prompt"], "seed": r["seed"],
                                                     "parent": r["image"], "tool": "beautify"})
            return None
        if kind == "show" and len(intent.refs) > 1:  # "show #1 and #2": each of them
            return ("show_image", {"image": intent.refs[step]}) if step < len(intent.refs) \
                else None
        if step > 0:
            return None
        single: dict[str, tuple[str, dict[str, Any]]] = {
            "variations": ("variations", _drop_none({"image": target, "count": intent.count})),
            "reseed": ("variations", _drop_none({"image": target, "seed": intent.seed})),
            "undo": ("go_to_image", {"number": info.parent})
            if intent.refs and info is not None and info.parent else ("undo", {}),
            "goto": ("go_to_image", {"number": intent.refs[0]}) if intent.refs else None,
            "history": ("history", {}),
            "search": ("search_images", {"query": intent.text}),
            "search_like": ("search_images", {"like": intent.refs[0] if intent.refs else None}),
            "use_result": ("use_search_result", {"result": intent.result,
                                                 "prompt": intent.text}),
            "img2img": ("img2img", _drop_none({"prompt": intent.text, "image": target})),
            "show": ("show_image", _drop_none({"image": target})),
            "info": ("image_info", _drop_none({  # "compare #1 and #3": #3 against #1
                "image": intent.refs[1] if len(intent.refs) > 1 else target,
                "field": intent.field_,
                "other": intent.refs[0] if len(intent.refs) > 1 else None})),
            "add_to_library": ("add_to_library", _drop_none({"image": target})),
        }
        if kind == "surprise":
            return "generate_image", {"prompt": _surprise(intent.text)}
        if kind == "describe" and self.state.uploads and not intent.refs:
            return None  # photos alone: their descriptions are in the final answer
        if kind == "describe" and target is not None:
            return "describe_image", {"image": target}
        if kind == "restyle":
            return "restyle", {"image": intent.refs[0], "style": intent.refs[1],
                               "prompt": _strip_style_words(intent.text)}
        if kind == "settings":
            if not intent.settings or "invalid" in intent.settings:
                return None
            return "set_settings", intent.settings
        if kind in ("show", "info") and target is None:
            return None
        return single.get(kind)

    def _plan_edit(self, intent: intents.Intent, target: int | None, info: Any,
                   results: list[dict[str, Any]]) -> tuple[str, dict[str, Any]] | None:
        """Text-born pictures: rewrite the prompt, redraw with the same seed. Pixel-born ones
        (photos, search results and edits of them): rewrite the description, edit the pixels."""
        step = len(results)
        if info is None or not info.prompt:  # a picture with nothing to rewrite: edit pixels
            args: dict[str, Any] = {"instruction": intent.text}
            if target is not None:
                args["image"] = target
            return ("edit_image", args) if step == 0 else None
        if step == 0:
            return "rewrite_prompt", {"instruction": intent.text, "image": target}
        if step == 1:
            r = results[0]
            local = intents_tools.local_change(intent.text) if info.pixel_born else None
            if local is not None and intents_tools.in_picture(local.region, info.prompt):
                # one thing named in the picture: repaint only it, keep every other pixel
                return "region_edit", {"region": local.region, "prompt": local.paint,
                                       "image": r["image"], "description": r["prompt"]}
            if info.pixel_born:
                return "edit_image", {"instruction": intent.text, "image": r["image"],
                                      "prompt": r["prompt"]}
            if r.get("unchanged"):
                return None
            return "generate_image", {"prompt": r["prompt"], "seed": r["seed"],
                                      "parent": r["image"], "tool": "refine",
                                      "negative_prompt": r.get("negative_prompt")}
        return None

    def _plan_pixels(self, intent: intents.Intent, target: int | None, info: Any,
                     results: list[dict[str, Any]]) -> tuple[str, dict[str, Any]] | None:
        """The pixel tools: one call each; an asked-for region edit of a picture with a
        prompt first rewrites the prompt, so the new picture's prompt says what changed."""
        step, s = len(results), intent.settings
        if intent.kind == "region":
            rewrite_first = info is not None and bool(info.prompt)
            if rewrite_first and step == 0:
                return "rewrite_prompt", {"instruction": intent.text, "image": target}
            if step == (1 if rewrite_first else 0):
                r = results[0] if results else {}
                return "region_edit", _drop_none({
                    "region": s["region"], "prompt": s["paint"], "image": r.get("image", target),
                    "description": None if r.get("unchanged") else r.get("prompt")})
            return None
        if step > 0:
            return None
        if intent.kind == "blend":
            return "blend", _drop_none({"images": intent.refs, "prompt": intent.text or None})
        name, arg = {"zoom": ("zoom_out", "factor"), "pan": ("pan", "direction"),
                     "upscale": ("upscale", "factor"), "vary": ("vary", "strength")}[intent.kind]
        return name, _drop_none({"image": target, arg: s.get(arg)})

    def _final(self, intent: intents.Intent, results: list[dict[str, Any]],
               zh: bool | None = None) -> str:
        zh = has_cjk(intent.text or "") if zh is None else zh  # answer in the user's language
        if results:  # the last step's message says what the turn produced
            return str(results[-1].get("message", ""))
        current = self.state.current
        kind = intent.kind
        if kind == "help":
            return HELP
        if kind == "settings":
            return _refused(str(intent.settings.get("invalid", "Settings unchanged.")))
        if kind == "describe" and self.state.uploads:
            numbers = ", ".join(f"#{n}" for n in self.state.uploads)
            first = self.state.uploads[0]
            shows = [(n, info.prompt) for n in self.state.uploads
                     if (info := self.state.image(n)) is not None and info.prompt]
            if zh:
                seen = "".join(f"#{n} 里有：{p}。" for n, p in shows)
                return (f"收到，已保存为 {numbers}。{seen}告诉我要怎么处理：比如“画成水彩风格”、"
                        f"“用#{first}作为底图，画一座城堡”，或者“加入我的图库”。")
            seen = "".join(f"#{n} shows: {p}. " for n, p in shows)
            hint = (f"'{intent.text}, use #{first} as the starting image'" if intent.text else
                    f"'a castle, use #{first} as the starting image'")
            return (f"Got it, saved as {numbers}. {seen}Tell me what to do with it: 'make it "
                    f"watercolor', {hint}, or 'add this to my library'.")
        if kind == "faq":
            return _faq(intent.field_ or "", zh)
        if kind == "chat":
            return _chat_answer(intent.text, current)
        if kind == "goto":
            return ("回到哪一张？说“回到#2”，或者说“历史”看看所有图片。" if zh else
                    "Which picture? Say 'back to #2', or 'history' to see them all.")
        if kind == "question":
            return ("这个我回答不了——我只会画图和改图。描述一幅画面，"
                    "或者告诉我要怎么改当前的图。" if zh else
                    "I can't answer that — I make and change pictures. Describe a picture, or "
                    "tell me what to change" + (f" in #{current.number}." if current else "."))
        if kind == "needs_image":
            return ("还没有图片可以修改。先描述你想看到的画面，例如：一只猫坐在沙发上。" if zh else
                    "There's no picture yet to change. Describe what you'd like to see first, "
                    "for example: a cat on a sofa.")
        if kind == "unclear":
            if intents.NOT_WANTED.match(intent.text or ""):
                return ("抱歉。告诉我要改什么，比如“把背景换成海边”；"
                        "或者说“撤销”回到上一张。" if zh else
                        "Sorry about that. Tell me what to change (e.g. 'make it night'), or say "
                        "'undo' to go back.")
            if current is not None:
                return (f"我不太明白要怎么改 #{current.number}。"
                        "可以说：把背景换成海边、加一顶红帽子、再来一张。" if zh else
                        f"I'm not sure what to change in #{current.number}. Try 'make it night', "
                        "'add a red hat', 'another one', or describe a new picture.")
        if kind in ("show", "info", "describe"):
            return _refused("There is no image yet. Describe what you'd like to see.")
        return "Tell me what you'd like to see, for example: a cat on a sofa. Say 'help' for more."


SURPRISES = (
    "a lighthouse on a cliff at sunset, dramatic clouds", "a red fox in a snowy forest",
    "a cozy reading nook with a cat by the window, rainy afternoon",
    "a hot air balloon over lavender fields", "an astronaut riding a horse on the moon",
    "a koi pond in a japanese garden, autumn leaves", "a tiny robot watering a bonsai tree",
    "a steampunk airship above a foggy city", "a bowl of ramen, steam rising, neon-lit street",
    "a whale swimming through clouds at dawn",
)
SURPRISES_ZH = (
    "夕阳下悬崖上的灯塔，云彩壮丽", "雪林中的一只红狐狸", "雨天窗边看书的小猫",
    "薰衣草田上空的热气球",
    "秋天日式庭院里的锦鲤池", "给盆景浇水的小机器人", "黎明时在云中游动的鲸鱼",
)


def _surprise(text: str) -> str:
    """A subject of the bot's choosing for "surprise me", in the user's language."""
    import random

    return random.choice(SURPRISES_ZH if has_cjk(text) else SURPRISES)


FAQ_ANSWERS = {
    "save": ("In the terminal chat, /export N PATH saves picture #N (e.g. /export 2 ~/cat.png); "
             "in Telegram, open the picture and save it. Every picture also stays here: "
             "'show #2' sends it again.",
             "终端聊天里用 /export N 路径 保存第 N 张（例如 /export 2 ~/cat.png）；"
             "在 Telegram 里点开图片"
             "保存即可。所有图片都会留在这里：说“显示#2”可以再发一次。"),
    "bigger": ("Set a larger size with /settings size 768 (or 768x512 for a wide one); the next "
               "pictures use it. Say 'variations' to redraw the current one at that size.",
               "用 /settings size 768（横图用 768x512）设置更大的尺寸，之后的图片都会用它。"
               "说“再来一张”可以按新尺寸重画当前这张。"),
    "noise": ("Pictures look like noise when this bot runs its offline test profile (tiny, "
              "random models). The operator picks a real one, e.g. --profile sd-turbo, on a "
              "machine that has its weights.",
              "如果机器人运行的是离线测试配置（tiny，随机模型），图片就会像噪点。运营者可以换成真实"
              "模型，例如 --profile sd-turbo。"),
}


def _faq(key: str, zh: bool) -> str:
    en, cn = FAQ_ANSWERS.get(key, FAQ_ANSWERS["save"])
    return cn if zh else en


def read(text: str, state: SessionState) -> intents.Intent:
    """How the rules read ``text`` in this conversation: the one reading the planner, the
    engine's checks of an LLM turn and the LLM call corrections all share."""
    current = state.current
    intent = intents.parse(text, has_image=current is not None,
                           has_search=bool(state.last_search), has_upload=bool(state.uploads),
                           images=len(state.images), origin=state.origin(),
                           current=current.prompt if current else None)
    if intent.kind == "edit" and (intent.field_ or "").startswith("retarget:"):
        parent = state.image(current.parent) if current and current.parent else None
        moved = talk.moved_change(parent.prompt or "", current.prompt or "", intent.field_[9:]) \
            if parent and current else None
        # when the last change cannot be told apart, ask rather than draw the words
        intent = replace(intent, text=moved, field_="restore") if moved else replace(
            intent, kind="unclear", field_=None)
    if intent.kind == "goto" and not intent.refs and intent.text:
        number = talk.before_picture(intent.text, [(i.number, i.parent, i.prompt or "")
                                                   for i in state.images])
        if number is not None:  # "go back to before the sketch"
            return replace(intent, refs=[number])
        # "go back to the one with the top hat": the picture whose prompt says so
        number = talk.described_picture(
            intent.text, [(i.number, i.prompt or "") for i in state.images
                          if current is None or i.number != current.number])
        if number is not None:
            intent = replace(intent, refs=[number])
    return intent


def first_call(text: str, state: SessionState) -> tuple[intents.Intent | None,
                                                         tuple[str, dict[str, Any]] | None]:
    """(the rules' reading of ``text``, the first tool call they would make for it, None
    when they answer in words); (None, None) if the message cannot be read."""
    try:
        intent = read(text, state)
        return intent, RulesPlanner(state=state)._plan(intent, [])
    except Exception:  # noqa: BLE001 - a reading that fails must never break a turn
        return None, None


def _refused(message: str) -> str:
    """A refusal: the reply says so (``Reply.error``), for scripts reading ``--json``."""
    from agent.toolbox import current_turn

    ctx = current_turn()
    if ctx is not None:
        ctx.errors.append(message)
    return message


def _chat_answer(text: str, current: Any) -> str:
    zh = has_cjk(text)
    thanks = re.search(r"thank|thx|\bty\b|cheers|谢|感谢", text, re.I)
    bye = re.search(r"\bbye\b|goodbye|see you|good night|再见|拜拜|晚安", text, re.I)
    greet = re.search(r"^(hi|hello|hey|hiya|yo|howdy|good (morning|afternoon|evening)|greetings)"
                      r"|你好|您好|嗨|哈喽|早上好|晚上好|在吗", text, re.I)
    if bye:
        return "再见！下次接着画。" if zh else "Bye! Your pictures stay here for next time."
    if thanks:
        return ("不客气！还想改什么尽管说。" if zh else
                "You're welcome! Tell me if you'd like another change.")
    if greet:
        if current is not None:
            return (f"你好！现在是 #{current.number}。"
                    "告诉我要怎么改，或者描述一幅新画面。" if zh else
                    f"Hi! We're on #{current.number}. Tell me what to change, or describe a new "
                    "picture.")
        return ("你好！描述一幅画面，我来画，例如：一只猫坐在沙发上。" if zh else
                "Hi! Describe a picture and I'll draw it, for example: a cat on a sofa. Then "
                "tell me what to change.")
    if current is not None:
        return ("好的。还想改什么？" if zh else
                f"OK. Tell me what to change in #{current.number}, or describe a new picture.")
    return "好的。描述一幅画面，我来画。" if zh else "OK. Describe a picture and I'll draw it."


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
    text = re.sub(r"\b(draw|paint|render|make)\b|\bin the style of\b|\bstyle of\b"
                  r"|画成?|的风格|风格", " ", text, flags=re.I)
    return re.sub(r"\s+", " ", text).strip(" ,.，。")
