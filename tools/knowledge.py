"""Entity knowledge (ARTIST, seed 000): say what the things in a prompt look like.

Image models draw what they have seen often; "一颗绿色的花椰菜" without knowledge comes out
as "some green leafy vegetable". Before generation the prompt is scanned for entities of a
lexicon (``data/lexicon.tsv``: entity, aliases in any language, a short English visual
description) and the descriptions of the ones found are appended. Users add or override
entries with their own TSV (setting ``lexicon``, same three columns, loaded after the
shipped file so it wins).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from tools.text import MAX_PROMPT_CHARS, add_words, clean_text, has_cjk, is_chinese, segment

if TYPE_CHECKING:
    from settings import Settings

SHIPPED = Path(__file__).resolve().parent / "data" / "lexicon.tsv"
MAX_ENTITIES = 4  # more descriptions would push the subject out of CLIP's 77 tokens


@dataclass(frozen=True)
class Entity:
    name: str
    aliases: tuple[str, ...]
    description: str


@dataclass(frozen=True)
class Enriched:
    prompt: str  # what the image model should read
    original: str
    entities: list[str] = field(default_factory=list)  # entity names found (JSON-friendly)
    descriptions: dict[str, str] = field(default_factory=dict)
    note: str = ""


@dataclass
class Lexicon:
    entities: dict[str, Entity]
    zh_alias: dict[str, str]  # Chinese alias -> entity name
    latin: re.Pattern[str] | None
    latin_alias: dict[str, str]  # lowercase Latin alias -> entity name
    note: str = ""


def read_tsv(path: Path) -> tuple[list[Entity], int]:
    """Entities of a lexicon file and the number of lines that could not be used."""
    entities, bad = [], 0
    for line in path.read_text(encoding="utf-8-sig").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cols = [c.strip() for c in line.split("\t")]
        if len(cols) < 3 or not cols[0] or not cols[2]:
            bad += 1
            continue
        aliases = tuple(dict.fromkeys(a.strip() for a in [cols[0], *cols[1].split("|")]
                                      if a.strip()))
        entities.append(Entity(cols[0], aliases, clean_text(cols[2], 300)))
    return entities, bad


def _build(files: list[tuple[Path, bool]]) -> Lexicon:
    by_name: dict[str, Entity] = {}
    alias_owner: dict[str, str] = {}
    notes = []
    for path, shipped in files:
        try:
            entities, bad = read_tsv(path)
        except (OSError, UnicodeDecodeError) as e:
            if shipped:
                raise
            notes.append(f"could not read your lexicon {path} ({type(e).__name__}); using the "
                         "built-in one")
            continue
        if bad and not shipped:
            notes.append(f"{bad} line(s) of {path} were skipped (need entity, aliases and "
                         "description separated by tabs)")
        for ent in entities:
            key = ent.name.lower()
            by_name[key] = ent
            for a in ent.aliases:
                alias_owner[a.lower()] = key
    zh = {a: k for a, k in alias_owner.items() if has_cjk(a)}
    latin = {a: k for a, k in alias_owner.items() if not has_cjk(a)}
    add_words({a: "n" for a in zh})
    pattern = None
    if latin:
        alts = "|".join(re.escape(a).replace(r"\ ", r"\s+")
                        for a in sorted(latin, key=len, reverse=True))
        pattern = re.compile(rf"(?<![\w'-])(?:{alts})(?:e?s)?(?![\w'-])", re.I)
    return Lexicon(by_name, zh, pattern, latin, "; ".join(notes))


_lock = threading.Lock()
_cache: dict[tuple, Lexicon] = {}


def load_lexicon(settings: Settings | None = None) -> Lexicon:
    """The shipped lexicon plus the user's (``settings.lexicon``), cached per file version."""
    files: list[tuple[Path, bool]] = [(SHIPPED, True)]
    stamp: list[object] = [SHIPPED.stat().st_mtime_ns]
    note = ""
    user = (settings.lexicon or "").strip() if settings is not None else ""
    if user:
        path = Path(user).expanduser()
        if path.is_file():
            files.append((path, False))
            stamp += [str(path), path.stat().st_mtime_ns]
        else:
            note = f"your lexicon file {path} does not exist; using the built-in one"
    key = tuple(stamp)
    with _lock:
        lex = _cache.get(key)
        if lex is None:
            lex = _build(files)
            _cache.clear()
            _cache[key] = lex
    if note:
        return Lexicon(lex.entities, lex.zh_alias, lex.latin, lex.latin_alias,
                       "; ".join(filter(None, (lex.note, note))))
    return lex


def find_entities(text: str, lexicon: Lexicon) -> list[Entity]:
    """Entities named in ``text``, in order of appearance, each once (longest alias wins)."""
    found: list[tuple[int, str]] = []
    if has_cjk(text):
        tokens = segment(text)
        pos = 0
        i = 0
        while i < len(tokens):
            hit = None
            for j in range(min(len(tokens), i + 4), i, -1):  # aliases jieba split apart
                piece = "".join(tokens[i:j]).strip()
                if piece in lexicon.zh_alias:
                    hit = (j, piece)
                    break
            if hit:
                found.append((pos, lexicon.zh_alias[hit[1]]))
                pos += sum(len(t) for t in tokens[i:hit[0]])
                i = hit[0]
            else:
                pos += len(tokens[i])
                i += 1
    if lexicon.latin is not None:
        for m in lexicon.latin.finditer(text):
            word = re.sub(r"\s+", " ", m.group(0).lower())
            owner = lexicon.latin_alias.get(word) or lexicon.latin_alias.get(
                re.sub(r"e?s$", "", word)) or lexicon.latin_alias.get(word[:-1])
            if owner:
                found.append((m.start(), owner))
    seen: set[str] = set()
    out = []
    for _, key in sorted(found):
        if key not in seen:
            seen.add(key)
            out.append(lexicon.entities[key])
    return out


def enrich(prompt: str, *, settings: Settings) -> Enriched:
    """``prompt`` with the visual descriptions of the entities it names appended.

    Idempotent (a description already in the prompt is not added again); never raises for
    a prompt, and a broken user lexicon only produces a ``note``.
    """
    original = clean_text(prompt, MAX_PROMPT_CHARS)
    if not original:
        return Enriched(original, original)
    lexicon = load_lexicon(settings)
    entities = find_entities(original, lexicon)[:MAX_ENTITIES]
    sep = "，" if is_chinese(original) else ", "
    text = original
    names, descriptions = [], {}
    for ent in entities:
        names.append(ent.name)
        descriptions[ent.name] = ent.description
        if ent.description.lower() in text.lower():
            continue
        text = f"{text}{sep}{ent.name}, {ent.description}"
    return Enriched(text, original, names, descriptions, lexicon.note)
