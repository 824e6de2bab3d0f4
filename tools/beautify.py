"""BeautifulPrompt-style beautifier (seed 004): a short raw prompt -> detailed, ranked prompts.

Backends, picked by the profile (``beautify_backend``) or the ``backend`` argument:

``lm``     BeautifulPrompt through transformers (``alibaba-pai/pai-bloom-1b1-text2prompt-sd``
           and ``-v2``) with each model card's exact template and sampling settings, ``n``
           samples in one ``generate`` call, only the new tokens decoded. The ``tiny``
           profile runs the same code on a tiny random BLOOM.
``rules``  style templates after seed 001: the raw prompt is the replaceable subject, and
           each style family adds its subject words, modifiers and detail words
           (photo, watercolor, oil painting, anime, Chinese ink 国风, cyberpunk, 3D icon...),
           in the prompt's language. Deterministic for a given input and seed.

Candidates are ranked by content integrity against the raw prompt first (the raw subject
must survive), then by a simple aesthetic/detail heuristic, and de-duplicated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from errors import ImagechatError, NotAvailable
from tools.text import MAX_PROMPT_CHARS, clean_text, has_cjk, language, require_text

if TYPE_CHECKING:
    from settings import Settings

DATA = Path(__file__).resolve().parent / "data"

# alibaba-pai/pai-bloom-1b1-text2prompt-sd (model card and seed 004)
TEMPLATE = ("Instruction: Give a simple description of the image to generate a drawing "
            "prompt.\nInput: {raw_prompt}\nOutput:")
SAMPLING = dict(do_sample=True, temperature=1.0, top_k=50, top_p=0.95,
                repetition_penalty=1.2)
MAX_LENGTH = 384  # v1 card: max_length=384 (prompt + new tokens)

# alibaba-pai/pai-bloom-1b1-text2prompt-sd-v2 (its model card)
TEMPLATE_V2 = (
    "Converts a simple image description into a prompt. Prompts are formatted as multiple "
    "related tags separated by commas, plus you can use () to increase the weight, [] to "
    "decrease the weight, or use a number to specify the weight. You should add appropriate "
    "words to make the images described in the prompt more aesthetically pleasing, but make "
    "sure there is a correlation between the input and output.\n"
    "### Input: {raw_prompt}\n### Output:"
)
SAMPLING_V2 = dict(do_sample=True, temperature=0.9, top_k=50, top_p=0.95,
                   repetition_penalty=1.1)
MAX_NEW_TOKENS_V2 = 384

TINY_MAX_NEW_TOKENS = 16  # the tiny random model only proves the path
MAX_CANDIDATES = 10
CLIP_TOKENS = 77

_QUALITY = re.compile(
    r"\b(?:highly detailed|ultra detailed|intricate|masterpiece|best quality|high quality|8k|"
    r"4k|16k|hd|sharp focus|cinematic|lighting|light|depth of field|bokeh|artstation|"
    r"octane|ray tracing|volumetric|detailed|award[- ]winning|trending|concept art|"
    r"illustration|painting|photograph|render)\b|细节|杰作|最佳质量|高清|8K|4K|光|质感|电影",
    re.I)


@dataclass(frozen=True)
class Candidate:
    prompt: str
    score: float  # aesthetic/detail heuristic in [0, 1] (ties broken by it)
    integrity: float  # content integrity against the raw prompt
    source: str  # "rules" | "lm"


class Candidates(list):  # type: ignore[type-arg]
    """The ranked candidates, plus which backend made them and what happened."""

    backend: str = "rules"
    note: str = ""


def template_for(model_id: str) -> tuple[str, dict[str, Any], int | None, int | None]:
    """(template, sampling, max_length, max_new_tokens) of a BeautifulPrompt model."""
    from tools.models import TINY

    if model_id.rstrip("/").lower().endswith("-v2"):
        return TEMPLATE_V2, dict(SAMPLING_V2), None, MAX_NEW_TOKENS_V2
    if model_id == TINY:
        return TEMPLATE, dict(SAMPLING), None, TINY_MAX_NEW_TOKENS
    return TEMPLATE, dict(SAMPLING), MAX_LENGTH, None


# ------------------------------------------------------------------------ style templates


@dataclass(frozen=True)
class Style:
    family: str
    lang: str
    subject_words: str
    modifiers: str
    details: str


@lru_cache(maxsize=1)
def _templates() -> tuple[dict[tuple[str, str], Style], dict[str, list[str]]]:
    styles: dict[tuple[str, str], Style] = {}
    lighting: dict[str, list[str]] = {}
    path = DATA / "styles.tsv"
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cols = [c.strip() for c in line.split("\t")]
        if cols[0] == "lighting" and len(cols) >= 3:
            lighting[cols[1]] = [x for x in cols[2].split("|") if x]
        elif len(cols) >= 5:
            styles[(cols[0], cols[1])] = Style(*cols[:5])
    return styles, lighting


FAMILY_ORDER = ("photo", "watercolor", "oil", "anime", "ink", "cyberpunk", "3d", "fantasy",
                "pixel", "tech")
_FAMILY_OF_KEY = {"clay": "3d", "3d": "3d", "vaporwave": "cyberpunk", "ghibli": "anime",
                  "comic": "anime", "cartoon": "anime", "impressionist": "oil",
                  "vangogh": "oil", "monet": "oil", "gouache": "watercolor"}


def _split(items: str) -> list[str]:
    return [x.strip() for x in re.split(r"[,，]", items) if x.strip()]


def _existing_style(raw: str) -> tuple[str | None, str | None]:
    """(template family, vocabulary key) of a style the raw prompt already names."""
    from tools.rewrite import find_en, find_zh

    hits = find_zh(raw, ("style",)) if has_cjk(raw) else find_en(raw, ("style",), strong=True)
    if not hits:
        return None, None
    key = hits[0].entry.key
    styles, _ = _templates()
    family = key if (key, "en") in styles else _FAMILY_OF_KEY.get(key)
    return family, key


def _compose(raw: str, style: Style | None, lighting: str, lang: str) -> str:
    sep = "，" if lang == "zh" else ", "
    parts = [raw]
    if style is not None:
        parts += _split(style.subject_words) + _split(style.modifiers)
    parts.append(lighting)
    if style is not None:
        parts += _split(style.details)
    else:
        parts += (["细节丰富", "杰作", "最佳质量"] if lang == "zh"
                  else ["highly detailed", "masterpiece", "best quality"])
    seen: set[str] = set()
    out = []
    raw_low = raw.lower()
    for p in parts:
        k = p.lower()
        if k in seen or (p is not raw and k in raw_low):
            continue
        seen.add(k)
        out.append(p)
    return sep.join(out)


def _rules(raw: str, n: int, seed: int) -> list[tuple[str, str]]:
    """``n`` template prompts: several style families, or one family in several lights."""
    styles, lighting = _templates()
    lang = "zh" if language(raw) == "zh" else "en"
    lights = lighting.get(lang) or [""]
    family, key = _existing_style(raw)
    out: list[tuple[str, str]] = []
    if family is not None or key is not None:  # keep the style the user chose
        style = styles.get((family, lang)) if family else None
        for k in range(n):
            out.append((_compose(raw, style, lights[(seed + k) % len(lights)], lang), "rules"))
        return out
    order = [f for f in FAMILY_ORDER if (f, lang) in styles]
    start = seed % len(order)
    order = order[start:] + order[:start]
    for k in range(n):
        fam = order[k % len(order)]
        light = lights[(seed + k // len(order) + k) % len(lights)]
        out.append((_compose(raw, styles[(fam, lang)], light, lang), "rules"))
    return out


# ------------------------------------------------------------------------ model backend


def _lm(raw: str, n: int, settings: Settings, model_id: str, seed: int | None) -> list[str]:
    import torch

    from tools.models import load_causal_lm
    from tools.rewrite import decode_new_tokens

    tokenizer, model = load_causal_lm(settings, model_id)
    template, sampling, max_length, max_new = template_for(model_id)
    text = template.format(raw_prompt=raw)
    input_ids = tokenizer.encode(text, return_tensors="pt").to(model.device)
    length = input_ids.shape[1]
    if max_new is None:
        max_new = max(16, (max_length or MAX_LENGTH) - length)
    if seed is not None:
        torch.manual_seed(seed)
    with torch.inference_mode():
        out = model.generate(input_ids, max_new_tokens=max_new, num_return_sequences=n,
                             pad_token_id=tokenizer.pad_token_id or tokenizer.eos_token_id,
                             **sampling)
    return decode_new_tokens(tokenizer, out, length)


def _tidy(candidate: str) -> str:
    s = clean_text(candidate.replace("\ufffd", " "), MAX_PROMPT_CHARS)
    s = s.split("### Input")[0].split("Input:")[0].split("Instruction:")[0]
    s = re.sub(r"\s*,\s*(?:,\s*)+", ", ", s)
    return s.strip(" ,，.")


# ------------------------------------------------------------------------ ranking


def aesthetic(prompt: str) -> float:
    """A cheap detail/aesthetic heuristic in [0, 1]: quality and lighting words help, text
    beyond what CLIP reads (77 tokens) and repeated words hurt."""
    words = re.findall(r"[\w'-]+", prompt.lower())
    quality = len({m.group(0).lower() for m in _QUALITY.finditer(prompt)})
    approx_tokens = len(words) * 1.3 + len(re.findall(r"[\u4e00-\u9fff]", prompt)) * 0.8
    score = min(quality, 8) / 8
    if approx_tokens > CLIP_TOKENS:
        score -= min(0.5, (approx_tokens - CLIP_TOKENS) / 100)
    if words:
        score -= 0.5 * (1 - len(set(words)) / len(words))
    return round(max(0.0, min(1.0, score)), 4)


def rank(raw: str, prompts: list[tuple[str, str]], n: int) -> list[Candidate]:
    """Integrity against ``raw`` first, then the aesthetic score; duplicates dropped."""
    from tools.integrity import content_integrity

    seen: set[str] = set()
    out = []
    for text, source in prompts:
        key = re.sub(r"[\s,，]+", " ", text.lower()).strip()
        if not key or key in seen:
            continue
        seen.add(key)
        integ = content_integrity(raw, "", text).score
        out.append(Candidate(text, aesthetic(text), integ, source))
    out.sort(key=lambda c: (-c.integrity, -c.score))
    return out[:n]


# ------------------------------------------------------------------------ beautify


def beautify(raw_prompt: str, n: int = 5, *, settings: Settings, backend: str | None = None,
             seed: int | None = None, llm: Any = None) -> Candidates:
    """Up to ``n`` detailed prompts for ``raw_prompt``, best first (see module doc).

    Raises :class:`errors.InvalidInput` for an empty prompt. When the model backend is not
    available or produces nothing usable, the rule-based templates answer and
    ``result.note`` says so.
    """
    from tools.integrity import content_integrity
    from tools.models import profile_for

    raw = require_text(raw_prompt, "prompt", MAX_PROMPT_CHARS)
    n = max(1, min(int(n or 1), MAX_CANDIDATES))
    profile = profile_for(settings)
    chosen = (backend or profile.beautify_backend or "rules").lower()
    if chosen not in ("rules", "lm"):
        raise ImagechatError(f"unknown beautify backend {chosen!r}; use rules or lm")
    result = Candidates()
    if chosen == "lm":
        model_id = profile.beautify_lm
        try:
            if not model_id:
                raise NotAvailable(f"the profile {profile.name!r} names no BeautifulPrompt model")
            source_text = raw
            if has_cjk(raw):  # BeautifulPrompt was trained on English prompts
                from tools.translate import to_english

                source_text = to_english(raw, settings=settings, llm=llm).text
            texts = _lm(source_text, n, settings, model_id, seed)
        except NotAvailable as e:
            result.note = f"{e}; I used the style templates instead"
        except ImagechatError:
            raise
        except Exception as e:  # noqa: BLE001 - a model failure must not break the chat
            result.note = (f"the prompt model failed ({type(e).__name__}); I used the style "
                           "templates instead")
        else:
            prompts = []
            for t in texts:
                t = _tidy(t)
                if not t:
                    continue
                if content_integrity(raw, "", t).score < 1.0:
                    t = f"{source_text}, {t}"  # the raw subject is always kept
                prompts.append((t, "lm"))
            ranked = rank(raw, prompts, n)
            if ranked:
                result.extend(ranked)
                result.backend = "lm"
                return result
            result.note = "the prompt model produced nothing usable; I used the style templates"
    result.extend(rank(raw, _rules(raw, n, seed or 0), n))
    result.backend = "rules"
    return result
