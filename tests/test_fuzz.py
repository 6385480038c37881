"""A fuzzer over what a batch folder feeds xuexi: the txt, docx and pdf readers and the topics.yaml loader. Whatever
the bytes, a reader returns elements or raises XuexiError with a one-line reason (which `xuexi score` lists in
`failed`), and the loader returns a topic list or raises ConfigError; nothing else escapes. Hypothesis draws a
bounded number of examples here (FUZZ_EXAMPLES); bench/fuzz.py runs many more."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import makers
from conftest import DEV
from pipeline.errors import ConfigError, XuexiError
from pipeline.ingest import partition
from pipeline.topiclist import TopicList

FUZZ_EXAMPLES = int(os.environ.get("XUEXI_FUZZ_EXAMPLES", "40"))
FUZZ = settings(max_examples=FUZZ_EXAMPLES, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
CHINESE = st.text(alphabet=st.sampled_from(list("学习贯彻党的精神我们要加强理论武装一二三四、，。；：“”《》（）\n 0123456789,.;:?!\"'")),
                  max_size=400)


def read_or_refuse(path: Path) -> None:
    """The property: elements, or a XuexiError whose message is one line naming the file."""
    try:
        elements = partition(path)
    except XuexiError as exc:
        assert "\n" not in str(exc) and path.name in str(exc)
    else:
        assert all(isinstance(e.text, str) for e in elements)


@pytest.fixture(scope="module")
def samples(tmp_path_factory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("samples")
    text = (DEV / "submissions").glob("*.txt").__next__().read_text(encoding="utf-8")
    paragraphs = [p for p in text.splitlines() if p.strip()][:12]
    docx = makers.docx_file(folder / "s.docx", [("Title", paragraphs[0])] + [("Normal", p) for p in paragraphs[1:]])
    pdf = makers.pdf_file(folder / "s.pdf", [("title", paragraphs[0])] + [("body", p) for p in paragraphs[1:]])
    return {"docx": docx.read_bytes(), "pdf": pdf.read_bytes()}


def mutate(data: bytes, seed: int, edits: int) -> bytes:
    """`edits` random changes: a byte overwritten, a run deleted or duplicated, or the tail cut off."""
    rng = random.Random(seed)
    out = bytearray(data)
    for _ in range(edits):
        at = rng.randrange(len(out))
        choice = rng.random()
        if choice < 0.6:
            out[at] = rng.randrange(256)
        elif choice < 0.8:
            del out[at:at + rng.randrange(1, 64)]
        elif choice < 0.95:
            out[at:at] = out[at:at + rng.randrange(1, 64)]
        else:
            del out[at:]
        if not out:
            out = bytearray(b"x")
    return bytes(out)


@FUZZ
@given(data=st.binary(max_size=2000)
       | st.tuples(CHINESE, st.sampled_from(["utf-8", "gb18030", "utf-16"])).map(lambda t: t[0].encode(t[1])))
def test_txt_reader_reads_or_refuses_any_bytes(tmp_path, data):
    path = tmp_path / "001_某人_学习心得.txt"
    path.write_bytes(data)
    read_or_refuse(path)


@FUZZ
@given(seed=st.integers(0, 2**32), edits=st.integers(1, 40))
def test_docx_reader_reads_or_refuses_a_damaged_docx(tmp_path, samples, seed, edits):
    path = tmp_path / "001_某人_学习心得.docx"
    path.write_bytes(mutate(samples["docx"], seed, edits))
    read_or_refuse(path)


def mutate_part(docx: bytes, part: str, seed: int, edits: int) -> bytes:
    """The same package with one part's XML damaged: the ZIP stays whole, so the XML and Word readers meet it."""
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item)
            target.writestr(item.filename, mutate(data, seed, edits) if item.filename == part else data)
    return out.getvalue()


@FUZZ
@given(seed=st.integers(0, 2**32), edits=st.integers(1, 20),
       part=st.sampled_from(["word/document.xml", "word/styles.xml", "word/numbering.xml", "[Content_Types].xml",
                             "word/_rels/document.xml.rels"]))
def test_docx_reader_reads_or_refuses_damaged_xml_inside_a_whole_package(tmp_path, samples, seed, edits, part):
    path = tmp_path / "001_某人_学习心得.docx"
    path.write_bytes(mutate_part(samples["docx"], part, seed, edits))
    read_or_refuse(path)


@FUZZ
@given(seed=st.integers(0, 2**32), edits=st.integers(1, 40))
def test_pdf_reader_reads_or_refuses_a_damaged_pdf(tmp_path, samples, seed, edits):
    path = tmp_path / "001_某人_学习心得.pdf"
    path.write_bytes(mutate(samples["pdf"], seed, edits))
    read_or_refuse(path)


YAML_PIECES = st.sampled_from(["quarter: 2026Q3\n", "unit: 单位\n", "topics:\n", "  - id: T1\n", "    title: 题目\n",
                               "    keywords: [乡村振兴, 脱贫]\n", "    key_points:\n", "      - 要点。\n", "    required: yes\n",
                               "  - ", "&a ", "*a", "!!python/object ", "[", "]", "{", "}", ": ", "- ", "\t", "  ", "\n",
                               "：", "“", "#", "'", '"', "|", ">", "?", "…"])


@FUZZ
@given(pieces=st.lists(YAML_PIECES, max_size=60))
def test_topics_loader_loads_or_refuses_with_a_line(tmp_path, pieces):
    path = tmp_path / "topics.yaml"
    path.write_text("".join(pieces), encoding="utf-8")
    try:
        topics = TopicList.load(path)
    except ConfigError as exc:
        assert "\n" not in str(exc) and "topics.yaml" in str(exc)
    else:
        assert all(t.id and t.title and t.keywords for t in topics)
