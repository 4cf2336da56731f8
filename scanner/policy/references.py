"""Follow references between declared resources, in every IaC spelling.

``!Ref X`` / ``!GetAtt X.Arn`` / ``${X}`` (CloudFormation), ``aws_subnet.a.id`` /
``aws_subnet.public[*].id`` (Terraform), ``resourceId('T', 'vnet', 'db')`` (ARM): each becomes a
``Ref`` naming its target, which ``ResourceIndex.resolve`` turns into the Resource it names,
or ``None`` when the scanned files do not declare it (the caller then says so: a check that
depends on an undeclared resource is unknown, not guessed).

Live resources (``source == "live"``) name each other by physical identifier instead: a subnet's
``vpc`` is ``vpc-0a1b...``, a listener's ``load_balancer`` an ARN. Their facts' strings are the
references, and a live resource answers to every identifier it has (id, ARN, name), so the same
checks follow the same facts on live state.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import Any

from scanner.model import Origin, Resource, Unresolved, block_address, module_prefix

# Terraform: a resource type has an underscore (var., local., each., count., module. do not).
_TF_REF = re.compile(
    r"(?<![\w.\"'])((?:data\.)?[a-z][a-z0-9]*_[a-z0-9_]*\.[A-Za-z_][\w-]*)(\[[^\]]*\])?(?:\.([A-Za-z_]\w*))?")
# A module's resource by its full address (a module output's value as its caller sees it).
_TF_MODULE_REF = re.compile(r"(?<![\w.\"'])((?:module\.[\w-]+(?:\[[^\]]*\])?\.)+(?:data\.)?[a-z][a-z0-9]*_[a-z0-9_]*"
                            r"\.[A-Za-z_][\w-]*)(\[[^\]]*\])?(?:\.([A-Za-z_]\w*))?")
_CFN_REF = re.compile(r"!Ref ([A-Za-z0-9_:]+)")
_CFN_GETATT = re.compile(r"!GetAtt ([A-Za-z0-9_]+)\.?([A-Za-z0-9_.]*)")
_CFN_SUB_VAR = re.compile(r"\$\{(?!!)([A-Za-z0-9_:]+)(?:\.([A-Za-z0-9_.]+))?\}")
_ARM_RESOURCE_ID = re.compile(r"resourceId\(((?:\s*'[^']*'\s*,?)+)\)", re.I)
_ARM_STRING = re.compile(r"'([^']*)'")
_ARM_RESOURCE_PATH = re.compile(r"^[A-Za-z]+\.[A-Za-z]+/[\w./-]+$")  # an extension's "scope": "Microsoft.X/y/name"


@dataclass(slots=True, unsafe_hash=True)  # made per reference followed: not frozen (see check.Outcome)
class Ref:
    """One reference as written: its target key, the attribute read, an index (``0``, ``*``)."""

    target: str
    attribute: str = ""
    index: str | None = None
    expression: str = ""
    live: bool = False  # a physical identifier in live state, not a reference written in a file

    def __str__(self) -> str:
        return self.expression or self.target


def _arm_key(args: str) -> str | None:
    parts = _ARM_STRING.findall(args)
    if len(parts) < 2:
        return None
    # resourceId([subscriptionId,] [resourceGroup,] type, name1, name2...): the type is the first with a '/'
    for i, part in enumerate(parts):
        if "/" in part and "." in part.split("/", 1)[0]:
            return f"{part}/{'/'.join(parts[i + 1:])}"
    return None


def refs_in(value: Any) -> list[Ref]:
    """Every reference inside ``value`` (a native attribute value, nested or not)."""
    found: list[Ref] = []
    _collect(value, found)
    return found


def is_live(resource: Resource) -> bool:
    return resource.source == "live"


def live_refs(value: Any) -> list[Ref]:
    """The identifiers a live resource's fact names (a string, or strings in a list)."""
    if isinstance(value, str) and value:
        return [Ref(value, expression=value, live=True)]
    if isinstance(value, (list, tuple)):
        return [ref for item in value for ref in live_refs(item)]
    return []


