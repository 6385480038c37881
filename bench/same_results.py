"""Whether a change of code alone (a move, a rename) left the results alone: results.json files compared as JSON,
equal apart from the time stamp of the run (`generated_at`).

    python bench/same_results.py BEFORE.json AFTER.json
    python bench/same_results.py BEFORE_DIR AFTER_DIR     # every *.json of BEFORE_DIR against its namesake

Score each batch with the code before and after (`xuexi score BATCH --out DIR`, on each engine wanted) and keep
the results.json files under one name per batch and engine (dev-local.json, dev-dask.json, …). Prints one line a
pair, with the first differences; exits 1 if any pair differs or is missing.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

STAMP = "generated_at"  # the run's time stamp: the one field two runs of the same code may differ in


def without_stamp(path: Path) -> dict:
    results = json.loads(path.read_text(encoding="utf-8"))
    results.pop(STAMP, None)
    return results


def differences(a, b, where: str = "$", limit: int = 5) -> list[str]:
    """Up to `limit` paths where two JSON values differ."""
    if type(a) is not type(b):
        return [f"{where}: {type(a).__name__} ≠ {type(b).__name__}"]
    if isinstance(a, dict):
        found = [f"{where}.{k}: only on one side" for k in sorted(set(a) ^ set(b), key=str)]
        for k in sorted(set(a) & set(b), key=str):
            if len(found) >= limit:
                break
            found += differences(a[k], b[k], f"{where}.{k}", limit - len(found))
        return found[:limit]
    if isinstance(a, list):
        found = [f"{where}: {len(a)} ≠ {len(b)} items"] if len(a) != len(b) else []
        for i, (x, y) in enumerate(zip(a, b)):
            if len(found) >= limit:
                break
            found += differences(x, y, f"{where}[{i}]", limit - len(found))
        return found[:limit]
    return [] if a == b else [f"{where}: {str(a)[:60]!r} ≠ {str(b)[:60]!r}"]


def compare(before: Path, after: Path) -> bool:
    if not after.is_file():
        print(f"{before.name}: MISSING {after}")
        return False
    found = differences(without_stamp(before), without_stamp(after))
    print(f"{before.name}: {'JSON-equal apart from ' + STAMP if not found else 'DIFFERENT'}")
    for line in found:
        print(f"    {line}")
    return not found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    a = parser.parse_args()
    if a.before.is_dir():
        pairs = [(p, a.after / p.name) for p in sorted(a.before.glob("*.json"))]
        if not pairs:
            raise SystemExit(f"no results in {a.before}")
    else:
        pairs = [(a.before, a.after)]
    same = [compare(before, after) for before, after in pairs]
    return 0 if all(same) else 1


if __name__ == "__main__":
    sys.exit(main())
