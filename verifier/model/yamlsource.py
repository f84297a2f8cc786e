"""Read untrusted YAML into plain Python values, remembering where each came from.

PyYAML's SafeLoader is used only to compose the node tree; we then walk the
tree ourselves so that we can (a) reject duplicate keys, which PyYAML would
silently overwrite, (b) stop alias "billion laughs" expansions and recursive
anchors after a fixed number of repeated nodes, and (c) record the line of
every value under its document path, the way cfn-lint's decoder does.

Scalars are read the YAML 1.2 core way: a number is decimal digits, a boolean
is true or false. YAML 1.1's other forms (`1:30` as 90, `0x10` as 16, `010`
as 8, `yes` as true) stay text, so a field that wants a number refuses them
instead of reading a value the author did not mean. Nesting is counted while
composing, before PyYAML's recursive composer can exhaust Python's stack.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from verifier.errors import ModelError
from verifier.model.textfile import MODEL_FILE, FileKind, decode_text, read_bytes, size_text

# Aliases re-walk their anchor: a document whose aliases repeat more nodes than
# this is an alias bomb or a recursive anchor, never a hand-written file.
MAX_REPEATED_NODES = 10_000
MAX_DEPTH = 50
MAX_BYTES = MODEL_FILE.max_bytes
MAX_DIGITS = 4300  # Python refuses to convert longer digit strings (sys.get_int_max_str_digits)

_INT, _FLOAT, _BOOL = "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool"
_DECIMAL = re.compile(r"^[-+]?[0-9]+$")


class _TooDeep(yaml.MarkedYAMLError):
    pass


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core numbers and booleans, safe constructors, and a nesting limit."""

    depth = 0
    max_depth = MAX_DEPTH

    def compose_node(self, parent: Any, index: Any) -> Any:
        self.depth += 1
        try:
            if self.depth > self.max_depth:
                raise _TooDeep(problem=f"nested deeper than {self.max_depth} levels",
                               problem_mark=self.peek_event().start_mark)  # type: ignore[no-untyped-call]
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_yaml_int(self, node: Any) -> int:
        text = str(node.value)
        if not _DECIMAL.match(text):  # an explicit !!int 0x10 or !!int 1:30 too
            raise yaml.constructor.ConstructorError(
                None, None, f"{text!r} is not a whole number in decimal digits", node.start_mark)
        if len(text.lstrip("+-")) > MAX_DIGITS:
            raise yaml.constructor.ConstructorError(
                None, None, f"a number of {len(text.lstrip('+-'))} digits is longer than the {MAX_DIGITS} "
                "digits rollproof reads", node.start_mark)
        return int(text)

    def construct_yaml_timestamp(self, node: Any) -> Any:
        if not self.timestamp_regexp.match(str(node.value)):  # an explicit !!timestamp on anything
            raise yaml.constructor.ConstructorError(None, None, f"{node.value!r} is not a date", node.start_mark)
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError) as exc:
            raise yaml.constructor.ConstructorError(
                None, None, f"{node.value!r} is not a real date or time ({exc}); quote it if it is text",
                node.start_mark) from None


_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in (_INT, _FLOAT, _BOOL)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
_StrictLoader.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
_StrictLoader.add_implicit_resolver(_INT, re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789"))
_StrictLoader.add_implicit_resolver(_FLOAT, re.compile(
    r"^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*|[0-9]+(?:\.[0-9]*)?[eE][-+]?[0-9]+)$"
    r"|^[-+]?\.(?:inf|Inf|INF)$|^\.(?:nan|NaN|NAN)$"), list("-+0123456789."))
_StrictLoader.add_constructor(_INT, _StrictLoader.construct_yaml_int)
_StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _StrictLoader.construct_yaml_timestamp)

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
    def __init__(self, source: str, loader: yaml.SafeLoader, max_depth: int = MAX_DEPTH):
        self.source = source
        self.max_depth = max_depth
        self.loader = loader
        self.visited = 0
        self.seen: set[int] = set()  # ids of the nodes walked; one walked again is an alias's repeat
        self.lines: dict[DocPath, int] = {}
        self.columns: dict[DocPath, int] = {}

    def fail(self, node: yaml.Node, message: str) -> ModelError:
        return ModelError(message, self.source, node.start_mark.line + 1)

    def walk(self, node: yaml.Node, path: DocPath, depth: int) -> Any:
        self.visited += 1
        self.seen.add(id(node))
        if self.visited - len(self.seen) > MAX_REPEATED_NODES:
            raise self.fail(node, f"an alias expands to more than {MAX_REPEATED_NODES} repeated values "
                            "(an alias bomb or a recursive anchor?); write the values out")
        if depth > self.max_depth:  # only aliases get here: the composer has refused deeper text
            raise self.fail(node, f"an alias makes the document nested deeper than {self.max_depth} levels "
                            "(a recursive anchor?); write the values out")
        self.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            return self.walk_mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            return [self.walk(item, path + (i,), depth + 1) for i, item in enumerate(node.value)]
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            shown = node.value if len(node.value) <= 60 else node.value[:60] + "..."
            raise self.fail(node, f"cannot read value {shown!r}: {_problem(exc)}") from None

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


def parse_yaml(text: str, source: str, kind: FileKind = MODEL_FILE) -> Document:
    """Decode one YAML document from `text`; `source` names it in errors, `kind` says what it should hold."""
    if len(text.encode("utf-8", "surrogatepass")) > kind.max_bytes:
        raise ModelError(f"file is larger than {size_text(kind.max_bytes)}; {kind.size_advice}", source, 1)
    loader = _StrictLoader(text)
    loader.max_depth = kind.max_depth
    try:
        root = loader.get_single_node()
    except _TooDeep as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 1
        raise ModelError(f"document is {exc.problem}; no {kind.what} is that deep", source, line) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise ModelError(f"not valid YAML: {_problem(exc)}", source, line) from None
    except yaml.YAMLError as exc:
        raise ModelError(f"not valid YAML: {_problem(exc)}", source, 1) from None
    finally:
        loader.dispose()
    if root is None:
        raise ModelError(f"file is empty; {kind.expects}", source, 1)
    walker = _Walker(source, loader, kind.max_depth)
    data = walker.walk(root, (), 0)
    return Document(data, source, walker.lines, walker.columns)


def read_yaml(path: Path, shown_as: str | None = None, kind: FileKind = MODEL_FILE) -> Document:
    """Read `path`, a regular file of `kind`; errors and results name it `shown_as` (default: the path as given)."""
    source = shown_as or str(path)
    return parse_yaml(decode_text(read_bytes(path, kind, shown_as), source), source, kind)