def _collect(value: Any, found: list[Ref]) -> None:
    if isinstance(value, Unresolved):
        found.extend(_refs_in_expression(value.expression))
    elif isinstance(value, dict):
        if len(value) == 1:
            key, inner = next(iter(value.items()))
            if key == "Ref" and isinstance(inner, str):
                if not inner.startswith("AWS::"):
                    found.append(Ref(inner, expression=f"!Ref {inner}"))
                return
            if key == "Fn::GetAtt":
                parts = inner.split(".", 1) if isinstance(inner, str) else list(inner or [])
                if parts and isinstance(parts[0], str):
                    attr = str(parts[1]) if len(parts) > 1 else ""
                    found.append(Ref(parts[0], attr, expression=f"!GetAtt {parts[0]}.{attr}"))
                return
            if key == "Fn::Sub":
                text = inner[0] if isinstance(inner, list) and inner else inner
                if isinstance(text, str):
                    found.extend(_sub_refs(text))
                if isinstance(inner, list) and len(inner) > 1:
                    _collect(inner[1], found)
                return
        for item in value.values():
            _collect(item, found)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _collect(item, found)
    elif isinstance(value, str) and value.startswith("resourceId("):
        found.extend(_refs_in_expression(value))
    elif isinstance(value, str) and _ARM_RESOURCE_PATH.match(value):
        found.append(Ref(value, expression=value))


def _sub_refs(text: str) -> list[Ref]:
    return [Ref(m.group(1), m.group(2) or "", expression=m.group(0)) for m in _CFN_SUB_VAR.finditer(text)
            if not m.group(1).startswith("AWS::")]


def _refs_in_expression(expression: str) -> list[Ref]:
    if expression.startswith("!Sub"):
        return _sub_refs(expression)
    if expression.startswith("!Join"):  # the loader writes its items out: !Ref X, !GetAtt X.Y, !Sub ...${X}
        refs = [Ref(m.group(1), expression=m.group(0)) for m in _CFN_REF.finditer(expression)
                if not m.group(1).startswith("AWS::")]
        refs += [Ref(m.group(1), m.group(2), expression=m.group(0)) for m in _CFN_GETATT.finditer(expression)]
        return refs + _sub_refs(expression)
    if "resourceId(" in expression or "resourceid(" in expression.lower():
        refs = []
        for match in _ARM_RESOURCE_ID.finditer(expression):
            key = _arm_key(match.group(1))
            if key:
                refs.append(Ref(key, expression=match.group(0)))
        return refs
    out = []
    if "module." in expression:
        for match in _TF_MODULE_REF.finditer(expression):
            index = match.group(2)[1:-1].strip() if match.group(2) else None
            out.append(Ref(match.group(1), match.group(3) or "", index, match.group(0)))
    for match in _TF_REF.finditer(expression):
        index = match.group(2)[1:-1].strip() if match.group(2) else None
        out.append(Ref(match.group(1), match.group(3) or "", index, match.group(0)))
    return out


# Which candidates a reverse lookup considers, and which of their values it follows (see ``pointing_to``).
# Pool: ("kind", k) | ("type", t, ...) (both with inline subnets) | ("declared_type", t, ...) | ("all",).
# Reader: ("facts", f, ...) | ("attributes", a, ...): any of the named values;
# ("facts_or", a, b) | ("attributes_or", a, b): the value of a, else of b (``get(a, get(b))``).
Pool = tuple[str, ...]
Reader = tuple[str, ...]


def _read(resource: Resource, reader: Reader) -> list[Any]:
    where, names = reader[0], reader[1:]
    values = resource.facts if where.startswith("facts") else resource.attributes
    if where.endswith("_or"):
        return [values.get(names[0], values.get(names[1]))]
    return [values.get(name) for name in names]


