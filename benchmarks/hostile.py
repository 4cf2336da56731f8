"""The hostile corpus (issue 17): inputs an attacker or an unlucky user would give a gate that runs on pull requests.

    python3 -m benchmarks.hostile [--out docs/reliability.md] [--keep DIR]

Builds the cases in a temporary directory (nothing large is committed), scans each category with the CLI as a
CI job would (``python -m scanner scan DIR --format json``, this tree first on ``PYTHONPATH``) under a time and
an address-space limit, and writes the figures to docs/reliability.md: inputs per category, error findings,
crashes (``internal error``, a traceback or an exit code other than 0/1: must be 0), over budget (killed by
the time or memory limit: must be 0), the peak memory of the run, and whether the good file beside the bad
ones still had its finding. A last run of the whole corpus with ``--strict`` must exit 2.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIME_BUDGET = 120.0  # seconds per category run
MEMORY_BUDGET = 3 * 1024 ** 3  # bytes of address space per run (RLIMIT_AS)
GOOD = ("good/redis.conf", "bind 0.0.0.0\nprotected-mode no\n")  # violates ME-REDIS policies: must still be found

CM_HEAD = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"
CFN_HEAD = 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n'


def _bomb(levels: int, width: int = 9, indent: str = "  ") -> str:
    lines = [f'{indent}a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    previous = "a"
    for name in "bcdefghijk"[: levels - 1]:
        lines.append(f"{indent}{name}: &{name} [" + ",".join([f"*{previous}"] * width) + "]")
        previous = name
    return "\n".join(lines) + "\n"


def bad_values() -> dict[str, str | bytes]:
    """One bad value in an otherwise ordinary file, per format."""
    cases: dict[str, str | bytes] = {
        "k8s/metadata-list.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: [x]\ndata: {a: b}\n",
        "k8s/metadata-scalar.yaml": "apiVersion: v1\nkind: Pod\nmetadata: abc\nspec: {}\n",
        "k8s/containers-int.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec:\n  template:\n"
                                   "    spec:\n      containers: 5\n",
        "k8s/containers-str.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec:\n  template:\n"
                                   "    spec:\n      containers: nginx\n",
        "k8s/spec-list.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec: [1, 2]\n",
        "pg/inf/postgresql.conf": "shared_buffers = 1e400\n",
        "pg/neg/postgresql.conf": "shared_buffers = -1e400\n",
        "pg/nan/postgresql.conf": "max_connections = nan\n",
        "redis/huge.conf": "maxmemory " + "9" * 5000 + "\n",
    }
    for digits in (4301, 5000, 100_000):
        number = "9" * digits
        cases[f"numbers/cm-{digits}.yaml"] = CM_HEAD + f"data:\n  a: {number}\n"
        cases[f"numbers/cfn-{digits}.json"] = json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Resources": {
            "X": {"Type": "AWS::RDS::DBInstance", "Properties": {}}}}).replace("{}}", '{"AllocatedStorage": '
                                                                                      + number + "}}")
        cases[f"numbers/main-{digits}.tf"] = f'resource "aws_db_instance" "x" {{\n  allocated_storage = {number}\n}}\n'
    for depth in (100, 1000, 10_000, 100_000):
        cases[f"deep/array-{depth}.json"] = "[" * depth + "]" * depth + "\n"
        cases[f"deep/object-{depth}.json"] = '{"a":' * depth + "1" + "}" * depth + "\n"
        cases[f"deep/cfn-{depth}.json"] = ('{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"X": {"Type": '
                                           '"AWS::S3::Bucket", "Properties": {"Tags": ' + "[" * depth + "]" * depth
                                           + "}}}}\n")
        cases[f"deep/flow-{depth}.yaml"] = CM_HEAD + "data:\n  a: " + "[" * depth + "]" * depth + "\n"
        cases[f"deep/locals-{depth}.tf"] = "locals {\n  x = " + "[" * depth + "]" * depth + "\n}\n"
        cases[f"deep/secret-{depth}.json"] = ('{\n  "db_password": "Zq8-unguessable-Hx3",\n  "deep": ' + "[" * depth
                                              + "]" * depth + "\n}\n")
    return cases


def alias_bombs() -> dict[str, str | bytes]:
    """Billion laughs in each place YAML is read: a manifest, a template, a values file, a prometheus file."""
    cases: dict[str, str | bytes] = {}
    for levels in range(4, 11):
        for width in (5, 9):
            cases[f"k8s/cm-{levels}x{width}.yaml"] = CM_HEAD + "data:\n" + _bomb(levels, width)
            cases[f"cfn/template-{levels}x{width}.yaml"] = CFN_HEAD + "      Tags:\n" + _bomb(levels, width, "        ")
            cases[f"values/values-{levels}x{width}.yaml"] = "x:\n" + _bomb(levels, width)
            cases[f"prom/prometheus-{levels}x{width}.yml"] = "global:\n  scrape_interval: 15s\nrule_files:\n" \
                + _bomb(levels, width)
    return cases


UNITS = (" \n", "\t\n", "{", "resource \n", '"', "a:", "- ", "#", " ", "\\", "/*", "--", "${", "(", "[", "FROM ",
         "http://a@", "password=", "AKIA", ": ", "\n", "server {\n", "GO \n", "-- \n", "&a ")
NAMES = ("x.yaml", "x.json", "x.conf", "x.sh", "x.tf", "Dockerfile", "x.sql", "x.js", "nginx.conf", ".env")


def detection() -> dict[str, str | bytes]:
    """64 KiB of one repeated unit, under each name a loader claims by: format sniffing must be linear."""
    cases: dict[str, str | bytes] = {}
    for i, unit in enumerate(UNITS):
        text = unit * (65536 // len(unit))
        for name in NAMES:
            cases[f"u{i:02d}/{name}"] = text
    return cases


def tree(root: Path) -> int:
    """Links out of the tree, a link to a device, a loop, a FIFO, a socket; names that are not UTF-8."""
    import socket

    made = 0
    outside = root.parent / f"{root.name}-outside"
    outside.mkdir(exist_ok=True)
    (outside / "secret.tf").write_text('variable "v" {\n  default = "root:x:0:0:root:/root:/bin/bash"\n}\n')
    links = {"passwd.tf": "/etc/passwd", "zero.tf": "/dev/zero", "random.yaml": "/dev/urandom",
             "outside.tf": str(outside / "secret.tf"), "outside-dir": str(outside), "etc": "/etc",
             "loop": ".", "dangling.tf": str(root / "nowhere.tf")}
    for name, target in links.items():
        os.symlink(target, root / name)
        made += 1
    for name in ("pipe.tf", "pipe.yaml", "kustomization.yaml"):
        os.mkfifo(root / name)
        made += 1
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(root / "s.tf"))
        made += 1
    except OSError:
        pass
    finally:
        sock.close()
    for raw in (b"b\xff.yaml", b"\xc3(.tf", b"ok-\x1b[31m.yaml", b"nl\nname.yaml"):
        try:
            (root / os.fsdecode(raw)).write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: [x]\n")
            made += 1
        except OSError:
            continue
    return made


MANIFEST = ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec:\n  template:\n    spec:\n"
            "      containers:\n        - {name: api, image: 'nginx:latest'}\n")


def encodings() -> dict[str, str | bytes]:
    """Text in UTF-16/32 with a BOM (must be read), binary content under IaC names (must be an error)."""
    cases: dict[str, str | bytes] = {}
    for codec in ("utf-16", "utf-32"):
        for order in ("le", "be"):
            bom = "\ufeff".encode(f"{codec}-{order}")
            cases[f"wide/{codec}-{order}.yaml"] = bom + MANIFEST.encode(f"{codec}-{order}")
            cases[f"wide/{codec}-{order}.tf"] = bom + 'resource "aws_s3_bucket" "b" {\n  bucket = "x"\n}\n'.encode(
                f"{codec}-{order}")
            cases[f"wide/{codec}-{order}-bad.yaml"] = bom + MANIFEST.encode(f"{codec}-{order}")[:-3]
    for name in ("deploy.yaml", "values.yml", "template.json", "main.tf", "vars.tfvars", "postgresql.conf",
                 "schema.sql", "run.sh", "Dockerfile", "stack.template", ".env", "nginx.conf"):
        cases[f"binary/{name}"] = b"\x00\x01\x02binary\x00" * 64
        cases[f"nul-late/{name}"] = MANIFEST.encode() + b"\x00" * 4
    for name, text in (("cr.yaml", MANIFEST.replace("\n", "\r")), ("crlf.yaml", MANIFEST.replace("\n", "\r\n")),
                       ("bom8.yaml", "\ufeff" + MANIFEST), ("latin1.yaml", MANIFEST + "# caf\xe9\n")):
        cases[f"lines/{name}"] = text.encode("latin-1") if name.startswith("latin1") else text
    return cases


# Secrets planted in a pull request: none may appear in any of the eight report formats.
SECRET_WORDS = tuple(f"Zq{i}-unguessable-Hx{i}" for i in range(8))


def secrets() -> dict[str, str | bytes]:
    """Literal secrets in Dockerfile ENV/ARG, build args, URLs and image references (``user:pw@registry``)."""
    a, b, c, d, e, f, g, h = SECRET_WORDS
    cases: dict[str, str | bytes] = {
        "docker/Dockerfile": f"FROM alpine:3.19\nARG API_TOKEN={a}\nENV DB_PASSWORD={b} LOG=1\nENV SECRET_KEY {c}\n",
        "docker/build.sh": f"#!/bin/sh\ndocker build --build-arg DB_PASSWORD={d} .\n",
        "k8s/pod.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  containers:\n    - name: app\n"
                        f"      image: deploy:{e}@registry.example.com/app:1.0\n      env:\n"
                        f"        - {{name: DATABASE_URL, value: 'postgres://u:{f}@db/app'}}\n",
        "tf/main.tf": f'resource "aws_db_instance" "x" {{\n  password = "{g}"\n}}\n',
        "compose/.env": f"REDIS_URL=redis://:{h}@cache:6379/0\n",
    }
    for i in range(20):  # the same secrets again in many shapes and places
        word = SECRET_WORDS[i % len(SECRET_WORDS)]
        cases[f"many/d{i}/Dockerfile"] = f"FROM registry.example.com/base:{i}\nENV API_TOKEN=\"{word}\"\n"
        cases[f"many/m{i}.yaml"] = ("apiVersion: v1\nkind: Pod\nmetadata: {name: p" + str(i) + "}\nspec:\n"
                                    f"  containers:\n    - {{name: a, image: 'u:{word}@ghcr.io/o/app:{i}'}}\n")
    return cases


EVIL_PARAM = "ME-K8S-03.pinned_pattern=^(a+)+$"
EVIL_GLOB = "*a" * 30 + "*b"


def user_regexes() -> dict[str, str | bytes]:
    """Images a catastrophic parameter regex would backtrack on for minutes; resources a glob would too."""
    cases: dict[str, str | bytes] = {}
    for i in range(20):
        image = "a" * (30 + i) + "!"
        cases[f"k8s/pod-{i}.yaml"] = ("apiVersion: v1\nkind: Pod\nmetadata: {name: " + "a" * (40 + i) + "}\nspec:\n"
                                      f"  containers:\n    - {{name: api, image: '{image}'}}\n")
    return cases


def module_calls() -> dict[str, str | bytes]:
    """Terraform modules calling themselves or each other (an error finding each), and a deep chain (none)."""
    db = 'resource "aws_db_instance" "{0}" {{\n  publicly_accessible = true\n}}\n'
    cases: dict[str, str | bytes] = {
        "self/main.tf": 'module "me" {\n  source = "./"\n}\n' + db.format("self"),
        "mutual/main.tf": 'module "a" {\n  source = "./a"\n}\n',
        "mutual/a/main.tf": 'module "b" {\n  source = "../b"\n}\n' + db.format("a"),
        "mutual/b/main.tf": 'module "a" {\n  source = "../a"\n}\n' + db.format("b"),
        "ring/x/main.tf": 'module "y" {\n  source = "../y"\n}\n' + db.format("x"),
        "ring/y/main.tf": 'module "z" {\n  source = "../z"\n}\n' + db.format("y"),
        "ring/z/main.tf": 'module "x" {\n  source = "../x"\n}\n' + db.format("z"),
        "chain/main.tf": 'module "m1" {\n  source = "./m1"\n}\n',
    }
    for level in range(1, 13):
        call = f'module "m{level + 1}" {{\n  source = "../m{level + 1}"\n}}\n' if level < 12 else ""
        cases[f"chain/m{level}/main.tf"] = call + db.format(f"l{level}")
    return cases


ESCAPES = ("\x1b[2J", "\x1b]0;pwned\x07", "\x9b31m", "\r", "\u202e")


def escapes() -> dict[str, str | bytes]:
    """Terminal escape sequences (clear screen, window title, C1 CSI, carriage return, right-to-left override) in
    file names, values and what parse errors quote: the text report and stderr must show them escaped."""
    cases: dict[str, str | bytes] = {}
    for i, seq in enumerate(ESCAPES):
        cases[f"names/bad{seq}{i}.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata: [x]\n"
        cases[f"values/pod{i}.yaml"] = ("apiVersion: v1\nkind: Pod\nmetadata: {name: p" + str(i) + "}\nspec:\n"
                                        "  containers:\n    - name: api\n      image: "
                                        + json.dumps(f"nginx{seq}:latest") + "\n")
        cases[f"errors/e{i}.tf"] = f'resource "aws_s3_bucket" "b" {{\n  bucket = {seq}\n}}\n'
    return cases


def big_inputs() -> dict[str, str | bytes]:
    """Large files: a 15 MB string in a .tf, a 19 MB .tf, 16 MB self-extracting installers (a binary payload,
    and base64 in a heredoc)."""
    import base64
    import random

    rnd = random.Random(17)
    payload = rnd.randbytes(12 * 1024 * 1024)
    head = '#!/bin/sh\nARCHIVE=$(awk \'/^__ARCHIVE__/ {print NR + 1; exit 0; }\' "$0")\n' \
           'tail -n+$ARCHIVE "$0" | tar xz -C /opt\nexit 0\n__ARCHIVE__\n'
    return {
        "string/main.tf": 'resource "aws_s3_bucket" "b" {\n  bucket = "' + "a" * (15 * 1000 * 1000) + '"\n}\n',
        "big/main.tf": 'locals {\n  cidrs = [\n' + '    "10.0.0.0/16",\n' * (19 * 1000 * 1000 // 18) + "  ]\n}\n",
        "installer/install.sh": head.encode() + rnd.randbytes(16 * 1024 * 1024 - len(head)),
        "installer-b64/install.sh": '#!/bin/sh\nbase64 -d > /tmp/p.tgz <<"__PAYLOAD__"\n'
                                    + base64.encodebytes(payload).decode() + "__PAYLOAD__\ntar xzf /tmp/p.tgz\n",
    }


def raw_controls(text: str) -> int:
    """Characters a terminal acts on (newline and tab aside) and bidirectional overrides, left raw in ``text``."""
    return sum(1 for c in text if (ord(c) < 32 and c not in "\n\t") or 0x7f <= ord(c) <= 0x9f
               or 0x202a <= ord(c) <= 0x202e or 0x2066 <= ord(c) <= 0x2069)


@dataclass
class Run:
    category: str
    inputs: int
    seconds: float = 0.0
    peak_mib: float = 0.0
    exit_code: int = 0
    errors: int = 0
    files: int = 0
    good_found: bool = False
    leaked: int = 0  # planted secrets found in any output
    raw: int = 0  # control characters left raw in the text report or on stderr
    crashed: bool = False
    over_budget: bool = False
    notes: list[str] = field(default_factory=list)


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BUDGET, MEMORY_BUDGET))


OTHER_FORMATS = ("sarif", "junit", "gitlab", "github", "markdown", "text", "html")


def scan(directory: Path, category: str, inputs: int, cache: Path, *extra: str, planted: tuple[str, ...] = ()) -> Run:
    """One CLI scan of ``directory``, timed and measured (its own peak resident memory, from wait4); with
    ``planted``, every format is written and searched for those secrets."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SPECDRIFT_CACHE_DIR": str(cache), "NO_COLOR": "1"}
    run = Run(category, inputs)
    out = directory.parent / f"{directory.name}.json"
    others = [directory.parent / f"{directory.name}.{fmt}" for fmt in OTHER_FORMATS] if planted else []
    formats = [arg for path in others for arg in ("--format", f"{path.suffix[1:]}:{path}")]
    shown = directory.parent / f"{directory.name}.txt"  # the text report, as a terminal would get it
    formats += ["--format", f"text:{shown}"]
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "scanner", "scan", str(directory), "--format", f"json:{out}",
                                *formats, *extra], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               preexec_fn=_limit, cwd=directory.parent)
    try:
        _, stderr = process.communicate(timeout=TIME_BUDGET)
    except subprocess.TimeoutExpired:
        process.kill()
        _, stderr = process.communicate()
        run.over_budget = True
    run.seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # the largest child so far: runs are in rising order
    run.peak_mib = usage.ru_maxrss / 1024
    run.exit_code = process.returncode
    text = stderr.decode("utf-8", "replace")
    if "MemoryError" in text or process.returncode in (-9, 137):
        run.over_budget = True
    run.crashed = not run.over_budget and ("internal error" in text or "Traceback" in text
                                           or process.returncode not in (0, 1, 2) or not out.exists())
    if out.exists():
        report = json.loads(out.read_text(encoding="utf-8"))
        findings = report.get("findings", [])
        run.errors = sum(1 for f in findings if f.get("status") == "error")
        run.files = report.get("summary", {}).get("files", 0)
        run.good_found = any(str(f.get("location", {}).get("file", "")).endswith(GOOD[0])
                             and f.get("status") == "violates" for f in findings)
        run.notes = report.get("notes", [])
    outputs = [path.read_text(encoding="utf-8", errors="replace") for path in [out, *others] if path.exists()]
    run.leaked = sum(1 for secret in planted if any(secret in text for text in [*outputs, text]))
    run.raw = raw_controls(text) + (raw_controls(shown.read_text(encoding="utf-8", errors="replace"))
                                    if shown.exists() else 0)
    return run


