"""Run policies over resources: an index by kind, one Finding per (policy, resource) that applies."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from scanner.display import display, fill, shown
from scanner.faults import FactFault, describe, reraise_when_debugging
from scanner.loaders.base import ParseError
from scanner.masking import mask_quoted, mask_value, redact
from scanner.model import (
    ALTERNATIVES,
    EXISTS_WHEN,
    PARSE_ERROR_POLICY,
    Alternatives,
    Finding,
    Origin,
    Remediation,
    Resource,
    Severity,
    Status,
    Unresolved,
)
from scanner.policy.check import SKIP, EvalContext, Outcome, evaluate
from scanner.policy.pack import Policy
from scanner.regex import lazy_compile

_TOP_FACTS: dict[str | None, str | None] = {}  # a finding's fact -> its top-level fact (a few hundred)
# The fields Engine._finding passes by position, in this order: a change to Finding's fields fails here, at import.
_FINDING_FIELDS = ("policy_id", "requirement_ids", "title", "severity", "status", "message", "resource_address",
                   "resource_type", "provider", "file", "line", "end_line", "fact", "observed", "expected",
                   "remediation", "source", "origin")
if tuple(f.name for f in dataclasses.fields(Finding))[:len(_FINDING_FIELDS)] != _FINDING_FIELDS:
    raise ImportError("Finding's fields changed: update Engine._finding, which passes them by position")
_ITEM = lazy_compile(r"\[([^\]]+)\]")
# What Engine._in_every_world answers when the policy applies with none of the values a resource's inputs allow.
_APPLIES_TO_NONE = Outcome(SKIP)


class Engine:
    def __init__(self, policies: Sequence[Policy], settings: Mapping[str, Any] | None = None) -> None:
        self.policies = list(policies)
        self.settings = dict(settings or {})  # scan-wide options functions may read (``environment``)
        self._by_kind: dict[str, list[Policy]] = defaultdict(list)
        self._for_kinds: dict[frozenset[str], list[Policy]] = {}  # see policies_for
        self._memo: dict[Any, Any] = {}  # EvalContext.memo: what resources' shared facts yield, for one run
        for policy in self.policies:
            for kind in policy.kinds:
                self._by_kind[kind].append(policy)
        # A policy's default parameters and their display, made once per policy rather than once per
        # resource and again per finding (keyed by id, the policy kept alongside so the id stays its own).
        self._defaults: dict[int, tuple[Policy, dict[str, Any], dict[str, Any]]] = {}
        self._described: tuple[Origin | None, str] = (None, "")  # the last origin described (see _origin)
        self._labelled: tuple[Resource | None, str] = (None, "")  # the last resource's label (see _label)
        # Findings repeat the same words and fixes many times over (70k findings of a 10k-resource scan have 2k
        # distinct messages and 3k distinct fixes): each distinct one is kept once and shared (see _shared).
        self._seen: dict[Any, Any] = {}
        # Many policies share one ``where`` (ten database policies: "not an Aurora member, not a replica"): a
        # gate made of plain comparisons is judged once per resource and its verdict reused (see _gate).
        self._gate_keys: dict[int, tuple[Policy, str | None]] = {}
        self._gates_of: Resource | None = None
        self._gates: dict[str, Outcome] = {}

    def _params(self, policy: Policy) -> tuple[dict[str, Any], dict[str, Any]]:
        """(parameter defaults, the same as reports show them) of ``policy``; shared, never to be changed."""
        found = self._defaults.get(id(policy))
        if found is None or found[0] is not policy:
            params = {name: p.default for name, p in policy.parameters.items()}
            found = (policy, params, {k: display(v) for k, v in params.items()})
            self._defaults[id(policy)] = found
        return found[1], found[2]

    def policies_for(self, resource: Resource) -> list[Policy]:
        if not resource.kinds:
            return []
        if len(resource.kinds) == 1:
            return self._by_kind.get(next(iter(resource.kinds)), [])
        # The same few sets of kinds (one per mapped type) for every resource: their policies gathered once each.
        found = self._for_kinds.get(resource.kinds)
        if found is None:
            seen: dict[str, Policy] = {}
            for kind in sorted(resource.kinds):
                for policy in self._by_kind.get(kind, ()):
                    seen.setdefault(policy.id, policy)
            found = self._for_kinds[resource.kinds] = list(seen.values())
        return list(found)

    def _origin(self, resource: Resource) -> str:
        """``resource.origin.describe()``, made once for the findings of one resource (they come in a row) and
        shared by them, rather than one new string per finding."""
        if self._described[0] is not resource.origin:
            self._described = (resource.origin, resource.origin.describe())
        return self._described[1]

    def _label(self, resource: Resource) -> str:
        """``remediation.label(resource)``, made once for the violations of one resource (they come in a row)."""
        if self._labelled[0] is not resource:
            self._labelled = (resource, _fixes().label(resource))
        return self._labelled[1]

    def _shared(self, value: Any) -> Any:
        """The one copy of ``value`` (a message, a fix: immutable, compared by value) that findings share."""
        return self._seen.setdefault(value, value)

    def _shared_fix(self, fix: Remediation) -> Remediation:
        """``_shared(fix)``, keyed by its fields: a tuple hashes and compares in C, the dataclass in Python."""
        shared: Remediation = self._seen.setdefault(("fix", fix.format, fix.snippet, fix.description), fix)
        return shared

    def run(self, resources: Sequence[Resource], judged: Callable[[str], bool] | None = None) -> list[Finding]:
        """Every policy's findings on every resource; ``judged``: only on the resources of the files it accepts
        (a policy's finding is always in its resource's file), the others still there to be referred to."""
        from scanner.policy.inherited import with_inherited_facts  # a replica's engine is its source's

        everything = with_inherited_facts(tuple(resources))
        findings: list[Finding] = []
        self._memo.clear()
        for resource in everything:
            if judged is not None and resource.origin.file is not None and not judged(resource.origin.file):
                continue
            for policy in self.policies_for(resource):
                findings.extend(self.evaluate_all(policy, resource, everything))
        self._memo.clear()  # what it holds keeps the resources' facts alive
        from scanner.policy.unseen_modules import unseen_module_findings  # Terraform modules the scan cannot see

        findings.extend(unseen_module_findings(everything, self.policies))
        return findings

    def evaluate(self, policy: Policy, resource: Resource, everything: tuple[Resource, ...] = ()) -> Finding | None:
        """The policy's finding on the resource (None when it does not apply)."""
        findings = self.evaluate_all(policy, resource, everything)
        return findings[0] if findings else None

    def evaluate_all(self, policy: Policy, resource: Resource, everything: tuple[Resource, ...] = ()) -> list[Finding]:
        """The finding, and an ``error`` finding when writing its fix failed: the fault boundary of a policy.

        An exception in the check, a check function, the message or the fix is this policy's on this resource
        alone: it becomes an ``error`` finding naming both, and every other policy and resource is still judged.
        """
        try:
            params, shown_params = self._params(policy)
            outcome = self._outcome(policy, resource, everything, params)
            if outcome is None:
                return []
            finding, remediation_fault = self._finding(policy, resource, outcome, shown_params)
        except FactFault as fault:  # the check read a fact whose mapping failed
            reraise_when_debugging()
            return [self._fault(policy, resource, str(fault), fault.fact, resource.fact_lines.get(fault.fact))]
        except Exception as exc:
            reraise_when_debugging()
            return [self._fault(policy, resource, f"checking failed ({describe(exc)})")]
        if remediation_fault is None:
            return [finding]
        # fact "remediation": the fault is told apart from the verdict it accompanies (its own fingerprint)
        return [finding, self._fault(policy, resource, f"writing the fix failed ({describe(remediation_fault)})",
                                     "remediation", finding.line)]

    def outcome(self, policy: Policy, resource: Resource, everything: tuple[Resource, ...] = ()) -> Outcome | None:
        """The raw verdict, with ``target`` (the value a failed check wants); None when the policy does not apply."""
        return self._outcome(policy, resource, everything, self._params(policy)[0])

    def _outcome(self, policy: Policy, resource: Resource, everything: tuple[Resource, ...],
                 params: dict[str, Any]) -> Outcome | None:
        outcome = self._judged(policy, resource, everything, params)
        if outcome is not None and outcome.status == Status.UNKNOWN:
            alternatives = resource.attributes.get(ALTERNATIVES)
            if isinstance(alternatives, Alternatives):
                decided = self._in_every_world(policy, resource, everything, params, alternatives)
                if decided is _APPLIES_TO_NONE:
                    return None
                return decided or outcome
        return outcome

    def _in_every_world(self, policy: Policy, resource: Resource, everything: tuple[Resource, ...],
                        params: dict[str, Any], alternatives: Alternatives) -> Outcome | None:
        """The verdict when every value the resource's undecided inputs allow gives the same one (each judged
        among the scan's other resources); ``_APPLIES_TO_NONE`` when the policy applies with none of them; None
        when they differ or any is undecided."""
        from scanner.policy.resource_index import index_for

        index = index_for(everything)
        outcomes: list[Outcome] = []
        verdict: Status | str | None = ""  # the one status every world gives (None: the policy does not apply)
        created_in_all = True
        for variant in self._variants(resource, alternatives):
            if variant is None:  # not created for these values: nothing to judge there
                created_in_all = False
                continue
            with index.standing_in(variant, resource):
                judged = self._judged(policy, variant, everything, params)
            status = None if judged is None else judged.status
            if status not in (None, Status.COMPLIES, Status.VIOLATES) or verdict not in ("", status):
                return None
            verdict = status
            if judged is not None:
                outcomes.append(judged)
        if verdict is None:
            return _APPLIES_TO_NONE  # e.g. a PostgreSQL policy on an engine every allowed value makes MySQL
        if not outcomes or (verdict == Status.VIOLATES and not created_in_all):
            return None
        first = outcomes[0]
        shown_values = list(dict.fromkeys(display(o.observed) for o in outcomes if o.observed is not None))
        observed = " or ".join(map(str, shown_values)) if len(shown_values) > 1 else first.observed
        said = first.message or (f"{first.fact} is {shown(display(observed))}" if first.fact else str(first.status))
        return dataclasses.replace(first, observed=observed,
                                   message=f"with every value its inputs allow ({alternatives.describe()}): {said}")

    def _variants(self, resource: Resource, alternatives: Alternatives) -> list[Resource | None]:
        """The resource as it would be for each combination of allowed values, with its facts (None where it
        is not created); made once per resource and run."""
        key = ("alternatives", id(resource))
        found = self._memo.get(key)
        if found is None or found[0] is not resource:
            from scanner.mappings import normalize

            variants = [None if attributes is None else normalize(Resource(
                resource.provider, resource.type, resource.address, resource.origin, attributes,
                format=resource.format, source=resource.source)) for _, attributes in alternatives.worlds]
            found = self._memo[key] = (resource, variants)
        return found[1]

    def _judged(self, policy: Policy, resource: Resource, everything: tuple[Resource, ...],
                params: dict[str, Any]) -> Outcome | None:
        ctx = EvalContext(resource, params, everything, self.settings, self._memo)
        gate = None
        if policy.where is not None:
            gate = self._gate(policy, resource, ctx)
            if gate.status in (Status.VIOLATES, SKIP):
                return None
        outcome = evaluate(policy.check, resource.facts, ctx)
        if gate is not None and gate.status == Status.UNKNOWN and outcome.status in (Status.COMPLIES,
                                                                                     Status.VIOLATES):
            # Whether the requirement applies at all is unknown (an engine left to a variable): its
            # verdict on the resource cannot be more certain than that.
            verb = "is " if gate.op in ("==", None) else ""
            condition = f"{gate.fact} {verb}{gate.expected}"
            return Outcome(Status.UNKNOWN, gate.fact, gate.observed, gate.expected,
                           f"the requirement applies only when {condition}: {gate.message or 'not known'}",
                           line=gate.line)
        created = resource.attributes.get(EXISTS_WHEN)
        if outcome.status == Status.VIOLATES and isinstance(created, Unresolved):
            # The resource may not be created at all: what it would violate is not certain.
            return Outcome(Status.UNKNOWN, outcome.fact, outcome.observed, outcome.expected,
                           f"created only when {created.expression} holds ({created.reason}); if created: "
                           f"{outcome.message}", line=outcome.line)
        return None if outcome.status == SKIP else outcome

    def _gate(self, policy: Policy, resource: Resource, ctx: EvalContext) -> Outcome:
        """``evaluate(policy.where, ...)``; once per resource for a gate another policy shares with it."""
        assert policy.where is not None
        found = self._gate_keys.get(id(policy))
        if found is None or found[0] is not policy:
            found = (policy, _shareable(policy.where))
            self._gate_keys[id(policy)] = found
        key = found[1]
        if key is None:
            return evaluate(policy.where, resource.facts, ctx)
        if self._gates_of is not resource:
            self._gates_of, self._gates = resource, {}
        gate = self._gates.get(key)
        if gate is None:
            gate = self._gates[key] = evaluate(policy.where, resource.facts, ctx)
        return gate

    @staticmethod
    def _fault(policy: Policy, resource: Resource, what: str, fact: str | None = None,
               line: int | None = None) -> Finding:
        """An ``error`` finding for a fault of the tool on this policy and resource (never a verdict)."""
        return Finding(
            policy_id=policy.id, requirement_ids=policy.requirements, title=policy.title,
            severity=policy.severity, status=Status.ERROR,
            message=f"policy {policy.id} on {resource.address}: {redact(what)}",
            resource_address=resource.address, resource_type=resource.type, provider=resource.provider,
            file=resource.origin.file, line=line or resource.origin.line, end_line=resource.origin.end_line,
            fact=fact, source=resource.source, origin=resource.origin.describe(),
        )

    def _finding(self, policy: Policy, resource: Resource, outcome: Outcome,
                 shown_params: dict[str, Any]) -> tuple[Finding, Exception | None]:
        """The finding, and the exception writing its fix raised (the verdict stands without a fix);
        ``shown_params``: the policy's parameters as reports show them."""
        fault: Exception | None = None
        status = outcome.status if isinstance(outcome.status, Status) else Status.UNKNOWN
        top_fact = _TOP_FACTS.get(outcome.fact)
        if top_fact is None and outcome.fact not in _TOP_FACTS:
            if len(_TOP_FACTS) >= 4096:  # facts naming list items (rules[ssh].port) are many: bounded
                _TOP_FACTS.clear()
            top_fact = _TOP_FACTS[outcome.fact] = (outcome.fact or "").split("[", 1)[0].split(".", 1)[0] or None
        # Secrets are masked where findings are made, in the values a finding shows (observed, expected, the
        # message's and the fix's quotes of them), never in its address, names or a message's own words.
        raw = display(outcome.observed)
        observed, expected = mask_value(raw), mask_value(outcome.expected)
        remediation = None
        if status == Status.VIOLATES:
            # Only a violation's message and remediation are templates: the values they may name are
            # gathered for violations alone.
            named = {  # the resource and the failed check as a fix names them
                "address": resource.address, "type": resource.type, "fact": outcome.fact or "",
                "observed": observed if outcome.observed is not None else "not set",
                "expected": expected,
                "name": self._label(resource),
                "namespace": resource.facts.get("namespace", ""), "type_lower": resource.type.lower(),
                "item": item.group(1) if (item := _ITEM.search(outcome.fact or "")) else "",
            }
            values = {**named, **shown_params}
            template = policy.message or ""
            message = fill(template, values) if template else (
                fill(outcome.message, values)  # a leaf's own message may name {observed}, parameters...
                or f"{outcome.fact} is {shown(observed)}, required {shown(expected)}")
            try:
                remediation = self._remediation(policy, resource, outcome, values, named, shown_params)
            except Exception as exc:
                reraise_when_debugging()
                fault = exc
        elif status == Status.COMPLIES:
            message = outcome.message or (f"{outcome.fact} is {shown(observed)}" if outcome.fact else "complies")
        else:
            message = outcome.message or "could not be decided"
            if status == Status.UNKNOWN and outcome.observed is None and top_fact:
                from scanner.mappings import fact_spec

                spec = fact_spec(resource, top_fact)
                if spec is not None and spec.missing:
                    message = f"{top_fact} is not declared: {spec.missing}"
        if outcome.message and not (status == Status.VIOLATES and policy.message):
            # a check's own words; when no value was masked there is nothing of theirs to mask in them
            quoted = ((raw, outcome.expected), (observed, expected)) if (
                observed is not raw or expected is not outcome.expected) else (None, None)
            message = mask_quoted(message, *quoted)
        # by position, in the order _FINDING_FIELDS checks (keywords cost a microsecond more per finding)
        return Finding(
            policy.id, policy.requirements, policy.title, policy.severity, status, self._shared(message),
            resource.address, resource.type, resource.provider, resource.origin.file,
            outcome.line or resource.line_of(top_fact), resource.origin.end_line, outcome.fact, observed, expected,
            self._shared_fix(remediation) if remediation is not None else None, resource.source, self._origin(resource),
        ), fault

    @staticmethod
    def _remediation(policy: Policy, resource: Resource, outcome: Outcome, values: dict[str, Any],
                     named: dict[str, Any], shown_params: dict[str, Any]) -> Remediation | None:
        """The fix of a violation, from the mapping tables (``scanner.mappings.remediation``): the check
        function's fact and wanted value, else the facts the policy's ``remediation`` names, else the fact's
        native path; the policy's description when no table can say it."""
        fixes_module = _fixes()
        render, table_fix = fixes_module.render, fixes_module.table_fix
        if outcome.parts:  # a compound requirement failed in several parts: one fix that covers them all
            from dataclasses import replace

            from scanner.mappings.remediation import combine

            fixes = [Engine._remediation(policy, resource, replace(part, parts=()), values, named, shown_params)
                     for part in outcome.parts]
            return combine([fix for fix in fixes if fix is not None])
        spec = policy.remediation
        description = fill(spec.get("description", ""), values)
        # In a snippet a secret becomes a bare word every format accepts (SNIPPET_MASK), so the fix stays valid.
        raw = display(outcome.observed)
        observed, expected = mask_value(raw, snippet=True), mask_value(outcome.expected, snippet=True)
        in_snippet = {**named, "observed": observed if outcome.observed is not None else "not set",
                      "expected": expected, "value": mask_value(display(outcome.target), snippet=True)}
        wanted = {fact: shown_params.get(value["param"]) if isinstance(value, dict) and "param" in value
                  else display(value) for fact, value in (spec.get("values") or {}).items()}
        top = (outcome.fact or "").split("[", 1)[0].split(".", 1)[0]
        if outcome.wanted is not None:  # a check function named its fact's wanted value
            text = table_fix(resource, (top,), in_snippet, wanted, outcome.wanted)
            if text is not None:
                # when nothing was masked, nothing quoted is replaced (mask_quoted's fast path)
                changed = observed is not raw or expected is not outcome.expected
                return Remediation(resource.format, mask_quoted(text, (raw, outcome.expected) if changed else None,
                                                                (observed, expected) if changed else None,
                                                                snippet=True), description)
        # The failing fact's fix when the policy names it, else the fix of the requirement as a whole.
        facts = [top] if top in (spec.get("facts") or ()) else []
        if spec.get("requirement_fact"):
            facts.append(spec["requirement_fact"])
        text = table_fix(resource, facts, in_snippet, wanted) if facts else None
        if text is not None:
            return Remediation(resource.format, text, description)
        if outcome.target is not None and outcome.fact and "[" not in outcome.fact:
            rendered = render(resource, outcome.fact, mask_value(outcome.target, snippet=True))
            if rendered is not None:
                return Remediation(rendered.format, rendered.snippet, description or rendered.description)
        return Remediation("text", description) if description else None


