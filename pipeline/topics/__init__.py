"""Topic coverage: how deeply each member's own sentences (not copied, quoted or generic) engage each topic.
Takes a Submission whose Doc carries its copied, quoted and generic spans, and the quarter's topics; gives levels
0–3 with evidence and key points per topic, and the document's diagnoses, written on the Doc (span group
`evidence`, pipeline.annotations). `plan` drafts topics.yaml from a study plan."""

from .coverage import TopicConfig, TopicMatcher

__all__ = ["TopicConfig", "TopicMatcher"]
