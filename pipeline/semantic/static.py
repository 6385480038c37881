"""Static embeddings: a fast first stage, one vector per vocabulary word, distilled from a sentence model.

The model2vec approach (Tulkens & van Dongen, 2024, "Model2Vec: Distill a Small Fast Model from any Sentence
Transformer"): every vocabulary item was encoded once by the teacher, reduced by PCA and scaled by its SIF weight
a / (a + p(word)) (Arora et al., 2017, "A Simple but Tough-to-Beat Baseline for Sentence Embeddings"); see
`distill.py`. Here a text is folded (pipeline.util.textnorm), cut into vocabulary words by jieba's maximum-probability
segmentation over the model's own word list (no HMM, so unknown runs fall apart into single characters), and its
vector is the sum of its words' vectors, L2-normalized: the weighted mean up to scale. A word outside the
vocabulary counts through its characters; characters outside it are skipped. numpy and jieba only, thousands of
sentences a second.

A model folder (`models/static-<name>/`) holds `vocab.txt` (jieba dictionary format "word frequency", one row per
vector), `vectors.npy` (int8, vocabulary x dim), `scales.npy` (float32 per-row scale) and `config.json`.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

from ..errors import ConfigError
from ..messages import N_
from ..util.textnorm import fold
from .encoder import Encoder, Kind, fingerprint_files

FORMAT = "xuexi.static/1"
FILES = ("config.json", "vocab.txt", "vectors.npy", "scales.npy")


def is_static_folder(path: Path) -> bool:
    return path.is_dir() and all((path / name).is_file() for name in FILES)


def check_format(folder: Path) -> None:
    found = json.loads((folder / "config.json").read_text(encoding="utf-8")).get("format")
    if found != FORMAT:
        raise ConfigError(N_("{folder}: 不是本版本 xuexi 的静态模型（config.json 格式为 {found}，应为 {expected}）；"
                             "请用 python -m pipeline.semantic.distill 重新生成", folder=folder, found=repr(found),
                             expected=repr(FORMAT)))


class StaticEncoder(Encoder):
    """Weighted mean of distilled word vectors (see the module docstring); named "static:<folder name>"."""

    def __init__(self, folder: Path, **kwargs):
        super().__init__(**kwargs)
        check_format(folder)
        words = [line.split(" ", 1)[0] for line in (folder / "vocab.txt").read_text(encoding="utf-8").splitlines()]
        self._index = {w: i for i, w in enumerate(words)}
        quantized = np.load(folder / "vectors.npy")
        scales = np.load(folder / "scales.npy")
        self._vectors = quantized.astype(np.float32) * scales[:, None]
        self.dim = int(self._vectors.shape[1])
        self.name = f"static:{folder.name}"
        self.model_fingerprint = fingerprint_files([folder / name for name in FILES], folder)
        # A private tokenizer over the model's own word list, untouched by words other modules add to jieba.
        import jieba  # with a static model only: `xuexi models` and the review page never segment text

        self._tokenizer = jieba.Tokenizer(dictionary=str(folder / "vocab.txt"))
        logging.getLogger("jieba").setLevel(logging.WARNING)
        self._tokenizer.initialize()

    def token_ids(self, text: str) -> list[int]:
        """Vocabulary rows of the words of `text`; unknown words through their known characters."""
        ids: list[int] = []
        for word in self._tokenizer.cut(fold(text), HMM=False):
            row = self._index.get(word)
            if row is not None:
                ids.append(row)
            else:
                ids.extend(self._index[c] for c in word if c in self._index)
        return ids

    def _embed(self, texts: list[str], kind: Kind) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            ids = self.token_ids(text)
            if ids:
                out[row] = self._vectors[ids].sum(axis=0)
        return out
