"""The plugin registries (``scanner.registry``): one per kind, a duplicate name raises, the source index names
the module of every plugin, a lookup imports that module alone, and every shipped plugin resolves."""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

from scanner.cli import COMMANDS
from scanner.collectors import COLLECTORS
from scanner.collectors.aws import UNITS
from scanner.loaders import LOADERS
from scanner.mappings import TRANSFORMS
from scanner.policy.functions import FUNCTIONS
from scanner.policy.pack import SCHEMA_PATH
from scanner.policy.schema import generated, text
from scanner.registry import Declaration, Registry, declared, sources
from scanner.reporters import REPORTERS
from tests.conftest import ROOT

PACKAGE_REGISTRIES = {"scanner.loaders": LOADERS, "scanner.mappings": TRANSFORMS, "scanner.policy.functions": FUNCTIONS,
                      "scanner.reporters": REPORTERS, "scanner.cli": COMMANDS, "scanner.collectors": COLLECTORS}


@pytest.mark.parametrize("package", sorted(PACKAGE_REGISTRIES))
def test_the_index_names_the_module_of_every_plugin_in_its_order(package: str) -> None:
    registry = PACKAGE_REGISTRIES[package]
    assert registry.package == package
    registry.import_all()
    index = declared(str(Path(importlib.import_module(package).__path__[0])), registry.decorator)
    shipped = {name for name, plugin in registry.items() if _module(plugin).startswith(package + ".")}
    assert set(index) <= shipped
    if package != "scanner.mappings":  # transforms registered in a loop are not in the sources: asked, they are found
        assert set(index) == shipped
    for name, declaration in index.items():
        assert _module(registry[name]) == f"{package}.{declaration.module}", name
    listed = [name for name, _ in registry.items() if name in index]
    assert list(index) == listed == list(registry.names())  # the order a lookup by names asks in, imported or not


def _module(plugin: object) -> str:
    return str(getattr(plugin, "__module__", None) or type(plugin).__module__)


def test_every_kind_is_registered() -> None:
    modules = {info.name for info in pkgutil.iter_modules([str(ROOT / "scanner" / "loaders")])}
    assert {_module(loader).rsplit(".", 1)[1] for loader in LOADERS.values()} == \
        modules - {"addressing", "base", "budget", "documents", "hcl_eval", "hcl_functions", "hcl_tree", "lines",
                   "not_infrastructure", "parallel", "parse_cache", "path_globs", "secrets", "suppressions",
                   "terraform_json", "terraform_modules", "terraform_registry", "timescale", "yaml_lines"}
    for name in LOADERS.names():
        assert LOADERS[name].name == name
    assert REPORTERS.names() == ("text", "json", "sarif", "junit", "gitlab", "markdown", "github", "html")
    assert all(hasattr(REPORTERS[name], "render") for name in REPORTERS.names())
    assert COMMANDS.names() == ("scan", "policies", "config", "baseline", "export", "collect", "drift",
                               "history", "nightly")
    assert all(callable(COMMANDS[name]) for name in COMMANDS.names())
    assert len(FUNCTIONS.names()) >= 40 and all(callable(FUNCTIONS[name]) for name in FUNCTIONS.names())
    assert len(UNITS.names()) == 15 and {u.service for u in UNITS.values()} >= {"ec2", "rds", "s3"}


def test_a_duplicate_name_raises_with_both_modules() -> None:
    registry: Registry[object] = Registry("widget")

    def first() -> None: ...

    registry.register("w")(first)
    registry.register("w")(first)  # the same object again (a module imported twice): no error
    other = type("Other", (), {"__module__": "elsewhere.module"})()
    with pytest.raises(ValueError, match=rf"widget 'w' registered twice: in {re.escape(__name__)} and in elsewhere\."):
        registry.add("w", other)
    assert registry["w"] is first


