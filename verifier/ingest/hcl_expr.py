"""Terraform expressions evaluated statically, with three-valued logic for what only `apply` knows.

python-hcl2 keeps every expression as the text `${...}`. This evaluates the
part of the language that decides how many services exist and how they
deploy: literals, `var.`, `local.`, `each.`, `count.index`, attribute and index
access, splats (`[*]`), arithmetic, comparisons, `!`, `&&`, `||`, `? :`,
lists, objects, `for` expressions (`[for v in X : v if C]`, `{for k, v in X :
k => v...}`) and the pure functions of `hcl_functions`. Anything else (a
resource's attribute, `module.x.y`, `data.`, another function, a `%{}`
directive) is `Unknown`, carrying why. `Unknown && false` is false and
`Unknown || true` is true, so `count = local.enabled && var.flag ? 1 : 0` is
decided whenever the known part decides it, as Terraform itself would once the
unknown is known. As in Terraform, only the branch a known condition picks is
evaluated, so `length(x) > 0 ? x[0] : null` is null for an empty `x`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from verifier.ingest.hcl_functions import call as _call
from verifier.ingest.hcl_values import Failed as _Failed
from verifier.ingest.hcl_values import Unknown, fail, is_number, number, plain, text_of, unknown_in

__all__ = ["Resolver", "Unknown", "evaluate"]


class _Syntax(Exception):
    pass


_TOKEN = re.compile(r'\s*(?:(?P<number>[0-9]+(?:\.[0-9]+)?)|(?P<string>"(?:[^"\\]|\\.)*")|'
                    r'(?P<name>[A-Za-z_][A-Za-z0-9_-]*)|(?P<op>==|!=|<=|>=|&&|\|\||=>|\.\.\.|[-+*/%<>!?:.,()\[\]{}=]))')
_BINARY = {"||": 1, "&&": 2, "==": 3, "!=": 3, "<": 4, ">": 4, "<=": 4, ">=": 4, "+": 5, "-": 5, "*": 6, "/": 6,
           "%": 6}
_OPEN, _CLOSE = ("(", "[", "{"), (")", "]", "}")
_ENDS = {",", "=>", "...", "="}  # what ends an expression outside brackets, besides `:`, `if` and a closing bracket
MAX_FOR_ITEMS = 10_000  # elements a `for` expression visits; past it, the result is unknown
MAX_FOR_WORK = 1_000_000  # tokens `for` bodies read in one expression, nested ones included: never a hang

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
    """Evaluates while it parses; what is not evaluated (a branch not taken, a failed try argument) is skipped."""

    def __init__(self, text: str, resolve: Resolver, bound: Mapping[str, Any] | None = None,
                 work: list[int] | None = None):
        self.tokens = _tokens(text)
        self.at = 0
        self.resolve = resolve
        self.bound: Mapping[str, Any] = bound or {}  # the names a `for` expression binds
        self.work = work if work is not None else [MAX_FOR_WORK]  # shared with the templates inside

    def peek(self, ahead: int = 0) -> str | None:
        return self.tokens[self.at + ahead][1] if self.at + ahead < len(self.tokens) else None

    def take(self, expected: str | None = None) -> tuple[str, str]:
        if self.at >= len(self.tokens) or (expected is not None and self.tokens[self.at][1] != expected):
            raise _Syntax(f"expected {expected}")
        self.at += 1
        return self.tokens[self.at - 1]

    def at_keyword(self, word: str) -> bool:
        return self.at < len(self.tokens) and self.tokens[self.at] == ("name", word) and \
            (self.at == 0 or self.tokens[self.at - 1][1] != ".")

    def skip(self) -> None:
        """Past one expression, unevaluated: to the first `,` `:` `=>` `if` or closing bracket outside it."""
        depth = pending = 0  # open brackets; `?` still waiting for their `:`
        while self.at < len(self.tokens):
            token = self.tokens[self.at][1]
            if depth == 0:
                if token in _CLOSE or token in _ENDS or self.at_keyword("if") or (token == ":" and not pending):
                    return
                pending += (token == "?") - (token == ":")
            depth += (token in _OPEN) - (token in _CLOSE)
            self.at += 1

    def skip_to_close(self) -> None:
        depth = 0
        while self.at < len(self.tokens) and not (depth == 0 and self.tokens[self.at][1] in _CLOSE):
            depth += (self.tokens[self.at][1] in _OPEN) - (self.tokens[self.at][1] in _CLOSE)
            self.at += 1

    def attempt(self) -> Any:
        """One expression's value, or the failure Terraform would report for it (then skipped)."""
        start = self.at
        try:
            return self.expression()
        except _Failed as failed:
            self.at = start
            self.skip()
            return failed

    def expression(self) -> Any:
        condition = self.binary(1)
        if self.peek() != "?":
            return condition
        self.take("?")
        condition = {"true": True, "false": False}.get(condition, condition) if isinstance(condition, str) \
            else condition
        if isinstance(condition, bool):  # only the branch taken is evaluated, as Terraform does
            if condition:
                value = self.expression()
                self.take(":")
                self.skip()
                return value
            self.skip()
            self.take(":")
            return self.expression()
        if not isinstance(condition, Unknown):
            raise _Failed("a condition must be true or false")
        yes = self.attempt()
        self.take(":")
        no = self.attempt()
        decided = not isinstance(yes, _Failed) and unknown_in(yes) is None and yes == no
        return yes if decided else plain(condition)

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
            return plain(value) if isinstance(value, Unknown) else (not value) if isinstance(value, bool) else \
                fail("! needs true or false")
        if self.peek() == "-":
            self.take()
            value = self.unary()
            return plain(value) if isinstance(value, Unknown) else -value if is_number(value) else \
                fail("- needs a number")
        return self.postfix(self.primary())

    def accessor(self, value: Any) -> Any:
        """One `.name` or `[key]` applied to `value`."""
        if self.take()[1] == ".":
            kind, name = self.take()
            return _index(value, int(name) if kind == "number" else name)
        key = self.expression()
        self.take("]")
        return _index(value, key)

    def postfix(self, value: Any) -> Any:
        while self.peek() in (".", "["):
            if (self.peek(), self.peek(1)) in ((".", "*"), ("[", "*")):  # a splat: what follows applies to each
                self.take()
                self.take("*")
                if self.tokens[self.at - 2][1] == "[":
                    self.take("]")
                items = value if isinstance(value, (list, Unknown)) else [] if value is None else [value]
                while self.peek() in (".", "[") and self.peek(1) != "*":
                    start, results = self.at, []
                    for item in items if isinstance(items, list) else [items]:
                        self.at = start
                        results.append(self.accessor(item))
                    if not isinstance(items, list) or not results:
                        self.at = start
                        self.accessor(Unknown("no element"))  # parsed once, for where it ends
                    items = results if isinstance(items, list) else results[0]
                return items
            value = self.accessor(value)
        return value

    def primary(self) -> Any:
        kind, text = self.take()
        if kind == "number":
            return float(text) if "." in text else int(text)
        if kind == "string":
            return _template(text[1:-1].encode().decode("unicode_escape"), self.resolve, self.bound, self.work)
        if text == "(":
            value = self.expression()
            self.take(")")
            return value
        if text in ("[", "{") and self.at_keyword("for"):
            value = self.for_expression("]" if text == "[" else "}")
            self.take("]" if text == "[" else "}")
            return value
        if text == "[":
            items = []
            while self.peek() != "]":
                items.append(self.expression())
                if self.peek() == ",":
                    self.take()
            self.take("]")
            return items
        if text == "{":
            return self.object()
        if kind != "name":
            raise _Syntax(text)
        if text in self.bound:
            return self.bound[text]
        if text in ("true", "false"):
            return text == "true"
        if text == "null":
            return None
        if self.peek() == "(":
            return self.call(text)
        if text == "data" and self.peek() == "." and self.peek(2) == ".":  # data.TYPE.NAME names one data source
            self.take(".")
            data_type = self.take()[1]
            self.take(".")
            return self.resolve("data", f"{data_type}.{self.take()[1]}")
        if self.peek() == ".":  # var.x, local.x, each.value, or a resource's attribute the resolver cannot know
            self.take(".")
            return self.resolve(text, self.take()[1])
        return Unknown(f"{text}, not a value rollproof knows")

    def object(self) -> Any:
        mapping: dict[Any, Any] = {}
        while self.peek() != "}":
            key_kind, key = self.tokens[self.at] if self.at < len(self.tokens) else ("", "")
            if key_kind == "name" and self.peek(1) in ("=", ":"):
                self.take()
            else:
                key = self.expression()
            self.take()  # = or :
            mapping[key] = self.expression()
            if self.peek() == ",":
                self.take()
        self.take("}")
        return mapping

    def for_expression(self, close: str) -> Any:
        """`[for v in X : BODY if C]` or `{for k, v in X : KEY => VALUE... if C}`: the body once per element."""
        self.take("for")
        names = [self.take()[1]]
        if self.peek() == ",":
            self.take()
            names.append(self.take()[1])
        self.take("in")
        collection = self.expression()
        self.take(":")
        body = self.at
        if isinstance(collection, Mapping):  # Terraform visits a map's elements in the order of their keys
            pairs: list[tuple[Any, Any]] = [(key, collection[key]) for key in sorted(collection, key=str)]
        elif isinstance(collection, list):
            pairs = list(enumerate(collection))
        else:
            self.skip_to_close()
            return plain(collection) if isinstance(collection, Unknown) else fail("for needs a list or map")
        if len(pairs) > MAX_FOR_ITEMS:
            self.skip_to_close()
            return Unknown(f"a for expression over more than {MAX_FOR_ITEMS:,} elements")
        items: list[Any] = []
        mapping: dict[str, Any] = {}
        undecided: Unknown | None = None
        outer = self.bound
        for key, value in pairs:
            self.at = body
            self.bound = {**outer, names[-1]: value, **({names[0]: key} if len(names) == 2 else {})}
            try:
                new_key = self.expression() if close == "}" else None
                if close == "}":
                    self.take("=>")
                item = self.expression()
                grouped = self.peek() == "..." and bool(self.take())
                keep = self.expression() if self.at_keyword("if") and self.take() else True
            finally:
                self.bound = outer
            self.work[0] -= max(1, self.at - body)
            if self.work[0] < 0:
                self.skip_to_close()
                return Unknown(f"for expressions reading more than {MAX_FOR_WORK:,} tokens")
            if isinstance(keep, Unknown) or isinstance(new_key, Unknown):  # in or out, or under which key
                undecided = plain(keep if isinstance(keep, Unknown) else new_key)  # type: ignore[arg-type]
                continue
            if not isinstance(keep, bool):
                fail("a for expression's if needs true or false")
            if keep and close == "]":
                items.append(item)
            elif keep:
                name = text_of(new_key)
                if grouped:
                    mapping.setdefault(name, []).append(item)
                elif name in mapping:
                    fail(f"two elements under the key {name!r}; `...` groups them")
                else:
                    mapping[name] = item
        if not pairs:
            self.skip_to_close()
        if undecided is not None:
            return undecided
        return items if close == "]" else mapping

    def call(self, function: str) -> Any:
        self.take("(")
        arguments: list[Any] = []
        expand = False
        while self.peek() != ")":
            arguments.append(self.attempt() if function in ("try", "can") else self.expression())
            if self.peek() == "...":  # f(list...) passes the list's elements as the arguments
                self.take()
                expand = True
            if self.peek() == ",":
                self.take()
        self.take(")")
        if expand and arguments:
            last = arguments.pop()
            if isinstance(last, Unknown):
                return plain(last)
            if not isinstance(last, list):
                fail("... expands a list")
            arguments += last
        return _call(function, arguments)


