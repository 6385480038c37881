"""The package's shape: no import cycle (imports inside functions counted), and every cue of Chinese writing
compiled in one place, the lexicon."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "pipeline"


def modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The package's modules `name` imports, at the top or inside a function."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            target = ".".join(base + ([node.module] if node.module else []))
            for alias in node.names:
                out.add(f"{target}.{alias.name}" if f"{target}.{alias.name}" in known else target)
        elif isinstance(node, ast.Import):
            out |= {alias.name for alias in node.names}
    return {m for m in out if m in known and m != name}


def test_no_import_cycle_in_the_package():
    known = modules()
    graph = {name: imports(name, path, known) for name, path in known.items()}
    state: dict[str, int] = {}  # 1 on the current path, 2 done

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for dep in sorted(graph[name]):
            if state.get(dep) == 1:
                cycle = path[path.index(dep):] + [dep] if dep in path else [name, dep]
                raise AssertionError("import cycle: " + " → ".join(cycle))
            if dep not in state:
                visit(dep, path + [dep])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])


CHINESE_IN_PATTERN = re.compile(r"re\.(?:compile|search|match|fullmatch|findall|finditer|sub|split)\(\s*r?[\"'][^\"']*"
                                r"(?:[\u4e00-\u9fff“”‘’《》（）：；，。！？]|\\u4e00|\\u3400)")


def test_cues_of_chinese_writing_are_compiled_only_in_the_lexicon():
    """No module but the lexicon writes a regular expression over Chinese text; the reviewers' password format
    and other non-Chinese patterns are not cues and may stand where they are used."""
    offenders = []
    for name, path in modules().items():
        if name == "pipeline.lexicon":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if CHINESE_IN_PATTERN.search(line):
                offenders.append(f"{path.relative_to(PACKAGE.parent)}:{number}: {line.strip()[:80]}")
    assert not offenders, "\n".join(offenders)


SOURCE_SPELLING = re.compile(r"(?<![A-Za-z0-9_])(?:ref|lib|prior|doc):")


def test_source_ids_are_spelled_only_by_the_results_model():
    """"ref:RA1" and its kin are written and read by pipeline.model.Source alone: no other module builds such a
    string or takes one apart (docstrings that describe the spelling aside)."""
    offenders = []
    for name, path in modules().items():
        if name == "pipeline.model":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = docstrings_of(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                if SOURCE_SPELLING.search(node.value) or (node.value == ":" and _splits_on(tree, node)):
                    offenders.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: {node.value[:40]!r}")
    assert not offenders, "source ids built or split outside pipeline.model:\n" + "\n".join(offenders)


def docstrings_of(tree: ast.AST) -> set[int]:
    """id() of the docstring constants of a module, its classes and functions (prose that may describe a spelling)."""
    return {id(node.body[0].value) for node in ast.walk(tree)
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}


def _splits_on(tree: ast.AST, constant: ast.Constant) -> bool:
    """The ':' is the argument of a .split/.partition/.rsplit call (a source id taken apart)."""
    return any(isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
               and node.func.attr in ("split", "partition", "rsplit", "rpartition") and constant in node.args
               for node in ast.walk(tree))


def test_xuexi_loads_torch_only_for_a_backend_that_needs_it():
    """spaCy's thinc would import torch in every process and forked worker (200 MB each); the scoring and review
    commands run without it, and a sentence-transformers backend still loads it."""
    code = ("import sys, pipeline.cli, pipeline.engines.local, pipeline.review.app; print('torch' in sys.modules); "
            "import torch, sentence_transformers; print(float(torch.ones(2).sum()))")
    out = subprocess.run([sys.executable, "-c", code], cwd=PACKAGE.parent, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "2.0"]


def test_imports_inside_functions_say_why():
    """An import inside a function hides a dependency: it is kept only for a heavy or platform-bound one, and a
    comment on its line (the first of a run of imports) says why."""
    unexplained = []
    for name, path in modules().items():
        lines = path.read_text(encoding="utf-8").splitlines()
        tree = ast.parse("\n".join(lines))
        for function in ast.walk(tree):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            body = [n for n in ast.walk(function) if isinstance(n, (ast.Import, ast.ImportFrom))]
            numbers = {n.lineno for n in body}
            for number in sorted(numbers):
                if number - 1 in numbers:
                    continue  # a run of imports: its first line gives the reason
                if "#" not in lines[number - 1]:
                    unexplained.append(f"{path.relative_to(PACKAGE.parent)}:{number}: {lines[number - 1].strip()}")
    assert not unexplained, "\n".join(sorted(set(unexplained)))


def test_every_package_says_what_it_takes_and_gives():
    """Each package's __init__ docstring states its input and output (docs/architecture.md puts them in order)."""
    silent = []
    for name, path in modules().items():
        if path.name == "__init__.py":
            doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
            if not re.search(r"\bTakes\b[^;]*;\s*gives\b", doc):
                silent.append(name)
    assert not silent, "packages whose docstring does not say what they take and give: " + ", ".join(silent)


