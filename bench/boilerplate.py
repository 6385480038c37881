"""Boilerplate detection on a labelled batch: the yardstick's generic figures, precision on the members' own text,
and the document diagnoses against what the composer put in.

    python bench/boilerplate.py ../shared/eval/dev
    python bench/boilerplate.py /tmp/seed23 --topics /tmp/other/topics.yaml   # topic words it has not seen
    python bench/boilerplate.py ../shared/eval/dev --drop-phrases-in ../shared/eval/blocks/dev-A.json ../shared/eval/blocks/dev-B.json

Writes results.json with `generic` filled (other contract fields empty; kept with --out FILE) and runs
evaluate.py on it. Prints:
- generic_recall and generic_false_positive_rate (evaluate.py);
- own-text flag rate: the share of sentences of the labels' `own` texts (theory, practice, work report) that
  are flagged, by kind of text, and the flagged ones themselves;
- precision: the share of flagged sentences that are labelled generic, among flagged sentences that are
  labelled at all (generic, own, specific);
- the diagnoses per document next to the composer's profile (compose.py: the i-th document is `diligent`
  when i % 5 == 0, else PROFILES[i % 4]; `work_reporter` documents carry work-report paragraphs) and to the
  truth read from the labels (own theory but no own practice: theory_without_practice).
`--drop-phrases-in` removes from the stock list every phrase found in those files, to see what the detector
does with a list that knows none of a batch's formulations (as on a held-out batch, at worst).
With `--unless-in FILES`, phrases those independent texts of the genre use are kept (a fairer held-out proxy).
`--topics` judges with another topic list, so slogans must be caught without the batch's own topic words.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.batch import Batch  # noqa: E402
from pipeline.boilerplate import BoilerplateConfig, BoilerplateDetector  # noqa: E402
from pipeline.lexicon import phrase_list  # noqa: E402
from pipeline.ingest import partition  # noqa: E402
from pipeline.results import generic_entries  # noqa: E402
from pipeline.submission import read_submission  # noqa: E402
from pipeline.segment import teach_words  # noqa: E402
from pipeline.util.textnorm import fold  # noqa: E402
from pipeline.topiclist import TopicList  # noqa: E402

EVALUATE = ROOT.parent / "shared" / "eval" / "evaluate.py"
PROFILES = ["diligent", "average", "slacker", "work_reporter"]


def norm(s: str) -> str:
    return "".join(unicodedata.normalize("NFKC", s or "").split())


def sentences(text: str) -> list[str]:
    return [s.strip() for s in re.findall(r"[^。！？；\n]*[。！？；]", text) if s.strip()]


def own_kinds(lab: dict) -> list[str]:
    """Each own text of a labelled document as practice (its sentences are labelled specific), work report
    (four or more figures) or theory."""
    specific = {norm(s) for s in lab["specific"]}
    return ["practice" if any(norm(s) in specific for s in sentences(own))
            else "work" if len(re.findall(r"\d+", own)) >= 4 else "theory" for own in lab["own"]]


def profile_of(doc_id: str) -> str:
    i = int(doc_id.split("_")[0]) - 1
    return PROFILES[i % 4] if i % 5 else "diligent"


def reduced_stock_file(drop_sources: list[Path], keep_sources: list[Path], out: Path) -> Path:
    text = "".join(norm(p.read_text(encoding="utf-8")) for p in drop_sources)
    attested = "".join(norm(p.read_text(encoding="utf-8")) for p in keep_sources)
    kept = [p for p in map(fold, phrase_list(BoilerplateConfig().stock_phrases_file)) if p not in text or p in attested]
    out.write_text("\n".join(kept) + "\n", encoding="utf-8")
    return out


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bp-bench-") as tmp:
        return run(Path(tmp))


def run(tmp: Path) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("batch", type=Path)
    ap.add_argument("--topics", type=Path, help="judge with this topics.yaml instead of the batch's")
    ap.add_argument("--drop-phrases-in", type=Path, nargs="*", default=[])
    ap.add_argument("--unless-in", type=Path, nargs="*", default=[],
                    help="with --drop-phrases-in: keep the phrases these files (independent texts of the genre) also use")
    ap.add_argument("--set", default="", help="config overrides, e.g. threshold=2.5,weight_genre=1.5")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--show", action="store_true", help="print every flagged own sentence and missed generic one")
    a = ap.parse_args()

    overrides = {k: type(getattr(BoilerplateConfig(), k))(v) for k, v in (x.split("=") for x in filter(None, a.set.split(",")))}
    if a.drop_phrases_in:
        overrides["stock_phrases_file"] = reduced_stock_file(a.drop_phrases_in, a.unless_in, tmp / "stock.txt")
    config = BoilerplateConfig(**overrides)
    batch = Batch.open(a.batch)
    topics = TopicList.load(a.topics) if a.topics else batch.topics
    teach_words(k for t in topics for k in t.keywords)
    started = time.perf_counter()
    subs = [read_submission(p, batch_root=batch.root, manifest_row=batch.manifest.get(batch.relative(p)))
            for p in batch.submissions]
    read_s = time.perf_counter() - started
    sources = ["\n".join(e.text for e in partition(p)) for p in batch.references.values()]
    started = time.perf_counter()
    detector = BoilerplateDetector(config).fit(subs, sources=sources)
    reports = {s.doc_id: detector.detect(s, topics=topics) for s in subs}
    detect_s = time.perf_counter() - started
    for s in subs:
        reports[s.doc_id].annotate(s.doc)
    docs = [{"doc_id": s.doc_id, "file": s.file, "chars": s.chars, "topics": [], "copied": [], "quoted": [],
             "generic": generic_entries(s.doc), "copy_ratio": 0.0, "generic_ratio": reports[s.doc_id].generic_ratio}
            for s in subs]
    out = a.out or tmp / "results.json"
    out.write_text(json.dumps({"schema": "xuexi.results/1", "documents": docs, "failed": []},
                              ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"{len(subs)} submissions read in {read_s:.1f} s; fit + detect {detect_s:.1f} s; "
          f"{len(detector.learned)} phrases learned; results {out}")
    labels_path = a.batch / "labels.json"
    r = subprocess.run([sys.executable, str(EVALUATE), "--labels", str(labels_path), "--results", str(out), "--json"],
                       capture_output=True, text=True, check=True)
    m = json.loads(r.stdout)
    print(f"generic_recall {m['generic_recall']}   generic_false_positive_rate {m['generic_false_positive_rate']}")

    labels = json.loads(labels_path.read_text(encoding="utf-8"))["documents"]
    counts = {k: [0, 0] for k in ("theory", "practice", "work")}
    flagged_labelled = {"generic": 0, "own": 0}
    missed, own_flagged = [], []
    for doc_id, lab in labels.items():
        flagged = [norm(g.text) for g in reports[doc_id].generic] if doc_id in reports else []

        def is_flagged(s: str) -> bool:
            s = norm(s)
            return any(s in f or (f in s and len(f) * 2 >= len(s)) for f in flagged)

        for own, kind in zip(lab["own"], own_kinds(lab)):
            for s in sentences(own):
                counts[kind][0] += 1
                if is_flagged(s):
                    counts[kind][1] += 1
                    flagged_labelled["own"] += 1
                    own_flagged.append((doc_id, kind, s))
        for g in lab["generic"]:
            if is_flagged(g):
                flagged_labelled["generic"] += 1
            else:
                missed.append((doc_id, g))
    for kind, (n, f) in counts.items():
        print(f"own {kind:9} sentences {n:4d}  flagged {f:3d}  ({f / max(n, 1):.1%})")
    tot = sum(flagged_labelled.values())
    print(f"precision on labelled sentences: {flagged_labelled['generic'] / max(tot, 1):.3f} "
          f"({flagged_labelled['generic']} generic of {tot} flagged labelled sentences)")
    if a.show:
        for doc_id, kind, s in own_flagged:
            e = detector.evidence(fold(s), owner=doc_id, topics=topics)
            print(f"  OWN FLAGGED [{kind}] {doc_id}: {s}  score={e.score(config):.1f} stock={e.stock} learned={e.learned} "
                  f"genre={e.genre_share:.2f} ex={e.exhortation}/{e.exhortation_opens} par={e.parallel} same={e.same_in} kw={e.keywords}")
        for doc_id, g in missed:
            e = detector.evidence(fold(g), owner=doc_id, topics=topics)
            print(f"  MISSED {doc_id}: {g}  score={e.score(config):.1f} anchors={e.anchors} stock={e.stock} "
                  f"learned={e.learned} genre={e.genre_share:.2f} ex={e.exhortation}/{e.exhortation_opens} par={e.parallel} "
                  f"narr={e.narration} arg={e.argument} same={e.same_in} kw={e.keywords}")

    print("diagnoses (doc, profile, truth, predicted); truth of theory_without_practice: own theory and no own "
          "practice, or (loose) the same counting copied passages as theirs")
    agree = {"theory_without_practice": [0, 0, 0], "work_report_not_study": [0, 0, 0]}
    for doc_id, lab in sorted(labels.items()):
        if doc_id not in reports:
            continue
        kinds = own_kinds(lab)
        copied = [c["text"] for c in lab["copied"]]
        copied_theory = any(len(sentences(c)) >= 2 and len(re.findall(r"\d+", c)) < 2 for c in copied)
        copied_practice = any(len(re.findall(r"\d+", c)) >= 2 for c in copied)
        strict = {"theory_without_practice": "theory" in kinds and "practice" not in kinds,
                  "work_report_not_study": profile_of(doc_id) == "work_reporter"}
        loose = dict(strict, theory_without_practice=("theory" in kinds or copied_theory)
                     and "practice" not in kinds and not copied_practice)
        rep = reports[doc_id]
        pred = {"theory_without_practice": rep.theory_without_practice is not None,
                "work_report_not_study": rep.work_report_not_study is not None}
        for k in agree:
            agree[k][0] += strict[k] == pred[k]
            agree[k][1] += loose[k] == pred[k]
            agree[k][2] += 1
        mark = lambda d: ",".join({"theory_without_practice": "两张皮", "work_report_not_study": "工作代学习"}[k]
                                  for k, v in d.items() if v) or "-"
        print(f"  {doc_id:22} {profile_of(doc_id):13} truth={mark(strict):12} loose={mark(loose):12} "
              f"pred={mark(pred):12} generic_ratio={rep.generic_ratio:.2f}")
    for k, (ok, ok_loose, n) in agree.items():
        print(f"{k}: agrees with the composer on {ok}/{n} documents ({ok_loose}/{n} with the loose truth)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
