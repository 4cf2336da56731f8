"""Terraform HCL, with the line of every block and attribute.

Each file is parsed once by tree-sitter (``hcl_tree``: fast, and every node keeps its
position) into line-aware native values. Expressions that reference variables or locals
stay ``Unresolved`` until ``link`` resolves them against the module's variables, locals
and tfvars.
"""

from __future__ import annotations

import os
import re
import weakref
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanner.lines import LineDict
from scanner.loaders import loader
from scanner.loaders.base import BlockList, LoadResult, ParseError
from scanner.loaders.hcl_eval import (
    ABSENT,
    EvalError,
    Namespace,
    Scope,
    Unknown,
    after_apply,
    convert,
    evaluate_text,
    export_raw,
    first_unknown,
    from_raw,
    imported,
    iterate,
    literal,
    planned,
    source_of,
    to_number,
)
from scanner.loaders.hcl_tree import HclSyntaxError
from scanner.model import Origin, Planned, Resource, Unresolved
from scanner.regex import lazy_compile

if TYPE_CHECKING:
    from scanner.loaders.terraform_modules import ModuleSources

NAME = "terraform"
PROVIDERS = {"aws": "aws", "google": "gcp", "azurerm": "azure", "kubernetes": "kubernetes", "helm": "kubernetes"}
# [^\S\n]: whitespace within the line. (\s* at each line start ran over every blank line after it: quadratic in a
# file of blank lines; a match starts at the keyword's own line start anyway.)
_BLOCK_SNIFF = lazy_compile(r'^[^\S\n]*(resource|module|variable|data|provider|terraform|locals)\b[^\n]*\{[^\S\n]*$',
                            re.M)


@loader("terraform", order=10)
class TerraformLoader:
    name = NAME

    def claims(self, path: Path, head: str) -> bool:
        if path.suffix == ".tf" or path.name.endswith(".tf.json"):
            return True
        # The guide's own fences label HCL as yaml: trust content over extension.
        return path.suffix in ("", ".hcl", ".yaml", ".yml", ".txt") and bool(_BLOCK_SNIFF.search(head)) \
            and '" {' in head

    def load(self, path: str, text: str) -> LoadResult:
        if path.endswith(".json"):
            from scanner.loaders import terraform_json

            document, failed = terraform_json.load(path, text, NAME)
            if failed is not None:
                return failed
            return self._resources(path, terraform_json.blocks(document or {}))
        from scanner.loaders import hcl_tree

        try:
            root = hcl_tree.parse(text)
        except hcl_tree.HclSyntaxError as exc:
            return LoadResult(errors=[ParseError(path, exc.line, f"HCL syntax error: {exc.message}", NAME)])
        found = []
        for block in hcl_tree.blocks(hcl_tree.body_of(root)):
            labels, body_node, line, end_line = hcl_tree.block_header(block)
            found.append((labels, hcl_tree.to_body(body_node, block), line, end_line))
        return self._resources(path, found)

    @staticmethod
    def _resources(path: str, blocks: Sequence[tuple[list[str], LineDict, int, int]]) -> LoadResult:
        """Resources, data sources, module calls, variables and locals of one file's top-level blocks."""
        result = LoadResult()
        module_dir = str(Path(path).parent)
        for labels, body, line, end_line in blocks:
            kind, rest = labels[0], labels[1:]
            origin = Origin(file=path, line=line, end_line=end_line)
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
            elif kind == "output" and len(rest) == 1:  # read by module.<call>.<name>; not a resource
                result.resources.append(Resource("terraform", "output", f"output.{rest[0]}", origin, body,
                                                 format=NAME))
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
        modules = _Modules(_merge_overrides(resources), files, sources)
        linked = modules.link()
        return LoadResult(linked, files.errors + sources.errors + modules.errors)


# Terraform's override files: override.tf, *_override.tf and their .tf.json forms.
_OVERRIDE_FILE = lazy_compile(r"(?:^|_)override\.tf(?:\.json)?$")


