"""xuexi: reads a theory-study group's quarterly submissions and shows, with evidence, which required topics each
member engaged with and how deeply, which passages were copied, and which text is boilerplate.

Takes a batch folder (topics.yaml, submissions/, references/, prior/); gives results.json, the reports and the
archive. docs/architecture.md follows one document through the stages."""

import sys

__version__ = "0.1.0"


def _load_thinc_without_torch() -> None:
    """spaCy's thinc imports torch whenever it is installed (200 MB and most of a second in every process, and
    in every forked worker), though no stage runs a torch model through spaCy. Thinc is loaded here with torch
    hidden, so that torch is loaded only by the backend that needs it (a sentence-transformers model in
    models/)."""
    if "thinc" in sys.modules or "torch" in sys.modules:
        return
    sys.modules["torch"] = None  # `import torch` raises ImportError while thinc looks for it
    try:
        import thinc.compat  # noqa: F401  here: the one import torch must not ride along with
    finally:
        del sys.modules["torch"]


_load_thinc_without_torch()
