#!/usr/bin/env python3
"""Statement and branch coverage of a combined ``coverage`` run, and a floor on branches.

    .venv/bin/python -m coverage run -m pytest && .venv/bin/python -m coverage combine
    .venv/bin/python scripts/coverage_floor.py [--branches FLOOR]

Prints both figures and the ten files with the most missed branches; exits 1 when branch
coverage is under the floor (``coverage report --fail-under`` only knows the mixed total).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--branches", type=float, default=0.0,
                    help="the floor, in percent (default: none, only print the figures)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "coverage.json"
        subprocess.run([sys.executable, "-m", "coverage", "json", "-q", "-o", str(out)],
                       check=True)
        data = json.loads(out.read_text())
    t = data["totals"]
    statements = 100 * t["covered_lines"] / max(1, t["num_statements"])
    branches = 100 * t["covered_branches"] / max(1, t["num_branches"])
    print(f"coverage: statements {statements:.1f}% ({t['covered_lines']}/{t['num_statements']})"
          f", branches {branches:.1f}% ({t['covered_branches']}/{t['num_branches']})")
    worst = sorted(((f["summary"]["num_branches"] - f["summary"]["covered_branches"], name)
                    for name, f in data["files"].items()), reverse=True)[:10]
    print("most missed branches: " + ", ".join(f"{name} {n}" for n, name in worst if n))
    if branches < args.branches:
        print(f"error: branch coverage {branches:.1f}% is under the floor {args.branches}%",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