def _merge_overrides(resources: Sequence[Resource]) -> Sequence[Resource]:
    """The blocks of override files merged into the blocks of the same module they override, as Terraform merges
    them (files in lexical order): an argument replaces the original's, a nested block type replaces every block
    of that type in the original; a local is replaced whole. An override of a block the module does not declare
    is an error to Terraform; it is dropped here."""
    overrides: list[Resource] = []
    merged: list[Resource] = []
    for resource in resources:
        file = resource.origin.file
        (overrides if file and _OVERRIDE_FILE.search(os.path.basename(file)) else merged).append(resource)
    if not overrides:
        return resources
    where = {(_dir_of(r), r.address): i for i, r in enumerate(merged)}
    for override in sorted(overrides, key=lambda r: (r.origin.file or "", r.origin.line or 0)):
        i = where.get((_dir_of(override), override.address))
        if i is None:
            continue
        base = merged[i]
        merged[i] = override if base.type == "local" else replace(
            base, attributes=_merged_body(base.attributes, override.attributes, base.origin.line or 0))
    return merged


def _merged_body(base: Mapping[str, Any], override: Mapping[str, Any], line: int) -> LineDict:
    """``base`` with ``override``'s arguments and nested block types in place of its own. The lines of what the
    override sets are another file's: they point at the original block's first line instead."""
    overridden = {str(b.get("__labels__", [""])[0]) for b in override.get("dynamic") or () if isinstance(b, Mapping)}
    overridden |= {key for key, value in override.items() if isinstance(value, BlockList) and key != "dynamic"}
    key_lines = dict(getattr(base, "key_lines", {}))
    out = LineDict.spanning(getattr(base, "line", line), getattr(base, "end_line", line), key_lines)
    for key, value in base.items():
        if key == "dynamic" and isinstance(value, BlockList):
            kept = BlockList(b for b in value if not (isinstance(b, Mapping)
                                                     and str((b.get("__labels__") or [""])[0]) in overridden))
            kept.line = value.line
            if kept:
                out[key] = kept
        elif key not in overridden:
            out[key] = value
    for key, value in override.items():
        if key == "dynamic" and isinstance(value, BlockList) and isinstance(out.get("dynamic"), BlockList):
            both = BlockList([*out["dynamic"], *value])
            both.line = value.line
            out[key] = both
        else:
            out[key] = value
        key_lines[key] = line
    return out


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
# A resource's meta-arguments and blocks for Terraform itself: not attributes a reference can read.
_RESOURCE_META = frozenset({"count", "for_each", "depends_on", "provider", "lifecycle", "provisioner", "connection",
                            "dynamic"})
# Module calls nested deeper than this are an error finding (cycles are caught before, by directory): a guard
# for the interpreter's stack, far beyond real configurations, never a silent cut.
MAX_MODULE_DEPTH = 100
# Meta-arguments and blocks that hold names, not values: kept as written.
_RAW_KEYS = {"depends_on", "provider", "providers"}
_RAW_BLOCKS = {"lifecycle", "provisioner", "connection"}
_EXPANSION = ("count", "for_each")


def _dir_of(resource: Resource) -> str:
    return _directory(resource.origin.file or "")


@cache
def _directory(file: str) -> str:
    """The file's directory as ``str(Path(file).parent)`` normalised: per file, not per resource."""
    return os.path.normpath(str(Path(file).parent))


