"""Copy detection: passages copied from the studied references, the reference library, earlier quarters and
each other — verbatim, edited or paraphrased — with attributed quotations and standard formulations set apart.

    detector = CopyDetector()                              # CopyConfig() defaults; encoder: pipeline.semantic
    reports = detector.detect(checked_texts, sources)      # {doc_id: CopyReport}
    reports["001_x"].annotate(submission.doc)              # its spans copied, quoted (pipeline.annotations)

Takes the checked submissions (text, author, attributed quotations) and the sources (references, library, earlier
quarters); gives a CopyReport per submission: copied passages with their sources, quotations, CNKI-style ratios, which
it writes on the submission's Doc.
See detector.py for the method and CopyConfig for the settings.
"""

from .detector import CopyConfig, CopyDetector, Evidence, SourceTable, TextTable, check_unique_ids
from .records import CheckedText, CopyMatch, CopyReport, CopySource, QuotedPassage
from ..quotations import find_attributed_quotes, quotation_spans

__all__ = ["CheckedText", "CopyConfig", "CopyDetector", "CopyMatch", "CopyReport", "CopySource", "Evidence",
           "QuotedPassage", "SourceTable", "TextTable", "check_unique_ids", "find_attributed_quotes",
           "quotation_spans"]
