"""Any sentence-transformers model a user saved into models/<folder> (with `SentenceTransformer.save()`).

Loaded from the local path only (`local_files_only`, and the hub switched off for this process), on the GPU when
torch sees one. A model saved with a "query" / "passage" (or "document") prompt (e5, bge and the like) gets it by
`kind`. torch and sentence_transformers are imported only when such an encoder is built.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import numpy as np

from .encoder import Encoder, Kind, fingerprint_files

# Files that mark a folder as a saved sentence-transformers model.
MARKER_FILES = ("modules.json", "config_sentence_transformers.json")
_WEIGHT_SUFFIXES = {".safetensors", ".bin", ".pt", ".onnx"}
_CONFIG_SUFFIXES = {".json", ".txt", ".model"}
# The saved prompt used for each kind, first match wins (the names sentence-transformers itself tries).
PROMPT_NAMES = {"query": ("query",), "passage": ("passage", "document", "corpus")}


def is_sentence_transformers_folder(path: Path) -> bool:
    return path.is_dir() and any((path / marker).is_file() for marker in MARKER_FILES)


def sentence_transformers_available() -> bool:
    return importlib.util.find_spec("sentence_transformers") is not None


def model_files(folder: Path) -> list[Path]:
    """The weight, tokenizer and config files of a saved model: what its fingerprint is taken over."""
    return [p for p in folder.rglob("*") if p.is_file() and p.suffix in _WEIGHT_SUFFIXES | _CONFIG_SUFFIXES]


class SentenceTransformerEncoder(Encoder):
    """A sentence-transformers model from a local folder; named "st:<folder name>"."""

    def __init__(self, folder: Path, *, threads: int, **kwargs):
        super().__init__(**kwargs)
        # A model folder must never turn into a hub request on a machine that has no hub.
        os.environ["HF_HUB_OFFLINE"] = "1"
        import torch  # here: only a sentence-transformers model needs it, and after HF_HUB_OFFLINE is set
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(threads)
        device = "cuda" if torch.cuda.is_available() else "cpu"
        self._model = SentenceTransformer(str(folder), device=device, local_files_only=True)
        self._model.eval()
        # Newer sentence-transformers renamed get_sentence_embedding_dimension; pyproject accepts both kinds of release.
        model = self._model
        dimension = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        self.dim = int(dimension())
        self.name = f"st:{folder.name}"
        self.model_fingerprint = fingerprint_files(model_files(folder), folder)
        self.device = device

    def _embed(self, texts: list[str], kind: Kind) -> np.ndarray:
        prompts = self._model.prompts or {}
        prompt_name = next((name for name in PROMPT_NAMES[kind] if prompts.get(name)), None)
        return self._model.encode(
            texts,
            batch_size=self.batch_size,
            prompt_name=prompt_name,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
