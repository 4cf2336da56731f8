"""Terraform HCL, with the line of every block and attribute.

Each file is parsed once by tree-sitter (``hcl_tree``: fast, and every node keeps its
position) into line-aware native values. Expressions that reference variables or locals
stay ``Unresolved`` until ``link`` resolves them against the module's variables, locals
and tfvars.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanner.loaders.base import LoadResult, ParseError
from scanner.loaders.hcl_tree import HclSyntaxError
from scanner.loaders.yaml_lines import LineDict, LineList
from scanner.model import Origin, Resource, Unresolved

if TYPE_CHECKING:
    from scanner.loaders.terraform_modules import ModuleSources

NAME = "terraform"
PRIORITY = 10
PROVIDERS = {"aws": "aws", "google": "gcp", "azurerm": "azure", "kubernetes": "kubernetes", "helm": "kubernetes"}
_BLOCK_SNIFF = re.compile(r'^\s*(resource|module|variable|data|provider|terraform|locals)\b[^\n]*\{\s*$', re.M)
_REFERENCE = re.compile(r"^(var|local)\.([A-Za-z_][\w-]*)$")
_TEMPLATE_PART = re.compile(r"\$\{([^}]*)\}")


class TerraformLoader:
    name = NAME

    def claims(self, path: Path, head: str) -> bool:
        if path.suffix == ".tf":
            return True
        # The guide's own fences label HCL as yaml: trust content over extension.
        return path.suffix in ("", ".hcl", ".yaml", ".yml", ".txt") and bool(_BLOCK_SNIFF.search(head)) \
            and '" {' in head

    def load(self, path: str, text: str) -> LoadResult:
        from scanner.loaders import hcl_tree

        try:
            root = hcl_tree.parse(text)
        except hcl_tree.HclSyntaxError as exc:
            return LoadResult(errors=[ParseError(path, exc.line, f"HCL syntax error: {exc.message}", NAME)])
        result = LoadResult()
        module_dir = str(Path(path).parent)
        for block in hcl_tree.blocks(hcl_tree.body_of(root)):
            labels, body_node, line, end_line = hcl_tree.block_header(block)
            kind, rest = labels[0], labels[1:]
            origin = Origin(file=path, line=line, end_line=end_line)
            body = hcl_tree.to_body(body_node, block)
            if kind == "resource" and len(rest) == 2:
                rtype, name = rest
                provider = PROVIDERS.get(rtype.split("_", 1)[0], rtype.split("_", 1)[0])
                result.resources.append(Resource(provider, rtype, f"{rtype}.{name}", origin, body,
                                                 format=NAME))
            elif kind == "data" and len(rest) == 2:
                result.resources.append(Resource("terraform", f"data.{rest[0]}", f"data.{rest[0]}.{rest[1]}",
                                                 origin, body, format=NAME))
            elif kind == "module" and len(rest) == 1:
                result.resources.append(Resource("terraform", "module", f"module.{rest[0]}", origin, body,
                                                 format=NAME))
            elif kind == "variable" and len(rest) == 1:
                result.resources.append(Resource("terraform", "variable", f"var.{rest[0]}", origin, body,
                                                 facts={"module_dir": module_dir}, format=NAME))
            elif kind == "locals":
                for key, value in body.items():
                    key_line = body.key_lines.get(key, line)
                    result.resources.append(Resource("terraform", "local", f"local.{key}",
                                                     Origin(path, key_line, key_line), {"value": value},
                                                     facts={"module_dir": module_dir}, format=NAME))
        return result

    def link(self, resources: Sequence[Resource], context: dict[str, Any]) -> LoadResult:
        """Resolve ``var.*`` and ``local.*`` per module; instantiate local module calls with their inputs.

        A directory is a root module unless a ``module`` block of the scan calls it by a local path
        (``source = "./modules/gke"``); then its resources appear once per call, addressed
        ``module.<name>.<address>``, with the call's arguments as variable values. Other sources are found
        as ``terraform_modules.ModuleSources`` says (``modules.json``, the download cache). Root modules take
        their variables as ``terraform plan`` run in their directory would: ``terraform.tfvars``,
        ``terraform.tfvars.json`` and ``*.auto.tfvars(.json)`` found there, then the files of
        ``context['var_files']`` (``--var-file``), later ones winning. A variables file that cannot be
        read is a parse error, and the variables it might have set are unknown, not their defaults.
        """
        from scanner.loaders.terraform_modules import ModuleSources

        files = _VarFiles([str(f) for f in context.get("var_files", ())])
        sources = ModuleSources(context)
        linked = _Modules(resources, files, sources).link()
        return LoadResult(linked, files.errors + sources.errors)


class _VarFiles:
    """Variable values for root modules, from the auto-loaded files of each directory and ``--var-file``."""

    AUTO = ("terraform.tfvars", "terraform.tfvars.json")

    def __init__(self, explicit: Sequence[str]) -> None:
        self.errors: list[ParseError] = []
        self.explicit, self.explicit_broken = self._read(explicit)
        self._by_directory: dict[str, tuple[dict[str, Any], list[str]]] = {}

    def for_root(self, directory: str) -> tuple[dict[str, Any], list[str]]:
        """(values, files that could not be read) for the root module in ``directory``."""
        if directory not in self._by_directory:
            try:
                names = set(os.listdir(directory or "."))
            except OSError:
                names = set()
            auto = [name for name in self.AUTO if name in names]
            auto += sorted(name for name in names if name.endswith((".auto.tfvars", ".auto.tfvars.json")))
            values, broken = self._read([os.path.normpath(os.path.join(directory, name)) for name in auto])
            values.update(self.explicit)
            self._by_directory[directory] = values, broken + self.explicit_broken
        return self._by_directory[directory]

    def _read(self, paths: Sequence[str]) -> tuple[dict[str, Any], list[str]]:
        values: dict[str, Any] = {}
        broken: list[str] = []
        for path in paths:
            try:
                values.update(load_tfvars(path))
            except OSError as exc:
                broken.append(path)
                self._error(path, None, f"cannot read variables file: {exc.strerror}")
            except HclSyntaxError as exc:
                broken.append(path)
                self._error(path, exc.line, f"variables file does not parse: {exc.message}")
            except ValueError as exc:  # JSON (JSONDecodeError) or a document that is not an object
                broken.append(path)
                self._error(path, getattr(exc, "lineno", None), f"variables file does not parse: {exc}")
        return values, broken

    def _error(self, path: str, line: int | None, message: str) -> None:
        if not any(e.file == path and e.message == message for e in self.errors):  # one per file, not per module
            self.errors.append(ParseError(path, line, message, NAME))


_MODULE_META = {"source", "version", "providers", "count", "for_each", "depends_on"}
_MAX_MODULE_DEPTH = 8


def _dir_of(resource: Resource) -> str:
    return _directory(resource.origin.file or "")


@cache
def _directory(file: str) -> str:
    """The file's directory as ``str(Path(file).parent)`` normalised: per file, not per resource."""
    return os.path.normpath(str(Path(file).parent))


