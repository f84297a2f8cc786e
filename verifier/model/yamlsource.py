"""Read untrusted YAML into plain Python values, remembering where each came from.

PyYAML's SafeLoader is used only to compose the node tree; we then walk the
tree ourselves so that we can (a) reject duplicate keys, which PyYAML would
silently overwrite, (b) stop alias "billion laughs" expansions and recursive
anchors after a fixed number of nodes, and (c) record the line of every value
under its document path, the way cfn-lint's decoder does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from verifier.errors import ModelError

# A model file is a few dozen nodes; this is generous and still stops an alias
# bomb (each alias re-walks its anchor) long before it costs real memory.
MAX_NODES = 10_000
MAX_DEPTH = 50
MAX_BYTES = 1_000_000

DocPath = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Document:
    """A decoded YAML document: its data and the 1-based line of every path in it."""

    data: Any
    source: str
    lines: dict[DocPath, int] = field(default_factory=dict, compare=False)
    columns: dict[DocPath, int] = field(default_factory=dict, compare=False)

    def line_of(self, path: DocPath) -> int | None:
        """The line of `path`, or of its nearest ancestor that has one."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), 1)

    def error(self, path: DocPath, message: str) -> ModelError:
        return ModelError(message, self.source, self.line_of(path))


class _Walker:
    def __init__(self, source: str, loader: yaml.SafeLoader):
        self.source = source
        self.loader = loader
        self.visited = 0
        self.lines: dict[DocPath, int] = {}
        self.columns: dict[DocPath, int] = {}

    def fail(self, node: yaml.Node, message: str) -> ModelError:
        return ModelError(message, self.source, node.start_mark.line + 1)

    def walk(self, node: yaml.Node, path: DocPath, depth: int) -> Any:
        self.visited += 1
        if self.visited > MAX_NODES:
            raise self.fail(node, f"document expands to more than {MAX_NODES} nodes "
                            "(an alias expansion or a recursive anchor?); write the values out")
        if depth > MAX_DEPTH:
            raise self.fail(node, f"document is nested more than {MAX_DEPTH} levels deep")
        self.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            return self.walk_mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            return [self.walk(item, path + (i,), depth + 1) for i, item in enumerate(node.value)]
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            raise self.fail(node, f"cannot read value {node.value!r}: {_problem(exc)}") from None

    def walk_mapping(self, node: yaml.MappingNode, path: DocPath, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise self.fail(key_node, "merge keys ('<<') are not supported; write the keys out")
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.fail(key_node, "a key must be a plain name, not a list or mapping")
            key = str(key_node.value)
            if key in result:
                first = self.lines.get(path + (key,), "?")
                raise self.fail(key_node, f"duplicate key '{key}' (first given on line {first}); "
                                "YAML keeps only one of them, so remove the other")
            self.lines[path + (key,)] = key_node.start_mark.line + 1
            self.columns[path + (key,)] = key_node.start_mark.column + 1
            result[key] = self.walk(value_node, path + (key,), depth + 1)
        return result


def _problem(exc: yaml.YAMLError) -> str:
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return str(problem)


def parse_yaml(text: str, source: str) -> Document:
    """Decode one YAML document from `text`; `source` names it in errors."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise ModelError(f"file is larger than {MAX_BYTES // 1000} kB; a model file is a few dozen lines",
                         source, 1)
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise ModelError(f"not valid YAML: {_problem(exc)}", source, line) from None
    except yaml.YAMLError as exc:
        raise ModelError(f"not valid YAML: {_problem(exc)}", source, 1) from None
    finally:
        loader.dispose()
    if root is None:
        raise ModelError("file is empty; a model is a mapping with at least a 'service:' key", source, 1)
    walker = _Walker(source, loader)
    data = walker.walk(root, (), 0)
    return Document(data, source, walker.lines, walker.columns)


def read_yaml(path: Path, shown_as: str | None = None) -> Document:
    """Read `path`; errors and results name it `shown_as` (default: the path as given)."""
    source = shown_as or str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ModelError(f"cannot read file: {exc.strerror}", source) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ModelError("file is not UTF-8 text", source, line) from None
    return parse_yaml(text, source)
