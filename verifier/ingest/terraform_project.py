"""Terraform modules read as Terraform runs them: from each root, through its module calls.

A root module is a folder of `.tf` files that no other folder calls. Its
variables take their defaults, then `terraform.tfvars` and `*.auto.tfvars`
(which Terraform loads by itself); each other `*.tfvars` file beside it is one
more deployment of the same root (`terraform apply -var-file=prod.tfvars`).
A `module` block with a local `source` (`./x`, `../x`) is read with the
arguments the caller passes, once per `count` / `for_each` instance when those
are known; a registry module is read where `terraform init` vendored it
(`.terraform/modules/modules.json`), or where the policy maps its source
(`map_module`, for repositories that do not run `terraform init`). A called
folder, anything under `.terraform/modules` and anything under a folder the
policy maps a called source to is read only through its callers, never on its
own, so its services are never counted twice or read with its defaults.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from verifier.ingest import NOT_ANALYSED, IngestError, ServiceSpec, check_nesting, read_infra_text
from verifier.ingest.hcl_expr import Unknown, evaluate
from verifier.ingest.hcl_types import convert

MAX_MODULE_DEPTH = 20     # module calls nest a few levels; a module that calls itself stops here
MAX_INSTANCES = 1_000     # count / for_each instances expanded per block; past it, one stands for all
_META = {"source", "version", "count", "for_each", "providers", "depends_on", "__is_block__"}
_NO_DEFAULT = Unknown("")  # marks a variable declared without a default
_NOT_ADDRESSES = {"var", "local", "each", "count", "path", "terraform", "self"}  # roots that name no resource
ReadServices = Callable[["ParsedModule", "Scope", str, tuple[str, ...]], list[ServiceSpec]]
MapSource = Callable[[str], Path | None]  # the policy's module source -> folder mapping, filled by the caller
# A registry module that, by its name, creates an ECS service (terraform-aws-modules/ecs/aws//modules/service,
# cloudposse/ecs-alb-service-task/aws): when it is not vendored, its service is reported, never silently unseen.
_ECS_SERVICE_MODULE = re.compile(r"ecs.*service|service.*ecs", re.I)


@dataclass
class ParsedModule:
    folder: Path
    files: list[tuple[Path, str, dict[str, Any]]]
    variables: dict[str, Any] = field(default_factory=dict)   # name -> default, or _NO_DEFAULT
    types: dict[str, Any] = field(default_factory=dict)       # name -> type expression, where declared
    not_nullable: set[str] = field(default_factory=set)       # `nullable = false`: null means the default
    locals: dict[str, Any] = field(default_factory=dict)      # name -> unevaluated expression
    calls: list[tuple[str, dict[str, Any], Path]] = field(default_factory=list)  # name, body, file
    cluster_names: dict[str, Any] = field(default_factory=dict)  # aws_ecs_cluster.X / data...X -> its name


def parse_hcl(path: Path) -> tuple[str, dict[str, Any]]:
    import hcl2
    from hcl2.utils import SerializationOptions

    text = read_infra_text(path)  # a dangling link or a device is an error naming it
    check_nesting(text, str(path), "hcl")
    try:
        parsed = hcl2.loads(text, serialization_options=SerializationOptions(strip_string_quotes=True,
                                                                             with_comments=False))
    except Exception as error:  # the parser raises lark's many exception types
        line = getattr(error, "line", None)
        raise IngestError(f"not valid HCL: {str(error).splitlines()[0][:200]}", str(path), line) from None
    return text, parsed


def parse_module(folder: Path) -> ParsedModule:
    module = ParsedModule(folder, [])
    for path in sorted(folder.glob("*.tf")):
        if path.is_dir():  # a folder named x.tf: Terraform reads files only, and so does the module reader
            continue
        text, parsed = parse_hcl(path)
        module.files.append((path, text, parsed))
        for entry in parsed.get("variable", []) or []:
            for name, body in entry.items():
                if isinstance(body, dict):
                    module.variables[name] = convert(body.get("type"), body.get("default", _NO_DEFAULT))
                    module.types[name] = body.get("type")
                    if body.get("nullable") is False:
                        module.not_nullable.add(name)
        for entry in parsed.get("locals", []) or []:
            module.locals.update({k: v for k, v in entry.items() if k != "__is_block__"})
        for entry in parsed.get("module", []) or []:
            for name, body in entry.items():
                if isinstance(body, dict):
                    module.calls.append((name, body, path))
        for kind, prefix, attribute in (("resource", "", "name"), ("data", "data.", "cluster_name")):
            for entry in parsed.get(kind, []) or []:
                named = entry.get("aws_ecs_cluster") if isinstance(entry, dict) else None
                for name, body in named.items() if isinstance(named, dict) else ():
                    if isinstance(body, dict) and attribute in body:
                        module.cluster_names[f"{prefix}aws_ecs_cluster.{name}"] = body[attribute]
    return module


class Scope:
    """The values one module instance sees: its inputs, locals, and `each` / `count` of the block being read."""

    def __init__(self, module: ParsedModule, inputs: dict[str, Any], each: tuple[Any, Any] | None = None,
                 index: Any = None, shared: dict[str, Any] | None = None, prefix: str = ""):
        self.module, self.inputs, self.each, self.index = module, inputs, each, index
        self.prefix = prefix  # the module instance's address, `module.x["a"].`: what its resources are called
        self.local_values: dict[str, Any] = {} if shared is None else shared  # locals never use each / count
        self.iterators: dict[str, dict[str, Any]] = {}

    def resolve(self, root: str, name: str) -> Any:
        if root == "var":
            if name in self.inputs and (self.inputs[name] is not None or name not in self.module.not_nullable):
                return convert(self.module.types.get(name), self.inputs[name])
            value = self.module.variables.get(name, _NO_DEFAULT)
            if value is _NO_DEFAULT:
                return Unknown(f"var.{name}, a variable with no default and no value given")
            return value
        if root == "local":
            if name not in self.local_values:
                self.local_values[name] = Unknown(f"local.{name}, which refers to itself")
                expression = self.module.locals.get(name, Unknown(f"local.{name}, which is not declared"))
                self.local_values[name] = evaluate(expression, self.at_module_level().resolve)
            return self.local_values[name]
        if root == "each" and self.each is not None and name in ("key", "value"):
            return self.each[0] if name == "key" else self.each[1]
        if root == "count" and name == "index" and self.index is not None:
            return self.index
        if root in self.iterators:
            return self.iterators[root].get(name, Unknown(f"{root}.{name}, which is not known here"))
        if root in _NOT_ADDRESSES:
            return Unknown(f"{root}.{name}, known only when Terraform applies")
        # A resource, data source or module: its attributes are unknown, but the value stands for it, by
        # its address and, for an ECS cluster whose block writes one, its name.
        address = f"{root}.{name}"
        written = self.module.cluster_names.get(address)
        cluster_name = self.at_module_level().evaluate(written) if written is not None else None
        return Unknown(f"{address}, known only when Terraform applies", ref=self.prefix + address,
                       name=cluster_name if isinstance(cluster_name, str) else None)

    def iterating(self, name: str, key: Any, value: Any) -> Scope:
        """This scope inside a `dynamic` block whose iterator is `name`."""
        inner = Scope(self.module, self.inputs, self.each, self.index, self.local_values, self.prefix)
        inner.iterators = {**self.iterators, name: {"key": key, "value": value}}
        return inner

    def at_module_level(self) -> Scope:
        return Scope(self.module, self.inputs, shared=self.local_values, prefix=self.prefix)

    def evaluate(self, value: Any) -> Any:
        return evaluate(value, self.resolve)

    def instances(self, body: dict[str, Any]) -> Iterator[tuple[str, Scope, str]]:
        """(address suffix, scope, why the instances are not known or '') for each instance of a block."""
        if "count" in body:
            count = self.evaluate(body["count"])
            count = int(count) if isinstance(count, str) and count.strip().isdigit() else count
            if isinstance(count, int) and not isinstance(count, bool):
                for index in range(min(count, MAX_INSTANCES)):
                    yield f"[{index}]", Scope(self.module, self.inputs, index=index, shared=self.local_values,
                                prefix=self.prefix), ""
                return
            unknown_index = Unknown("count.index of a count known only when Terraform applies")
            yield "", Scope(self.module, self.inputs, index=unknown_index, shared=self.local_values,
                            prefix=self.prefix), \
                count.why if isinstance(count, Unknown) else f"count is {count!r}"
            return
        if "for_each" in body:
            items = self.evaluate(body["for_each"])
            if isinstance(items, list) and all(isinstance(item, str) for item in items):
                items = {item: item for item in items}
            if isinstance(items, dict):
                for key, value in list(items.items())[:MAX_INSTANCES]:
                    yield f'["{key}"]', Scope(self.module, self.inputs, each=(key, value), shared=self.local_values,
                                prefix=self.prefix), ""
                return
            unknown = Unknown("each.value of a for_each known only when Terraform applies")
            yield "", Scope(self.module, self.inputs, each=(unknown, unknown), shared=self.local_values,
                            prefix=self.prefix), \
                items.why if isinstance(items, Unknown) else "for_each is not a map or set"
            return
        yield "", self, ""


def _local_source(caller: Path, source: Any) -> Path | None:
    if isinstance(source, str) and (source.startswith("./") or source.startswith("../")):
        folder = Path(os.path.normpath(caller / source))  # as the user would write it, not resolved
        return folder if folder.is_dir() else None
    return None


def _mapped_forms(source: Any) -> list[str]:
    """A remote source, and the same module without its `//subfolder`: the policy may map either."""
    if not isinstance(source, str) or source.startswith(("./", "../")):
        return []
    address, _, query = source.partition("?")
    scheme = address.find("://")
    split = address.find("//", scheme + 3 if scheme >= 0 else 0)
    return [source] + ([address[:split] + ("?" + query if query else "")] if split >= 0 else [])


def _vendored(root: Path, key: str) -> Path | None:
    """Where `terraform init` put the module with this key (`ecs`, `ecs.service`), if it did."""
    manifest = root / ".terraform" / "modules" / "modules.json"
    try:
        entries = json.loads(manifest.read_text(encoding="utf-8")).get("Modules", [])
    except (OSError, ValueError, AttributeError):
        return None
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and entry.get("Key") == key and isinstance(entry.get("Dir"), str):
            folder = Path(os.path.normpath(root / entry["Dir"]))
            return folder if folder.is_dir() else None
    return None


def _line_of_call(text: str, name: str) -> int | None:
    found = re.search(rf'^\s*module\s+"?{re.escape(name)}"?\s*\{{', text, re.M)
    return text.count("\n", 0, found.start()) + 1 if found else None


class TerraformProject:
    """The `.tf` files found, grouped into folders, with the folders that are only ever called."""

    def __init__(self, tf_files: list[Path], read_services: ReadServices, map_module: MapSource | None = None):
        self.read_services = read_services  # terraform.services_of_module: passed in, so neither imports the other
        self.map_module = map_module
        self.library: set[Path] = set()     # folders the policy maps sources to: module code, not roots
        self.folders: list[Path] = list(dict.fromkeys(path.parent for path in tf_files))
        self.called: set[Path] = set()
        self.modules: dict[Path, ParsedModule] = {}
        self.seen: set[Path] = set()
        for folder in self.folders:
            if ".terraform" in folder.parts:
                self.called.add(folder.resolve())
                continue
            try:
                module = self.module(folder)
            except IngestError:
                continue  # reading the root in turn reports it
            for _, body, _ in module.calls:
                callee = _local_source(folder, body.get("source"))
                if callee is not None and callee.resolve() != folder.resolve():
                    self.called.add(callee.resolve())
                for source in _mapped_forms(body.get("source")):
                    mapped = map_module(source) if map_module is not None else None
                    if mapped is not None:
                        self.library.add(mapped.resolve())

    def module(self, folder: Path) -> ParsedModule:
        key = folder.resolve()
        if key not in self.modules:
            self.modules[key] = parse_module(folder)
        return self.modules[key]

    def first_file_of_root(self, path: Path) -> bool:
        """True once per root folder: the `.tf` file at which the gate reads the whole folder."""
        folder = path.parent.resolve()
        if folder in self.called or folder in self.seen or not self.library.isdisjoint((folder, *folder.parents)):
            return False
        self.seen.add(folder)
        return True

    def read_root(self, folder: Path) -> list[ServiceSpec]:
        """Every service the root deploys, once per variable file that is a deployment of its own."""
        auto = sorted(folder.glob("*.auto.tfvars"))
        inputs: dict[str, Any] = {}
        for path in ([folder / "terraform.tfvars"] if (folder / "terraform.tfvars").is_file() else []) + auto:
            inputs.update(self._tfvars(path))
        deployments = [p for p in sorted(folder.glob("*.tfvars")) if p.name != "terraform.tfvars" and p not in auto]
        if not deployments:
            return self.read_instance(folder, inputs, "", (), folder, "")
        specs: list[ServiceSpec] = []
        for path in deployments:
            specs += self.read_instance(folder, {**inputs, **self._tfvars(path)}, "", (str(path),), folder, "")
        return specs

    def _tfvars(self, path: Path) -> dict[str, Any]:
        _, parsed = parse_hcl(path)
        def nothing(root: str, attribute: str) -> Unknown:
            return Unknown(f"{root}.{attribute}, which a .tfvars file cannot refer to")

        return {name: evaluate(value, nothing) for name, value in parsed.items()}

    def read_instance(self, folder: Path, inputs: dict[str, Any], prefix: str, via: tuple[str, ...],
                      root: Path, key: str, depth: int = 0) -> list[ServiceSpec]:
        if depth > MAX_MODULE_DEPTH:
            raise IngestError(f"module calls nest deeper than {MAX_MODULE_DEPTH} levels (a module that calls "
                              "itself?)", str(folder), 1)
        module = self.module(folder)
        scope = Scope(module, inputs, prefix=prefix)
        specs = self.read_services(module, scope, prefix, via)
        for name, body, path in module.calls:
            source = body.get("source")
            callee = _local_source(folder, source) or \
                (self.map_module(source) if self.map_module is not None and isinstance(source, str) else None) or \
                _vendored(root, f"{key}.{name}" if key else name)
            line = _line_of_call(next(t for p, t, _ in module.files if p == path), name)
            for suffix, instance, _ in scope.instances(body):
                if callee is None:  # a registry module nobody vendored: its code is not in the files given
                    specs += _unread_service_module(body.get("source"), f"{prefix}module.{name}{suffix}",
                                                    str(path), line, via)
                    continue
                arguments = {arg: instance.evaluate(value) for arg, value in body.items() if arg not in _META}
                specs += self.read_instance(callee, arguments, f"{prefix}module.{name}{suffix}.",
                                            via + (f"{path}:{line or 1} module.{name}{suffix}",), root,
                                            f"{key}.{name}" if key else name, depth + 1)
        return specs


def _unread_service_module(source: Any, name: str, file: str, line: int | None,
                           via: tuple[str, ...]) -> list[ServiceSpec]:
    """A call of a module that by its name creates an ECS service, listed as not analysed rather than unseen."""
    if not (isinstance(source, str) and _ECS_SERVICE_MODULE.search(source)):
        return []
    return [ServiceSpec(file=file, kind="terraform", name=name, line=line, status=NOT_ANALYSED, via=via,
                        reason=f"module source {source} is not in the files given; run `terraform init` so that "
                               ".terraform/modules holds it, or map the source to a local copy in the policy's "
                               "`modules:`, and rollproof reads the service through this call")]