class ResourceIndex:
    """One scan's resources: by the names references use (within their scope), by type and kind, and
    reverse lookups (who references a resource) built once per (pool, reader) on first use.

    A CloudFormation logical ID and an ARM name are scoped to their template file, a
    Terraform address to its module directory; a reference from another scope is not resolved.
    A check runs once per resource, but many need the others (the instances of a cluster, the
    route table association of a subnet): each such question is one dict lookup here, so a scan
    stays linear in the number of resources.
    """

    def __init__(self, resources: Sequence[Resource]) -> None:
        self.resources = tuple(resources)
        self._by_key: dict[tuple[str, str], Resource] = {}
        self._by_type: dict[str, list[Resource]] = defaultdict(list)  # with inline subnets
        self._by_kind: dict[str, list[Resource]] = defaultdict(list)
        self.by_type: dict[str, list[Resource]] = defaultdict(list)  # declared resources only
        self.memo: dict[Any, Any] = {}  # per-scan results check functions compute once
        self._reverse: dict[tuple[Pool, Reader], dict[int, list[Resource]]] = {}
        self._mentioned: dict[tuple[Pool, Reader], tuple[dict[str, list[int]], dict[str, list[int]]]] = {}
        self._positions: dict[Pool, dict[int, int]] = {}
        self._pools: dict[Pool, list[Resource]] = {}
        for resource in self.resources:
            self.by_type[resource.type].append(resource)
            self._add(resource)
            for child in _inline_subnets(resource):
                self._add(child)
        # refers_to matches addresses inside expressions: no address is longer than this one.
        self._longest = max((len(r.address) for r in self.resources), default=0)

    def _add(self, resource: Resource) -> None:
        self._by_type[resource.type].append(resource)
        for kind in resource.kinds:
            self._by_kind[kind].append(resource)
        scope = scope_of(resource)
        for key in _keys(resource):
            self._by_key.setdefault((scope, key), resource)

    def of_type(self, *types: str) -> list[Resource]:
        return [r for t in types for r in self._by_type.get(t, ())]

    def of_kind(self, kind: str) -> list[Resource]:
        return list(self._by_kind.get(kind, ()))

    def resolve(self, ref: Ref, origin: Resource) -> Resource | None:
        if ref.live:
            return self._by_key.get((LIVE_SCOPE, ref.target.casefold()))
        scope = scope_of(origin)
        if origin.format == "terraform" and ref.target.startswith("module."):
            return self._by_full_address(ref)
        if origin.format == "terraform":
            # inside a module instance a reference names that instance's resources (module.s3.aws_s3_bucket.b),
            # and an index one instance of a count / for_each (aws_s3_bucket.b["logs"])
            prefix = module_prefix(origin.address, origin.type)
            keys = [f"{ref.target}[{ref.index}]"] if ref.index not in (None, "*") else []
            keys.append(ref.target)
            for key in keys:
                found = self._by_key.get((scope, prefix + key)) if prefix else None
                found = found or self._by_key.get((scope, key))
                if found is not None:
                    return found
        found = self._by_key.get((scope, ref.target)) or self._by_key.get((scope, ref.target.lower()))
        if found is None and origin.format == "arm":  # nested children are declared by their short name
            found = self._by_key.get((scope, _arm_short(ref.target)))
        return found

    def _by_full_address(self, ref: Ref) -> Resource | None:
        """A Terraform resource named by its full address, from any module; None when no resource or more than
        one (two root modules of the scan that both call the module) has it."""
        addresses = self.memo.get("terraform_addresses")
        if addresses is None:
            addresses = {}
            for resource in self.resources:
                if resource.format == "terraform" and not is_live(resource):
                    for key in _keys(resource):
                        addresses[key] = resource if key not in addresses else None
            self.memo["terraform_addresses"] = addresses
        keys = [f"{ref.target}[{ref.index}]"] if ref.index not in (None, "*") else []
        for key in (*keys, ref.target):
            if addresses.get(key) is not None:
                return addresses[key]
        return None

    def targets(self, value: Any, origin: Resource, named: Sequence[str] = ()) -> list[tuple[Ref, Resource | None]]:
        """Each reference in ``value`` with the resource it names (None when not declared). With ``named``
        (Terraform types), a plain string is also a reference: the resource of one of those types in the
        same module whose ``name`` it is (``db_subnet_group_name = local.name``, evaluated to a string)."""
        refs = live_refs(value) if is_live(origin) else refs_in(value)
        if not refs and named and isinstance(value, str) and origin.format == "terraform":
            found = self._named(scope_of(origin), value, named)
            if found is not None:
                return [(Ref(found.address, expression=value), found)]
        return [(ref, self.resolve(ref, origin)) for ref in refs]

    def _named(self, scope: str, name: str, types: Sequence[str]) -> Resource | None:
        names = self.memo.get("terraform_names")
        if names is None:
            names = {}
            for resource in self.resources:
                value = resource.attributes.get("name")
                if resource.format == "terraform" and isinstance(value, str):
                    names.setdefault((scope_of(resource), resource.type, value), resource)
            self.memo["terraform_names"] = names
        return next((names[key] for t in types if (key := (scope, t, name)) in names), None)

    def points_to(self, value: Any, origin: Resource, target: Resource) -> bool:
        return any(found is target for _, found in self.targets(value, origin))

    def referrers(self, target: Resource, candidates: Iterable[Resource], *facts: str) -> Iterator[Resource]:
        """Resources among ``candidates`` whose named facts reference ``target`` (a scan of the candidates;
        ``pointing_to`` answers the same for a whole kind with a lookup)."""
        for candidate in candidates:
            if scope_of(candidate) != scope_of(target):
                continue
            for fact in facts:
                if fact in candidate.facts and self.points_to(candidate.facts[fact], candidate, target):
                    yield candidate
                    break

    # --- reverse lookups ---------------------------------------------------------------------

    def pool(self, pool: Pool) -> Sequence[Resource]:
        """The candidates a reverse lookup considers, in scan order (the index's own list: do not change it)."""
        what, names = pool[0], pool[1:]
        if what == "kind":
            return self._by_kind.get(names[0], [])
        if what == "all":
            return self.resources
        found = self._pools.get(pool)
        if found is None:  # assembled once, not on every lookup
            if what == "type":
                found = self.of_type(*names)
            elif what == "declared_type":
                found = [r for t in names for r in self.by_type.get(t, ())]
            else:
                raise ValueError(f"unknown pool {pool!r}")
            self._pools[pool] = found
        return found

    def position(self, pool: Pool, resource: Resource) -> int:
        """Where ``resource`` first stands in ``pool`` (to merge lookups back into scan order)."""
        positions = self._positions.get(pool)
        if positions is None:
            positions = {}
            for i, candidate in enumerate(self.pool(pool)):
                positions.setdefault(id(candidate), i)
            self._positions[pool] = positions
        return positions.get(id(resource), len(positions))

    def in_file(self, pool: Pool, file: str | None) -> list[Resource]:
        """The candidates of ``pool`` declared in ``file``, in the pool's order."""
        key = ("in_file", pool)
        by_file = self.memo.get(key)
        if by_file is None:
            by_file = defaultdict(list)
            for candidate in self.pool(pool):
                by_file[candidate.origin.file].append(candidate)
            self.memo[key] = by_file = dict(by_file)
        return list(by_file.get(file, ()))

    def pointing_to(self, target: Resource, pool: Pool, reader: Reader) -> list[Resource]:
        """The candidates of ``pool`` (in its order) one of whose ``reader`` values references ``target``:
        ``[c for c in pool if any(points_to(v, c, target) for v in read(c, reader))]``, by one lookup."""
        key = (pool, reader)
        reverse = self._reverse.get(key)
        if reverse is None:
            reverse = defaultdict(list)
            for candidate in self.pool(pool):
                seen: set[int] = set()
                for value in _read(candidate, reader):
                    if value is None:  # most candidates set few of the values read (no reference in None)
                        continue
                    for _, found in self.targets(value, candidate):
                        if found is not None and id(found) not in seen:
                            seen.add(id(found))
                            reverse[id(found)].append(candidate)
            self._reverse[key] = reverse = dict(reverse)
        return list(reverse.get(id(target), ()))

    def referring_to(self, target: Resource, pool: Pool, reader: Reader) -> list[Resource]:
        """The candidates of ``pool`` (in its order) one of whose ``reader`` values ``refers_to`` ``target``
        (by address or name, whatever the scope), by lookups in the names each candidate mentions."""
        if len(target.address) > self._longest:  # not a resource of this scan: nothing was indexed for it
            candidates = self.pool(pool)
            return [c for c in candidates if any(refers_to(v, target) for v in _read(c, reader))]
        key = (pool, reader)
        if key not in self._mentioned:
            by_address: dict[str, list[int]] = defaultdict(list)
            by_name: dict[str, list[int]] = defaultdict(list)
            for i, candidate in enumerate(self.pool(pool)):
                addresses: set[str] = set()
                names: set[str] = set()
                for value in _read(candidate, reader):
                    found_addresses, found_names = mentioned(value, self._longest)
                    addresses |= found_addresses
                    names |= found_names
                # written inside a module instance, an address names that instance's resource
                prefix = module_prefix(candidate.address, candidate.type) if candidate.format == "terraform" else ""
                for address in addresses:
                    by_address[prefix + address].append(i)
                for name in names:
                    by_name[name].append(i)
            self._mentioned[key] = (dict(by_address), dict(by_name))
        by_address, by_name = self._mentioned[key]
        hits = set(by_address.get(target.address, ()))
        target_name = target.facts.get("name")
        if isinstance(target_name, str):
            hits.update(by_name.get(target_name, ()))
        candidates = self.pool(pool)
        return [candidates[i] for i in sorted(hits)]

    # --- Kubernetes workloads and autoscalers -------------------------------------------------

    @cached_property
    def _hpa(self) -> dict[tuple[str, str, str], Resource]:
        found: dict[tuple[str, str, str], Resource] = {}
        for resource in self.by_type.get("HorizontalPodAutoscaler", ()):
            if resource.format != "kubernetes":
                continue
            ref = resource.attributes.get("spec", {}).get("scaleTargetRef") or {}
            if isinstance(ref, Mapping):
                namespace = str(resource.facts.get("namespace") or "default")
                found[(namespace, str(ref.get("kind", "")), str(ref.get("name", "")))] = resource
        return found

    @cached_property
    def workloads(self) -> dict[tuple[str, str, str], Resource]:
        """Kubernetes workloads by (namespace, kind, name)."""
        found: dict[tuple[str, str, str], Resource] = {}
        for resource in self._by_kind.get("k8s_workload", ()):
            if resource.format == "kubernetes" and resource.type != "HorizontalPodAutoscaler":
                namespace = str(resource.facts.get("namespace") or "default")
                found[(namespace, resource.type, str(resource.facts.get("name", "")))] = resource
        return found

    def workloads_in(self, namespace: str) -> list[Resource]:
        """The Kubernetes workloads of ``namespace``, in the order of ``workloads``."""
        groups = self.memo.get("workloads_in")
        if groups is None:
            groups = defaultdict(list)
            for (ns, _, _), workload in self.workloads.items():
                groups[ns].append(workload)
            self.memo["workloads_in"] = groups = dict(groups)
        return list(groups.get(namespace, ()))

    def in_namespace(self, type_: str, namespace: str) -> list[Resource]:
        """The declared resources of ``type_`` in a Kubernetes ``namespace`` (``default`` when unset), in scan order."""
        key = ("in_namespace", type_)
        groups = self.memo.get(key)
        if groups is None:
            groups = defaultdict(list)
            for resource in self.by_type.get(type_, ()):
                groups[str(resource.facts.get("namespace") or "default")].append(resource)
            self.memo[key] = groups = dict(groups)
        return list(groups.get(namespace, ()))

    def hpa_for(self, workload: Resource) -> Resource | None:
        namespace = str(workload.facts.get("namespace") or "default")
        return self._hpa.get((namespace, workload.type, str(workload.facts.get("name", ""))))

    def effective_replicas(self, workload: Resource) -> tuple[Any, str]:
        """Replicas a workload keeps at least: its HPA's minReplicas when one scales it, else spec.replicas."""
        if workload.type not in _SCALABLE:
            return None, ""
        hpa = self.hpa_for(workload)
        if hpa is not None:
            minimum = hpa.facts.get("min_replicas", 1)
            return minimum, f"HorizontalPodAutoscaler {hpa.facts.get('name')} keeps at least {minimum}"
        return workload.facts.get("replicas", 1), ""

    def autoscaler_for(self, group: Resource) -> tuple[Resource, Any] | None:
        """The autoscaler that sizes ``group`` (a managed instance group, an ECS service) and the minimum it
        keeps (None when it names none): ``(autoscaler, minimum)``, or None when nothing in the scan scales it.

        The autoscaler is a resource of its own that references the group (``target``, ``resource_id``),
        so the group's own count (``target_size``, ``desired_count``) is only where it starts.
        """
        found = _AUTOSCALED.get(group.type)
        if found is None:
            return None
        pool, reader, minimum, dimension = found
        for scaler in self.pointing_to(group, pool, reader):
            wanted = scaler.attributes.get(dimension[0]) if dimension else None
            if dimension and wanted is not None and wanted != dimension[1]:
                continue  # a scalable target of some other dimension of the service
            value: Any = scaler.attributes
            for step in minimum:
                if isinstance(value, list):
                    value = value[0] if value else None
                value = value.get(step) if isinstance(value, Mapping) else None
            return scaler, value
        return None

    # --- clusters, disks, capacity providers (matched by address or name, as ``refers_to``) ------

    def members_of(self, cluster: Resource) -> list[Resource]:
        """Instances of an RDS/Aurora cluster that are in the scan."""
        if cluster.type not in _CLUSTER_TYPES:
            return []
        return self.referring_to(cluster, _MEMBER_POOL, ("attributes_or", "cluster_identifier",
                                                          "DBClusterIdentifier"))

    def attached_disks(self, machine: Resource) -> list[Resource]:
        """Block volumes of the scan attached to ``machine`` by reference: by an attachment resource
        (Azure data disk attachments, GCE attached disks, EBS volume attachments) or inline (GCE
        ``attached_disk``). Disks declared inside the machine itself are its own ``disk_size``."""
        key = ("attached_disks", machine.address, machine.origin.file)
        if key in self.memo:
            return list(self.memo[key])
        references: list[Any] = []
        for attachment_type, (to_machine, to_disk) in _ATTACHMENTS.items():
            references += [a.attributes.get(to_disk)
                           for a in self.referring_to(machine, ("declared_type", attachment_type),
                                                      ("attributes", to_machine))
                           if a.format == machine.format]
        inline = _INLINE_ATTACHMENTS.get(machine.type)
        if inline is not None:
            items = machine.attributes.get(inline[0])
            references += [i.get(inline[1]) for i in (items if isinstance(items, list) else [items])
                           if isinstance(i, Mapping)]
        found = self._volumes_named(references, machine.format)
        self.memo[key] = found
        return list(found)

    def _volumes_named(self, references: list[Any], fmt: str) -> list[Resource]:
        """The block volumes of format ``fmt`` that one of ``references`` refers to, in scan order."""
        volumes = self.memo.get("block_volumes")
        if volumes is None:
            by_address: dict[str, list[int]] = defaultdict(list)
            by_name: dict[str, list[int]] = defaultdict(list)
            for i, resource in enumerate(self.resources):
                if "block_volume" in resource.kinds:
                    by_address[resource.address].append(i)
                    name = resource.facts.get("name")
                    if isinstance(name, str):
                        by_name[name].append(i)
            volumes = self.memo["block_volumes"] = (by_address, by_name)
        by_address, by_name = volumes
        hits: set[int] = set()
        for reference in references:
            addresses, names = mentioned(reference, self._longest)
            for address in addresses:
                hits.update(by_address.get(address, ()))
            for name in names:
                hits.update(by_name.get(name, ()))
        return [self.resources[i] for i in sorted(hits) if self.resources[i].format == fmt]

    def strategy_elsewhere(self, cluster: Resource) -> bool:
        """Whether a separate capacity-provider resource sets this ECS cluster's default strategy."""
        return bool(self.referring_to(cluster, _STRATEGY_POOL, ("attributes_or", "cluster_name", "Cluster")))


