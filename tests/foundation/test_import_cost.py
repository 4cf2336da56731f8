"""What ``specdrift scan`` imports: a Terraform file must not pull in cloud SDKs or heavy validators.

Measured with ``python -X importtime`` in a fresh interpreter, as a pre-commit hook runs it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

# Top-level packages a scan of one Terraform file has no use for.
FORBIDDEN = ("boto3", "botocore", "google.cloud", "googleapiclient", "azure", "kubernetes_validate",
             "kubernetes", "cfnlint", "checkov")
# Not needed once the validated policy pack is cached, nor for a handful of files; PyYAML is not needed
# when the pack and the tables come from the cache and no YAML file is read.
WARM_FORBIDDEN = ("jsonschema", "multiprocessing", "concurrent.futures", "hcl2", "lark", "yaml")


# -X importtime lists what ``import`` statements load; modules loaded through importlib.import_module
# (discovered loaders, subcommands) are not listed, so the wrapper also writes sys.modules at exit.
_WRAPPER = (
    "import sys\n"
    "from scanner.cli import main\n"
    "out = sys.argv[1]\n"
    "code = main(['scan', *sys.argv[2:]])\n"
    "open(out, 'w').write('\\n'.join(sorted(sys.modules)))\n"
    "sys.exit(code)\n"
)


def _imported(path: Path, cache: Path, shown: str = "aws_db_instance.db", *flags: str) -> set[str]:
    listing = cache.parent / "modules.txt"
    env = {**os.environ, "NO_COLOR": "1", "SPECDRIFT_CACHE_DIR": str(cache), "COLUMNS": "400"}
    result = subprocess.run([sys.executable, "-X", "importtime", "-c", _WRAPPER, str(listing), str(path), *flags],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode in (0, 1), result.stderr[-2000:]
    assert shown in result.stdout  # the file really was scanned
    timed = {line.rsplit("|", 1)[1].strip() for line in result.stderr.splitlines()
             if line.startswith("import time:") and "|" in line}
    return timed | set(listing.read_text().split())


def _hits(modules: set[str], packages: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules for p in packages if m == p or m.startswith(p + "."))


def test_terraform_scan_imports_no_cloud_sdk_or_validator(tmp_path: Path) -> None:
    tf = tmp_path / "main.tf"
    tf.write_text('resource "aws_db_instance" "db" {\n  engine = "postgres"\n  backup_retention_period = 7\n}\n')
    cold = _imported(tf, tmp_path / "cache")
    assert "tree_sitter_hcl" in cold and "scanner.loaders.hcl_tree" in cold  # it sees the parser the scan used
    assert _hits(cold, FORBIDDEN) == []
    warm = _imported(tf, tmp_path / "cache")  # second run: the policy pack comes from the cache
    assert _hits(warm, FORBIDDEN + WARM_FORBIDDEN) == []


def test_kubernetes_scan_validates_without_jsonschema_or_rich(tmp_path: Path) -> None:
    """ME-K8S-13 reads kubernetes-validate's schemas without importing it (that pulls in jsonschema, 40 ms)."""
    manifest = tmp_path / "deployment.yaml"
    manifest.write_text((ROOT / "examples/marketing-engine/kubernetes/deployment.yaml").read_text())
    _imported(manifest, tmp_path / "cache", "ME-K8S-13", "--show-passing")
    warm = _imported(manifest, tmp_path / "cache", "ME-K8S-13", "--show-passing")  # ME-K8S-13 ran and passed
    assert "jsonschema_rs" in warm
    assert _hits(warm, ("jsonschema", "kubernetes_validate", "rich", "referencing")) == []


def test_version_builds_no_subcommand() -> None:
    # ``--version`` is the start-up benchmark: building every subcommand imported the live side's call
    # machinery and the configuration keys (about 20 ms) for a line of text.
    code = ("import sys\nfrom scanner.cli import main\ntry:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
            "print(' '.join(sorted(m for m in sys.modules if m.startswith('scanner'))))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    version, modules = result.stdout.splitlines()
    assert version.startswith("specdrift ")
    loaded = set(modules.split())
    assert "scanner.cli" in loaded
    assert not {m for m in loaded if m.startswith(("scanner.cli.", "scanner.collectors", "scanner.config"))}


def test_a_terraform_scan_starts_no_process_machinery(tmp_path: Path) -> None:
    """``subprocess`` (bash -n), ``tempfile`` (cache writes) and ``shutil`` (argparse's terminal width) are
    imported where they are used: a warm scan of one .tf file uses none of them (together ~8 ms)."""
    tf = tmp_path / "main.tf"
    tf.write_text('resource "aws_db_instance" "db" {\n  engine = "postgres"\n}\n')
    wrapper = ("import sys\nbefore = set(sys.modules)\nfrom scanner.cli import main\n"
               "main(['scan', sys.argv[1]])\nprint(' '.join(sorted(set(sys.modules) - before)))\n")
    env = {**os.environ, "SPECDRIFT_CACHE_DIR": str(tmp_path / "cache"), "NO_COLOR": "1"}
    for _ in range(2):  # the second run is warm
        result = subprocess.run([sys.executable, "-c", wrapper, str(tf)], cwd=ROOT, env=env, capture_output=True,
                                text=True, timeout=120, check=True)
    loaded = set(result.stdout.split()[-1000:])
    assert "scanner.loaders.hcl_tree" in loaded
    assert not loaded & {"subprocess", "tempfile", "shutil"}


def test_help_is_laid_out_as_argparse_lays_it_out() -> None:
    """The parser's formatter finds the terminal's width without ``shutil``, to the same layout."""
    import argparse

    from scanner.cli import build_parser

    for columns in ("100", "57", ""):
        env = {**os.environ, "COLUMNS": columns}
        ours = subprocess.run([sys.executable, "-c", "from scanner.cli import main; main(['scan', '--help'])"],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=60).stdout
        theirs = subprocess.run([sys.executable, "-c", (
            "import argparse, scanner.cli as c\n"
            "class P(c.Parser):\n"
            "    def __init__(self, *a, **k):\n"
            "        k['formatter_class'] = argparse.HelpFormatter\n"
            "        super().__init__(*a, **k)\n"
            "c.Parser = P\nc.main(['scan', '--help'])\n")], cwd=ROOT, env=env, capture_output=True, text=True,
            timeout=60).stdout
        assert ours and ours == theirs, columns
    assert isinstance(build_parser(["scan"])._get_formatter(), argparse.HelpFormatter)
