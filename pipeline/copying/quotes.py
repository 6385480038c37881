"""Quotations: the “…” runs of a text, and which of them are attributed (“…” after 总书记强调、文中指出 and the like).

An attributed quotation of the speech being studied is how study material is supposed to cite, so the copy
detector reports it as quoted, not copied. A “quotation” without an attribution, or one longer than
`MAX_QUOTE_CHARS`, exempts nothing: that is copying with quotation marks around it.
"""

from __future__ import annotations

import re

MAX_QUOTE_CHARS = 150  # characters (white space excluded) an attributed quotation may have and still be exempt
LEAD_CHARS = 80  # characters before the opening mark searched for the attribution, within its sentence

QUOTE_PAIRS = {"“": "”", "「": "」"}
SENTENCE_END = "。！？；!?;\n"

# The attribution ends right before the opening mark: a speech verb, optionally 的/道/了, then ：or ，.
# 正如《…》中所指出的：“…” / 总书记深刻指出：“…” / 文中明确要求：“…”
_VERB_BEFORE_MARK = re.compile(
    r"(?:强调|指出|要求|提出|说|说过|讲|讲到|谈到|告诫|指明|阐明|明确|写道|论述|寄语|号召|重申|讲话中说)"
    r"(?:的|道|了|过)?\s*[：:，,]?\s*$"
)
# Whose words they are: a person, a text or a meeting named in the lead.
_SPEAKER = re.compile(
    r"总书记|习近平|主席|同志|讲话|》|文中|文件|报告|会议|中央|党章|宪法|文章|书中|原文|指示|批示|"
    r"决定|意见|通知|纲要|条例|他|她|其"
)


def quotation_spans(text: str) -> list[tuple[int, int]]:
    """Spans [start, end) of the text inside every closed pair of quotation marks (“…” or 「…」), outermost
    pairs only, in text order. An opening mark never closed before the end of its paragraph is skipped."""
    spans: list[tuple[int, int]] = []
    i, n = 0, len(text)
    while i < n:
        close = QUOTE_PAIRS.get(text[i])
        if close is None:
            i += 1
            continue
        opening, depth, j = text[i], 1, i + 1
        while j < n and text[j] != "\n":
            if text[j] == opening:
                depth += 1
            elif text[j] == close:
                depth -= 1
                if depth == 0:
                    break
            j += 1
        if j < n and text[j] == close and depth == 0:
            spans.append((i + 1, j))
            i = j + 1
        else:
            i += 1
    return spans


def is_attributed(text: str, opening_mark: int) -> bool:
    """True when the words before the quotation mark at `opening_mark`, inside the same sentence, end with a
    speech verb (强调、指出、要求…, then an optional ：/，) and name a speaker or a text (总书记、《…》、文中…)."""
    lead_start = max(0, opening_mark - LEAD_CHARS)
    lead = text[lead_start:opening_mark]
    cut = max(lead.rfind(c) for c in SENTENCE_END)
    lead = lead[cut + 1:]
    return bool(_VERB_BEFORE_MARK.search(lead)) and bool(_SPEAKER.search(lead))


def find_attributed_quotes(text: str, max_chars: int = MAX_QUOTE_CHARS) -> list[tuple[int, int]]:
    """Spans [start, end) of the quoted words (inside the marks) of every attributed quotation of at most
    `max_chars` characters (white space excluded), in text order."""
    return [(a, b) for a, b in quotation_spans(text)
            if is_attributed(text, a - 1) and len("".join(text[a:b].split())) <= max_chars]
