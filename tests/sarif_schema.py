"""The OASIS SARIF 2.1.0 schema kept in tests/data (no download): a validator for its Root definition.

AdaCore's copy (see /work/shared/schemas/README.md) keeps the log object's rules in
``definitions/Root``; the bare top level accepts anything, so validation goes through that reference.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from .conftest import ROOT

SCHEMA_PATH = ROOT / "tests" / "data" / "sarif-schema-2.1.0.json"


@cache
def sarif_validator() -> Any:
    import jsonschema
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT7

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    registry = Registry().with_resource(schema["$id"], Resource.from_contents(schema, default_specification=DRAFT7))
    return jsonschema.Draft7Validator({"$ref": f"{schema['$id']}#/definitions/Root"}, registry=registry)