class _ModuleScope(Scope):
    """Names as one instance of a module sees them: its variables, its locals (evaluated on first use),
    ``path``/``terraform``, and its resources, data sources and module calls by their local addresses."""

    def __init__(self, modules: _Modules, directory: str, variables: dict[str, Any], missing: dict[str, str],
                 prefix: str = "", chain: tuple[str, ...] = ()) -> None:
        self.modules = modules
        self.directory = directory
        modules.reached.add(directory)
        self.variables = variables
        self.missing = missing
        self.prefix = prefix  # the address prefix of this instance: "" for a root, 'module.x["a"].' below
        self.chain = (*chain, directory)  # the directories of the instances above this one, and its own
        self.local_values = modules.local_values.get(directory, {})
        self.blocks = {block.address: block for block in modules.blocks.get(directory, ())}
        self._locals: dict[str, Any] = {}
        self._outputs: dict[str, Any] = {}
        self._children: dict[str, _ModuleScope | None] = {}
        self._expansions: dict[str, tuple[str, Any]] = {}
        self._configured: dict[str, Any] = {}
        self._busy: set[str] = set()
        # The namespaces of this instance, made on first use and then reused (every reference starts with one).
        # They refer back to this scope: ``release`` drops them once the module is linked (the cyclic collector
        # is paused during a scan, so a cycle would keep every loaded resource alive until the end).
        self._roots: dict[str, Namespace] = {}

    def release(self) -> None:
        """Drop the namespaces (they refer back to the scope), here and in the module instances below."""
        self._roots.clear()
        for child in self._children.values():
            if child is not None:
                child.release()

    def root(self, name: str) -> Any:
        found = self._roots.get(name)
        if found is None:
            found = self._roots[name] = self._namespace(name)
        return found

    def _namespace(self, name: str) -> Namespace:
        if name == "var":
            return Namespace("var", self.variable)
        if name == "local":
            return Namespace("local", self.local)
        if name == "path":
            return Namespace("path", self._path)
        if name == "terraform":
            return Namespace("terraform", self._terraform)
        if name == "data":
            return Namespace("data", lambda rtype: Namespace(f"data.{rtype}",
                                                             lambda label: self.resource(f"data.{rtype}.{label}")))
        if name == "module":
            return Namespace("module", self._module)
        if name in ("each", "count", "self"):
            raise EvalError(f"{name} is not available here")
        if "_" in name:  # a resource type: aws_s3_bucket.logs
            return Namespace(name, lambda label: self.resource(f"{name}.{label}"))
        raise EvalError(f"unknown name {name!r}")

    def variable(self, name: str) -> Any:
        if name in self.variables:
            return self.variables[name]
        if name in self.missing:
            return Unknown(self.missing[name])
        raise EvalError(f"variable {name!r} is not declared in this module")

    def local(self, name: str) -> Any:
        if name not in self._locals and name not in self.local_values:
            raise EvalError(f"local.{name} is not declared in this module")
        return self._once(self._locals, name, f"local.{name}", f"local.{name}",
                          lambda: from_raw(self.local_values[name], self))

    def _once(self, done: dict[str, Any], name: str, key: str, shown: str, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per module instance, kept in ``done``; a value that needs itself is unknown."""
        if name in done:
            return done[name]
        if key in self._busy:
            return Unknown(f"{shown} refers to itself")
        self._busy.add(key)
        try:
            value = compute()
        finally:
            self._busy.discard(key)
        done[name] = value
        return value

    def _path(self, name: str) -> Any:
        if name in ("module", "root", "cwd"):
            return self.directory if name == "module" else "."
        raise EvalError(f"path.{name} does not exist")

    def _terraform(self, name: str) -> Any:
        if name == "workspace":
            return "default"
        raise EvalError(f"terraform.{name} is not known statically")

    def _module(self, name: str) -> Any:
        """``module.x``: its outputs, evaluated in the called module's instance (one per count / for_each
        instance); a module whose source is not in the scan has unknown outputs."""
        block = self.blocks.get(f"module.{name}")
        if block is None:
            raise EvalError(f"module.{name} is not declared in this module")
        kind, value = self.expansion(block)
        if kind == "count":
            return [self._outputs_of(block, f"[{i}]", _Instance(self, count=i)) for i in range(value)]
        if kind == "each":
            return {key: self._outputs_of(block, f"[{literal(key)}]", _Instance(self, each=(key, item)))
                    for key, item in value.items()}
        if kind == "unknown":
            return Namespace(f"module.{name}", lambda output: Unknown(value))
        if kind == "keyed":
            return Namespace(f"module.{name}", lambda output: Unknown(value[0]))
        return self._outputs_of(block, "", _Instance(self))

    def _outputs_of(self, call: Resource, suffix: str, scope: Scope) -> Namespace:
        text = f"{call.address}{suffix}"
        child = self.child(call, suffix, scope)
        if child is None:
            return Namespace(text, lambda output: Unknown(
                f"{text}.{output}: the module's source is not among the scanned files"))
        return Namespace(text, lambda output: child.output(output, text))

    def child(self, call: Resource, suffix: str, scope: Scope) -> _ModuleScope | None:
        """The instance of the module ``call`` makes (None when its source is not a scanned directory)."""
        address = f"{self.prefix}{call.address}{suffix}"
        if address in self._children:
            return self._children[address]
        if address in self._busy:
            return None  # its inputs depend on its own outputs
        target = self.modules._target(call, address)
        if target is None or self._refused(call, target):
            self._children[address] = None
            return None
        self._busy.add(address)
        try:
            inputs = {k: from_raw(v, scope) for k, v in call.attributes.items() if k not in _MODULE_META}
        finally:
            self._busy.discard(address)
        found = self.modules._scope(target, inputs, address, f"{address}.", self.chain)
        self._children[address] = found
        return found

    def _refused(self, call: Resource, target: str) -> bool:
        """True (and an error finding at the call) when following ``call`` would instantiate a module already
        being instantiated above it (Terraform refuses such a configuration) or nest past the depth guard."""
        source = call.attributes.get("source")
        if target in self.chain:
            cycle = " -> ".join((*self.chain[self.chain.index(target):], target))
            why = f"{call.address} (source {source!r}) is a cycle of module calls ({cycle}); Terraform refuses it"
        elif len(self.chain) > MAX_MODULE_DEPTH:
            why = f"{call.address} (source {source!r}) nests modules more than {MAX_MODULE_DEPTH} deep"
        else:
            return False
        self.modules.error(call, f"{why}; the call is not followed")
        return True

    def output(self, name: str, call: str) -> Any:
        outputs = self.modules.outputs.get(self.directory, {})
        if name not in self._outputs and name not in outputs:
            raise EvalError(f"{call} has no output {name!r}")
        return self._once(self._outputs, name, f"output.{name}", f"{call}.{name}",
                          lambda: _sealed(from_raw(outputs[name], self), f"{call}.{name}", self.prefix))

    def resource(self, address: str) -> Any:
        """A resource (or data source) as a reference sees it: one unknown per instance, named by its
        address with the instance key, so the reference index links each instance."""
        block = self.blocks.get(address)
        if block is None:
            return after_apply(address)  # not declared here: the reference index says so
        kind, value = self.expansion(block)
        if kind == "count":
            return [self._instance(block, f"{address}[{i}]", count=i) for i in range(value)]
        if kind == "each":
            return {key: self._instance(block, f"{address}[{literal(key)}]", each=(key, item))
                    for key, item in value.items()}
        if kind == "single":
            return self._instance(block, address)
        return after_apply(address)

    def _instance(self, block: Resource, ref: str, count: Any = None, each: tuple[Any, Any] | None = None) -> Unknown:
        """One instance of a managed resource as a reference sees it before apply: unknown, but an argument
        its configuration sets to a known value is that value (``terraform plan`` shows configured values).
        Data sources read at plan time what they read: only their own computed results name them."""
        if block.address.startswith("data."):
            return after_apply(ref)
        me = weakref.ref(self)  # a weak link: the scope is dropped once the module is linked (see ``release``)

        def configured(name: str) -> Any:
            scope = me()
            return ABSENT if scope is None else scope.configured(block, ref, name, count, each)

        return after_apply(ref, configured)

    def configured(self, block: Resource, ref: str, name: str, count: Any, each: tuple[Any, Any] | None) -> Any:
        """The argument ``name`` of one instance of ``block`` as its configuration sets it, or ``ABSENT``."""
        raw = block.attributes.get(name, ABSENT)
        if raw is ABSENT or name in _RESOURCE_META:
            return ABSENT
        key = f"{ref}.{name}"
        value = self._once(self._configured, key, f"configured {key}", key,
                           lambda: from_raw(raw, _Instance(self, count=count, each=each)))
        return planned(value, key)

    def expansion(self, block: Resource) -> tuple[str, Any]:
        """How a block's ``count`` / ``for_each`` expand: ("single", None), ("count", n),
        ("each", {key: value}), ("keyed", (reason, ((key, value), ...))) when some keys are unknown (each an
        ``Unknown``) but the entries are known, or ("unknown", reason)."""
        found = self._expansions.get(block.address)
        if found is not None:
            return found
        if block.address in self._busy:
            return "unknown", f"the count or for_each of {block.address} depends on itself"
        self._busy.add(block.address)
        try:
            found = self._expand(block)
        finally:
            self._busy.discard(block.address)
        self._expansions[block.address] = found
        return found

    def _expand(self, block: Resource) -> tuple[str, Any]:
        attributes = block.attributes
        if "count" in attributes:
            count, _, _ = self._meta(attributes["count"])
            if isinstance(count, Unknown):
                return "unknown", f"the count of {block.address} is not known: {count.reason}"
            try:
                number = to_number(count)
            except EvalError as exc:
                return "unknown", f"the count of {block.address} is not a number: {exc}"
            if not isinstance(number, int) or number < 0:
                return "unknown", f"the count of {block.address} is not a whole number: {number}"
            return "count", number
        if "for_each" in attributes:
            each, _, _ = self._meta(attributes["for_each"])
            unknown = first_unknown(each) if isinstance(each, list) else each if isinstance(each, Unknown) else None
            if isinstance(unknown, Unknown) and unknown is each and each.entries:
                # a map whose keys are not all known, but whose entries are: one instance per entry
                return "keyed", (f"the for_each of {block.address} has keys not known: {each.reason}", each.entries)
            if unknown is not None:
                return "unknown", f"the for_each of {block.address} is not known: {unknown.reason}"
            if isinstance(each, dict):
                return "each", {key: each[key] for key in sorted(each)}
            if isinstance(each, list) and all(isinstance(item, str) for item in each):
                return "each", {item: item for item in sorted(set(each))}
            return "unknown", f"the for_each of {block.address} is not a map or a set of strings"
        return "single", None

    def _meta(self, raw: Any) -> tuple[Any, Any, Any]:
        if isinstance(raw, Unresolved):
            return evaluate_text(source_of(raw), self)
        return from_raw(raw, self), None, None


class _Instance(Scope):
    """One instance of a block: ``count.index`` or ``each.key``/``each.value`` (unknown when the count or
    for_each is), then the module's names."""

    def __init__(self, module: _ModuleScope, count: Any = None, each: tuple[Any, Any] | None = None) -> None:
        self.module = module
        self.count = count
        self.each = each
        self._own: Namespace | None = None  # ``count`` or ``each``, made once (it does not refer to this scope)

    def root(self, name: str) -> Any:
        if name == "count" and self.count is not None:
            if self._own is None:
                index = self.count
                self._own = Namespace("count", lambda attr: index if attr == "index"
                                      else _no_attribute("count", attr))
            return self._own
        if name == "each" and self.each is not None:
            if self._own is None:
                key, value = self.each
                self._own = Namespace("each", lambda attr: key if attr == "key" else value if attr == "value"
                                      else _no_attribute("each", attr))
            return self._own
        return self.module.root(name)


