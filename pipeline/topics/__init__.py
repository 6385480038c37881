"""Topic coverage: how deeply each member's own sentences (not copied, quoted or generic) engage each topic.
Takes a Submission with its copy and boilerplate reports and the quarter's topics; gives levels 0–3 with
evidence and key points per topic, and the document's diagnoses. `plan` drafts topics.yaml from a study plan."""

from .coverage import TopicConfig, TopicMatcher

__all__ = ["TopicConfig", "TopicMatcher"]
