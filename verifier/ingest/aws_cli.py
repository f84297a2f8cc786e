"""`aws ecs create-service` and `aws ecs update-service` calls in shell scripts.

Deploy scripts create or update services with the AWS CLI rather than a template.
The script is split into words the way a POSIX shell would (quotes, backslash-newline
continuations, comments, `;`, `&&`, `|` and newlines between commands) by a small
tokenizer that keeps the line and column of every word. It runs nothing: a value
holding a shell expansion (`$X`, `${X}`, `$(...)`, backticks) is unknown.

* Unknown percentages make the service inconclusive with the reason; an unknown
  `--desired-count` leaves the count unknown, so the gate checks every count.
* `update-service` without `--deployment-configuration` keeps whatever the service
  already has: the script does not state it, so the call is listed as not analysed
  (the configuration is checked where the service is defined).
* `--cli-input-json file://x.json` is read with the ECS JSON reader, relative to the script.
* An unbalanced quote runs to the end of the script, as in the shell: the calls before
  it are read, the rest is left out with a note in `notes`; a script is never an error.
* A call inside `$(...)` or backquotes is not read; a heredoc's lines are read as commands.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from verifier.errors import ModelError
from verifier.ingest import (
    ANALYSABLE,
    INCONCLUSIVE,
    NOT_ANALYSED,
    ServiceBase,
    ServiceSpec,
    Setting,
    on_fargate,
    read_infra_text,
)
from verifier.ingest.breaker import cli_breaker

SCRIPT_SUFFIXES = (".sh", ".bash")
_CALL = re.compile(r"\baws\b[^\n]*?\becs\b[\s\\]+(?:create|update)-service\b")
_SEPARATORS = frozenset("\n;&|()")
_OTHER_STRATEGIES = ("BLUE_GREEN", "LINEAR", "CANARY")


def looks_like_script(path: Path, text: str) -> bool:
    """Whether `text` is a shell script that may call `aws ecs create-service` / `update-service`."""
    shebang = text.startswith("#!") and re.match(r"#!\S*(?:/|\s)(?:ba)?sh\b", text) is not None
    return (path.suffix in SCRIPT_SUFFIXES or shebang) and _CALL.search(text) is not None


@dataclass(frozen=True, slots=True)
class Word:
    text: str     # the word after quote removal; expansions kept as written
    start: int    # offsets in the script of its first and past its last character
    end: int
    dynamic: bool  # holds a shell expansion: its value is known only when the script runs


class _Unbalanced(Exception):
    pass


def commands(text: str, notes: list[str] | None = None) -> list[list[Word]]:
    """The simple commands in `text`, each as its words; a command with an unbalanced quote is left out."""
    found: list[list[Word]] = []
    i, n = 0, len(text)
    words: list[Word] = []
    chars: list[str] | None = None
    start, dynamic, command_start = 0, False, 0

    def flush(end: int) -> None:
        nonlocal chars, dynamic
        if chars is not None:
            words.append(Word("".join(chars), start, end, dynamic))
        chars, dynamic = None, False

    while i < n:
        c = text[i]
        if c == "\\" and text.startswith("\n", i + 1):
            i += 2
            continue
        if c in " \t\r":
            flush(i)
            i += 1
            continue
        if c in _SEPARATORS:
            flush(i)
            if words:
                found.append(words)
            words, i = [], i + 1
            command_start = i
            continue
        if c == "#" and chars is None:
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        if chars is None:
            chars, start = [], i
            if not words:
                command_start = i
        try:
            i, expanded = _part(text, i, chars)
        except _Unbalanced as problem:
            # As in the shell, the open quote runs to the end of the script: nothing after it is a command
            # (and scanning again from each later line would take time quadratic in the script's size).
            if notes is not None:
                notes.append(f"line {_line_of(text, command_start)}: {problem}; the rest of the script is not read")
            return found
        dynamic = dynamic or expanded
    flush(n)
    if words:
        found.append(words)
    return found


def _part(text: str, i: int, chars: list[str]) -> tuple[int, bool]:
    """Append the word part at `i` to `chars`: (where the next part starts, whether it holds an expansion)."""
    c = text[i]
    if c == "'":
        end = text.find("'", i + 1)
        if end < 0:
            raise _Unbalanced("a single quote is never closed")
        chars.append(text[i + 1:end])
        return end + 1, False
    if c == '"':
        j, expanded = i + 1, False
        while j < len(text) and text[j] != '"':
            if text[j] == "\\" and j + 1 < len(text):
                if text[j + 1] != "\n":
                    chars.append(text[j + 1] if text[j + 1] in '"\\$`' else text[j:j + 2])
                j += 2
                continue
            if text[j] in "$`":
                expanded = True
                j = _expansion(text, j, chars)
                continue
            chars.append(text[j])
            j += 1
        if j >= len(text):
            raise _Unbalanced("a double quote is never closed")
        return j + 1, expanded
    if c == "\\":
        chars.append(text[i + 1:i + 2])
        return i + 2, False
    if c in "$`":
        return _expansion(text, i, chars), True
    chars.append(c)
    return i + 1, False


def _expansion(text: str, i: int, chars: list[str]) -> int:
    """Append the expansion at `i` ($X, ${X}, $(...), `...`) as written; where it ends."""
    if text[i] == "`":
        end = text.find("`", i + 1)
        if end < 0:
            raise _Unbalanced("a backquote is never closed")
        chars.append(text[i:end + 1])
        return end + 1
    opening = text[i + 1:i + 2]
    if opening in ("(", "{"):
        closing, depth, j = ")" if opening == "(" else "}", 0, i + 1
        while j < len(text):
            if text[j] == opening:
                depth += 1
            elif text[j] == closing:
                depth -= 1
                if depth == 0:
                    chars.append(text[i:j + 1])
                    return j + 1
            j += 1
        raise _Unbalanced(f"'${opening}' is never closed")
    match = re.match(r"\$(?:[A-Za-z_]\w*|[0-9@*#?$!-])?", text[i:])
    length = match.end() if match else 1
    chars.append(text[i:i + length])
    return i + length


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


class _Where:
    """Line and column of an offset in the script."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def __call__(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1


