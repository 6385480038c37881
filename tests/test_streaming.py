"""The local engine keeps submissions packed (pipeline.engines.stages.PackedSubmission) and builds each Doc only for
its own pass, so that a quarter's Docs are never all in memory: what the batch-wide stages and the boilerplate judge
read of the packed bytes equals what they read of the Doc, the stream lets each Doc go once its record is made, the
parse cache refuses bytes that would not rebuild a Submission, and a rerun passes again only what changed (the
record cache). On the dev and demo batches as read. The boilerplate judge's worker is forked, and at work,
before copy detection starts (forked_map starts its workers when called)."""

from __future__ import annotations

import gc
import json
import shutil
import time
import weakref
import zlib
from types import SimpleNamespace

import pytest

from conftest import DEMO, DEV

from pipeline.batch import Batch
from pipeline.boilerplate import BoilerplateDetector
from pipeline.boilerplate.judge import BoilerplateConfig
from pipeline.config import ScoringConfig
from pipeline.copying import CopyDetector
from pipeline.engines.local import annotated_documents, document_cache, score_batch
from pipeline.engines.stages import PackedSubmission, checked_text, copy_sources, read_files, read_packed
from pipeline.segment import teach_words
from pipeline.submission import submission_text, submission_to_bytes
from pipeline.util.forking import MIN_ITEMS, forked_map
from pipeline.util.parsecache import ParseCache


def read(batch_dir):
    batch = Batch.open(batch_dir)
    return batch, read_files(batch.root, batch.submissions, manifest=batch.manifest)[0]


def test_the_packed_bytes_give_the_docs_text_and_span_offsets():
    for folder in (DEV, DEMO):
        _, submissions = read(folder)
        assert submissions
        for submission in submissions:
            packed = PackedSubmission.of(submission_to_bytes(submission))
            read_back = submission_text(submission_to_bytes(submission))
            assert read_back.text == submission.text
            assert read_back.spans == {key: [(s.start_char, s.end_char, s.label_) for s in group]
                                       for key, group in submission.doc.spans.items()}
            assert read_back.sentence_offsets() == [(s.start_char, s.end_char) for s in submission.doc.sents]
            assert packed.checked == checked_text(submission)
            assert submission_to_bytes(packed.unpack()) == submission_to_bytes(submission)
            assert len(packed.data) < len(submission_to_bytes(submission)) / 3


def test_the_boilerplate_judge_reads_the_packed_submission_as_the_doc():
    """The judge needs no Doc: it reads the sentences and span offsets of the packed bytes, with the same
    report, on every dev document."""
    batch, submissions = read(DEV)
    detector = BoilerplateDetector().fit(submissions)
    for submission in submissions:
        packed = PackedSubmission.of(submission_to_bytes(submission))
        assert detector.detect(packed.read(), topics=batch.topics) == detector.detect(submission, topics=batch.topics)


def test_the_stream_keeps_no_doc_it_has_handed_on(tmp_path):
    batch = Batch.open(DEMO)
    submissions, _ = read_packed(batch.root, batch.submissions, manifest=batch.manifest)
    sources, _ = copy_sources(batch, library=None, progress=None)
    alive = []
    for record, submission in annotated_documents(batch, submissions, sources, semantic="static",
                                                  config=ScoringConfig(), out_dir=tmp_path):
        alive.append(weakref.ref(submission.doc))
        assert record["doc_id"] == submission.doc_id
        del submission
        gc.collect()
        assert sum(ref() is not None for ref in alive) <= 1  # the Doc being handed on, at most
    assert len(alive) == len(submissions) > 8


def test_the_parse_cache_refuses_bytes_that_would_not_rebuild_a_submission(tmp_path):
    """Entries that are JSON of the right outline but would fail when the Doc is built (an empty word, a span
    past the end, a field missing) are misses: the file is read again and the run's results are unchanged."""
    out = tmp_path / "out"
    first = score_batch(DEMO, out, semantic="static")
    entries = sorted(p for p in (out / ".cache" / "parsed").rglob("*") if p.is_file())
    assert len(entries) >= 3

    def spoil(entry, how):
        meta, words, spaces, starts, groups, layout = json.loads(entry.read_bytes())
        if how == "empty word":
            words[0] = ""
        elif how == "span past the end":
            groups.setdefault("paragraphs", []).append([0, len(words) + 5, ""])
        else:
            meta.pop("author")
        entry.write_bytes(json.dumps((meta, words, spaces, starts, groups, layout)).encode())

    for entry, how in zip(entries, ("empty word", "span past the end", "field missing")):
        spoil(entry, how)
        bad = entry.read_bytes()
        assert ParseCache(out / ".cache" / "parsed", dictionary_words=[]).get(entry.name) is None
        entry.write_bytes(bad)
    (out / ".cache" / "last_run.json").unlink()
    again = score_batch(DEMO, out, semantic="static")
    strip = lambda r: {**r, "generated_at": None}
    assert strip(again.results) == strip(first.results)


