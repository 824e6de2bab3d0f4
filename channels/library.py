"""``bot.py index DIR`` and ``bot.py search``: the picture library from the command line.

Results go to stdout (a ranked list, or JSON with ``--json``); the progress bar and
errors go to stderr, so ``search --json`` output can be piped as is.
"""

from __future__ import annotations

import argparse
import json

from errors import InvalidInput
from settings import Settings
from tools.retrieve import Hit, IndexReport, Library

SHOW_SKIPPED = 10  # skipped files listed by name; the rest are counted


def run_index(args: argparse.Namespace, settings: Settings) -> int:
    """Index (or update) the pictures under ``args.folder`` and print what changed."""
    library = Library(settings, _library_name(args))  # a private one, closed when done
    try:
        report = library.index_folder(
            args.folder,
            batch_size=args.batch_size,
            progress=True,
            rebuild=bool(getattr(args, "rebuild", False)),
        )
    finally:
        library.close()
    print(format_report(report))
    return 0


def _library_name(args: argparse.Namespace) -> str:
    """The operator's library, or with --user the library of that chat user."""
    from tools.retrieve import DEFAULT_NAME, user_library_name

    user = getattr(args, "user", None)
    return user_library_name(user) if user else DEFAULT_NAME


def run_search(args: argparse.Namespace, settings: Settings) -> int:
    """Print the pictures best matching ``args.query`` or ``args.image``."""
    query = args.query
    image = args.image
    if query is not None and image is not None:
        raise InvalidInput("give either a text to search for or --image PATH, not both")
    if (query is None or not query.strip()) and image is None:
        raise InvalidInput(
            'say what to look for: python bot.py search "海边的日落" or '
            "python bot.py search --image PATH"
        )
    library = Library(settings, _library_name(args))
    try:
        if image is not None:
            hits = library.search_image(image, k=args.k)
        else:
            hits = library.search_text(query, k=args.k)
    finally:
        library.close()
    if args.json:
        print(json.dumps([{"path": h.path, "score": round(h.score, 6)} for h in hits],
                         ensure_ascii=False))
    else:
        print(format_hits(hits))
    return 0


def format_hits(hits: list[Hit]) -> str:
    if not hits:
        return "no pictures found"
    width = len(str(len(hits)))
    return "\n".join(
        f"{rank:>{width}}. {hit.score:6.3f}  {hit.path}" for rank, hit in enumerate(hits, 1)
    )


def format_report(report: IndexReport) -> str:
    lines = [f"indexed {report.folder} in {report.seconds:.1f} s"]
    rows = [
        ("added", report.added, ""),
        ("updated", report.updated, "content changed, re-embedded"),
        ("moved", report.moved, "renamed or moved, not re-embedded"),
        ("unchanged", report.unchanged, ""),
        ("removed", report.removed, "deleted from disk"),
        ("skipped", report.skipped_count, "unreadable or not a picture"),
    ]
    for label, value, note in rows:
        lines.append(f"  {label:<10}{value:>8}" + (f"  ({note})" if note and value else ""))
    for path, why in report.skipped[:SHOW_SKIPPED]:
        lines.append(f"      {path}: {why}")
    if report.skipped_count > SHOW_SKIPPED:
        lines.append(f"      ... and {report.skipped_count - SHOW_SKIPPED} more")
    kind = "exact" if report.index_kind == "flat" else f"approximate, {report.index_kind}"
    lines.append(f"  {'total':<10}{report.total:>8}  pictures in the library ({kind} index)")
    return "\n".join(lines)