_FIXES: Any = None


def _fixes() -> Any:
    """``scanner.mappings.remediation``, imported at the first violation and then kept (an import statement in
    a function costs a lookup through the import machinery at every call: once per violation)."""
    global _FIXES
    if _FIXES is None:
        from scanner.mappings import remediation

        _FIXES = remediation
    return _FIXES


def _shareable(where: Mapping[str, Any]) -> str | None:
    """The text of a ``where`` whose verdict depends on the resource alone (comparisons of facts with values
    written in it: no parameter, no function, no placeholder), so that equal gates share one verdict; None
    for any other."""
    def plain(node: Any) -> bool:
        if isinstance(node, dict):
            return "param" not in node and "function" not in node and all(plain(v) for v in node.values())
        if isinstance(node, list):
            return all(plain(v) for v in node)
        return not (isinstance(node, str) and "{" in node)

    return repr(where) if plain(where) else None  # repr: True, 1 and "1" stay apart


def parse_error_findings(errors: Iterable[ParseError]) -> list[Finding]:
    return [
        Finding(policy_id=PARSE_ERROR_POLICY, requirement_ids=(),
                title="Resource could not be read" if error.address else "File could not be parsed",
                severity=Severity.HIGH, status=Status.ERROR, message=redact(error.message),
                resource_address=error.address or error.file, resource_type=f"file:{error.format}",
                file=error.file, line=error.line, origin=error.file)
        for error in errors
    ]