def utf8(path) -> bool:
    try:
        path.read_text(encoding="utf-8")
        return True
    except UnicodeDecodeError:  # the demo's GB18030 file
        return False


def changed_copy(tmp_path, name):
    """The demo batch copied, its first submission with a sentence added and two late submissions: copies of
    others, under new names, a few words changed."""
    batch = tmp_path / name
    shutil.copytree(DEMO, batch)
    files = [p for p in sorted((batch / "submissions").glob("*.txt")) if utf8(p)]
    files[0].write_text(files[0].read_text(encoding="utf-8") + "\n这个季度我又补学了一遍，体会更深了。\n", encoding="utf-8")
    for i, other in enumerate(files[1:3]):
        late = batch / "submissions" / f"9{i}_补交{i}_学习心得.txt"
        late.write_text(other.read_text(encoding="utf-8").replace("我们", "我单位"), encoding="utf-8")
    return batch


def test_a_rerun_passes_again_only_what_changed_and_equals_a_cold_run(tmp_path, monkeypatch):
    """A rerun after a changed and two late submissions reuses the other documents' records, boilerplate
    statistics, boilerplate reports and copy reports (the record cache), and its results equal a cold run over the
    same files into a new folder."""
    judged, copy_checked, viewed_anew = [], [], []
    detect = BoilerplateDetector.detect
    monkeypatch.setattr(BoilerplateDetector, "detect",
                        lambda self, text, **kw: judged.append(text.doc_id) or detect(self, text, **kw))
    fitted_view = BoilerplateDetector.fitted_view
    monkeypatch.setattr(BoilerplateDetector, "fitted_view",
                        lambda self, text: viewed_anew.append(text.doc_id) or fitted_view(self, text))
    report = CopyDetector.report
    monkeypatch.setattr(CopyDetector, "report",
                        lambda self, text, *args: copy_checked.append(text.source_id) or report(self, text, *args))
    out = tmp_path / "out"
    first = score_batch(DEMO, out, semantic="static", workers=1)  # one worker: the judge runs in this process
    assert first.reused == 0
    assert len(judged) == len(copy_checked) == len(first.results["documents"])
    same = tmp_path / "same"
    shutil.copytree(DEMO, same)
    unchanged = score_batch(same, out, semantic="static", workers=1)  # another folder: a full run, all reused
    assert unchanged.reused == len(first.results["documents"])
    assert len(judged) == len(copy_checked) == len(first.results["documents"])  # not one document passed again
    batch = changed_copy(tmp_path, "changed")
    judged.clear()
    copy_checked.clear()
    viewed_anew.clear()
    again = score_batch(batch, out, semantic="static", workers=1)
    rechecked = len(copy_checked)
    assert len(viewed_anew) == 3  # the changed and the late ones; the others' views updated from the last run's
    cold = score_batch(batch, tmp_path / "cold", semantic="static", workers=1)
    strip = lambda r: {**r, "generated_at": None}
    assert strip(again.results) == strip(cold.results)
    documents = len(cold.results["documents"])
    assert documents == len(first.results["documents"]) + 2
    assert 0 < again.reused <= documents - 3  # the changed and the late ones were passed, and those they touch
    rejudged = len(judged) - documents  # the cold run judged every document
    assert 3 <= rejudged < documents  # the changed and the late ones, and those whose view of the batch changed
    assert 3 <= rechecked < documents  # the changed and the late ones, and those whose evidence changed
    for cache in ("records", "statistics", "judgements", "copy_reports"):  # what no document uses any more is gone
        assert len([p for p in (out / ".cache" / cache).glob("*/*") if p.is_file()]) == documents


def test_a_report_depends_on_the_fitted_batch_only_through_its_view_of_it():
    """Fitted without one document, the detector gives every other dev document the same report wherever its
    fitted_view (near-same counts, learned phrases) is the same; where the view changed, the report may too."""
    batch, submissions = read(DEV)
    whole = BoilerplateDetector().fit(submissions)
    views_changed = views_kept = 0
    for left_out in submissions[:4]:
        rest = BoilerplateDetector().fit([s for s in submissions if s is not left_out])
        for submission in submissions:
            if submission is left_out:
                continue
            view = rest.fitted_view(submission)
            if view != whole.fitted_view(submission):
                views_changed += 1
                continue
            views_kept += 1
            assert rest.detect(submission, topics=batch.topics) == whole.detect(submission, topics=batch.topics)
    assert views_changed and views_kept