LIVE_SCOPE = "<live>"  # one account's live state: identifiers are unique across it


def scope_of(resource: Resource) -> str:
    if is_live(resource):
        return LIVE_SCOPE
    file = resource.origin.file or ""
    if resource.format == "terraform":
        return _parent(file)
    return file


@cache
def _parent(file: str) -> str:
    """``str(Path(file).parent)``, once per file: every reference lookup asks it of its resource."""
    return str(Path(file).parent)


def _keys(resource: Resource) -> list[str]:
    if is_live(resource):
        from scanner.mappings.identity import identifiers  # the names each live type answers to

        return sorted(identifiers(resource))
    if resource.format == "arm":
        name = resource.address[len(resource.type) + 1:] if resource.address.startswith(resource.type) else ""
        keys = [resource.address, resource.address.lower()]
        if name:
            keys.append(_arm_short(resource.address))
        return keys
    if resource.format == "terraform" and resource.address.endswith("]"):
        # An instance (aws_s3_bucket.b["logs"]) also answers to its block's address, so a reference
        # whose index is not known (or not written) still finds the resource, by its first instance.
        return [resource.address, block_address(resource.address)]
    return [resource.address]


def _arm_short(key: str) -> str:
    """``Microsoft.X/y/z/parent/child`` -> type plus the last name only (how nested children are keyed)."""
    lowered = key.lower()
    provider, _, rest = lowered.partition("/")
    parts = rest.split("/")
    types = (len(parts) + 1) // 2  # type segments and name segments alternate after the provider
    type_part = "/".join(parts[:types])
    names = parts[types:]
    return f"{provider}/{type_part}/{names[-1] if names else ''}"


