"""The scoring configuration: every threshold and weight of copy detection, boilerplate and topics in one
validated object, recorded in every results.json, overridable from a file with `xuexi score --config FILE`.

The file is YAML with one section per stage, naming only what it changes:

    reading:
      seconds_per_file: 60
    copying:
      min_chars: 50
    boilerplate:
      threshold: 2.0
    topics:
      own_share: 0.6

Each section's keys are the fields of that stage's config class (ReaderLimits, CopyConfig, BoilerplateConfig,
TopicConfig),
where each is documented with its unit and reason; results.json's `config` lists them all with the values used.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .boilerplate import BoilerplateConfig
from .copying import CopyConfig
from .errors import ConfigError
from .messages import N_
from .ingest import ReaderLimits
from .lexicon import PHRASES
from .topics import TopicConfig

_SECTIONS = {"reading": ReaderLimits, "copying": CopyConfig, "boilerplate": BoilerplateConfig, "topics": TopicConfig}


@dataclass(frozen=True)
class ScoringConfig:
    """The configuration of one scoring run, one part per stage."""

    reading: ReaderLimits = field(default_factory=ReaderLimits)
    copying: CopyConfig = field(default_factory=CopyConfig)
    boilerplate: BoilerplateConfig = field(default_factory=BoilerplateConfig)
    topics: TopicConfig = field(default_factory=TopicConfig)

    @classmethod
    def load(cls, path: Path) -> "ScoringConfig":
        """The defaults with a config file's values over them. Raises ConfigError, naming the file and the key,
        for a file that cannot be read, an unknown section or key, or a value of the wrong type."""
        try:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except OSError as e:
            raise ConfigError(N_("配置文件 {path} 无法读取（{cause}）", path=path, cause=e.strerror)) from e
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            problem = getattr(e, "problem", e)
            if mark is not None:
                raise ConfigError(N_("配置文件 {path} 第{line}行不是有效的 YAML：{problem}", path=path,
                                     line=mark.line + 1, problem=problem)) from e
            raise ConfigError(N_("配置文件 {path} 不是有效的 YAML：{problem}", path=path, problem=problem)) from e
        if not isinstance(data, dict):
            raise ConfigError(N_("配置文件 {path} 应按阶段分节（{sections}），每节写要改的参数", path=path,
                                 sections="、".join(_SECTIONS)))
        parts = {}
        for section, values in data.items():
            if section not in _SECTIONS:
                raise ConfigError(N_("配置文件 {path}：没有“{section}”这一节；可用的节：{sections}", path=path,
                                     section=section, sections="、".join(_SECTIONS)))
            if not isinstance(values, dict):
                raise ConfigError(N_("配置文件 {path}：“{section}”一节应是“参数: 值”的列表", path=path, section=section))
            parts[section] = _section(path, section, _SECTIONS[section], values)
        return cls(**parts)

    def to_dict(self) -> dict:
        """Every setting with the value in force, by stage: what results.json records."""
        return {name: {f.name: _plain(getattr(getattr(self, name), f.name))
                       for f in dataclasses.fields(getattr(self, name))}
                for name in _SECTIONS}

    def digest(self) -> str:
        """A short fingerprint of the settings, for knowing whether a rerun reads the same configuration."""
        return hashlib.blake2b(json.dumps(self.to_dict(), sort_keys=True).encode(), digest_size=8).hexdigest()


def _section(path: Path, section: str, kind: type, values: dict):
    defaults = kind()
    known = {f.name: f for f in dataclasses.fields(kind)}
    changed = {}
    for key, value in values.items():
        if key not in known:
            raise ConfigError(N_("配置文件 {path}：“{section}”一节没有参数“{key}”；可用的参数：{known}", path=path,
                                 section=section, key=key, known="、".join(known)))
        default = getattr(defaults, key)
        changed[key] = _typed(path, f"{section}.{key}", value, default)
    try:
        return dataclasses.replace(defaults, **changed)
    except (ValueError, TypeError) as e:
        raise ConfigError(N_("配置文件 {path}：{problem}", path=path, problem=e)) from e


def _typed(path: Path, name: str, value, default):
    """`value` as the type of the default; an int is accepted where a float is expected, nothing else is cast."""
    if isinstance(default, bool):
        ok = isinstance(value, bool)
    elif isinstance(default, int):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif isinstance(default, float):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        value = float(value) if ok else value
    elif isinstance(default, Path):
        ok = isinstance(value, str)
        value = (Path(path).parent / value).resolve() if ok else value
    else:
        ok = isinstance(value, type(default))
    if not ok:
        raise ConfigError(N_("配置文件 {path}：{name} 应是{kind}，而不是 {value}", path=path, name=name,
                             kind=_type_name(default), value=repr(value)))
    return value


def _type_name(default) -> str:
    if isinstance(default, bool):
        return N_(" true 或 false")
    if isinstance(default, int):
        return N_("整数")
    if isinstance(default, float):
        return N_("数字")
    if isinstance(default, Path):
        return N_("文件路径")
    return f" {type(default).__name__}"


def _plain(value):
    """A setting as results.json records it; a shipped phrase list by its name, wherever xuexi is installed."""
    if not isinstance(value, Path):
        return value
    return f"pipeline.phrases/{value.name}" if value.parent == PHRASES else str(value)
