"""What the image model reads: the user's prompt with entity knowledge, in English if needed.

Seed 000 (ARTIST): entities in the prompt get a short description of what they look like;
Chinese prompts are translated for English-only models. The user's own words stay the
working prompt; this derived text is stored beside it (``extra.model_prompt``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tools import knowledge, translate
from tools.models import profile_for

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from settings import Settings


def prepare_prompt(prompt: str, *, settings: Settings,
                   llm: BaseChatModel | None = None) -> tuple[str, dict[str, Any]]:
    """Return (model prompt, facts worth storing: entities found, translation backend)."""
    info: dict[str, Any] = {}
    enriched = knowledge.enrich(prompt, settings=settings)
    text = enriched.prompt
    if enriched.entities:
        info["entities"] = list(enriched.entities)
    if not profile_for(settings).native_chinese:
        tr = translate.to_english(text, settings=settings, llm=llm)
        if tr.backend != "none":
            info["translation"] = tr.backend
        text = tr.text
    return text, info