SUBNET_CHILD = "Microsoft.Network/virtualNetworks/subnets"


def _inline_subnets(resource: Resource) -> list[Resource]:
    """Subnets declared inside a virtual network, as resources of their own (ARM ``properties.subnets``,
    Terraform ``subnet {}`` blocks), so ``resourceId(...subnets...)`` and ``...subnet[0].id`` resolve."""
    from scanner.mappings import normalize

    if resource.type == "Microsoft.Network/virtualNetworks":
        properties = resource.attributes.get("properties")
        items = properties.get("subnets") if isinstance(properties, dict) else None
        items = items if isinstance(items, list) else []
        vnet = resource.address[len(resource.type) + 1:]
        out = []
        for item in items:
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                line = getattr(item, "line", None) or resource.origin.line
                out.append(normalize(Resource(
                    resource.provider, SUBNET_CHILD, f"{SUBNET_CHILD}/{vnet}/{item['name']}",
                    Origin(resource.origin.file, line, getattr(item, "end_line", None)), item, format="arm",
                    source=resource.source)))
        return out
    return []


_INDEX: list[tuple[tuple[Resource, ...], ResourceIndex]] = []


def index_for(resources: tuple[Resource, ...]) -> ResourceIndex:
    """The index of one scan's resources, built once per scan (the engine passes the same tuple; the
    tuple is kept so its identity stays unique)."""
    if _INDEX and _INDEX[0][0] is resources:
        return _INDEX[0][1]
    index = ResourceIndex(resources)
    _INDEX[:] = [(resources, index)]
    return index