class _Modules:
    """The scan's Terraform modules: variables, locals and resources per directory, and the calls between them."""

    def __init__(self, resources: Sequence[Resource], var_files: _VarFiles, sources: ModuleSources) -> None:
        self.resources = resources
        self.var_files = var_files
        self.variables: dict[str, list[Resource]] = defaultdict(list)
        self.locals: dict[str, list[Resource]] = defaultdict(list)
        self.blocks: dict[str, list[Resource]] = defaultdict(list)  # resources, data sources, module calls
        for res in resources:
            self._add(res)
        self.sources = sources
        sources.known.update(self.blocks, self.variables, self.locals)
        self.root = ""  # the root module being instantiated (where its modules.json is)
        self.called = {target for directory in self.blocks for call in self.blocks[directory]
                       if (target := self._local_target(call)) is not None}

    def _add(self, res: Resource) -> None:
        if res.type == "variable":
            self.variables[os.path.normpath(str(res.facts["module_dir"]))].append(res)
        elif res.type == "local":
            self.locals[os.path.normpath(str(res.facts["module_dir"]))].append(res)
        else:
            self.blocks[_dir_of(res)].append(res)

    @staticmethod
    def _local_target(call: Resource) -> str | None:
        """The directory a module call's local ``source`` names (registry and git sources are not local)."""
        if call.type != "module":
            return None
        source = call.attributes.get("source")
        if not isinstance(source, str) or not source.startswith(("./", "../")):
            return None
        return os.path.normpath(os.path.join(_dir_of(call), source))

    def _target(self, call: Resource, address: str) -> str | None:
        """The directory of the call's source (local, installed by ``terraform init`` or downloaded), its
        files read when the scan did not load them; None when it is nowhere (the call is then unseen)."""
        if call.type != "module":
            return None
        target = self.sources.target(call, address, self.root)
        if target is not None and target not in self.sources.known:
            for res in self.sources.load(target):
                self._add(res)
        return target

    def _scope(self, directory: str, inputs: dict[str, Any] | None, caller: str
               ) -> tuple[dict[str, Any], dict[str, str]]:
        """Variable and local values of one module instance (``inputs`` None: a root module)."""
        values: dict[str, Any] = {}
        missing: dict[str, str] = {}
        tfvars, broken = self.var_files.for_root(directory) if inputs is None else ({}, [])
        for var in self.variables.get(directory, ()):
            name = var.address[4:]
            if inputs is None and broken:  # an unreadable file may have set (or overridden) any of them
                missing[f"var.{name}"] = f"variable {name!r}: {', '.join(broken)} could not be read"
            elif inputs is None and name in tfvars:
                values[f"var.{name}"] = tfvars[name]
            elif inputs is not None and name in inputs:
                values[f"var.{name}"] = inputs[name]
            elif "default" in var.attributes:
                values[f"var.{name}"] = var.attributes["default"]
            elif inputs is None:
                missing[f"var.{name}"] = f"variable {name!r} has no default and no tfvars value"
            else:
                missing[f"var.{name}"] = f"{caller} does not set input {name!r} and the variable has no default"
        for local in self.locals.get(directory, ()):  # locals may use variables and each other
            values[local.address] = local.attributes["value"]
        for _ in range(4):
            for key, value in list(values.items()):
                values[key] = _resolve(value, values, missing)
        return values, missing

    def link(self) -> list[Resource]:
        linked = [r for r in self.resources if r.provider == "terraform" and r.type in ("variable", "local")]
        by_root: dict[str, list[Resource]] = {}
        for directory in sorted(self.blocks):
            if directory in self.called:
                continue  # instantiated through the module calls that use it
            self.root = directory
            values, missing = self._scope(directory, None, "")
            by_root[directory] = self._instantiate(directory, "", values, missing, 0)
        return linked + self.sources.finish(by_root)

    def _instantiate(self, directory: str, prefix: str, values: dict[str, Any], missing: dict[str, str],
                     depth: int) -> list[Resource]:
        out: list[Resource] = []
        for res in self.blocks.get(directory, ()):
            attributes = _resolve(res.attributes, values, missing)
            address = f"{prefix}{res.address}"
            out.append(Resource(res.provider, res.type, address, res.origin, attributes, res.facts, res.kinds,
                                res.fact_lines, res.format, res.source))
            target = self._target(res, address)
            if target is None or depth >= _MAX_MODULE_DEPTH or target == directory:
                continue
            inputs = {k: v for k, v in attributes.items() if k not in _MODULE_META}
            child_values, child_missing = self._scope(target, inputs, address)
            out.extend(self._instantiate(target, f"{address}.", child_values, child_missing, depth + 1))
        return out


