"""Terraform expressions evaluated statically, with three-valued logic for what only `apply` knows.

python-hcl2 keeps every expression as the text `${...}`. This evaluates the
part of the language that decides how many services exist and how they
deploy: literals, `var.`, `local.`, `each.`, `count.index`, attribute and index
access, arithmetic, comparisons, `!`, `&&`, `||`, `? :`, lists, objects and a
few pure functions (`try`, `length`, `lookup`, `coalesce`, `contains`, `min`,
`max`, `tonumber`, `tostring`, `tobool`). Anything else (a resource's
attribute, `module.x.y`, `data.`, a `for` expression, another function) is
`Unknown`, carrying why. `Unknown && false` is false and `Unknown || true` is
true, so `count = local.enabled && var.flag ? 1 : 0` is decided whenever the
known part decides it, as Terraform itself would once the unknown is known.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Unknown:
    why: str


class _Failed(Exception):
    """An expression Terraform would refuse (a missing attribute): `try` moves on, elsewhere it is unknown."""


class _Syntax(Exception):
    pass


_TOKEN = re.compile(r'\s*(?:(?P<number>[0-9]+(?:\.[0-9]+)?)|(?P<string>"(?:[^"\\]|\\.)*")|'
                    r'(?P<name>[A-Za-z_][A-Za-z0-9_-]*)|(?P<op>==|!=|<=|>=|&&|\|\||=>|\.\.\.|[-+*/%<>!?:.,()\[\]{}=]))')
_BINARY = {"||": 1, "&&": 2, "==": 3, "!=": 3, "<": 4, ">": 4, "<=": 4, ">=": 4, "+": 5, "-": 5, "*": 6, "/": 6,
           "%": 6}
_INTERPOLATION = re.compile(r"\$\{((?:[^{}\"]|\"(?:[^\"\\]|\\.)*\"|\{[^{}]*\})*)\}")

Resolver = Callable[[str, str], Any]  # (root, attribute) -> value, e.g. ("var", "desired_count")


def _tokens(text: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise _Syntax(text[position:position + 20])
        kind = match.lastgroup or "op"
        found.append((kind, match.group(kind)))
        position = match.end()
    return found


class _Parser:
    def __init__(self, text: str, resolve: Resolver):
        self.tokens = _tokens(text)
        self.at = 0
        self.resolve = resolve

    def peek(self) -> str | None:
        return self.tokens[self.at][1] if self.at < len(self.tokens) else None

    def take(self, expected: str | None = None) -> tuple[str, str]:
        if self.at >= len(self.tokens) or (expected is not None and self.tokens[self.at][1] != expected):
            raise _Syntax(f"expected {expected}")
        self.at += 1
        return self.tokens[self.at - 1]

    def expression(self) -> Any:
        condition = self.binary(1)
        if self.peek() != "?":
            return condition
        self.take("?")
        yes = self.expression()
        self.take(":")
        no = self.expression()
        if isinstance(condition, Unknown):
            return yes if yes == no and not isinstance(yes, Unknown) else condition
        if not isinstance(condition, bool):
            raise _Failed("a condition must be true or false")
        return yes if condition else no

    def binary(self, level: int) -> Any:
        left = self.unary()
        while (op := self.peek()) in _BINARY and _BINARY[op] >= level:
            self.take()
            right = self.binary(_BINARY[op] + 1)
            left = _apply(op, left, right)
        return left

    def unary(self) -> Any:
        if self.peek() == "!":
            self.take()
            value = self.unary()
            return value if isinstance(value, Unknown) else (not value) if isinstance(value, bool) else \
                _fail("! needs true or false")
        if self.peek() == "-":
            self.take()
            value = self.unary()
            return value if isinstance(value, Unknown) else -value if _is_number(value) else _fail("- needs a number")
        return self.postfix(self.primary())

    def postfix(self, value: Any) -> Any:
        while self.peek() in (".", "["):
            if self.take()[1] == ".":
                kind, name = self.take()
                value = _index(value, int(name) if kind == "number" else name)
            else:
                key = self.expression()
                self.take("]")
                value = _index(value, key)
        return value

    def primary(self) -> Any:
        kind, text = self.take()
        if kind == "number":
            return float(text) if "." in text else int(text)
        if kind == "string":
            return _template(text[1:-1].encode().decode("unicode_escape"), self.resolve)
        if text == "(":
            value = self.expression()
            self.take(")")
            return value
        if text == "[":
            items = []
            while self.peek() != "]":
                if self.peek() == "for":
                    raise _Syntax("for expression")
                items.append(self.expression())
                if self.peek() == ",":
                    self.take()
            self.take("]")
            return items
        if text == "{":
            mapping: dict[Any, Any] = {}
            while self.peek() != "}":
                if self.peek() == "for":
                    raise _Syntax("for expression")
                key_kind, key = self.tokens[self.at]
                if key_kind == "name" and self.at + 1 < len(self.tokens) and self.tokens[self.at + 1][1] in "=:":
                    self.take()
                else:
                    key = self.expression()
                self.take()  # = or :
                mapping[key] = self.expression()
                if self.peek() == ",":
                    self.take()
            self.take("}")
            return mapping
        if kind != "name":
            raise _Syntax(text)
        if text in ("true", "false"):
            return text == "true"
        if text == "null":
            return None
        if self.peek() == "(":
            return self.call(text)
        if self.peek() == ".":  # var.x, local.x, each.value, or a resource's attribute the resolver cannot know
            self.take(".")
            return self.resolve(text, self.take()[1])
        return Unknown(f"{text}, not a value rollproof knows")

    def call(self, function: str) -> Any:
        self.take("(")
        arguments: list[Any] = []
        while self.peek() != ")":
            start = self.at
            try:
                arguments.append(self.expression())
            except _Failed as failed:
                if function != "try":
                    raise
                arguments.append(failed)  # try() skips an argument that fails
                self.at = start
                self.skip_argument()
            if self.peek() == ",":
                self.take()
        self.take(")")
        return _call(function, arguments)

    def skip_argument(self) -> None:
        depth = 0
        while self.at < len(self.tokens):
            token = self.tokens[self.at][1]
            if depth == 0 and token in (",", ")"):
                return
            depth += token in "([{"
            depth -= token in ")]}"
            self.at += 1


def _fail(message: str) -> Any:
    raise _Failed(message)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _number(value: Any) -> Any:
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]{1,18}", value.strip()):
        return int(value)
    return value


def _apply(op: str, left: Any, right: Any) -> Any:
    if op == "&&":
        if left is False or right is False:
            return False
        return left if isinstance(left, Unknown) else right
    if op == "||":
        if left is True or right is True:
            return True
        return left if isinstance(left, Unknown) else right
    for side in (left, right):
        if isinstance(side, Unknown):
            return side
    if op == "==":
        return _number(left) == _number(right)
    if op == "!=":
        return _number(left) != _number(right)
    left, right = _number(left), _number(right)
    if not (_is_number(left) and _is_number(right)):
        raise _Failed(f"{op} needs numbers")
    if op in ("/", "%") and right == 0:
        raise _Failed("division by zero")
    result = {"<": lambda: left < right, ">": lambda: left > right, "<=": lambda: left <= right,
              ">=": lambda: left >= right, "+": lambda: left + right, "-": lambda: left - right,
              "*": lambda: left * right, "/": lambda: left / right, "%": lambda: left % right}[op]()
    return int(result) if isinstance(result, float) and result.is_integer() and op != "/" else result


def _index(value: Any, key: Any) -> Any:
    if isinstance(value, Unknown):
        return value
    if isinstance(key, Unknown):
        return key
    if isinstance(value, Mapping):
        if key not in value:
            raise _Failed(f"no attribute {key}")
        return value[key]
    if isinstance(value, list) and isinstance(_number(key), int) and 0 <= _number(key) < len(value):
        return value[_number(key)]
    raise _Failed(f"cannot index {type(value).__name__} with {key!r}")


def _call(function: str, arguments: list[Any]) -> Any:
    if function == "try":
        for argument in arguments:
            if not isinstance(argument, _Failed):
                return argument
        raise _Failed("every try() argument failed")
    for argument in arguments:
        if isinstance(argument, Unknown):
            return argument
    if function == "length" and len(arguments) == 1 and isinstance(arguments[0], (list, dict, str)):
        return len(arguments[0])
    if function == "lookup" and len(arguments) in (2, 3) and isinstance(arguments[0], Mapping):
        if arguments[1] in arguments[0]:
            return arguments[0][arguments[1]]
        return arguments[2] if len(arguments) == 3 else _fail("lookup of a missing key")
    if function == "coalesce":
        return next((a for a in arguments if a is not None and a != ""), None)
    if function == "contains" and len(arguments) == 2 and isinstance(arguments[0], list):
        return arguments[1] in arguments[0]
    if function in ("min", "max") and arguments and all(_is_number(_number(a)) for a in arguments):
        return (min if function == "min" else max)(_number(a) for a in arguments)
    if function == "tonumber" and len(arguments) == 1:
        return _number(arguments[0])
    if function == "tostring" and len(arguments) == 1 and isinstance(arguments[0], (str, int)):
        return str(arguments[0])
    if function == "tobool" and len(arguments) == 1 and isinstance(arguments[0], bool):
        return arguments[0]
    return Unknown(f"computed by {function}(), which rollproof does not evaluate")


def _template(text: str, resolve: Resolver) -> Any:
    """A string with `${...}` parts: the whole expression's value, or the parts joined as text."""
    whole = _INTERPOLATION.fullmatch(text)
    if whole:
        return _parse(whole.group(1), resolve)
    parts: list[str] = []
    position = 0
    for match in _INTERPOLATION.finditer(text):
        value = _parse(match.group(1), resolve)
        if isinstance(value, Unknown):
            return value
        if isinstance(value, (dict, list)) or value is None:
            raise _Failed("a template part must be text")
        parts += [text[position:match.start()], str(value).lower() if isinstance(value, bool) else str(value)]
        position = match.end()
    return "".join(parts) + text[position:]


def _parse(text: str, resolve: Resolver) -> Any:
    try:
        parser = _Parser(text, resolve)
        value = parser.expression()
        if parser.at != len(parser.tokens):
            raise _Syntax("trailing text")
        return value
    except _Syntax:
        return Unknown(f"the expression {text.strip()[:60]}, beyond what rollproof evaluates")


def evaluate(value: Any, resolve: Resolver) -> Any:
    """A python-hcl2 value with each `${...}` evaluated; `Unknown` where it cannot be, never an exception."""
    try:
        if isinstance(value, str):
            return _template(value, resolve) if "${" in value else value
        if isinstance(value, list):
            return [evaluate(item, resolve) for item in value]
        if isinstance(value, dict):
            return {key: evaluate(item, resolve) for key, item in value.items() if key != "__is_block__"}
        return value
    except _Failed as failed:
        return Unknown(f"an expression Terraform would refuse ({failed})")
    except RecursionError:
        return Unknown("nested too deeply to evaluate")