def _sealed(value: Any, text: str, prefix: str = "") -> Any:
    """A module output as its caller sees it: a reference to the module's own resources does not name
    a resource of the caller's module; it stays a reference by the resource's full address (``prefix``,
    the module instance's, before it), which the reference index resolves from any module."""
    if isinstance(value, Unknown):
        if not value.ref:
            return Unknown(value.reason)
        full = value.ref if value.ref.startswith("module.") else f"{prefix}{value.ref}"
        return Unknown(f"{text} = {value.ref}: known only after apply", full if prefix else None)
    if isinstance(value, Planned) and prefix and not value.ref.startswith("module."):
        return Planned(value, f"{prefix}{value.ref}")
    if isinstance(value, list):
        return [_sealed(item, text, prefix) for item in value]
    if isinstance(value, dict):
        return {key: _sealed(item, text, prefix) for key, item in value.items()}
    return value


def _no_attribute(name: str, attr: str) -> Any:
    raise EvalError(f"{name}.{attr} does not exist")


def _instances(module: _ModuleScope, block: Resource) -> tuple[list[tuple[str, Scope]], str | None]:
    """The instances of ``block`` (address suffix and scope) and, when its count or for_each is unknown,
    the reason: then one instance stands for all, and what depends on the key is unknown."""
    kind, value = module.expansion(block)
    if kind == "count":
        return [(f"[{i}]", _Instance(module, count=i)) for i in range(value)], None
    if kind == "each":
        return [(f"[{literal(key)}]", _Instance(module, each=(key, item))) for key, item in value.items()], None
    if kind == "keyed":  # an instance per entry; one whose key is unknown is named by its place among them
        return [(f"[{literal(key)}]" if isinstance(key, str) else f"[<key {n} unknown>]",
                 _Instance(module, each=(key, item))) for n, (key, item) in enumerate(value[1], 1)], None
    if kind == "unknown":
        unknown = Unknown(value)
        if "count" in block.attributes:
            return [("", _Instance(module, count=unknown))], value
        return [("", _Instance(module, each=(unknown, unknown)))], value
    return [("", _Instance(module))], None


