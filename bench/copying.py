"""Copy detection figures: quality on a labelled batch, and speed against a MinHashLSH baseline.

    python bench/copying.py dev [BATCH] [--library DIR] [--no-paraphrase] [--out DIR]
        runs the detector on a labelled batch (default ../shared/eval/dev; texts from labels.json, as ingest
        would give them), writes OUT/results.json and prints evaluate.py's copy figures and the time taken.
    python bench/copying.py scale [--docs N] [--library DIR]
        composes N and 2N documents from the dev blocks (compose.py --reuse), adds the library, and times
        lexical copy detection (verbatim/edited; paraphrase is bounded by the encoder, see `dev`) against a
        datasketch MinHashLSH baseline over the same paragraphs. Needs `pip install datasketch`.

Prints figures; asserts nothing. Data are read from ../shared (never copied into the project).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT))

from pipeline.annotations import COPIED  # noqa: E402
from pipeline.copying import (CheckedText, CopyConfig, CopyDetector, CopyReport, CopySource,  # noqa: E402
                              find_attributed_quotes)
from pipeline.results import copied_entries, quoted_entries  # noqa: E402
from pipeline.segment import get_nlp  # noqa: E402

EVAL = SHARED / "eval"
COPY_FIGURES = ("copy_precision", "copy_recall", "copy_f1", "copy_recall_by_kind", "copy_source_accuracy",
                "quoted_flagged_as_copied", "copy_ratio_mae", "unlocated_copied_spans")


def folder_sources(folder: Path, prefix: str, author_from_name: bool = False) -> list[CopySource]:
    """One CopySource per .txt file of a folder; prior files are named <id>_<author>_<type>.txt."""
    sources = []
    for path in sorted(folder.glob("*.txt")):
        parts = path.stem.split("_")
        author = parts[1] if author_from_name and len(parts) > 1 else None
        sources.append(CopySource(f"{prefix}:{path.stem}", path.read_text(encoding="utf-8"), author))
    return sources


def batch_sources(batch: Path, library: Path | None) -> list[CopySource]:
    sources = folder_sources(batch / "references", "ref") + folder_sources(batch / "prior", "prior", True)
    return sources + (folder_sources(library, "lib") if library else [])


def checked_texts(texts: dict[str, tuple[str, str | None]]) -> list[CheckedText]:
    return [CheckedText(doc_id, text, author, tuple(find_attributed_quotes(text)))
            for doc_id, (text, author) in sorted(texts.items())]


def load_evaluate():
    spec = importlib.util.spec_from_file_location("evaluate", EVAL / "evaluate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.evaluate


def run_dev(args) -> None:
    batch = Path(args.batch)
    labels = json.loads((batch / "labels.json").read_text(encoding="utf-8"))
    texts = checked_texts({d: (v["text"], v.get("author")) for d, v in labels["documents"].items()})
    sources = batch_sources(batch, Path(args.library) if args.library else None)
    encoder = None
    if not args.no_paraphrase:
        from pipeline.semantic import get_encoder

        encoder = get_encoder(cache_dir=Path(args.cache)) if args.cache else get_encoder()
    detector = CopyDetector(CopyConfig(paraphrase=not args.no_paraphrase), encoder=encoder)
    started = time.perf_counter()
    reports = detector.detect(texts, sources)
    seconds = time.perf_counter() - started
    documents = [copy_fields(t, reports[t.doc_id]) for t in texts]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    results = {"schema": "xuexi.results/1", "documents": documents, "failed": []}
    (out / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    figures = load_evaluate()(labels, results)
    chars = sum(len(s.text) for s in sources) + sum(len(t.text) for t in texts)
    print(f"batch {batch}  submissions {len(texts)}  sources {len(sources)}  characters {chars:,}")
    print(f"detect: {seconds:.1f} s" + (f"  (encoder {encoder.name}: {encoder.stats})" if encoder else ""))
    for name in COPY_FIGURES:
        print(f"  {name:28} {figures[name]}")


def copy_fields(text: CheckedText, report: CopyReport) -> dict:
    """A document of results.json with its copy fields only, written as the pipeline writes them: the report
    annotates the text's Doc (its words are all it needs) and the serializer reads it."""
    doc = get_nlp().make_doc(text.text)
    report.annotate(doc)
    return {"doc_id": text.doc_id, "topics": [], "generic": [], "copied": copied_entries(doc, COPIED),
            "quoted": quoted_entries(doc), "copy_ratio": round(report.copy_ratio, 4)}


