"""Loaders of the prompt language models: the rewrite LM and BeautifulPrompt (a causal LM)
and the zh->en translation model. Part of :mod:`tools.models` (which re-exports every name
here): weights still load only through it, lazily and shared.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from tools.models import (
    TINY,
    _load_reason,
    how_to_get,
    hub_reachable,
    model_label,
    pick_device,
    pick_dtype,
    profile_for,
    shared,
    tiny_dir,
)

if TYPE_CHECKING:
    from settings import Settings


# --- prompt language models: rewrite LM, BeautifulPrompt, translation (issue 4) -------

TINY_TEXT_KIND = "text-lm"  # tiny_dir kind of the tiny BLOOM (tools/tiny/text.py)


def load_causal_lm(settings: Settings, model_id: str) -> tuple[Any, Any]:
    """``(tokenizer, model)`` of a causal LM (BeautifulPrompt, the rewrite LM), loaded once.

    ``model_id`` ``"tiny"`` is the tiny random BLOOM built locally. With the hub offline only
    the local cache is consulted. Raises :class:`errors.NotAvailable` when the weights cannot
    be had, so callers can fall back to their rule-based path.
    """
    device = pick_device(settings)
    dtype = pick_dtype(device, settings)
    where = str(settings.models_dir) if model_id == TINY else ""

    def factory() -> tuple[Any, Any]:
        from transformers import AutoModelForCausalLM, AutoTokenizer

        from errors import NotAvailable

        kwargs: dict[str, Any] = {}
        if model_id == TINY:
            from tools.tiny import text as tiny_text

            source: str | Path = tiny_dir(settings, TINY_TEXT_KIND, tiny_text.build)
        else:
            source = model_id
            if not hub_reachable():
                kwargs["local_files_only"] = True
        try:
            tokenizer = AutoTokenizer.from_pretrained(source, **kwargs)
            model = AutoModelForCausalLM.from_pretrained(source, dtype=dtype, **kwargs)
        except (OSError, ValueError) as e:
            raise NotAvailable(f"the language model {model_label(model_id)} is not available "
                               f"here: {_load_reason(model_id, e)}") from e
        model.to(device).eval()
        return tokenizer, model

    return shared(("causal_lm", model_id, where, str(device), str(dtype)), factory)


def load_translator(settings: Settings) -> tuple[Any, Any] | None:
    """``(tokenizer, model)`` of the profile's zh->en translation model, or ``None``.

    ``None`` when the profile names none or the weights cannot be had; the offline lexicon
    translator takes over then. The local cache is tried first; the hub only when it is
    allowed. A miss is remembered for the process so a chat does not retry every turn.
    """
    model_id = profile_for(settings).translator
    if not model_id:
        return None
    device = pick_device(settings)

    def factory() -> tuple[Any, Any] | None:
        import torch
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

        attempts = [True, False] if hub_reachable() else [True]
        for local_only in attempts:
            try:
                tokenizer = AutoTokenizer.from_pretrained(model_id, local_files_only=local_only)
                # an explicit dtype: transformers 5 would keep an fp16 checkpoint in fp16,
                # slow and lossy on a CPU; the small model runs fp32 there
                model = AutoModelForSeq2SeqLM.from_pretrained(
                    model_id, local_files_only=local_only,
                    dtype=torch.float32 if device.type == "cpu" else pick_dtype(device, settings))
            except (OSError, ValueError, ImportError):
                continue
            model.to(device).eval()
            return tokenizer, model
        import logging

        logging.getLogger(__name__).warning(
            "the translator %s is not on this machine, so Chinese prompts use the built-in "
            "lexicon; %s", model_label(model_id), how_to_get(model_id))
        return None

    return shared(("translator", model_id, str(device)), factory)