def forget_index() -> None:
    """Drop the last scan's index (and the resources it keeps): once its findings are made, a scan frees them
    before writing its report."""
    _INDEX.clear()


index_of = index_for  # the name the sizing and Kubernetes checks use


# --- references by address or name (sizing checks: cluster members, attached disks) -------------

_SCALABLE = {"Deployment", "StatefulSet", "ReplicaSet", "ReplicationController", "Rollout", "DeploymentConfig"}
# group type -> (autoscaler pool, the attribute naming the group, path to its minimum, (dimension key, value)).
_GCE_AUTOSCALERS: Pool = ("declared_type", "google_compute_autoscaler", "google_compute_region_autoscaler")
_AUTOSCALED: dict[str, tuple[Pool, Reader, tuple[str, ...], tuple[str, str] | tuple[()]]] = {
    "google_compute_instance_group_manager": (_GCE_AUTOSCALERS, ("attributes", "target"),
                                              ("autoscaling_policy", "min_replicas"), ()),
    "google_compute_region_instance_group_manager": (_GCE_AUTOSCALERS, ("attributes", "target"),
                                                     ("autoscaling_policy", "min_replicas"), ()),
    "aws_ecs_service": (("declared_type", "aws_appautoscaling_target"), ("attributes", "resource_id"),
                        ("min_capacity",), ("scalable_dimension", "ecs:service:DesiredCount")),
    "AWS::ECS::Service": (("declared_type", "AWS::ApplicationAutoScaling::ScalableTarget"),
                          ("attributes", "ResourceId"), ("MinCapacity",),
                          ("ScalableDimension", "ecs:service:DesiredCount")),
}
_CLUSTER_TYPES = {"aws_rds_cluster", "AWS::RDS::DBCluster"}
_MEMBER_TYPES = {"aws_rds_cluster_instance", "AWS::RDS::DBInstance"}
_STRATEGY_TYPES = {"aws_ecs_cluster_capacity_providers", "AWS::ECS::ClusterCapacityProviderAssociations"}
_MEMBER_POOL: Pool = ("declared_type", *_MEMBER_TYPES)
_STRATEGY_POOL: Pool = ("declared_type", *_STRATEGY_TYPES)

