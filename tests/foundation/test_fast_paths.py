"""Shortcuts taken for speed give the answers of the general code they stand in front of.

Each speed-up of a hot path keeps the slow, general form as its reference (a regular expression, an
uncached parse); these tests compare the two on the shapes the shortcut handles and on random input,
so a shortcut that drifts from the reference fails here rather than in a report.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from scanner.mappings.remediation import _TF_LABELS, terraform_labels
from scanner.units import SIZE, _parse_text, parse_quantity


def _labels_by_search(address: str) -> tuple[str, str]:
    match = _TF_LABELS.search(address)
    return (address, address) if match is None else (match.group(1), match.group(2))


@pytest.mark.parametrize("address", [
    "aws_db_instance.main", "data.aws_iam_policy_document.this", "module.db.aws_db_instance.main",
    'module.s3["a.b"].aws_s3_bucket.this["logs"]', 'aws_s3_bucket.this["a[b"]', "aws_s3_bucket.b[0]",
    "a.b[x]y]", "p.q[x.y[z]", "9abc.d", "-b.c", "a-b.c", "x", "", ".a", "a.", "a..b", "módulo.tipo_ñ.nombre",
    'module.m["k"].module.n[2].google_sql_database_instance.primary',
])
def test_terraform_labels_agree_with_the_search(address: str) -> None:
    assert terraform_labels(address) == _labels_by_search(address)


def test_terraform_labels_agree_with_the_search_on_random_addresses() -> None:
    rng = random.Random(11)
    alphabet = 'ab_-.[]"9:xé '
    for _ in range(20000):
        address = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 16)))
        assert terraform_labels(address) == _labels_by_search(address), address


def test_remembered_quantities_are_the_parsed_ones() -> None:
    for text in ("8GB", " 8GB", "8gb", "1h30m", "30", "true", "postgres", "0.5", "-1e3m", "x" * 70 + "GB"):
        for dimension, unit in ((None, None), (SIZE, None), (SIZE, "GiB"), ("duration", "d"), ("cpu", None)):
            assert parse_quantity(text, dimension, unit) == _parse_text(text, dimension, unit)
    # a bool or a number is never looked up as the text it equals
    assert parse_quantity(True, SIZE, "GiB") is None
    assert parse_quantity(1, SIZE, "GiB") == _parse_text("1GiB", SIZE, None)


# --- memory: what a large scan keeps once, not once per use ---------------------------------------------


def test_line_dicts_keep_their_lines_in_slots_and_travel_between_processes() -> None:
    import pickle

    from scanner.loaders.yaml_lines import LineDict

    plain = LineDict(a=1)
    assert (plain.line, plain.end_line) == (0, 0)
    assert not hasattr(plain, "__dict__")  # no dictionary of attributes per mapping
    made = LineDict.spanning(3, 7, {"a": 4})
    made["a"] = 1
    copy = pickle.loads(pickle.dumps(made))
    assert (type(copy), copy, copy.line, copy.end_line, copy.key_lines) == (LineDict, {"a": 1}, 3, 7, {"a": 4})


def test_terraform_bodies_the_evaluation_leaves_unchanged_are_shared(tmp_path: Path) -> None:
    from scanner.mappings import load_paths

    (tmp_path / "main.tf").write_text(
        'variable "names" { default = ["a", "b"] }\n'
        'resource "aws_instance" "web" {\n  count = 2\n  tags = { Team = "x" }\n'
        '  root_block_device {\n    volume_size = 20\n  }\n'
        '  ebs_block_device {\n    device_name = "/dev/sd${count.index}"\n  }\n}\n')
    outcome = load_paths([tmp_path])
    first, second = (r for r in outcome.resources if r.type == "aws_instance")
    assert first.attributes["root_block_device"] is second.attributes["root_block_device"]
    assert first.attributes["tags"] is second.attributes["tags"]
    assert first.attributes["ebs_block_device"][0]["device_name"] == "/dev/sd0"
    assert second.attributes["ebs_block_device"][0]["device_name"] == "/dev/sd1"
    assert "count" not in first.attributes


def test_an_unknown_count_is_written_on_a_copy_of_the_body(tmp_path: Path) -> None:
    from scanner.mappings import load_paths
    from scanner.model import Unresolved

    (tmp_path / "main.tf").write_text('variable "n" {}\nresource "aws_instance" "web" {\n  count = var.n\n}\n'
                                      'resource "aws_instance" "db" {\n  count = var.n\n}\n')
    for resource in (r for r in load_paths([tmp_path]).resources if r.type == "aws_instance"):
        assert isinstance(resource.attributes["count"], Unresolved)
        assert resource.facts.get("instances_unknown")


def test_findings_share_equal_messages_and_fixes(tmp_path: Path) -> None:
    from tests.conftest import scan_files

    bucket = 'resource "aws_db_instance" "db{n}" {{\n  engine = "postgres"\n  engine_version = "13.4"\n}}\n'
    findings = scan_files(tmp_path, {"main.tf": "".join(bucket.format(n=n) for n in range(3))}, "ME-DB-01")
    assert len(findings) == 3 and findings[0].message == findings[1].message
    assert findings[0].message is findings[1].message is findings[2].message


# --- the engine: verdicts reused where they cannot differ --------------------------------------------------


def test_shared_gates_give_the_findings_of_unshared_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    from scanner.mappings import load_paths
    from scanner.policy import engine
    from scanner.policy.pack import load_policies
    from tests.conftest import EXAMPLE, POLICIES

    resources = load_paths([EXAMPLE]).resources
    policies = load_policies([POLICIES])
    shared = engine.Engine(policies).run(resources)
    assert sum(1 for p in policies if p.where is not None and engine._shareable(p.where) is not None) > 10
    monkeypatch.setattr(engine, "_shareable", lambda where: None)
    assert [repr(f) for f in engine.Engine(policies).run(resources)] == [repr(f) for f in shared]


def test_only_gates_of_plain_comparisons_are_shared() -> None:
    from scanner.policy.engine import _shareable

    plain = {"all": [{"fact": "cluster", "op": "absent"}, {"fact": "engine", "op": "==", "value": "postgres"}]}
    assert _shareable(plain) is not None
    assert _shareable({"fact": "size", "op": ">=", "value": {"param": "min"}}) is None
    assert _shareable({"function": "database_engine_is", "args": {"family": "postgresql"}}) is None
    assert _shareable({"fact": "x", "op": "==", "value": 1, "expected": "{min} or more"}) is None
    assert _shareable({"fact": "x", "op": "==", "value": True}) != _shareable({"fact": "x", "op": "==", "value": 1})


def test_a_leaf_is_judged_with_the_parameters_of_each_call() -> None:
    from scanner.model import Origin, Resource
    from scanner.policy.check import EvalContext, evaluate

    leaf = {"fact": "size", "op": ">=", "value": {"param": "min"}}
    resource = Resource("aws", "t", "t.a", Origin("f.tf", 1), facts={"size": 5})
    outcomes = [evaluate(leaf, resource.facts, EvalContext(resource, {"min": n})) for n in (3, 8, 3)]
    assert [(o.status.value, o.expected) for o in outcomes] == [
        ("complies", ">= 3"), ("violates", ">= 8"), ("complies", ">= 3")]


# --- normalizing: one-key facts read in one step ----------------------------------------------------------


def test_one_key_lookups_and_lines_agree_with_the_general_walk() -> None:
    from scanner.loaders.base import line_at
    from scanner.mappings import MISSING, _fact_line, _line_path, load_paths, lookup, mapping_for
    from tests.conftest import EXAMPLE, TESTS

    resources = load_paths([EXAMPLE, TESTS / "fixtures"]).resources
    checked = 0
    for resource in resources:
        mapping = mapping_for(resource)
        tree = resource.attributes
        for spec in (mapping.facts.values() if mapping else ()):
            for path in spec.paths:
                general = lookup({"_": tree}, ("_", *path))  # two steps: the general walk, from the tree on
                assert repr(lookup(tree, path)) == repr(general), (resource.address, path)
                assert _fact_line(tree, path) == line_at(tree, _line_path(tree, path)), (resource.address, path)
                checked += general is not MISSING
    assert checked > 200


def test_linking_leaves_no_module_scope_behind_for_the_paused_collector(tmp_path: Path) -> None:
    import gc

    from scanner.loaders.terraform import _ModuleScope
    from scanner.mappings import load_paths

    (tmp_path / "mod").mkdir()
    (tmp_path / "mod" / "main.tf").write_text(
        'variable "name" {}\nresource "aws_s3_bucket" "b" {\n  bucket = "${var.name}-x"\n}\n'
        'output "arn" { value = aws_s3_bucket.b.arn }\n')
    (tmp_path / "main.tf").write_text(
        'locals { n = "logs" }\nmodule "m" {\n  source = "./mod"\n  name = local.n\n}\n'
        'resource "aws_s3_bucket_policy" "p" {\n  bucket = module.m.arn\n  count = length([1, 2])\n}\n')
    was = gc.isenabled()
    gc.disable()  # as during a scan: only reference counting frees what linking made
    try:
        outcome = load_paths([tmp_path])
        assert {r.address for r in outcome.resources} >= {"module.m.aws_s3_bucket.b", "aws_s3_bucket_policy.p[1]"}
        assert not [o for o in gc.get_objects() if isinstance(o, _ModuleScope)]
    finally:
        if was:
            gc.enable()


def test_remembered_masks_follow_the_secrets_seen() -> None:
    from scanner import masking

    text = "postgres://app:Sup3rS3cretValue9@db/x and Sup3rS3cretValue9 again"
    before = masking.mask_value(text)
    assert "Sup3rS3cretValue9@" not in before  # a URL's password is masked whatever is known
    masking.remember_secrets(["Sup3rS3cretValue9"])
    after = masking.mask_value(text)
    assert "Sup3rS3cretValue9" not in after  # once known, everywhere: the memo made before does not stand
    assert masking.mask_value("plain value") == "plain value"


def test_what_workers_send_back_is_rebuilt_whole() -> None:
    import pickle

    from scanner.faults import Fault
    from scanner.loaders.hcl_tree import HclExpression
    from scanner.model import Origin, Resource, Unresolved

    origin = Origin("main.tf", 3, 9, "acct", "eu-west-1", "api")
    values = [origin, Unresolved("var.x", "no default"), Fault("engine", "mapping failed"),
              HclExpression("a ? b : c", source="a ?\n  b : c"),
              Resource("aws", "aws_s3_bucket", "aws_s3_bucket.b", origin, {"bucket": "x"}, {"name": "x"},
                       frozenset({"object_store"}), {"name": 4}, "terraform", "iac")]
    for value in values:
        back = pickle.loads(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        assert type(back) is type(value) and back == value and repr(back) == repr(value)
    assert pickle.loads(pickle.dumps(values[3])).source == "a ?\n  b : c"


def test_findings_sorted_file_by_file_are_in_the_order_of_one_sort() -> None:
    from scanner.model import Finding, Severity, Status
    from scanner.scan import sorted_findings

    rng = random.Random(5)
    findings = [Finding(rng.choice(["P1", "P2"]), (), "t", Severity.LOW, Status.COMPLIES, f"m{i}",
                        rng.choice(["a", "b"]), file=rng.choice([None, "", "x.tf", "a/y.tf", "b.tf"]),
                        line=rng.choice([None, 0, 1, 7, 12])) for i in range(3000)]
    expected = sorted(findings, key=lambda f: (f.file or "", f.line or 0, f.policy_id, f.resource_address))
    assert [f.message for f in sorted_findings(findings)] == [f.message for f in expected]  # stable, too


def test_block_lists_keep_their_lines_in_slots_and_normalized_kinds_are_shared(tmp_path: Path) -> None:
    import pickle

    from scanner.loaders.base import BlockList
    from scanner.mappings import load_paths, mapping_for

    blocks = BlockList([{"a": 1}])
    assert (blocks.line, blocks.end_line) == (0, 0) and not hasattr(blocks, "__dict__")
    blocks.line = 4
    back = pickle.loads(pickle.dumps(blocks))
    assert (type(back), back, back.line) == (BlockList, [{"a": 1}], 4)
    (tmp_path / "main.tf").write_text('resource "aws_db_instance" "a" {}\nresource "aws_db_instance" "b" {}\n')
    first, second = (r for r in load_paths([tmp_path]).resources if r.type == "aws_db_instance")
    mapping = mapping_for(first)
    assert mapping is not None and first.kinds is second.kinds is mapping.kinds


def test_rendering_skips_only_expressions_with_nothing_to_write_in(monkeypatch: pytest.MonkeyPatch) -> None:
    from scanner.loaders import hcl_eval
    from scanner.mappings import load_paths
    from tests.conftest import EXAMPLE, TESTS

    roots = [EXAMPLE, TESTS / "fixtures", TESTS / "realworld"]

    def loaded() -> list[str]:
        return [repr((r.address, dict(r.attributes))) for r in load_paths(roots).resources if r.format == "terraform"]

    quick = loaded()
    monkeypatch.setattr(hcl_eval, "_substitutable", lambda node: True)  # every tree walked, as before
    assert loaded() == quick
    tree, _ = hcl_eval.compile_expression('aws_s3_bucket.b[each.key].id')
    assert hcl_eval._has_substitution(tree)
    assert not hcl_eval._has_substitution(hcl_eval.compile_expression('concat(var.a, [local.b["x"]])')[0])


# --- secrets: a text with no name a credential could have is not read line by line ------------------------


@pytest.mark.parametrize("text", [
    'resource "x" "y" {\n  pass_word = "hunter2hunter2"\n}\n',  # a name split by separators still counts
    'variable "api-key" {\n  default = "k3y-v4lue-123456"\n}\n',  # a pair, with a separator
    "env:\n  - name: PASS_WORD\n    value: s3cr3tvalue99\n",  # an env entry's name, split
    "kind: Secret\ndata:\n  conf: cGFzc3dvcmQ9aHVudGVyMmh1bnRlcjI=\n---\n",  # Secret data, decoded
    "EncryptedData:\n  x: AgBy3i4OJSWK+PiTySYZZA==\n",
])
def test_a_credential_name_in_any_spelling_is_still_read(text: str) -> None:
    from scanner.loaders import secrets

    assert secrets._may_name_a_credential(text.lower())
    assert secrets.detect(text, "terraform") or secrets.detect(text, "kubernetes")


def test_reading_only_texts_that_may_name_a_credential_finds_what_reading_all_did(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from scanner.loaders import decode, secrets
    from tests.conftest import EXAMPLE, TESTS

    here = TESTS
    texts = [decode(p.read_bytes()) for root in (EXAMPLE, here / "fixtures", here / "realworld", here / "data")
             for p in sorted(root.rglob("*")) if p.is_file() and p.stat().st_size < 2_000_000
             and b"\0" not in p.read_bytes()[:8192]]
    assert len(texts) > 100
    quick = [(secrets.detect(t, fmt), secrets.detect(t, "")) for t in texts for fmt in ("terraform",)]
    assert sum(1 for t in texts if t.isascii() and not secrets._may_name_a_credential(t.lower())) > 20
    monkeypatch.setattr(secrets, "_may_name_a_credential", lambda lowered: True)
    assert [(secrets.detect(t, fmt), secrets.detect(t, "")) for t in texts for fmt in ("terraform",)] == quick


def test_templates_filled_from_their_parts_read_as_the_substitution_did() -> None:
    from scanner.display import _PLACEHOLDER, fill, shown

    def substituted(template: str, values: dict[str, object]) -> str:
        return _PLACEHOLDER.sub(lambda m: shown(values[m.group(1)]) if m.group(1) in values else m.group(0), template)

    rng = random.Random(3)
    pieces = ["{", "}", "a", "_", " ", "{a}", "{b}", "{zz}", "{{a}}", "{1}", "é"]
    values = {"a": 1, "b": "B{a}", "1": True}
    for _ in range(20000):
        template = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 8)))
        assert fill(template, values) == substituted(template, values), template


@pytest.mark.parametrize("literal", [
    '"plain"', '""', '"é ü ☃"', '"a\\\\nb"', '"tab\\\\there"', '"$${not}"', '"%%{not}"', '"q\\\\"uote"',
    '"50%"', '"$5"', '"{x}"', '"a$"', '"\\\\u00e9"',
])
def test_plain_strings_read_between_their_quotes_as_the_template_parts_did(literal: str) -> None:
    from scanner.loaders import hcl_tree

    literal = literal.replace("\\\\", "\\")
    root = hcl_tree.parse(f'resource "a" {literal} {{\n  v = {literal}\n}}\n')
    block = hcl_tree.blocks(hcl_tree.body_of(root))[0]
    labels, body, _, _ = hcl_tree.block_header(block)
    label_node = [c for c in block.children if c.type == "string_lit"][-1]
    parts = "".join(hcl_tree._unescape(c.text.decode()) for c in label_node.children if c.type == "template_literal")
    assert labels[-1] == parts
    assert hcl_tree.to_body(body, block)["v"] == parts


def test_keys_without_a_trigger_word_are_told_apart_as_the_classifier_does() -> None:
    # _may_name skips the classifier for an ASCII key with no word of _TRIGGERS in it: the same answers
    from scanner.loaders import decode, secrets
    from scanner.masking import is_credential_name
    from tests.conftest import EXAMPLE, TESTS

    keys = {"dbPassword", "PASS_WORD", "api-key", "Api.Key", "clientSecret", "CLIENT_SECRET", "PGPASSWORD",
            "passwordLength", "adminPasswordKey", "secretName", "Default", "value", "x", "AUTH_TOKEN", "token_ttl",
            "MYSQL_ROOT_PASSWORD", "accessKeyId", "sasToken", "connection_string", "pat", "ÄpiKey", "pass\u212aword"}
    for path in [path for root in (EXAMPLE, TESTS / "fixtures", TESTS / "realworld", TESTS / "data")
                 for path in sorted(root.rglob("*"))]:
        if path.is_file() and path.stat().st_size < 500_000:
            for line in decode(path.read_bytes()).splitlines():
                match = secrets._KV_EQUALS.match(line) or secrets._KV_COLON.match(line)
                if match:
                    keys.add(match.group(2))
    assert len(keys) > 500
    named = {key for key in keys if is_credential_name(key)}
    assert len(named) > 20
    assert {key for key in keys if secrets._may_name(key)} == named | {
        key for key in keys if key.lower() in secrets._PARENT_VALUE_KEYS}