def _write(directory: Path, cases: dict[str, str | bytes]) -> int:
    for name, content in {**cases, GOOD[0]: GOOD[1]}.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return len(cases)


CATEGORIES: dict[str, tuple[str, Callable[[], dict[str, str | bytes]]]] = {
    "bad values": ("one bad value per file: wrong types, numbers Python cannot read, nesting 100 to 100,000 deep",
                   bad_values),
    "alias bombs": ("billion laughs, 4 to 10 levels of 5 or 9 aliases, in manifests, templates, values, prometheus",
                    alias_bombs),
    "format detection": ("64 KiB of one repeated unit under each name a loader claims by", detection),
    "encodings": ("UTF-16/32 with a BOM (read as text), binary content under 12 IaC names (an error each), a NUL "
                  "after the text, CR-only, CRLF, Latin-1 lines", encodings),
    "secrets": ("literal secrets in Dockerfile ENV/ARG, --build-arg, URLs, .env and image references "
                "(user:password@registry); all eight formats written and searched for them", secrets),
    "user regexes": (f"`--param {EVIL_PARAM}` and a baseline glob `{EVIL_GLOB[:12]}...*b` over resources they "
                     "would backtrack on for minutes with Python's engine", user_regexes),
    "module calls": ("Terraform modules calling their own directory, each other, in a ring of three (an error each), "
                     "and a chain of 12 distinct modules (read whole, no error)", module_calls),
    "escapes": ("terminal escape sequences (clear screen, window title, C1 CSI, carriage return, right-to-left "
                "override) in file names, values and the text parse errors quote", escapes),
    "big inputs": ("a 15 MB string in a .tf, a 19 MB .tf, 16 MB self-extracting installers (binary payload; base64 "
                   "in a heredoc)", big_inputs),
}


