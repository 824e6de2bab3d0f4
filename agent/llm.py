"""The planner's language model, when one is configured, and what it is told.

``planner = "rules"`` (the default) needs no model. ``planner = "openai"`` talks to any
OpenAI-compatible chat endpoint (vLLM, Ollama, llama.cpp server, DashScope…) through
``langchain-openai``. When that endpoint is down or answers with malformed tool calls the
engine falls back to the rules planner and says so.
"""

from __future__ import annotations

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage

from agent.state import SessionState
from errors import ConfigError, ImagechatError
from settings import Settings

LLM_TIMEOUT_S = 60


class PlannerUnavailable(ImagechatError):
    """The configured LLM could not plan this turn (down, timed out, malformed output)."""


def build_chat_model(settings: Settings) -> BaseChatModel | None:
    """The configured chat LLM, or None for the rules planner."""
    if settings.planner == "rules":
        return None
    if settings.planner == "openai":
        if not settings.llm_base_url or not settings.llm_model:
            raise ConfigError("planner 'openai' needs IMAGECHAT_LLM_BASE_URL and "
                              "IMAGECHAT_LLM_MODEL (e.g. http://127.0.0.1:8000/v1 and the "
                              "served model name)")
        from langchain_openai import ChatOpenAI

        return ChatOpenAI(base_url=settings.llm_base_url, model=settings.llm_model,
                          api_key=settings.llm_api_key or "not-needed", timeout=LLM_TIMEOUT_S,
                          max_retries=1, temperature=0.2)
    raise ConfigError(f"unknown planner {settings.planner!r}; use 'rules' or 'openai'")


def check_tool_calls(message: AIMessage) -> None:
    """Refuse a model answer whose tool calls could not be parsed."""
    if message.invalid_tool_calls:
        bad = message.invalid_tool_calls[0]
        raise PlannerUnavailable(f"it sent a malformed call to {bad.get('name') or 'a tool'}"
                                 f" ({(bad.get('error') or 'unparseable arguments')[:80]})")


def system_prompt(state: SessionState) -> str:
    return f"""You are imagechat, an assistant that creates and refines images in a chat.
Use the tools; never invent image numbers. Rules:
- A new picture: call generate_image with a concise English or Chinese prompt.
- A change to an existing picture ("make it night", "把背景换成海边"): call rewrite_prompt
  with the instruction (and the image number), then generate_image with the returned
  prompt, the SAME seed and parent set to that image, so only the asked change moves.
- "more detailed"/"美化一下": beautify_prompt, then generate_image with the first candidate,
  the same seed and the image as parent.
- Photos the user sent have no prompt: change them with edit_image (instructions) or img2img
  (a description to draw from the picture). "draw #1 in the style of #2": restyle.
- undo, go_to_image, history, variations (new seeds), set_settings, search_images,
  use_search_result are there for what their names say.
- Answer briefly in the user's language; mention image numbers like #3.

Conversation state:
{state.describe()}"""