def read_script(path: Path, text: str, notes: list[str] | None = None) -> list[ServiceSpec]:
    """The services each `aws ecs create-service` / `update-service` call in the script creates or updates."""
    where = _Where(text)
    specs: list[ServiceSpec] = []
    for words in commands(text, notes):
        call = _ecs_call(words)
        if call is not None:
            specs += _service(path, text, where, *call)
    return specs


def input_files(path: Path, text: str) -> list[Path]:
    """The `--cli-input-json file://...` files the script's ECS calls read: read through the script only."""
    found = []
    for words in commands(text):
        call = _ecs_call(words)
        value = call[2].get("--cli-input-json") if call is not None else None
        if value and not value[0].dynamic and value[0].text.startswith("file://"):
            found.append(path.parent / value[0].text[len("file://"):])
    return found


Options = dict[str, list[Word]]


def _ecs_call(words: list[Word]) -> tuple[str, Word, Options] | None:
    """(subcommand, its word, options with their values) when `words` run `aws ... ecs create/update-service`."""
    texts = [w.text for w in words]
    for k, text in enumerate(texts):
        if text != "aws" and not text.endswith("/aws"):
            continue
        if "ecs" not in texts[k + 1:]:
            return None
        e = texts.index("ecs", k + 1)
        if e + 1 >= len(words) or texts[e + 1] not in ("create-service", "update-service"):
            return None
        options: Options = {}
        current: list[Word] | None = None
        for word in words[e + 2:]:
            if word.text.startswith("--"):
                name, equals, value = word.text.partition("=")
                current = options.setdefault(name, [])
                if equals:
                    current.append(Word(value, word.start + len(name) + 1, word.end, word.dynamic))
            elif current is not None:
                current.append(word)
        return texts[e + 1], words[e + 1], options
    return None