# The stages in the order a document meets them (docs/architecture.md); modules not named here are shared.
STAGE_ORDER = [("pipeline.ingest",), ("pipeline.segment", "pipeline.quotations", "pipeline.submission"),
               ("pipeline.util.parsecache",), ("pipeline.semantic",), ("pipeline.copying",), ("pipeline.boilerplate",),
               ("pipeline.topics",), ("pipeline.results",), ("pipeline.report", "pipeline.archive"),
               ("pipeline.review",), ("pipeline.engines", "pipeline.config"), ("pipeline.cli",)]


def stage(name: str) -> int:
    """1 + the place of the module's stage in STAGE_ORDER; 0 for a shared module (lexicon, model, util, …)."""
    for place, prefixes in enumerate(STAGE_ORDER, 1):
        if any(name == p or name.startswith(p + ".") for p in prefixes):
            return place
    return 0


def test_a_stage_imports_only_the_stages_before_it():
    known = modules()
    later = [f"{name} → {dep}" for name, path in known.items() for dep in imports(name, path, known)
             if stage(dep) > stage(name)]
    assert not later, "a module imports a later stage:\n" + "\n".join(sorted(later))


# Words that two vocabularies spell alike, so a literal of them is not necessarily one of the results model's kinds:
# copied / quoted / generic also name the Doc's span groups of those passages (pipeline.segment and the detectors),
# heading a kind of layout element (ingest.elements), slogan and stock the kinds of boilerplate the detector
# writes before the model reads them (boilerplate.judge, boilerplate.detector).
SHARED_SPELLINGS = {"copied", "quoted", "generic", "heading", "slogan", "stock"}


def test_result_kinds_are_spelled_only_by_the_results_model():
    """How a passage was copied (CopyKind), what kind of boilerplate a sentence is (GenericKind), how evidence shows
    a topic (EvidenceRole), what kind a reviewed flag is (FlagKind) and what a reviewer decided (Verdict) are
    spelled in pipeline.model alone: other modules compare with and build the enums. Other enums that
    happen to spell a word alike (a paragraph's kind "practice") define their own vocabulary and may; so may
    archive.sql (its CHECK constraint is fixed text of a migration) and the templates (a form's radio values),
    which this test does not read."""
    from pipeline.model import CopyKind, EvidenceRole, FlagKind, GenericKind, Verdict

    spellings = {kind.value for enum in (CopyKind, EvidenceRole, FlagKind, GenericKind, Verdict)
                 for kind in enum} - SHARED_SPELLINGS
    offenders = []
    for name, path in modules().items():
        if name == "pipeline.model":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        other_enums = {id(statement.value) for node in ast.walk(tree) if isinstance(node, ast.ClassDef)
                       and any(getattr(base, "id", getattr(base, "attr", "")).endswith("Enum") for base in node.bases)
                       for statement in node.body if isinstance(statement, ast.Assign)}
        allowed = docstrings_of(tree) | other_enums
        for node in ast.walk(tree):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in allowed
                    and node.value in spellings):
                offenders.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: {node.value!r}")
    assert not offenders, "result kinds spelled outside pipeline.model:\n" + "\n".join(offenders)
