"""Boilerplate (套话): which body sentences of a submission are generic text or keyword-stuffed slogans, and why.
Takes a Submission, the quarter's topics and the batch's sentence statistics (fitted first, by partition if need
be); gives a BoilerplateReport: the flagged sentences with their reasons, and their share of the text, which it
writes on the submission's Doc.

The method is in detector.py; the cues of a sentence in cues.py, their weighing in judge.py (BoilerplateConfig),
what fitting learns from the batch in statistics.py, the words as jieba cuts them in words.py, and what kind of
writing a paragraph is (shared with topic coverage) in paragraph_kinds.py."""

from .detector import BoilerplateDetector, BoilerplateReport, GenericFlag
from .judge import FEATURES, BoilerplateConfig
from .statistics import BatchStatistics

__all__ = ["FEATURES", "BatchStatistics", "BoilerplateConfig", "BoilerplateDetector", "BoilerplateReport",
           "GenericFlag"]
