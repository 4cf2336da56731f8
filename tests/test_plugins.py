"""The source index of plugins (``scanner.plugins``): it must name the module of every registered plugin,
and a run must import only the plugin modules it uses."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from scanner import loaders
from scanner.plugins import declared, loader_modules
from scanner.policy import functions

from .conftest import ROOT


def test_the_index_names_the_module_of_every_check_function() -> None:
    registry = functions.registered()  # imports every module (and holds what tests registered)
    index = declared(functions.__path__[0], "register")
    shipped = {name for name, func in registry.items() if func.__module__.startswith("scanner.policy.functions.")}
    assert set(index) == shipped
    for name in shipped:
        assert f"scanner.policy.functions.{index[name]}" == registry[name].__module__, name


def test_the_index_lists_every_loader_in_claiming_order() -> None:
    imported = []
    for module in sorted(loaders.pkgutil.iter_modules(loaders.__path__), key=lambda i: i.name):
        found = loaders.importlib.import_module(f"scanner.loaders.{module.name}")
        if getattr(found, "LOADER", None) is not None:
            imported.append((getattr(found, "PRIORITY", 50), module.name))
    assert loader_modules(loaders.__path__[0]) == tuple(sorted(imported))


def test_declared_reads_decorators_at_the_start_of_a_line_only(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text('@register("one")\ndef f(): ...\n# @register("commented")\n'
                                   'x = \'@register("in a string")\'\n')
    (tmp_path / "b.py").write_text('@register( "two" )\ndef g(): ...\n')
    assert declared(str(tmp_path), "register") == {"one": "a", "two": "b"}


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