def _shown(word: Word) -> str:
    return word.text if len(word.text) <= 60 else word.text[:57] + "..."


def _service(path: Path, text: str, where: _Where, command: str, at: Word, options: Options) -> list[ServiceSpec]:
    line, _ = where(at.start)
    source = str(path)
    input_json = options.get("--cli-input-json")
    if input_json:
        return _from_input_json(path, line, input_json[0])
    name_word = _first(options, "--service-name") or _first(options, "--service")
    named = name_word is not None and not name_word.dynamic and name_word.text
    name = name_word.text if named and name_word else f"{path.name}:{line}"
    cluster_word = _first(options, "--cluster")
    cluster = cluster_word.text.rsplit("/", 1)[-1] if cluster_word and not cluster_word.dynamic else None
    base = ServiceBase(file=source, kind="aws-cli", name=name, line=line, cluster=cluster or None,
                       fargate=_fargate(options))
    if not named and name_word is not None:  # `--service $SVC` matches a policy written for "$SVC"
        base["aliases"] = (name_word.text,)
    strategy = _first(options, "--scheduling-strategy")
    if strategy is not None and strategy.text.upper() == "DAEMON":
        return [ServiceSpec(**base, status=NOT_ANALYSED, reason="DAEMON services run one task per instance; "
                            "the rolling-update model covers REPLICA services")]
    controller = _first(options, "--deployment-controller")
    kind = _fields(controller.text).get("type", "ECS") if controller is not None else "ECS"
    if isinstance(kind, str) and kind.upper() != "ECS":
        return [ServiceSpec(**base, status=NOT_ANALYSED, reason=f"deployment controller {kind} "
                            "(blue/green or external) is not the rolling update this model covers")]
    desired, unknown, problem = _count(options, where, command)
    config = _first(options, "--deployment-configuration")
    if config is None:
        if command == "update-service":
            return [ServiceSpec(**base, status=NOT_ANALYSED, reason="update-service without "
                                "--deployment-configuration keeps the service's current deployment settings, "
                                "which this script does not state; check them where the service is defined")]
        config_fields: dict[str, Any] = {}
    else:
        config_fields = _fields(config.text)
        if not config_fields and config.dynamic:
            return [ServiceSpec(**base, status=INCONCLUSIVE, reason=f"--deployment-configuration is "
                                f"{_shown(config)}, a shell value known only when the script runs")]
        if not config_fields:
            return [ServiceSpec(**base, status=INCONCLUSIVE, reason=f"--deployment-configuration "
                                f"{_shown(config)} is neither key=value shorthand nor a JSON object")]
        chosen = config_fields.get("strategy")
        if isinstance(chosen, str) and chosen.upper() in _OTHER_STRATEGIES:
            return [ServiceSpec(**base, status=NOT_ANALYSED, reason=f"deployment strategy {chosen.upper()} "
                                "shifts traffic between task sets; the rolling-update model does not cover it")]
    minimum, bad_min = _percent(config_fields, "minimumHealthyPercent", 100, config, text, where)
    maximum, bad_max = _percent(config_fields, "maximumPercent", 200, config, text, where)
    problem = bad_min or bad_max or problem
    if problem:
        return [ServiceSpec(**base, status=INCONCLUSIVE, reason=problem)]
    return [cli_breaker(ServiceSpec(**base, status=ANALYSABLE, desired=desired, min_healthy_percent=minimum,
                                    max_percent=maximum, desired_unknown=unknown),
                        config_fields, _fields, where(config.start)[0] if config is not None else None)]


def _first(options: Options, name: str) -> Word | None:
    values = options.get(name)
    return values[0] if values else None