def compose(out: Path, docs: int, seed: int) -> None:
    subprocess.run([sys.executable, str(EVAL / "compose.py"), str(EVAL / "blocks" / "dev-A.json"),
                    str(EVAL / "blocks" / "dev-B.json"), "--out", str(out), "--docs", str(docs), "--seed", str(seed),
                    "--formats", "txt", "--reuse"], check=True, capture_output=True)


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.split("\n") if len(p.strip()) >= 40]


def minhash_baseline(texts: list[CheckedText], sources: list[CopySource], threshold: float = 0.5,
                     shingle: int = 5, num_perm: int = 128) -> tuple[float, int]:
    """datasketch MinHashLSH over paragraphs: every paragraph (submissions and sources) is inserted, every
    submission paragraph queried. Returns (seconds, candidate pairs)."""
    from datasketch import MinHash, MinHashLSH

    started = time.perf_counter()
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    queries = []
    for owner, text in [(s.source_id, s.text) for s in sources] + [(t.source_id, t.text) for t in texts]:
        for n, para in enumerate(paragraphs(text)):
            m = MinHash(num_perm=num_perm, seed=1)
            m.update_batch([para[i:i + shingle].encode() for i in range(max(1, len(para) - shingle + 1))])
            key = f"{owner}#{n}"
            lsh.insert(key, m)
            if owner.startswith("doc:"):
                queries.append((key, m))
    pairs = sum(len(lsh.query(m)) - 1 for _, m in queries)
    return time.perf_counter() - started, pairs


def run_scale(args) -> None:
    library = folder_sources(Path(args.library), "lib") if args.library else []
    detector = CopyDetector(CopyConfig(paraphrase=False))
    print(f"library: {len(library)} texts, {sum(len(s.text) for s in library):,} characters")
    print(f"{'docs':>6} {'chars':>11} {'xuexi s':>8} {'matches':>8} {'minhash s':>9} {'pairs':>9} {'ratio':>6}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in (args.docs, 2 * args.docs):
            batch = Path(tmp) / f"n{n}"
            compose(batch, n, seed=11)
            texts = checked_texts({p.stem: (p.read_text(encoding="utf-8"), p.stem.split("_")[1])
                                   for p in (batch / "submissions").glob("*.txt")})
            sources = batch_sources(batch, None) + library
            chars = sum(len(t.text) for t in texts) + sum(len(s.text) for s in sources)
            started = time.perf_counter()
            reports = detector.detect(texts, sources)
            ours = time.perf_counter() - started
            matches = sum(len(r.matches) for r in reports.values())
            theirs, pairs = minhash_baseline(texts, sources)
            print(f"{n:>6} {chars:>11,} {ours:>8.1f} {matches:>8} {theirs:>9.1f} {pairs:>9} {theirs / ours:>6.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    dev = sub.add_parser("dev", help="quality on a labelled batch")
    dev.add_argument("batch", nargs="?", default=str(EVAL / "dev"))
    dev.add_argument("--library", help="folder of .txt files used as the reference library")
    dev.add_argument("--no-paraphrase", action="store_true", help="character matching only")
    dev.add_argument("--cache", help="embedding cache folder (reruns skip the encoder)")
    dev.add_argument("--out", default=str(Path(tempfile.gettempdir()) / "xuexi-copying"))
    scale = sub.add_parser("scale", help="speed against MinHashLSH at N and 2N documents")
    scale.add_argument("--docs", type=int, default=5000)
    scale.add_argument("--library", default=str(SHARED / "corpora" / "gov_reports"))
    args = ap.parse_args()
    run_dev(args) if args.command == "dev" else run_scale(args)


if __name__ == "__main__":
    main()
