"""The policy schema's lists, generated from what the code knows (as Cloud Custodian builds its schema from
its registries): the check functions (``FUNCTIONS``), the kinds and facts of the mapping tables, and the
sources a policy may claim (the loaders' formats, the live sources and their short names, ``any``).

The schema stays a shipped file, so a run reads it as it is (its bytes key the validated pack's cache) and
pays nothing for the generation. The hand-written part is the rest of the file; ``generated`` fills in
``$defs.function``, ``$defs.kind``, ``$defs.fact``, ``$defs.source`` and ``$defs.item_check`` (a ``check``
as written inside ``each``, where a fact names a key of the item, not a fact of the resource). A test fails
when the shipped file is not what ``generated`` makes of it; ``python3 -m scanner.policy.schema`` writes it
again.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

from scanner.policy.pack import SCHEMA_PATH

_CHECK_REF = "#/$defs/check"
_ITEM_CHECK_REF = "#/$defs/item_check"
_FACT_REF = "#/$defs/fact"


def known_lists() -> tuple[list[str], list[str], list[str]]:
    """(check function names, kinds, fact names), each sorted."""
    from scanner.mappings import tables
    from scanner.policy.functions import FUNCTIONS

    found = tables()
    mappings = [mapping for rtype in found for mapping in found[rtype]]
    kinds = {kind for mapping in mappings for kind in mapping.kinds}
    facts = {fact for mapping in mappings for fact in mapping.facts}
    return sorted(FUNCTIONS.names()), sorted(kinds), sorted(facts)


def known_sources() -> list[str]:
    """What a policy's ``sources`` may name: a loader's format, a live source (``live/aws``) or its short name
    (``aws``), or ``any`` (every format), sorted."""
    from scanner.catalog import LIVE_SOURCES
    from scanner.loaders import LOADERS
    from scanner.policy.coverage import ANY, LIVE_ALIASES

    return sorted({*LOADERS.names(), *LIVE_SOURCES, *LIVE_ALIASES, ANY})


def generated(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with its generated definitions made from the registries and the mapping tables."""
    functions, kinds, facts = known_lists()
    out = copy.deepcopy(schema)
    defs = out["$defs"]
    defs["function"] = {"enum": functions, "description": "a registered check function (scanner/policy/functions)"}
    defs["kind"] = {"enum": kinds, "description": "a kind the mapping tables give resources (scanner/mappings)"}
    defs["fact"] = {
        "description": "a fact of the mapping tables, or a path into one (labels.app)",
        "anyOf": [{"enum": facts},
                  {"type": "string", "pattern": "^(?:" + "|".join(re.escape(f) for f in facts) + r")[.\[]"}]}
    defs["source"] = {"enum": known_sources(),
                      "description": "a loader's format (scanner/loaders), a live source, or any (every format)"}
    defs["item_check"] = _item_check(defs["check"])
    return out


def _item_check(check: Any) -> Any:
    """``check`` as it is written for the items of ``each``: nested checks are item checks, facts any key."""
    if isinstance(check, dict):
        if check.get("$ref") == _CHECK_REF:
            return {"$ref": _ITEM_CHECK_REF}
        if check.get("$ref") == _FACT_REF:
            return {"type": "string"}
        return {key: _item_check(value) for key, value in check.items()}
    if isinstance(check, list):
        return [_item_check(value) for value in check]
    return check


def text(schema: dict[str, Any]) -> str:
    """The schema file's text."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    shipped = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    SCHEMA_PATH.write_text(text(generated(shipped)), encoding="utf-8")


if __name__ == "__main__":
    main()