def test_every_shipped_kind_raises_on_a_duplicate() -> None:
    for registry in (*PACKAGE_REGISTRIES.values(), UNITS):
        name = registry.names()[0]
        registry[name]  # imported: the duplicate is met as a second module would meet it
        with pytest.raises(ValueError, match="registered twice"):
            registry.add(name, object())  # type: ignore[arg-type]


def test_a_class_registered_under_another_name_than_its_own_raises() -> None:
    registry: Registry[object] = Registry("loader")
    named = type("Named", (), {"name": "terraform"})
    with pytest.raises(ValueError, match="registered as 'hcl' but named 'terraform'"):
        registry.register_class("hcl")(named)
    registry.register_class("terraform")(named)
    assert isinstance(registry["terraform"], named)


def test_a_missing_name_is_a_key_error_naming_the_kind() -> None:
    with pytest.raises(KeyError, match="no check function named 'no_such_function'"):
        FUNCTIONS["no_such_function"]
    assert FUNCTIONS.get("no_such_function") is None and "no_such_function" not in FUNCTIONS


def test_declared_reads_decorators_at_the_start_of_a_line_only(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text('@register("one")\ndef f(): ...\n# @register("commented")\n'
                                   'x = \'@register("in a string")\'\n')
    (tmp_path / "b.py").write_text('@register( "two", order=7 )\ndef g(): ...\n@register("three")\ndef h(): ...\n')
    assert declared(str(tmp_path), "register") == {}  # not a package with its sources: nothing is indexed
    (tmp_path / "__init__.py").write_text("")
    declared.cache_clear()
    sources.cache_clear()
    assert declared(str(tmp_path), "register") == {"two": Declaration("b", 7), "one": Declaration("a"),
                                                   "three": Declaration("b")}
    assert list(declared(str(tmp_path), "register")) == ["two", "one", "three"]  # by order, module, place
    (tmp_path / "c.py").write_text('@register("one")\ndef f(): ...\n')
    with pytest.raises(ValueError, match=r"@register\('one'\) declared twice: in a and in c"):
        declared(f"{tmp_path}/", "register")  # another path string: the first index is cached


def _imported_by(code: str) -> set[str]:
    done = subprocess.run([sys.executable, "-c", code + "\nimport sys\nprint(' '.join(sys.modules))"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return {m for m in done.stdout.split() if m.startswith("scanner.")}


@pytest.mark.parametrize(("package", "registry", "name", "module"), [
    ("scanner.policy.functions", "FUNCTIONS", "k8s_schema", "kubernetes"),
    ("scanner.reporters", "REPORTERS", "junit", "junit"),
    ("scanner.loaders", "LOADERS", "nginx", "nginx"),
    ("scanner.cli", "COMMANDS", "config", "config"),
    ("scanner.mappings", "TRANSFORMS", "hpa_cpu_utilization", "kubernetes"),
])
def test_a_lookup_imports_only_the_declaring_module(package: str, registry: str, name: str, module: str) -> None:
    decorator = PACKAGE_REGISTRIES[package].decorator
    index = declared(str(ROOT / package.replace(".", "/")), decorator)
    plugin_modules = {f"{package}.{declaration.module}" for declaration in index.values()}
    imported = f"from {package} import {registry}"
    new = _imported_by(f"{imported}\n{registry}[{name!r}]") - _imported_by(imported)
    assert new & plugin_modules == {f"{package}.{module}"}


def test_names_import_nothing() -> None:
    code = ("from scanner.loaders import LOADERS\nfrom scanner.reporters import REPORTERS\n"
            "from scanner.policy.functions import FUNCTIONS\nfrom scanner.cli import COMMANDS\n"
            "assert LOADERS.names() and REPORTERS.names() and FUNCTIONS.names() and COMMANDS.names()")
    imported = _imported_by(code)
    assert not {m for m in imported if m.startswith(("scanner.loaders.", "scanner.reporters.", "scanner.cli.",
                                                     "scanner.policy.functions."))} - {
        "scanner.loaders.base", "scanner.loaders.not_infrastructure", "scanner.loaders.path_globs"}, imported


def test_the_shipped_policy_schema_is_the_generated_one() -> None:
    """Its lists of functions, kinds and facts come from the registries and the mapping tables; after adding a
    function, a kind or a fact, run ``python3 -m scanner.policy.schema``."""
    shipped = SCHEMA_PATH.read_text(encoding="utf-8")
    assert shipped == text(generated(json.loads(shipped))), "run: python3 -m scanner.policy.schema"


def test_the_generated_schema_rejects_unknown_names() -> None:
    from scanner.policy.pack import PolicyError, validate

    policy = {"id": "ME-DB-99", "requirements": ["ME-DB-02"], "title": "a test policy", "severity": "high",
              "applies_to": {"kinds": ["sql_database"]}, "check": {"fact": "backup_retention", "op": "exists"}}
    validate(policy, "ok")
    validate({**policy, "check": {"fact": "labels.app", "op": "exists"}}, "a path into a fact")
    validate({**policy, "check": {"each": "containers", "all": {"fact": "image", "op": "exists"}}}, "an item key")
    for wrong in ({"applies_to": {"kinds": ["sql_databse"]}}, {"check": {"fact": "backup_retenton", "op": "exists"}},
                  {"check": {"function": "no_such_function"}}):
        with pytest.raises(PolicyError):
            validate({**policy, **wrong}, "wrong")


def test_a_terraform_file_imports_only_the_plugins_it_uses(tmp_path: Path) -> None:
    tf = tmp_path / "main.tf"
    tf.write_text('resource "aws_s3_bucket" "b" {\n  bucket = "x"\n}\n')
    code = ("import sys\nfrom scanner.cli import main\nmain(['scan', sys.argv[1], '--format', 'json'])\n"
            "print('\\n'.join(m for m in sys.modules if m.startswith('scanner.')), file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", code, str(tf)], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env={"SPECDRIFT_CACHE_DIR": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"})
    imported = set(done.stderr.split())
    assert "scanner.loaders.terraform" in imported, done.stderr[-2000:]
    # loaders asked after terraform, for other formats, are not imported
    assert not imported & {"scanner.loaders.k6", "scanner.loaders.shell", "scanner.loaders.redis_conf",
                           "scanner.loaders.nginx", "scanner.loaders.dockerfile"}
    assert "scanner.mappings.aws_live" not in imported  # the live AWS shapes: not for a file
    # one subcommand, and the reporter asked for (the text one is imported by ``scan`` itself)
    assert {m for m in imported if m.startswith(("scanner.cli.", "scanner.reporters."))} == {
        "scanner.cli.scan", "scanner.cli.options", "scanner.reporters.json_report", "scanner.reporters.json_text",
        "scanner.reporters.text"}


def test_context_of_named_files_asks_no_loader_after_theirs(tmp_path: Path) -> None:
    """A staged Terraform file's neighbours are context only if Terraform claims them: the loaders asked
    after it (Kubernetes, Dockerfile, shell, ...) are not asked about them, so not imported either."""
    (tmp_path / "main.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = var.name\n}\n')
    (tmp_path / "variables.tf").write_text('variable "name" {\n  default = "logs"\n}\n')
    (tmp_path / "run.sh").write_text("#!/bin/sh\nset -e\necho hi\n")
    (tmp_path / "pod.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n")
    code = ("import sys\nfrom scanner.context import context_files\n"
            "print(context_files([sys.argv[1]]))\n"
            "print(' '.join(m for m in sys.modules if m.startswith('scanner.loaders.')))\n")
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "main.tf")], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    listed, imported = done.stdout.splitlines()
    assert listed == repr([str(tmp_path / "variables.tf")])
    assert "scanner.loaders.terraform" in imported.split()
    assert not {"scanner.loaders.shell", "scanner.loaders.kubernetes", "scanner.loaders.dockerfile"} & \
        set(imported.split())
