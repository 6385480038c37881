"""Topic levels and document diagnoses against the labelled batches, per document, from a finished run.

    python bench/topics.py [--only township,bank] [--out DIR] [-v]

Reads each batch's run in DIR/<batch> (as bench/yardstick.py leaves it: results.json and the parse cache), scores
topic coverage and the diagnoses again with the current code — taking copying, quotations and boilerplate from
the run, so a change to topics or diagnoses is measured in seconds — and prints per batch: topic exact / qwk,
补学 wrongly required / missed, every level that differs from the key, and the confusion of the diagnoses against
what the batch's NOTES.md (or the demo's EXPECTED.md) calls each document: 两张皮, or a work report given
instead of study (以工作代学习). Nothing here is fitted: it is a measuring tool.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from yardstick import BATCHES  # noqa: E402

from pipeline.annotations import COPIED, GENERIC, QUOTED, annotate  # noqa: E402
from pipeline.batch import Batch  # noqa: E402
from pipeline.model import Source  # noqa: E402
from pipeline.engines.stages import batch_parse_cache, read_files  # noqa: E402
from pipeline.semantic import get_encoder  # noqa: E402
from pipeline.submission import Submission  # noqa: E402
from pipeline.topics import TopicConfig, TopicMatcher  # noqa: E402

sys.path.insert(0, str(ROOT.parent / "shared" / "eval"))
from evaluate import qwk  # noqa: E402

# How the keys name the two diagnoses (NOTES.md and EXPECTED.md are prose; these are the terms they use).
KEY_TERMS = {"theory_without_practice": re.compile(r"两张皮"),
             "work_report_not_study": re.compile(r"work report|以工作汇报代替|实为上半年工作汇报|工作汇报代替理论学习")}


def keyed_diagnoses(batch: Path, doc_ids: list[str]) -> dict[str, set[str]]:
    """The diagnosis each document's entry in the key names (one line or table row per document)."""
    notes = batch / "NOTES.md" if (batch / "NOTES.md").is_file() else batch / "EXPECTED.md"
    out = {d: set() for d in doc_ids}
    if not notes.is_file():
        return out
    for line in notes.read_text(encoding="utf-8").splitlines():
        head = re.match(r"\s*(?:[-|]\s*)?(?:\*\*)?(\d{3})", line)
        if not head:
            continue
        doc = next((d for d in doc_ids if d.startswith(head.group(1))), None)
        if doc:
            out[doc] |= {name for name, term in KEY_TERMS.items() if term.search(line)}
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default="")
    ap.add_argument("--out", default="/tmp/topics-out")
    ap.add_argument("--oracle", action="store_true",
                    help="take copied, quoted and generic spans from the key instead of the run: topic levels as "
                         "they will be once those stages are right")
    ap.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                    help="a TopicConfig field to try another value of (repeatable)")
    ap.add_argument("-v", "--verbose", action="store_true", help="print the evidence of every wrong level")
    a = ap.parse_args()
    names = [n for n in a.only.split(",") if n] or list(BATCHES)
    encoder = None
    for name in names:
        root, out = BATCHES[name], Path(a.out) / name
        labels = json.loads((root / "labels.json").read_text(encoding="utf-8"))["documents"]
        batch = Batch.open(root)
        if encoder is None:
            encoder = get_encoder(None, cache_dir=out.parent / "dev" / ".cache" / "embeddings")
        fields = {f.name: f.type for f in dataclasses.fields(TopicConfig)}
        overrides = {k: (int if fields[k] == "int" else float)(v) for k, v in (x.split("=") for x in a.set)}
        matcher = TopicMatcher(batch.topics, encoder=encoder, config=TopicConfig(**overrides))
        pairs, wrong, missed, diffs = [], 0, 0, []
        confusion = Counter()
        keyed = keyed_diagnoses(root, [p.stem for p in batch.submissions])
        for s in annotated_submissions(batch, out, labels if a.oracle else None):
            assessment = matcher.assess(s)
            coverage = assessment.topics
            truth = labels[s.doc_id]["topics"]
            for c in coverage:
                t = truth.get(c.topic_id)
                if t is None:
                    continue
                pairs.append((t, c.level))
                wrong += t > 0 and c.level == 0
                missed += t == 0 and c.level > 0
                if t != c.level:
                    diffs.append((s.doc_id, c, t, assessment.evidence[c.topic_id]))
            found = {k for k, v in assessment.diagnoses.items() if v}
            for d in ("theory_without_practice", "work_report_not_study"):
                confusion[(d, d in keyed[s.doc_id], d in found)] += 1
                if (d in keyed[s.doc_id]) != (d in found):
                    diffs.append((s.doc_id, d, d in keyed[s.doc_id], []))
        exact = sum(t == p for t, p in pairs) / len(pairs)
        print(f"{name:13} exact {exact:.3f} qwk {qwk(pairs):.3f} 补学 wrongly {wrong} missed {missed}")
        for d in ("theory_without_practice", "work_report_not_study"):
            tp, fp, fn = (confusion[(d, True, True)], confusion[(d, False, True)], confusion[(d, True, False)])
            print(f"    {d:24} key&found {tp}  found only {fp}  key only {fn}")
        for doc, c, t, evidence in diffs:
            if isinstance(c, str):
                print(f"    {doc} {c}: key {t}, found {not t}")
                continue
            print(f"    {doc} {c.topic_id}: key {t}, got {c.level}")
            if a.verbose:
                for e in evidence:
                    print(f"        [{e.role}] {e.text[:90]}")
    return 0


def annotated_submissions(batch: Batch, out: Path, labels: dict | None = None) -> Iterator[Submission]:
    """Each submission of `batch` as its run in `out` read it (the parse cache), with the copied, quoted and
    generic spans the matcher reads annotated on its Doc: the run's (results.json), or with `labels` the key's."""
    subs, _ = read_files(batch.root, batch.submissions, manifest=batch.manifest,
                         cache=batch_parse_cache(batch, out / ".cache" / "parsed"))
    by_id = {d["doc_id"]: d for d in json.loads((out / "results.json").read_text(encoding="utf-8"))["documents"]}
    for s in subs:
        r = _from_key(s.text, labels[s.doc_id]) if labels is not None else by_id[s.doc_id]
        for group in (COPIED, QUOTED, GENERIC):
            annotate(s.doc, group, [(p["start"], p["end"], {"source": Source.read(p.get("source"))})
                                    for p in r[group]])
        yield s


def _from_key(text: str, label: dict) -> dict:
    """The key's copied, quoted and generic passages as spans of the text (those found in it)."""
    def spans(items):
        out = []
        for item in items:
            passage = item["text"] if isinstance(item, dict) else item
            at = text.find(passage)
            if at >= 0:
                out.append({"start": at, "end": at + len(passage),
                            "source": item.get("source") if isinstance(item, dict) else None})
        return out

    return {"copied": spans(label["copied"]), "quoted": spans(label["quoted"]), "generic": spans(label["generic"])}


if __name__ == "__main__":
    sys.exit(main())