def _apply(op: str, left: Any, right: Any) -> Any:
    if op == "&&":
        if left is False or right is False:
            return False
        return plain(left) if isinstance(left, Unknown) else plain(right) if isinstance(right, Unknown) else right
    if op == "||":
        if left is True or right is True:
            return True
        return plain(left) if isinstance(left, Unknown) else plain(right) if isinstance(right, Unknown) else right
    if op in ("==", "!=") and (left is None or right is None) and not isinstance(left, Unknown) \
            and not isinstance(right, Unknown):
        # A map or list is never null, whatever unknown values it holds: `var.services != null`
        # is decided by the map being there, not by what its entries hold.
        same = left is None and right is None
        return same if op == "==" else not same
    for side in (left, right):
        unknown = unknown_in(side)
        if unknown is not None:
            return plain(unknown)
    if op == "==":
        return number(left) == number(right)
    if op == "!=":
        return number(left) != number(right)
    left, right = number(left), number(right)
    if not (is_number(left) and is_number(right)):
        raise _Failed(f"{op} needs numbers")
    if op in ("/", "%") and right == 0:
        raise _Failed("division by zero")
    result = {"<": lambda: left < right, ">": lambda: left > right, "<=": lambda: left <= right,
              ">=": lambda: left >= right, "+": lambda: left + right, "-": lambda: left - right,
              "*": lambda: left * right, "/": lambda: left / right, "%": lambda: left % right}[op]()
    return int(result) if isinstance(result, float) and result.is_integer() and op != "/" else result