def _body(raw: Mapping[str, Any], scope: Scope, top: bool = False) -> LineDict:
    """A block body evaluated: attributes exported (null ones omitted, so the provider default applies),
    nested blocks evaluated, ``dynamic`` blocks expanded into the blocks they generate.

    A body the evaluation leaves as it is (literals only, the common case of nested blocks) is the loaded
    body itself, shared by every instance, not a copy of it: nothing changes a body once loaded."""
    # The lines of the keys as written, shared with the raw body and every instance of it (nothing changes
    # them once loaded); a dynamic block that adds a key makes the body its own copy (``_dynamic``).
    key_lines = getattr(raw, "key_lines", None)
    out = LineDict.spanning(getattr(raw, "line", 0), getattr(raw, "end_line", 0),
                            key_lines if key_lines is not None else {})
    same = type(raw) is LineDict and key_lines is not None  # so far, ``out`` is ``raw`` again
    for key, value in raw.items():
        kind = type(value)
        if kind is str or kind is int or kind is bool or kind is float:  # a literal (most values): itself
            if top and key in _EXPANSION:
                same = False
            else:
                out[key] = value
            continue
        if top and key in _EXPANSION:
            same = False
            continue
        if key == "dynamic" and isinstance(value, BlockList):
            same = False
            for block in value:
                _dynamic(block, scope, out)
            continue
        if key in _RAW_BLOCKS:
            out[key] = value
            continue
        if isinstance(value, BlockList):
            blocks = out.get(key)
            if not isinstance(blocks, BlockList):
                evaluated = [_body(block, scope) for block in value]
                if all(new is old for new, old in zip(evaluated, value, strict=True)):
                    out[key] = value  # every block as loaded: the loaded list of them
                    continue
                blocks = BlockList()
                blocks.line = value.line
                blocks.extend(evaluated)
            else:  # after the blocks a dynamic block of the same name made
                blocks.extend(_body(block, scope) for block in value)
            same = False
            out[key] = blocks
            continue
        if key in _RAW_KEYS or key == "__labels__":
            out[key] = value
            continue
        exported = export_raw(value, scope)
        if exported is None:
            same = False
            continue  # null: as if the argument were not set
        if exported is not value:
            same = False
        out[key] = exported
    return raw if same else out  # type: ignore[return-value]


