"""The span groups of a submission's Doc and what the detectors write on it, named once: segmentation's groups
(pipeline.segment: title, byline, headings, paragraphs, quotes, quote_leads), the detectors' groups with the
attributes of their spans, and the document's own figures as Doc attributes. pipeline.results turns an annotated
Doc into its record of results.json.

The detectors' span groups, each span with these attributes (`span._.name`):

- `copied`    passages copied from a source (pipeline.copying): source (a model.Source), kind (a model.CopyKind),
              similarity, source_text, reason, cosine;
- `paraphrase_candidates`  passages a model without calibration takes for rewrites, for a person to read: as copied;
- `quoted`    attributed quotations (pipeline.copying): source, the reference they were found in, or None;
- `generic`   boilerplate sentences (pipeline.boilerplate): kind ("stock" or "slogan"), reasons;
- `evidence`  passages that show a topic (pipeline.topics): topic (its id), role (a model.EvidenceRole).

Every span also carries `chars`, the (start, end) of its passage in the text: a span covers whole words, and a
copied passage may begin or end inside one.

Doc attributes (`doc._.name`): copy_ratio, ratio_without_quotes, ratio_without_own, largest_source, per_source,
paraphrase_encoder, paraphrase_calibrated (copying, see copying.records.CopyReport); generic_ratio (boilerplate);
coverage, the topics' levels, and diagnoses (topics).

spaCy keeps a span's attribute values under the span's characters alone (start_char, end_char in 3.8), so a
copied span and a generic span over the same sentence, or one paragraph's evidence for two topics, would share
them. Here every annotation span gets an id of its own (group/index) and its values are kept under that id.
"""

from __future__ import annotations

from typing import Any, Iterable

from spacy.tokens import Doc, Span

TITLE = "title"
BYLINE = "byline"
HEADINGS = "headings"        # label H1…H4
PARAGRAPHS = "paragraphs"    # label: the element's kind
QUOTES = "quotes"            # label attributed | unattributed
QUOTE_LEADS = "quote_leads"  # the n-th attributes the n-th attributed quotation

COPIED = "copied"
CANDIDATES = "paraphrase_candidates"
QUOTED = "quoted"
GENERIC = "generic"
EVIDENCE = "evidence"

SPAN_ATTRIBUTES = ("chars", "source", "kind", "similarity", "source_text", "reason", "cosine", "reasons", "topic",
                   "role")
DOC_ATTRIBUTES = ("copy_ratio", "ratio_without_quotes", "ratio_without_own", "largest_source", "per_source",
                  "paraphrase_encoder", "paraphrase_calibrated", "generic_ratio", "coverage", "diagnoses")

_VALUES = "annotations"  # doc.user_data key: span id -> {attribute: value}


def _span_attribute(name: str) -> dict:
    def get(span: Span) -> Any:
        return span.doc.user_data.get(_VALUES, {}).get(span.id_, {}).get(name)

    def set_(span: Span, value: Any) -> None:
        span.doc.user_data.setdefault(_VALUES, {}).setdefault(span.id_, {})[name] = value

    return {"getter": get, "setter": set_}


for _name in SPAN_ATTRIBUTES:
    Span.set_extension(_name, **_span_attribute(_name))
for _name in DOC_ATTRIBUTES:
    Doc.set_extension(_name, default=None)


def annotate(doc: Doc, group: str, passages: Iterable[tuple[int, int, dict[str, Any]]]) -> None:
    """Span group `group` on the Doc, replacing any it had: one span for each (start, end, attributes), over the
    words those characters touch."""
    values = doc.user_data.setdefault(_VALUES, {})
    for replaced in doc.spans.get(group, []):
        values.pop(replaced.id_, None)  # or a new span of the same id would read what the old one said
    spans = []
    for i, (start, end, attributes) in enumerate(passages):
        words = doc.char_span(start, end, alignment_mode="expand")
        span = Span(doc, words.start, words.end, span_id=f"{group}/{i}")
        span._.chars = (start, end)
        for name, value in attributes.items():
            span._.set(name, value)
        spans.append(span)
    doc.spans[group] = spans