@pytest.mark.parametrize("counted", [BoilerplateConfig.near_same_counted, BoilerplateConfig.frequent_in])
def test_a_view_updated_from_an_earlier_fit_equals_the_view_made_anew(monkeypatch, counted):
    """A dev document's view of a fit, updated from its view of an earlier fit by what tells the two apart
    (updated_view), equals its view made anew (fitted_view), looking up again in the whole batch only few of its
    sentences: the batch fitted before and after one submission is edited, one leaves and one comes. With the
    count capped low, many counts are at the cap, and those that lose an owner are looked up again."""
    _, submissions = read(DEV)
    config = BoilerplateConfig(near_same_counted=counted)
    edited = SimpleNamespace(doc_id=submissions[0].doc_id, text=submissions[0].text.replace("。", "，认真贯彻落实。", 3))
    before = BoilerplateDetector(config).fit(submissions[:-1])
    after = BoilerplateDetector(config).fit([edited, *submissions[1:-2], submissions[-1]])
    held = lambda detector, text: [(text.doc_id, sentence)
                                   for _, sentence in detector.statistics([(text.doc_id, text.text)]).sentences]
    change = after.fit_change(held(after, edited) + held(after, submissions[-1]),
                              held(before, submissions[0]) + held(before, submissions[-2]),
                              set(before.learned) ^ set(after.learned))
    looked_up = []
    others = after.index.others
    monkeypatch.setattr(after.index, "others", lambda *a: looked_up.append(a) or others(*a))
    updated = anew = views_changed = 0
    for submission in submissions[1:-2]:
        earlier = before.fitted_view(submission)
        looked_up.clear()
        view = after.updated_view(submission, earlier, change)
        updated += len(looked_up)
        looked_up.clear()
        assert view == after.fitted_view(submission)
        anew += len(looked_up)
        views_changed += view != earlier
    assert views_changed  # the change reached some views: keeping every earlier view would fail here
    assert updated < anew / 10  # few sentences are looked up in the whole batch again
    if counted == BoilerplateConfig.frequent_in:
        assert updated  # counts at the cap that lost an owner were


def test_a_damaged_record_is_passed_again(tmp_path):
    """Entries that do not decompress, name another document, or hold a record, statistics, a boilerplate report or
    a copy report of the wrong shape (or a field of the wrong type) are passed again, with the same results; a
    damaged ledger of the last fit has every view made anew."""
    out = tmp_path / "out"
    first = score_batch(DEMO, out, semantic="static")
    records = sorted(p for p in (out / ".cache" / "records").rglob("*") if p.is_file())
    doc_id = lambda entry: json.loads(zlib.decompress(entry.read_bytes()))["doc_id"]
    records[0].write_text("{not json", encoding="utf-8")
    records[1].write_bytes(zlib.compress(json.dumps({"doc_id": "someone else"}).encode()))
    records[2].write_bytes(zlib.compress(json.dumps({"doc_id": doc_id(records[2]), "topics": 3}).encode()))
    statistics = sorted(p for p in (out / ".cache" / "statistics").rglob("*") if p.is_file())
    statistics[0].write_bytes(zlib.compress(json.dumps({"doc_id": doc_id(statistics[0]), "statistics": []}).encode()))
    judgements = sorted(p for p in (out / ".cache" / "judgements").rglob("*") if p.is_file())
    judgements[0].write_bytes(zlib.compress(json.dumps({"doc_id": doc_id(judgements[0]), "generic": [[1, 2]],
                                                         "generic_ratio": 0.5}).encode()))
    copy_reports = sorted(p for p in (out / ".cache" / "copy_reports").rglob("*") if p.is_file())
    copy_reports[0].write_bytes(zlib.compress(json.dumps({"doc_id": doc_id(copy_reports[0]), "matches": 1}).encode()))
    # every field there, one of another type: read, it would carry a ratio of text into results.json
    entry = json.loads(zlib.decompress(copy_reports[1].read_bytes()))
    copy_reports[1].write_bytes(zlib.compress(json.dumps({**entry, "copy_ratio": "0.5"}).encode()))
    (out / ".cache" / "judgements" / "last_fit.json.z").write_bytes(zlib.compress(b'{"views": 1}'))
    (out / ".cache" / "last_run.json").unlink()
    again = score_batch(DEMO, out, semantic="static")
    assert again.reused == len(records) - 3
    strip = lambda r: {**r, "generated_at": None}
    assert strip(again.results) == strip(first.results)


