"""From shared fingerprints to copied passages: exact runs, merged across small edits.

A seed is one fingerprint shared by a submission and a source text, at content positions (d, s). Each seed is
verified character by character and extended left and right to the maximal exact run it lies in (so a passage's
extent never depends on where winnowing happened to sample). Runs of one (submission, source) pair are then
chained in order when the gap between two runs is at most `max_gap` content characters on both sides and the
two gaps differ by at most `max_shift`: a swapped word (进一步 → 更加) or a changed clause leaves such a gap, while
two unrelated matches do not line up. A chain is one passage. Its two ends are then pushed outwards the same
way, one edit at a time, as long as an exact run of at least `min_run` characters follows within the gap limits:
an edited passage often begins with a run too short to hold a fingerprint.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Run:
    """An exact shared run: content characters [d0, d1) of the submission equal [s0, s1) of the source."""

    d0: int
    d1: int
    s0: int
    s1: int

    def __len__(self) -> int:
        return self.d1 - self.d0

    def clip(self, start: int, end: int) -> "Run | None":
        """The part of this run inside submission content range [start, end), or None."""
        a, b = max(self.d0, start), min(self.d1, end)
        if a >= b:
            return None
        return Run(a, b, self.s0 + (a - self.d0), self.s0 + (b - self.d0))


@dataclass(frozen=True)
class Passage:
    """One passage of submission text `doc` found in text `source`: a chain of exact runs in order."""

    doc: int
    source: int
    runs: tuple[Run, ...]

    @property
    def d0(self) -> int:
        return self.runs[0].d0

    @property
    def d1(self) -> int:
        return self.runs[-1].d1

    @property
    def s0(self) -> int:
        return self.runs[0].s0

    @property
    def s1(self) -> int:
        return self.runs[-1].s1

    @property
    def matched(self) -> int:
        """Characters inside exact runs."""
        return sum(len(r) for r in self.runs)


def extend_seeds(doc: str, source: str, seeds: list[tuple[int, int]], k: int) -> list[Run]:
    """The maximal exact runs through seeds (d, s) of k-grams shared by `doc` and `source` (content views),
    sorted by submission position; a seed whose k-grams differ (a hash collision) is dropped."""
    runs: set[Run] = set()
    last: dict[int, Run] = {}  # diagonal s - d -> the last run found on it
    for d, s in sorted(seeds, key=lambda p: (p[1] - p[0], p[0])):
        diagonal = s - d
        prev = last.get(diagonal)
        if prev is not None and prev.d0 <= d < prev.d1:
            continue
        if doc[d:d + k] != source[s:s + k]:
            continue
        a, b = d, s
        while a > 0 and b > 0 and doc[a - 1] == source[b - 1]:
            a, b = a - 1, b - 1
        e, f = d + k, s + k
        while e < len(doc) and f < len(source) and doc[e] == source[f]:
            e, f = e + 1, f + 1
        run = Run(a, e, b, f)
        runs.add(run)
        last[diagonal] = run
    return sorted(runs, key=lambda r: (r.d0, r.s0))


def chain_runs(runs: list[Run], doc_index: int, source_index: int, max_gap: int, max_shift: int,
               line_starts: Sequence[int] = ()) -> list[Passage]:
    """Chains runs (sorted by submission position) into passages: a run joins the chain whose last run it
    follows, in both texts, by the smallest gap within `max_gap` and `max_shift`, never across the start of a
    submission line (a gap at a paragraph break is a new paragraph, not an edit); otherwise it starts one."""
    chains: list[list[Run]] = []
    for run in runs:
        best, best_gap = None, None
        for chain in chains:
            tail = chain[-1]
            dgap, sgap = run.d0 - tail.d1, run.s0 - tail.s1
            if (0 <= dgap <= max_gap and 0 <= sgap <= max_gap and abs(dgap - sgap) <= max_shift
                    and not any(tail.d1 <= b <= run.d0 for b in line_starts)):
                if best_gap is None or dgap + sgap < best_gap:
                    best, best_gap = chain, dgap + sgap
        if best is None:
            chains.append([run])
        else:
            best.append(run)
    return [Passage(doc_index, source_index, tuple(chain)) for chain in chains]


def clip_passage(passage: Passage, start: int, end: int) -> Passage | None:
    """The part of a passage inside submission content range [start, end), trimmed to its runs; None if no
    run reaches into the range."""
    runs = tuple(r for r in (run.clip(start, end) for run in passage.runs) if r is not None)
    return Passage(passage.doc, passage.source, runs) if runs else None


def _nearest_run(doc: str, source: str, d: int, s: int, step: int, max_gap: int, max_shift: int,
                 min_run: int, lo: int, hi: int) -> Run | None:
    """The closest exact run of at least `min_run` characters beyond (d, s) in direction `step` (-1 left,
    +1 right), skipping at most max_gap characters on each side with gap lengths differing by at most
    max_shift, inside submission range [lo, hi); extended to its full length in that direction. Closest means
    the smallest submission gap, then the source gap nearest to it."""
    def piece(text: str, at: int, gap: int) -> str:  # the min_run characters just beyond a gap
        return text[at - gap - min_run:at - gap] if step < 0 else text[at + gap:at + gap + min_run]

    source_gaps: dict[str, list[int]] = {}
    for sgap in range(1, max_gap + 1):
        p = piece(source, s, sgap)
        if len(p) == min_run:
            source_gaps.setdefault(p, []).append(sgap)
    for dgap in range(1, max_gap + 1):
        a = d - dgap - min_run if step < 0 else d + dgap
        if a < lo or a + min_run > hi:
            break
        fits = [g for g in source_gaps.get(doc[a:a + min_run], ()) if abs(g - dgap) <= max_shift]
        if not fits:
            continue
        sgap = min(fits, key=lambda g: (abs(g - dgap), g))
        b = s - sgap - min_run if step < 0 else s + sgap
        e, f = a + min_run, b + min_run
        if step < 0:
            while a > lo and b > 0 and doc[a - 1] == source[b - 1]:
                a, b = a - 1, b - 1
        else:
            while e < hi and f < len(source) and doc[e] == source[f]:
                e, f = e + 1, f + 1
        return Run(a, e, b, f)
    return None


def extend_edges(doc: str, source: str, passage: Passage, max_gap: int, max_shift: int, min_run: int,
                 lines: tuple[int, int]) -> Passage:
    """The passage with its ends pushed outwards across small edits (see the module docstring), never past the
    submission's lines it stands in (content range `lines`): a heading above is not part of it."""
    runs, (lo, hi) = list(passage.runs), lines
    while (run := _nearest_run(doc, source, runs[0].d0, runs[0].s0, -1, max_gap, max_shift, min_run, lo, hi)):
        runs.insert(0, run)
    while (run := _nearest_run(doc, source, runs[-1].d1, runs[-1].s1, 1, max_gap, max_shift, min_run, lo, hi)):
        runs.append(run)
    return Passage(passage.doc, passage.source, tuple(runs))


def split_at_lines(passage: Passage, line_starts: Sequence[int]) -> list[Passage]:
    """The passage cut where the submission's lines (paragraphs) begin: each paragraph's share is judged on
    its own, so a passage cannot borrow length from the next paragraph (a closing formula that happens to
    follow in both texts)."""
    cuts = [passage.d0] + [b for b in line_starts if passage.d0 < b < passage.d1] + [passage.d1]
    pieces = (clip_passage(passage, a, b) for a, b in zip(cuts, cuts[1:]))
    return [p for p in pieces if p is not None]