def _index(value: Any, key: Any) -> Any:
    if isinstance(value, Unknown):
        if key in ("name", "cluster_name") and value.name is not None:  # the name its block writes literally
            return value.name
        return value  # an attribute of a resource still stands for that resource
    if isinstance(key, Unknown):
        return plain(key)
    if isinstance(value, Mapping):
        if key not in value:
            raise _Failed(f"no attribute {key}")
        return value[key]
    if isinstance(value, list) and isinstance(number(key), int) and 0 <= number(key) < len(value):
        return value[number(key)]
    raise _Failed(f"cannot index {type(value).__name__} with {key!r}")


def _pieces(text: str) -> list[tuple[str, bool]]:
    """A template's literal text and `${...}` expressions, in order: (text, True when it is an expression)."""
    pieces: list[tuple[str, bool]] = []
    literal, position = "", 0
    while position < len(text):
        if text.startswith(("$${", "%%{"), position):  # escaped: the characters themselves
            literal, position = literal + text[position + 1:position + 3], position + 3
        elif text.startswith("%{", position):
            raise _Syntax("a template directive")
        elif text.startswith("${", position):
            end, depth, quoted = position + 2, 1, False
            while end < len(text) and depth:
                char = text[end]
                if quoted:
                    end += char == "\\"
                    quoted = char != '"'
                else:
                    quoted = char == '"'
                    depth += (char == "{") - (char == "}")
                end += 1
            if depth:
                raise _Syntax("an unclosed ${")
            pieces += [(literal, False), (text[position + 2:end - 1], True)]
            literal, position = "", end
        else:
            literal, position = literal + text[position], position + 1
    return [piece for piece in pieces + [(literal, False)] if piece[0] or piece[1]]


