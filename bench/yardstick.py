"""The labelled yardstick across styles: every batch of ../shared/eval (dev and the batches written by other
hands) and the demo, each scored by `xuexi score` and measured by evaluate.py, one row a batch.

    python bench/yardstick.py [--semantic NAME] [--config FILE] [--only township,bank] [--out DIR] [--loo]

Prints the figures issue 13 bounds (topics, 补学, copy flags, quotations, generic). With --loo, the same table
again with the boilerplate score's weights and threshold (the values bench/fit_boilerplate.py fits) fitted on the
other batches and the left-out batch scored with that fit, through `xuexi score --config`. The paraphrase
calibration and the 两张皮 share are judged leave-one-batch-out by their own scripts (calibrate_paraphrase.py,
fit_diagnosis.py), which print the left-out batch's decisions.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
EVALUATE = SHARED / "eval" / "evaluate.py"
BATCHES = {
    "dev": SHARED / "eval" / "dev",
    "university": SHARED / "eval" / "university",
    "township": SHARED / "eval" / "township",
    "procuratorate": SHARED / "eval" / "procuratorate",
    "bank": SHARED / "eval" / "bank",
    "demo": ROOT / "corpora" / "demo",
}
COLUMNS = [  # (metric, header, bound as issue 13 sets it: (">=" or "<=", value))
    ("topic_exact", "exact", (">=", 0.85)),
    ("topic_qwk", "qwk", (">=", 0.90)),
    ("makeup_wrongly_required", "补学误", ("<=", 0)),
    ("makeup_missed", "补学漏", None),
    ("copy_f1", "copyF1", (">=", 0.90)),
    ("copy_flag_precision", "flagP", (">=", 0.95)),
    ("false_copy_flags", "false", None),
    ("paraphrase_recall", "para R", (">=", 1.0)),
    ("quoted_flagged_as_copied", "quoted", ("<=", 0.02)),
    ("generic_recall", "genR", (">=", 0.80)),
    ("generic_false_positive_rate", "genFP", ("<=", 0.03)),
]


def score(name: str, batch: Path, out: Path, extra: list[str]) -> dict:
    xuexi = Path(sys.executable).with_name("xuexi")
    cmd = [str(xuexi), "score", str(batch), "--out", str(out), *extra]
    started = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if not (out / "results.json").is_file():
        raise SystemExit(f"{name}: xuexi score failed ({done.returncode}):\n{done.stderr[-2000:]}")
    metrics = json.loads(subprocess.run(
        [sys.executable, str(EVALUATE), "--labels", str(batch / "labels.json"), "--results",
         str(out / "results.json"), "--json"], capture_output=True, text=True, check=True).stdout)
    by_kind = metrics.get("copy_recall_by_kind") or {}
    para = [v for k, v in by_kind.items() if k.startswith("paraphrase/")]
    metrics["paraphrase_recall"] = min(para) if para else None
    metrics["seconds"] = round(seconds, 1)
    return metrics


def loo_configs(names: list[str], folder: Path) -> dict[str, Path]:
    """For each batch, a config file holding the boilerplate weights and threshold fitted without it."""
    import yaml

    sys.path.insert(0, str(Path(__file__).parent))
    from fit_boilerplate import BATCHES as FITTED, L2, MAX_FP, NEGATIVE_WEIGHT, batch_rows, fit, threshold_for  # noqa: E402

    from pipeline.boilerplate import FEATURES, BoilerplateConfig

    rows = {name: batch_rows(path, BoilerplateConfig()) for name, path in FITTED.items()}
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for name in names:
        train = {k: v for k, v in rows.items() if k != name}
        beta = fit(train, L2, NEGATIVE_WEIGHT)
        values = {"bias": float(beta[0]), **{f"weight_{f}": float(w) for f, w in zip(FEATURES, beta[1:])},
                  "threshold": float(threshold_for(train, beta, MAX_FP))}
        out[name] = folder / f"without-{name}.yaml"
        out[name].write_text(yaml.safe_dump({"boilerplate": values}), encoding="utf-8")
    return out


def row(name: str, m: dict) -> str:
    cells = [f"{name:13}"]
    for key, header, bound in COLUMNS:
        v = m.get(key)
        text = "—" if v is None else (f"{v:.3f}" if isinstance(v, float) else str(v))
        miss = bound is not None and v is not None and (v < bound[1] if bound[0] == ">=" else v > bound[1])
        cells.append(f"{text + ('*' if miss else ''):>8}")
    return " ".join(cells) + f"  {m.get('false_copy_flags_by_kind') or ''} {m['seconds']}s"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--semantic", default=None)
    ap.add_argument("--config", default=None, help="a scoring config file passed to xuexi score --config")
    ap.add_argument("--only", default="", help="comma-separated batch names")
    ap.add_argument("--out", default=str(ROOT / "outputs" / "yardstick"))
    ap.add_argument("--json", action="store_true", help="also print every batch's metrics as JSON")
    ap.add_argument("--loo", action="store_true", help="also score each batch with the weights fitted without it")
    a = ap.parse_args()
    extra = (["--semantic", a.semantic] if a.semantic else []) + (["--config", a.config] if a.config else [])
    names = [n for n in a.only.split(",") if n] or list(BATCHES)
    print(f"load average {os.getloadavg()[0]:.2f}; options {' '.join(extra) or '(defaults)'}")
    print(" ".join([f"{'batch':13}"] + [f"{h:>8}" for _, h, _ in COLUMNS]) + "  false flags by kind, time")
    everything = {}
    for name in names:
        m = score(name, BATCHES[name], Path(a.out) / name, extra)
        everything[name] = m
        print(row(name, m), flush=True)
    print("* misses issue 13's bound")
    if a.loo:
        print("\nleave one batch out (the boilerplate weights fitted on the other batches):")
        configs = loo_configs(names, Path(a.out) / "loo")
        for name in names:
            m = score(name, BATCHES[name], Path(a.out) / f"loo-{name}",
                      (["--semantic", a.semantic] if a.semantic else []) + ["--config", str(configs[name])])
            everything[f"loo:{name}"] = m
            print(row(name, m), flush=True)
    if a.json:
        print(json.dumps(everything, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