def _count(options: Options, where: _Where, command: str) -> tuple[Setting, str, str]:
    """(desired count, why it is unknown, why the service cannot be analysed)."""
    word = _first(options, "--desired-count")
    if word is None:
        absent = "keeps the running count" if command == "update-service" else "is left to ECS"
        return Setting(None), f"--desired-count is absent: {command} {absent}", ""
    line, column = where(word.start)
    if word.dynamic:
        return Setting(None, line, column), f"--desired-count is {_shown(word)}, known only when the script runs", ""
    if not re.fullmatch(r"[0-9]{1,9}", word.text):
        return Setting(None, line, column), "", f"--desired-count {_shown(word)!r} is not a whole number"
    return Setting(int(word.text), line, column), "", ""


def _fields(value: str) -> dict[str, Any]:
    """A JSON object, or AWS CLI shorthand `a=1,b={c=2,d=3}`, as a dict; {} when it is neither."""
    value = value.strip()
    if value.startswith("{"):
        try:
            data = json.loads(value)
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}
    found: dict[str, Any] = {}
    depth, piece = 0, ""
    for c in value + ",":
        if c in "{[":
            depth += 1
        elif c in "}]":
            depth -= 1
        if c == "," and depth == 0:
            key, equals, item = piece.partition("=")
            if not equals or not key.strip():
                return {}
            found[key.strip()] = item.strip()
            piece = ""
        else:
            piece += c
    return found


def _percent(fields: dict[str, Any], key: str, default: int, config: Word | None, text: str,
             where: _Where) -> tuple[Setting, str]:
    if key not in fields or config is None:
        line = where(config.start)[0] if config is not None else None
        return Setting(default, line, default=True), ""
    at = text.find(key, config.start, config.end)
    line, column = where(at if at >= 0 else config.start)
    value = fields[key]
    if isinstance(value, int) and not isinstance(value, bool):
        number: int | None = value
    elif isinstance(value, str) and re.fullmatch(r"[0-9]{1,9}", value):
        number = int(value)
    else:
        number = None
    if number is None:
        dynamic = isinstance(value, str) and ("$" in value or "`" in value)
        why = "a shell value known only when the script runs" if dynamic else "not a whole number"
        return Setting(None, line, column), f"{key} is {str(value)[:60]!r}, {why}"
    return Setting(number, line, column), ""


def _fargate(options: Options) -> bool:
    launch = _first(options, "--launch-type")
    if launch is not None and not launch.dynamic:
        return on_fargate(launch.text, None)
    strategy: list[Any] = []
    for word in options.get("--capacity-provider-strategy", []):
        if word.dynamic:
            return False
        if word.text.strip().startswith("["):
            try:
                data = json.loads(word.text)
            except ValueError:
                return False
            strategy += data if isinstance(data, list) else []
        else:
            strategy.append(_fields(word.text))
    return on_fargate(None, strategy)


def _from_input_json(path: Path, line: int, word: Word) -> list[ServiceSpec]:
    """The services in the `--cli-input-json` file, read as ECS JSON; inconclusive when it cannot be read."""
    from verifier.ingest.ecs_json import looks_like_ecs, read_ecs_json
    from verifier.model.textfile import INFRA_FILE
    from verifier.model.yamlsource import parse_yaml

    base = ServiceBase(file=str(path), kind="aws-cli", name=f"{path.name}:{line}", line=line)
    if word.dynamic or not word.text.startswith("file://"):
        return [ServiceSpec(**base, status=INCONCLUSIVE, reason=f"--cli-input-json {_shown(word)} is not a "
                            "file:// path rollproof can follow")]
    target = path.parent / word.text[len("file://"):]
    try:
        doc = parse_yaml(read_infra_text(target).replace("\t", " "), str(target), INFRA_FILE)
        if not looks_like_ecs(doc.data):
            return [ServiceSpec(**base, status=INCONCLUSIVE, reason=f"{target} is not ECS service JSON")]
        return [spec if spec.file != str(target) else replace(spec, entry=str(path))
                for spec in read_ecs_json(doc)]
    except ModelError as error:
        return [ServiceSpec(**base, status=INCONCLUSIVE, reason=f"--cli-input-json {target} cannot be read: "
                            f"{error.message}")]