# Disks a resource of its own attaches to a machine: attachment type -> (machine attribute, disk attribute).
_ATTACHMENTS = {
    "azurerm_virtual_machine_data_disk_attachment": ("virtual_machine_id", "managed_disk_id"),
    "google_compute_attached_disk": ("instance", "disk"),
    "aws_volume_attachment": ("instance_id", "volume_id"),
}
# Disks a machine attaches inline by reference: machine type -> (list attribute, reference key).
_INLINE_ATTACHMENTS = {"google_compute_instance": ("attached_disk", "source")}

_WORDISH = re.compile(r"[\w-]")
_WORDISH_OR_DOT = re.compile(r"[\w.-]")


def _mentions(expression: str, address: str) -> bool:
    """``address`` referenced in a Terraform expression, whole or indexed (``x.y[count.index].id``)."""
    return re.search(rf"(?<![\w.-]){re.escape(address)}(\[[^\]]*\])?(?=\.|$|[^\w-])", expression) is not None


def refers_to(value: Any, target: Resource) -> bool:
    """Whether an attribute value references ``target`` (Terraform expression, CFN Ref/GetAtt, or its name)."""
    if isinstance(value, Unresolved):
        return _mentions(value.expression.strip("${}"), target.address)
    if isinstance(value, Mapping):
        if "Ref" in value:
            return value["Ref"] == target.address
        getatt = value.get("Fn::GetAtt")
        if isinstance(getatt, list) and getatt:
            return getatt[0] == target.address
        return False
    name = target.facts.get("name")
    return isinstance(value, str) and isinstance(name, str) and value == name