def _resolve(value: Any, scope: dict[str, Any], missing: dict[str, str]) -> Any:
    if isinstance(value, Unresolved):
        expr = value.expression
        match = _REFERENCE.match(expr)
        if match:
            if expr in scope and not isinstance(scope[expr], Unresolved):
                return scope[expr]
            if expr in missing:
                return Unresolved(expr, missing[expr])
            if expr in scope:
                return scope[expr]
            return Unresolved(expr, f"{expr} is not declared in this module")
        if expr.startswith('"') and expr.endswith('"'):
            parts = _TEMPLATE_PART.findall(expr)
            values = [_resolve(Unresolved(p.strip()), scope, missing) for p in parts]
            if all(not isinstance(v, Unresolved) and not isinstance(v, (dict, list)) for v in values):
                it = iter(values)
                return _TEMPLATE_PART.sub(lambda _: str(next(it)), expr[1:-1])
            reasons = [v.reason for v in values if isinstance(v, Unresolved)]
            return Unresolved(expr, "; ".join(reasons) or value.reason)
        return value
    if isinstance(value, LineDict):
        out = LineDict((k, _resolve(v, scope, missing)) for k, v in value.items())
        out.line, out.end_line, out.key_lines = value.line, value.end_line, value.key_lines
        return out
    if isinstance(value, dict):
        return {k: _resolve(v, scope, missing) for k, v in value.items()}
    if isinstance(value, LineList):
        out_list = type(value)(_resolve(v, scope, missing) for v in value)
        out_list.line, out_list.end_line = value.line, value.end_line
        return out_list
    if isinstance(value, list):
        return [_resolve(v, scope, missing) for v in value]
    return value


def load_tfvars(path: str) -> dict[str, Any]:
    """Values of a ``.tfvars`` (HCL) or ``.tfvars.json`` file (OSError, HclSyntaxError or ValueError)."""
    text = Path(path).read_text(encoding="utf-8-sig", errors="replace")  # without a BOM
    if path.endswith(".json"):
        import json

        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("a .tfvars.json file holds one object of variable values")
        return data
    from scanner.loaders import hcl_tree

    return dict(hcl_tree.to_body(hcl_tree.body_of(hcl_tree.parse(text))))


LOADER = TerraformLoader()