def test_forked_workers_inherit_the_state_of_the_call_and_work_before_they_are_asked():
    state = {"fitted": "at the call"}
    items = list(range(2 * MIN_ITEMS))
    results = forked_map(lambda i: (i, state["fitted"]), items, workers=2, chunksize=1)
    state["fitted"] = "changed after the call"  # what the caller does meanwhile is not seen by the workers
    assert list(results) == [(i, "at the call") for i in items]


def test_closing_forked_work_early_drops_what_was_not_started(tmp_path):
    def slow(i):
        (tmp_path / str(i)).touch()
        time.sleep(0.1)
        return i

    items = list(range(10 * MIN_ITEMS))
    results = forked_map(slow, items, workers=2, chunksize=1)
    assert next(results) == 0
    results.close()  # waits for the items in hand, cancels the rest
    done = len(list(tmp_path.iterdir()))
    assert 1 <= done < len(items) // 2
    time.sleep(0.5)
    assert len(list(tmp_path.iterdir())) == done  # no worker is left running


def test_forked_workers_leave_once_the_last_result_is_made_though_none_was_read():
    """The topic stage reads the boilerplate judgements one document at a time, long after they were made: an idle
    worker would count the memory it inherited until the stage is over."""
    import multiprocessing

    before = set(multiprocessing.active_children())
    items = list(range(2 * MIN_ITEMS))
    results = forked_map(lambda i: i * i, items, workers=2, chunksize=1)
    workers = set(multiprocessing.active_children()) - before
    assert len(workers) == 2
    deadline = time.monotonic() + 60
    while any(worker.is_alive() for worker in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(worker.is_alive() for worker in workers)
    assert list(results) == [i * i for i in items]


def test_work_beside_the_callers_own_is_forked_even_to_one_worker():
    """The boilerplate judge: one process beside the scoring process, which finds copying meanwhile."""
    import os

    items = list(range(MIN_ITEMS))
    beside = list(forked_map(lambda i: os.getpid(), items, workers=1, background=True))
    assert len(set(beside)) == 1 and beside[0] != os.getpid()
    assert set(forked_map(lambda i: os.getpid(), items, workers=1)) == {os.getpid()}
    # too few items to be worth a process, beside the caller's work or not
    assert set(forked_map(lambda i: os.getpid(), items[1:], workers=1, background=True)) == {os.getpid()}


def test_forked_workers_do_not_count_the_memory_this_process_freed():
    """glibc keeps freed heap blocks resident, and a forked worker counts every resident page of its parent as its
    own: 192 MB freed in 64 KB holes between live blocks are given back before the workers are forked."""
    import psutil

    from pipeline.util import forking

    if getattr(forking._C_LIBRARY, "malloc_trim", None) is None:
        pytest.skip("the C library has no malloc_trim (not glibc)")
    kept, freed = [], []
    for _ in range(3072):
        freed.append(bytearray(64 << 10))  # under glibc's mmap threshold: on the heap, zeroed, so resident
        kept.append(bytearray(1024))  # a live block after each: the holes cannot merge and shrink the heap
    del freed
    held = psutil.Process().memory_info().rss >> 20
    resident = lambda _: psutil.Process().memory_info().rss >> 20
    worker = max(forked_map(resident, list(range(MIN_ITEMS)), workers=2, chunksize=1))
    assert len(kept) and worker < held - 128


def test_a_document_cache_is_kept_apart_from_another_state_of_jiebas_dictionary(tmp_path):
    """jieba taught more words cuts sentences otherwise, so a run must not read what was cached under other words;
    taught the batch's own words again, it reads it."""
    batch = Batch.open(DEMO)
    keywords = [k for t in batch.topics for k in t.keywords]
    teach_words(keywords)
    before = document_cache(batch, "static", ScoringConfig(), tmp_path, "judgements")
    teach_words([*keywords, "只在此测试中出现的词"])  # a word no text holds: the dictionary's state changes, no cut does
    after = document_cache(batch, "static", ScoringConfig(), tmp_path, "judgements")
    teach_words(keywords)
    again = document_cache(batch, "static", ScoringConfig(), tmp_path, "judgements")
    assert before.key(b"same bytes") != after.key(b"same bytes")
    assert again.key(b"same bytes") == before.key(b"same bytes")
