"""The quarter's required-topic list (topics.yaml), read with line numbers so every mistake a secretary makes in
it is reported as `topics.yaml line N: …` with the fix."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .errors import ConfigError
from .messages import N_

TOP_KEYS = {"quarter", "unit", "topics"}
# topics.yaml is data a secretary types: a few topics with their words. Anything far beyond that is refused before
# it is built into objects (an alias bomb expands to gigabytes; deep nesting exhausts the stack).
MAX_TOPICS_BYTES = 1_000_000
MAX_DEPTH = 6  # the document, topics, a topic, its keyword list: four levels are used
PLAIN_TAGS = {None, "!", "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:bool",
              "tag:yaml.org,2002:float", "tag:yaml.org,2002:null", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"}
TOPIC_KEYS = {"id", "title", "required", "keywords", "key_points", "references"}
# typed with a Chinese input method where YAML needs ": ", ", " and a plain space
FULL_WIDTH_COLON, FULL_WIDTH_COMMA, FULL_WIDTH_SPACE = "：", "，", "\u3000"
SHORT_LISTS = {"keywords", "references"}  # lists of words and ids; a key point is a sentence, commas and all


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
            raise ConfigError(N_("{path}: 没有 topics.yaml；每个批次都需要本季度的专题清单", path=path)) from exc
        except UnicodeDecodeError as exc:
            raise ConfigError(N_("{name}: 不是 UTF-8 文本；请另存为 UTF-8 编码", name=name)) from exc
        if len(text.encode("utf-8")) > MAX_TOPICS_BYTES:
            raise ConfigError(N_("{name}: 超过 {limit:,} 字节；专题清单最多几页", name=name, limit=MAX_TOPICS_BYTES))
        _check_full_width(text, name)
        try:
            _check_plain_data(text, name)
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            if mark:
                raise ConfigError(N_("{name} 第{line}行：不是有效的 YAML（{problem}）；请检查缩进和冒号", name=name,
                                     line=mark.line + 1, problem=problem)) from exc
            raise ConfigError(N_("{name}: 不是有效的 YAML（{problem}）；请检查缩进和冒号", name=name,
                                 problem=problem)) from exc
        if not isinstance(root, yaml.MappingNode):
            raise ConfigError(N_("{name} 第1行：应有 quarter、unit 和 topics 三项", name=name))
        top = _mapping(root, name)
        for key, (knode, _) in top.items():
            if key not in TOP_KEYS:
                raise ConfigError(N_("{name} 第{line}行：未知的项“{key}”；可用的项：{allowed}", name=name, line=_line(knode),
                                     key=key, allowed=", ".join(sorted(TOP_KEYS))))
        if "topics" not in top:
            raise ConfigError(N_("{name} 第{line}行：没有“topics:”专题列表", name=name, line=_line(root)))
        topics_node = top["topics"][1]
        if not isinstance(topics_node, yaml.SequenceNode) or not topics_node.value:
            raise ConfigError(N_("{name} 第{line}行：“topics”应是不为空的专题列表", name=name, line=_line(topics_node)))
        topics, seen = [], {}
        for item in topics_node.value:
            topic = _topic(item, name)
            if topic.id in seen:
                raise ConfigError(N_("{name} 第{line}行：专题编号“{id}”重复（第一次出现在第{first}行）", name=name,
                                     line=_line(item), id=topic.id, first=seen[topic.id]))
            seen[topic.id] = _line(item)
            if references_dir is not None:
                for ref in topic.references:
                    if not any(references_dir.glob(f"{ref}.*")):
                        raise ConfigError(N_("{name} 第{line}行：专题 {id} 列出了参考材料“{ref}”，但 {folder}/{ref}.txt "
                                             "不存在", name=name, line=_line(item), id=topic.id, ref=ref,
                                             folder=references_dir.name))
            topics.append(topic)
        return cls(_scalar(top.get("quarter"), name), _scalar(top.get("unit"), name), tuple(topics))


def _check_plain_data(text: str, name: str) -> None:
    """Refuse, with the line, what plain data never needs: aliases (*name), tags of other types (!!python/object)
    and nesting deeper than MAX_DEPTH. Read as an event stream, so nothing is expanded or built first."""
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent):
            raise ConfigError(N_("{name} 第{line}行：不允许使用别名（*{anchor}）；请把文字写全", name=name, line=line,
                                 anchor=event.anchor))
        tag = getattr(event, "tag", None)
        if tag not in PLAIN_TAGS:
            raise ConfigError(N_("{name} 第{line}行：不允许使用标签 {tag}；请写纯文字", name=name, line=line, tag=tag))
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise ConfigError(N_("{name} 第{line}行：嵌套超过 {depth} 层；专题清单只是专题及其关键词和要点",
                                     name=name, line=line, depth=MAX_DEPTH))
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


def _check_full_width(text: str, name: str) -> None:
    """Punctuation typed with a Chinese input method where YAML needs its half-width twin, refused on its own line
    with the fix; YAML itself reads a full-width colon as text and reports a line further down, and takes a list
    written with full-width commas as one entry."""
    for number, line in enumerate(text.splitlines(), 1):
        if line[:len(line) - len(line.lstrip())].count(FULL_WIDTH_SPACE):
            raise ConfigError(N_("{name} 第{line}行：缩进用了全角空格；请改用半角空格", name=name, line=number))
        item = line.strip()
        if item.startswith("- "):
            item = item[2:].lstrip()
        key, colon, _ = item.partition(FULL_WIDTH_COLON)
        if colon and key.strip() in TOP_KEYS | TOPIC_KEYS:
            raise ConfigError(N_("{name} 第{line}行：“{key}”后面是全角冒号“：”；请改成半角冒号加空格“: ”", name=name,
                                 line=number, key=key.strip()))
        key, colon, value = item.partition(": ")
        if colon and key.strip() in SHORT_LISTS and value.strip().startswith("[") and FULL_WIDTH_COMMA in value:
            raise ConfigError(N_("{name} 第{line}行：“{key}”列表中用了全角逗号“，”；请改成半角逗号“,”", name=name,
                                 line=number, key=key.strip()))


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _mapping(node: yaml.MappingNode, name: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    out = {}
    for knode, vnode in node.value:
        if not isinstance(knode, yaml.ScalarNode):
            raise ConfigError(N_("{name} 第{line}行：项名应是纯文字", name=name, line=_line(knode)))
        out[str(knode.value)] = (knode, vnode)
    return out


def _scalar(pair, name: str) -> str | None:
    if pair is None:
        return None
    key, node = pair
    if not isinstance(node, yaml.ScalarNode):
        raise ConfigError(N_("{name} 第{line}行：“{key}”应是纯文字", name=name, line=_line(node), key=key.value))
    return str(node.value).strip() or None


def _strings(node: yaml.Node, name: str, what: str) -> tuple[str, ...]:
    if isinstance(node, yaml.ScalarNode):
        values = [node.value] if str(node.value).strip() else []
    elif isinstance(node, yaml.SequenceNode):
        values = []
        for item in node.value:
            if not isinstance(item, yaml.ScalarNode):
                raise ConfigError(N_("{name} 第{line}行：“{what}”的每一条都应是纯文字", name=name, line=_line(item),
                                     what=what))
            if str(item.value).strip():
                values.append(str(item.value).strip())
    else:
        raise ConfigError(N_("{name} 第{line}行：“{what}”应是列表", name=name, line=_line(node), what=what))
    return tuple(values)


def _topic(node: yaml.Node, name: str) -> Topic:
    if not isinstance(node, yaml.MappingNode):
        raise ConfigError(N_("{name} 第{line}行：每个专题应有 id、title、keywords、key_points、references 各项",
                             name=name, line=_line(node)))
    fields = _mapping(node, name)
    for key, (knode, _) in fields.items():
        if key not in TOPIC_KEYS:
            raise ConfigError(N_("{name} 第{line}行：专题中未知的项“{key}”；可用的项：{allowed}", name=name,
                                 line=_line(knode), key=key, allowed=", ".join(sorted(TOPIC_KEYS))))
    topic_id = _scalar(fields.get("id"), name)
    if not topic_id:
        raise ConfigError(N_("{name} 第{line}行：专题缺少“id”", name=name, line=_line(node)))
    title = _scalar(fields.get("title"), name)
    if not title:
        raise ConfigError(N_("{name} 第{line}行：专题 {id} 缺少“title”", name=name, line=_line(node), id=topic_id))
    keywords = _strings(fields["keywords"][1], name, "keywords") if "keywords" in fields else ()
    if not keywords:
        where = _line(fields["keywords"][1]) if "keywords" in fields else _line(node)
        raise ConfigError(N_("{name} 第{line}行：专题 {id} 没有关键词；请列出指称该专题的词语", name=name, line=where,
                                 id=topic_id))
    required_node = fields.get("required")
    required = True
    if required_node is not None:
        value = (_scalar(required_node, name) or "").lower()
        if value not in ("true", "false", "yes", "no"):
            raise ConfigError(N_("{name} 第{line}行：“required”应是 true 或 false", name=name,
                                 line=_line(required_node[1])))
        required = value in ("true", "yes")
    return Topic(
        id=topic_id,
        title=title,
        required=required,
        keywords=keywords,
        key_points=_strings(fields["key_points"][1], name, "key_points") if "key_points" in fields else (),
        references=_strings(fields["references"][1], name, "references") if "references" in fields else (),
    )