def _dynamic(block: Mapping[str, Any], scope: Scope, out: LineDict) -> None:
    """``dynamic "x" { for_each = ...; content { } }`` as the ``x`` blocks it generates (one block of
    unknown values when the for_each is unknown)."""
    labels = block.get("__labels__") or []
    if not labels or not isinstance(labels[0], str):
        return
    name = labels[0]
    iterator = block.get("iterator")
    iterator_name = iterator if isinstance(iterator, str) and iterator else name
    contents = block.get("content")
    content = contents[0] if isinstance(contents, list) and contents else LineDict()
    raw_each = block.get("for_each")
    collection = from_raw(raw_each, scope)
    items: list[tuple[Any, Any]]
    if isinstance(collection, Unknown):
        unknown = Unknown(f"the for_each of dynamic {name!r} is not known: {collection.reason}")
        items = [(unknown, unknown)]
    elif collection is None:
        items = []
    else:
        try:
            items = iterate(collection)
        except EvalError as exc:
            unknown = Unknown(f"the for_each of dynamic {name!r}: {exc}")
            items = [(unknown, unknown)]
    blocks = out.get(name)
    if not isinstance(blocks, BlockList):
        blocks = BlockList()
        blocks.line = getattr(block, "line", 0)
    for key, value in items:
        blocks.append(_body(content, scope.with_names({iterator_name: {"key": key, "value": value}})))
    if blocks:
        out[name] = blocks
        if name not in out.key_lines:  # a copy: the lines are shared with the raw body (``_body``)
            out.key_lines = {**out.key_lines, name: getattr(block, "line", 0)}