def _template(text: str, resolve: Resolver, bound: Mapping[str, Any] | None = None,
              work: list[int] | None = None) -> Any:
    """A string with `${...}` parts: the whole expression's value, or the parts joined as text."""
    try:
        pieces = _pieces(text)
    except _Syntax as syntax:
        return Unknown(f"a string with {syntax}, beyond what rollproof evaluates")
    if len(pieces) == 1 and pieces[0][1]:
        return _parse(pieces[0][0], resolve, bound, work)
    parts: list[str] = []
    for piece, expression in pieces:
        value = _parse(piece, resolve, bound, work) if expression else piece
        if isinstance(value, Unknown):
            return plain(value)
        parts.append(text_of(value) if value is not None else fail("a template part must not be null"))
    return "".join(parts)


def _parse(text: str, resolve: Resolver, bound: Mapping[str, Any] | None = None,
           work: list[int] | None = None) -> Any:
    try:
        parser = _Parser(text, resolve, bound, work)
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
            return _template(value, resolve) if "${" in value or "%{" in value else value
        if isinstance(value, list):
            return [evaluate(item, resolve) for item in value]
        if isinstance(value, dict):
            return {key: evaluate(item, resolve) for key, item in value.items() if key != "__is_block__"}
        return value
    except _Failed as failed:
        return Unknown(f"an expression Terraform would refuse ({failed})")
    except RecursionError:
        return Unknown("nested too deeply to evaluate")