def _extra(category: str, directory: Path) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(flags, planted secrets) of a category's run."""
    if category == "secrets":
        return (), SECRET_WORDS
    if category == "user regexes":
        baseline = directory.parent / "regex-baseline.yaml"
        baseline.write_text(f"accepted:\n  - policy: ME-K8S-*\n    resource: '{EVIL_GLOB}'\n    owner: me\n"
                            "    reason: hostile glob\n    expires: 2099-12-31\n", encoding="utf-8")
        return ("--param", EVIL_PARAM, "--baseline", str(baseline)), ()
    return (), ()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(ROOT / "docs" / "reliability.md"))
    parser.add_argument("--keep", help="build the corpus here and keep it (default: a temporary directory)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="specdrift-hostile-") as tmp:
        work = Path(args.keep) if args.keep else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        cache = Path(tmp) / "cache"
        runs: list[Run] = []
        for category, (_, build) in CATEGORIES.items():
            directory = work / category.replace(" ", "-")
            inputs = _write(directory, build())
            flags, planted = _extra(category, directory)
            runs.append(scan(directory, category, inputs, cache, *flags, planted=planted))
            print(f"{category}: {runs[-1]}", file=sys.stderr)
        boundary = work / "tree-boundary"
        boundary.mkdir(parents=True, exist_ok=True)
        _write(boundary, {})
        runs.append(scan(boundary, "tree boundary", tree(boundary), cache))
        print(f"tree boundary: {runs[-1]}", file=sys.stderr)
        strict = scan(work, "whole corpus, --strict", sum(r.inputs for r in runs), cache, "--strict")
        print(f"strict: {strict}", file=sys.stderr)
    Path(args.out).write_text(render(runs, strict), encoding="utf-8")
    failed = any(r.crashed or r.over_budget or not r.good_found or r.leaked or r.raw for r in runs) \
        or strict.exit_code != 2 or strict.raw
    return 1 if failed else 0


def render(runs: list[Run], strict: Run) -> str:
    descriptions = {**{name: text for name, (text, _) in CATEGORIES.items()},
                    "tree boundary": "symbolic links out of the tree, to /dev/zero, /etc and back to itself; FIFOs, "
                                     "a socket; file names that are not UTF-8 or hold control characters"}
    lines = [
        "# Reliability: the hostile corpus",
        "",
        "Written by `python3 -m benchmarks.hostile` (issue 17); the corpus is built in a temporary directory each "
        "time, nothing of it is committed. Each category is one CLI scan (`python -m scanner scan DIR --format "
        f"json:FILE`) under a {TIME_BUDGET:.0f} s time limit and a {MEMORY_BUDGET // 1024 ** 3} GiB address-space "
        "limit, beside one good file (`redis.conf` with `protected-mode no`) whose violation must still be "
        "reported.",
        "",
        "| category | inputs | error findings | crashes | over budget | secrets leaked | raw escapes | "
        "good file's finding | time (s) | peak memory (MiB) |",
        "|---|---:|---:|---:|---:|---:|---:|---|---:|---:|",
    ]
    for run in runs:
        leaked = f"{run.leaked} of {len(SECRET_WORDS)}" if run.category == "secrets" else ""
        lines.append(f"| {run.category} | {run.inputs} | {run.errors} | {int(run.crashed)} | {int(run.over_budget)} | "
                     f"{leaked} | {run.raw} | {'reported' if run.good_found else 'MISSING'} | {run.seconds:.1f} | "
                     f"{run.peak_mib:.0f} |")
    total = sum(r.inputs for r in runs)
    lines += [
        f"| **all** | {total} | {sum(r.errors for r in runs)} | {sum(r.crashed for r in runs)} | "
        f"{sum(r.over_budget for r in runs)} | {sum(r.leaked for r in runs)} | {sum(r.raw for r in runs)} | | | |",
        "",
        f"The whole corpus scanned at once with `--strict`: exit {strict.exit_code} (2 expected: there are error "
        f"findings), {strict.seconds:.1f} s, {strict.errors} error findings, peak memory {strict.peak_mib:.0f} MiB "
        "(the largest of any run so far, as the operating system reports children's peaks).",
        "",
        "## The categories",
        "",
        *(f"- **{run.category}**: {descriptions.get(run.category, '')}." for run in runs),
        "",
        "Inputs that are not infrastructure (a deep JSON array, a repeated unit no loader recognises) are no error: "
        "they are searched for literal secrets, line by line when too deep to read as a tree, and otherwise skipped "
        "as any unknown file is. What the tree-boundary run passes over is listed in the report's notes "
        "(`not read, a symbolic link ...`, `not read, not a regular file ...`).",
        "",
        "## Budgets",
        "",
        "- Bytes read per file: at most 20 MiB + 1 byte, decided before reading (`scanner/loaders/__init__.py`, "
        "`MAX_FILE_BYTES`); FIFOs, sockets and devices are never opened for reading.",
        "- YAML aliases: at most max(10,000, 10 x the document's own nodes) more nodes may come from aliases "
        "(`scanner/tables.py`, `check_aliases`), in every YAML file and table read.",
        "- Nesting: a file nested too deeply for the parser is an `error` finding (`nesting too deep to parse`); "
        "the secret search falls back to reading it line by line.",
        "- Parse time and memory per file: a loader's parse past `--parse-timeout` (default 30 s, "
        "`SPECDRIFT_PARSE_TIMEOUT`) is an `error` finding and the scan goes on (`scanner/loaders/budget.py`: an "
        "alarm for the Python loaders; tree-sitter reads its input through a callback that checks the clock, and "
        "stops a parse that grows the process by more than 1 GiB: its HCL grammar holds some 200 bytes per byte of a "
        "long string, list or heredoc).",
        "- Terraform module calls: a call to a module already being instantiated above it (its own directory, a "
        "mutual or longer cycle) is an `error` finding at the call and is not followed; there is no depth limit "
        "below 100 nested calls (past it: an `error` finding, never resources silently dropped).",
        "- Snapshots and state files given to `drift`: values nested more than 100 deep are refused with a one-line "
        "error (exit 2), never a `RecursionError`.",
        "- Terminal escapes: the text report and every line on stderr show control characters, escape sequences "
        "and bidirectional overrides from file names, values and messages escaped (`\\x1b`, `\\r`, `\\u202e`; "
        "`scanner.display.visible`); the raw escapes column counts any left in the text report and on stderr.",
        "- Live sources: every call is bounded in wall time by `--timeout` (connecting and the whole answer, "
        "however slowly it comes: `scanner.collectors.calls.within`); a silent, trickling, resetting server or an "
        "answer that cannot be read (status 200, malformed JSON) is a gap with its reason, so the checks are "
        "`unknown` (`tests/collectors/test_live_faults.py`: AWS, GCP, Azure, Kubernetes, PostgreSQL, Redis).",
        "- Format detection: each loader's sniffing of a file's first 64 KiB is linear "
        "(`tests/loaders/test_budgets.py` times it on these inputs).",
        "- Regexes from users: a `regex` parameter given with `--param` or the configuration, the patterns and "
        "regex parameters of policies from `--policies-dir`, and baseline globs run with RE2 (google-re2, linear "
        "time) or are refused at load time with a one-line usage error (exit 2: look-around, back-references). "
        "The shipped pack's patterns keep Python's engine; each compiles under RE2 too or is listed with its "
        "reason (`tests/loaders/test_user_regexes.py`).",
        "- A baseline entry of only wildcards (`policy: '*'`, `resource: '*'`) is refused unless written with "
        "`all: true` (and its reason).",
        "- Secrets: Dockerfile `ENV`/`ARG` and `--build-arg` literals are ME-SEC-01 findings; passwords in URLs "
        "and image references (`user:password@registry/...`) are masked in every format and in snapshots, as "
        "are tags named as credentials.",
        "",
        "## Command",
        "",
        "```",
        "python3 -m benchmarks.hostile            # writes this file; exit 1 on a crash, a run over budget,",
        "                                         # a good file's finding missing, or --strict not exiting 2",
        "```",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