class _Modules:
    """The scan's Terraform modules: variables, locals and resources per directory, and the calls between them."""

    def __init__(self, resources: Sequence[Resource], var_files: _VarFiles, sources: ModuleSources) -> None:
        self.resources = resources
        self.var_files = var_files
        self.variables: dict[str, list[Resource]] = defaultdict(list)
        self.locals: dict[str, list[Resource]] = defaultdict(list)
        self.blocks: dict[str, list[Resource]] = defaultdict(list)  # resources, data sources, module calls
        self.local_values: dict[str, dict[str, Any]] = defaultdict(dict)
        self.outputs: dict[str, dict[str, Any]] = defaultdict(dict)
        for res in resources:
            self._add(res)
        self.sources = sources
        sources.known.update(self.blocks, self.variables, self.locals, self.outputs)
        self.root = ""  # the root module being instantiated (where its modules.json is)
        self.callers: dict[str, set[str]] = defaultdict(set)  # a local module's directory -> its callers'
        for directory in self.blocks:
            for call in self.blocks[directory]:
                if (target := self._local_target(call)) is not None:
                    self.callers[target].add(directory)
        self.called = set(self.callers)
        self.reached: set[str] = set()  # directories instantiated at least once
        self.errors: list[ParseError] = []

    def error(self, call: Resource, message: str) -> None:
        """An error finding at a module call, once per call whatever the number of its instances."""
        file, line = call.origin.file or "", call.origin.line
        if not any(e.file == file and e.line == line for e in self.errors):
            self.errors.append(ParseError(file, line, message, NAME))

    def _add(self, res: Resource) -> None:
        if res.provider == "terraform" and res.type == "variable":
            self.variables[os.path.normpath(str(res.facts["module_dir"]))].append(res)
        elif res.provider == "terraform" and res.type == "local":
            directory = os.path.normpath(str(res.facts["module_dir"]))
            self.locals[directory].append(res)
            self.local_values[directory][res.address[6:]] = res.attributes["value"]
        elif res.provider == "terraform" and res.type == "output":
            self.outputs[_dir_of(res)][res.address[7:]] = res.attributes.get("value")
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

    def _scope(self, directory: str, inputs: dict[str, Any] | None, caller: str, prefix: str = "",
               chain: tuple[str, ...] = ()) -> _ModuleScope:
        """The names of one module instance (``inputs`` None: a root module; else the call's evaluated
        arguments)."""
        values: dict[str, Any] = {}
        missing: dict[str, str] = {}
        tfvars, broken = self.var_files.for_root(directory) if inputs is None else ({}, [])
        for var in self.variables.get(directory, ()):
            name = var.address[4:]
            if inputs is None and broken:  # an unreadable file may have set (or overridden) any of them
                missing[name] = f"variable {name!r}: {', '.join(broken)} could not be read"
            elif inputs is None and name in tfvars:
                values[name] = _typed(imported(tfvars[name]), var)
            elif inputs is not None and name in inputs and not (inputs[name] is None and _not_nullable(var)):
                values[name] = _typed(inputs[name], var)
            elif "default" in var.attributes:
                values[name] = _typed(from_raw(var.attributes["default"], Scope()), var)
            elif inputs is None:
                missing[name] = f"variable {name!r} has no default and no tfvars value"
            else:
                missing[name] = f"{caller} does not set input {name!r} and the variable has no default"
        return _ModuleScope(self, directory, values, missing, prefix, chain)

    def link(self) -> list[Resource]:
        linked = [r for r in self.resources if r.provider == "terraform" and r.type in ("variable", "local")]
        by_root: dict[str, list[Resource]] = {}
        # Directories no module calls are roots; then those only modules of a cycle call, none of them reached
        # from a root (read as roots too, the cycle being an error finding, rather than not at all). A module a
        # root calls with count = 0 stays unread.
        ordered = sorted(self.blocks)
        for directory in [d for d in ordered if d not in self.called] + [d for d in ordered if d in self.called]:
            if directory in self.called and (directory in self.reached or self.callers[directory] & self.reached):
                continue  # instantiated through the module calls that use it
            self.root = directory
            scope = self._scope(directory, None, "")
            by_root[directory] = self._instantiate(scope)
            scope.release()
        return linked + self.sources.finish(by_root)

    def _instantiate(self, module: _ModuleScope) -> list[Resource]:
        out: list[Resource] = []
        for res in self.blocks.get(module.directory, ()):
            instances, unknown = _instances(module, res)
            for suffix, scope in instances:
                attributes = _body(res.attributes, scope, top=True)
                facts = res.facts
                if unknown is not None:  # one resource stands for an unknown number: say so
                    if attributes is res.attributes:  # never the loaded body itself, which is shared
                        attributes = _copy(attributes)
                    for meta in _EXPANSION:
                        if meta in res.attributes:
                            attributes[meta] = Unresolved(_shown(res.attributes[meta]), unknown)
                    facts = {**facts, "instances_unknown": unknown}
                address = f"{module.prefix}{res.address}{suffix}"
                out.append(Resource(res.provider, res.type, address, res.origin, attributes, facts, res.kinds,
                                    res.fact_lines, res.format, res.source))
                child = module.child(res, suffix, scope) if res.type == "module" else None
                if child is not None:
                    out.extend(self._instantiate(child))
        return out


def _copy(body: LineDict) -> LineDict:
    out = LineDict.spanning(body.line, body.end_line, body.key_lines)
    out.update(body)
    return out


def _shown(raw: Any) -> str:
    return raw.expression if isinstance(raw, Unresolved) else str(raw)


def _not_nullable(var: Resource) -> bool:
    return var.attributes.get("nullable") is False


def _typed(value: Any, var: Resource) -> Any:
    """A variable's value converted to its type constraint (``"5"`` for a number, optional attributes)."""
    return convert(value, var.attributes.get("type"))


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
