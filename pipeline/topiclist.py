"""The quarter's required-topic list (topics.yaml), read with line numbers so every mistake a secretary makes in
it is reported as `topics.yaml line N: …` with the fix."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .errors import ConfigError

TOP_KEYS = {"quarter", "unit", "topics"}
# topics.yaml is data a secretary types: a few topics with their words. Anything far beyond that is refused before
# it is built into objects (an alias bomb expands to gigabytes; deep nesting exhausts the stack).
MAX_TOPICS_BYTES = 1_000_000
MAX_DEPTH = 6  # the document, topics, a topic, its keyword list: four levels are used
PLAIN_TAGS = {None, "!", "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:bool",
              "tag:yaml.org,2002:float", "tag:yaml.org,2002:null", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"}
TOPIC_KEYS = {"id", "title", "required", "keywords", "key_points", "references"}


@dataclass(frozen=True)
class Topic:
    id: str
    title: str
    required: bool = True
    keywords: tuple[str, ...] = ()
    key_points: tuple[str, ...] = ()
    references: tuple[str, ...] = ()


@dataclass(frozen=True)
class TopicList:
    quarter: str | None
    unit: str | None
    topics: tuple[Topic, ...] = field(default_factory=tuple)

    def __iter__(self):
        return iter(self.topics)

    def __len__(self) -> int:
        return len(self.topics)

    @property
    def ids(self) -> list[str]:
        return [t.id for t in self.topics]

    @classmethod
    def load(cls, path: Path, *, references_dir: Path | None = None) -> "TopicList":
        """Read and validate topics.yaml. With `references_dir`, every listed reference must exist there as
        <ID>.txt (or another readable format)."""
        path = Path(path)
        name = path.name
        try:
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError as exc:
            raise ConfigError(f"{path}: no topics.yaml; every batch needs the quarter's topic list") from exc
        except UnicodeDecodeError as exc:
            raise ConfigError(f"{name}: not UTF-8 text; save it as UTF-8") from exc
        if len(text.encode("utf-8")) > MAX_TOPICS_BYTES:
            raise ConfigError(f"{name}: larger than {MAX_TOPICS_BYTES:,} bytes; a topic list is a few pages at most")
        try:
            _check_plain_data(text, name)
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" line {mark.line + 1}" if mark else ""
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise ConfigError(f"{name}{where}: not valid YAML ({problem}); check indentation and colons") from exc
        if not isinstance(root, yaml.MappingNode):
            raise ConfigError(f"{name} line 1: expected keys quarter, unit and topics")
        top = _mapping(root, name)
        for key, (knode, _) in top.items():
            if key not in TOP_KEYS:
                raise ConfigError(f"{name} line {_line(knode)}: unknown key '{key}'; allowed: {', '.join(sorted(TOP_KEYS))}")
        if "topics" not in top:
            raise ConfigError(f"{name} line {_line(root)}: no 'topics:' list")
        topics_node = top["topics"][1]
        if not isinstance(topics_node, yaml.SequenceNode) or not topics_node.value:
            raise ConfigError(f"{name} line {_line(topics_node)}: 'topics' must be a non-empty list of topics")
        topics, seen = [], {}
        for item in topics_node.value:
            topic = _topic(item, name)
            if topic.id in seen:
                raise ConfigError(f"{name} line {_line(item)}: duplicate topic id '{topic.id}' (first on line {seen[topic.id]})")
            seen[topic.id] = _line(item)
            if references_dir is not None:
                for ref in topic.references:
                    if not any(references_dir.glob(f"{ref}.*")):
                        raise ConfigError(
                            f"{name} line {_line(item)}: topic {topic.id} lists reference '{ref}' but "
                            f"{references_dir.name}/{ref}.txt does not exist"
                        )
            topics.append(topic)
        return cls(_scalar(top.get("quarter"), name), _scalar(top.get("unit"), name), tuple(topics))


def _check_plain_data(text: str, name: str) -> None:
    """Refuse, with the line, what plain data never needs: aliases (*name), tags of other types (!!python/object)
    and nesting deeper than MAX_DEPTH. Read as an event stream, so nothing is expanded or built first."""
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent):
            raise ConfigError(f"{name} line {line}: an alias (*{event.anchor}) is not allowed; write the text out")
        tag = getattr(event, "tag", None)
        if tag not in PLAIN_TAGS:
            raise ConfigError(f"{name} line {line}: the tag {tag} is not allowed; write plain text")
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise ConfigError(f"{name} line {line}: nested more than {MAX_DEPTH} levels deep; "
                                  f"a topic list is topics with keywords and key points")
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _mapping(node: yaml.MappingNode, name: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    out = {}
    for knode, vnode in node.value:
        if not isinstance(knode, yaml.ScalarNode):
            raise ConfigError(f"{name} line {_line(knode)}: a key must be plain text")
        out[str(knode.value)] = (knode, vnode)
    return out


def _scalar(pair, name: str) -> str | None:
    if pair is None:
        return None
    key, node = pair
    if not isinstance(node, yaml.ScalarNode):
        raise ConfigError(f"{name} line {_line(node)}: '{key.value}' must be plain text")
    return str(node.value).strip() or None


def _strings(node: yaml.Node, name: str, what: str) -> tuple[str, ...]:
    if isinstance(node, yaml.ScalarNode):
        values = [node.value] if str(node.value).strip() else []
    elif isinstance(node, yaml.SequenceNode):
        values = []
        for item in node.value:
            if not isinstance(item, yaml.ScalarNode):
                raise ConfigError(f"{name} line {_line(item)}: each entry of '{what}' must be plain text")
            if str(item.value).strip():
                values.append(str(item.value).strip())
    else:
        raise ConfigError(f"{name} line {_line(node)}: '{what}' must be a list")
    return tuple(values)


def _topic(node: yaml.Node, name: str) -> Topic:
    if not isinstance(node, yaml.MappingNode):
        raise ConfigError(f"{name} line {_line(node)}: each topic must have keys id, title, keywords, key_points, references")
    fields = _mapping(node, name)
    for key, (knode, _) in fields.items():
        if key not in TOPIC_KEYS:
            raise ConfigError(f"{name} line {_line(knode)}: unknown topic key '{key}'; allowed: {', '.join(sorted(TOPIC_KEYS))}")
    topic_id = _scalar(fields.get("id"), name)
    if not topic_id:
        raise ConfigError(f"{name} line {_line(node)}: topic without an 'id'")
    title = _scalar(fields.get("title"), name)
    if not title:
        raise ConfigError(f"{name} line {_line(node)}: topic {topic_id} has no 'title'")
    keywords = _strings(fields["keywords"][1], name, "keywords") if "keywords" in fields else ()
    if not keywords:
        where = _line(fields["keywords"][1]) if "keywords" in fields else _line(node)
        raise ConfigError(f"{name} line {where}: topic {topic_id} has no keywords; list the phrases that name it")
    required_node = fields.get("required")
    required = True
    if required_node is not None:
        value = (_scalar(required_node, name) or "").lower()
        if value not in ("true", "false", "yes", "no"):
            raise ConfigError(f"{name} line {_line(required_node[1])}: 'required' must be true or false")
        required = value in ("true", "yes")
    return Topic(
        id=topic_id,
        title=title,
        required=required,
        keywords=keywords,
        key_points=_strings(fields["key_points"][1], name, "key_points") if "key_points" in fields else (),
        references=_strings(fields["references"][1], name, "references") if "references" in fields else (),
    )