def mentioned(value: Any, longest: int) -> tuple[set[str], set[str]]:
    """What ``refers_to(value, target)`` compares a target with, turned around: the addresses (of at most
    ``longest`` characters) and the names for which it is true.

    In an expression ``_mentions`` finds an address that starts where no word character, dot or hyphen
    precedes it and ends before the end or a character that is neither a word character nor a hyphen
    (the optional ``[index]`` starts with such a character), so the addresses are exactly the
    substrings between such a start and such an end.
    """
    if isinstance(value, Unresolved):
        expression = value.expression.strip("${}")
        size = len(expression)
        starts = [p for p in range(size + 1) if p == 0 or not _WORDISH_OR_DOT.match(expression, p - 1)]
        ends = [q for q in range(size + 1) if q == size or not _WORDISH.match(expression, q)]
        return {expression[p:q] for p in starts for q in ends if p <= q <= p + longest}, set()
    if isinstance(value, Mapping):
        if "Ref" in value:
            ref = value["Ref"]
            return ({ref} if isinstance(ref, str) else set()), set()
        getatt = value.get("Fn::GetAtt")
        if isinstance(getatt, list) and getatt:
            return ({getatt[0]} if isinstance(getatt[0], str) else set()), set()
        return set(), set()
    return set(), ({value} if isinstance(value, str) else set())


def undeclared(ref: Ref) -> str:
    if ref.live:
        return f"{ref.target} is not among the collected live resources"
    return f"{ref.target} is referenced ({ref}) but not declared in the scanned files"
