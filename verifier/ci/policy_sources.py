"""The policy's map of sources that are not on disk to the local copies the gate reads instead.

    modules:        # Terraform module sources -> folders, for repositories that do not run `terraform init`
      terraform-aws-modules/ecs/aws//modules/service: vendor/ecs-service
      git::https://github.com/acme/ecs-modules.git: vendor/ecs-modules   # `//service` is vendor/ecs-modules/service
    templateUrls:   # CloudFormation TemplateURL -> template files
      https://s3.amazonaws.com/acme-templates/web.yaml: stacks/web.yaml
      https://s3.amazonaws.com/acme-templates/: stacks/                  # a key ending in / maps every URL under it

Paths are relative to the policy's folder (the repository root) and must exist. A module source
is matched without its registry host (`registry.terraform.io/`) and `?ref=`; an entry without a
`//subfolder` covers every subfolder of that module, found under the mapped folder. A mapped
folder and everything below it is library code: read only through the calls that use it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from verifier.model.fields import mapping, text
from verifier.model.yamlsource import Document

SOURCE_KEYS = {"modules", "templateUrls"}


def module_source_parts(source: str) -> tuple[str, str]:
    """`registry.terraform.io/a/b/aws//modules/x?ref=v1` -> ("a/b/aws", "modules/x"): the module and its subfolder."""
    source = source.split("?", 1)[0].strip()
    if source.startswith("registry.terraform.io/"):
        source = source[len("registry.terraform.io/"):]
    scheme = source.find("://")
    split = source.find("//", scheme + 3 if scheme >= 0 else 0)
    if split < 0:
        return source.rstrip("/"), ""
    return source[:split].rstrip("/"), source[split + 2:].strip("/")


@dataclass(frozen=True, slots=True)
class SourceMaps:
    modules: tuple[tuple[str, Path], ...] = ()        # (source as written in the policy, folder)
    template_urls: tuple[tuple[str, Path], ...] = ()  # (URL, or a prefix ending in /; file or folder)
    lines: dict[str, int | None] = field(default_factory=dict)  # "modules.KEY" -> its line in the policy
    used: set[str] = field(default_factory=set, compare=False)  # entries some source or URL was mapped by

    def module_folder(self, source: str) -> Path | None:
        """The local folder the policy gives a module source, if it gives one."""
        base, subfolder = module_source_parts(source)
        for key, folder in self.modules:
            key_base, key_subfolder = module_source_parts(key)
            if key_base != base or key_subfolder not in (subfolder, ""):
                continue
            found = folder / subfolder if key_subfolder == "" and subfolder else folder
            if found.is_dir():
                self.used.add(f"modules.{key}")
                return found
        return None

    def template_file(self, url: str) -> Path | None:
        """The local template the policy gives a nested stack's TemplateURL, if it gives one."""
        for key, target in self.template_urls:
            found = target if url == key else target / url[len(key):] \
                if key.endswith("/") and url.startswith(key) else None
            if found is not None and found.is_file():
                self.used.add(f"templateUrls.{key}")
                return found
        return None

    def unused(self, where: str) -> list[str]:
        """A warning for each entry nothing was mapped by: a typo there would otherwise change nothing."""
        return [f"{where}:{self.lines.get(entry) or 1}: warning: {entry.split('.', 1)[0]} entry "
                f"{entry.split('.', 1)[1]!r} maps nothing the gate read"
                for entry in self.lines if entry not in self.used]


def load_sources(doc: Document, top: dict[str, Any], folder: Path) -> SourceMaps:
    """The `modules` and `templateUrls` sections, each target checked to exist (file and line otherwise)."""
    found: dict[str, list[tuple[str, Path]]] = {"modules": [], "templateUrls": []}
    lines: dict[str, int | None] = {}
    for section in SOURCE_KEYS & set(top):
        entries = mapping(doc, (section,), set(top[section] or {}), optional=True)
        for key, value in entries.items():
            where = (section, key)
            target = folder / text(doc, where, value)
            url = str(key)
            if not url.strip():
                raise doc.error(where, f"a {section} entry needs a source to map")
            wanted_folder = section == "modules" or url.endswith("/")
            if not (target.is_dir() if wanted_folder else target.is_file()):
                kind = "folder" if wanted_folder else "file"
                raise doc.error(where, f"{section} entry {url!r} maps to {value!r}, which is not a {kind} "
                                f"(paths are relative to {folder})")
            found[section].append((url, target))
            lines[f"{section}.{url}"] = doc.line_of(where)
    return SourceMaps(tuple(found["modules"]), tuple(found["templateUrls"]), lines)
