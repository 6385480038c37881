"""Boilerplate (套话): which body sentences of a submission are generic text or keyword-stuffed slogans, and why.
Takes a Submission, the quarter's topics and the batch's sentence statistics (fitted first, by partition if need
be); gives a BoilerplateReport: the flagged sentences with their reasons, and their share of the text."""

from .detector import (FEATURES, BatchStatistics, BoilerplateConfig, BoilerplateDetector, BoilerplateReport,
                       GenericFlag)

__all__ = ["FEATURES", "BatchStatistics", "BoilerplateConfig", "BoilerplateDetector", "BoilerplateReport",
           "GenericFlag"]
