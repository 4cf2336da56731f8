"""Follow references between declared resources, whatever format wrote them.

Each reference (``refs_in``: every IaC spelling, read by ``scanner.loaders.addressing``) becomes a
``Ref`` naming its target, which ``ResourceIndex.resolve`` turns into the Resource it names,
or ``None`` when the scanned files do not declare it (the caller then says so: a check that
depends on an undeclared resource is unknown, not guessed). How a name is scoped and looked up is the
writing format's ``Addressing``; which native types relate to which (cluster members, attachments,
autoscalers) is ``scanner.mappings.relations``: this module names no format and no native type.

Live resources (``source == "live"``) name each other by physical identifier instead: a subnet's
``vpc`` is ``vpc-0a1b...``, a listener's ``load_balancer`` an ARN. Their facts' strings are the
references, and a live resource answers to every identifier it has (id, ARN, name), so the same
checks follow the same facts on live state.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from functools import cached_property
from typing import Any

from scanner.loaders.addressing import Ref, addressing_of, mentioned, refers_to, refs_in
from scanner.mappings.relations import (
    ASSOCIATED_USER,
    ATTACHMENTS,
    AUTOSCALED,
    CAPACITY_STRATEGIES,
    CLUSTER_MEMBERS,
    CLUSTER_TYPES,
    INLINE_ATTACHMENTS,
    USER_GROUP_ASSOCIATIONS,
    USER_GROUP_USERS,
    inline_children,
)
from scanner.model import Resource

__all__ = ["LIVE_SCOPE", "ResourceIndex", "forget_index", "index_for", "is_live", "live_refs", "scope_of", "undeclared"]


def is_live(resource: Resource) -> bool:
    return resource.source == "live"


def live_refs(value: Any) -> list[Ref]:
    """The identifiers a live resource's fact names (a string, or strings in a list)."""
    if isinstance(value, str) and value:
        return [Ref(value, expression=value, live=True)]
    if isinstance(value, (list, tuple)):
        return [ref for item in value for ref in live_refs(item)]
    return []


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
        self._stand_ins: dict[int, Resource] = {}  # a resource judged in place of a declared one -> that one
        for resource in self.resources:
            self.by_type[resource.type].append(resource)
            self._add(resource)
            for child in inline_children(resource):
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

    @contextmanager
    def standing_in(self, variant: Resource, declared: Resource) -> Iterator[None]:
        """While it lasts, who references ``variant`` (and where it stands) is answered as for ``declared``: the
        declared resource as it would be for one allowed value of its parameters (``model.Alternatives``) is
        judged among the scan's other resources."""
        self._stand_ins[id(variant)] = declared
        try:
            yield
        finally:
            del self._stand_ins[id(variant)]

    def _declared(self, resource: Resource) -> Resource:
        return self._stand_ins.get(id(resource), resource) if self._stand_ins else resource

    def of_type(self, *types: str) -> list[Resource]:
        return [r for t in types for r in self._by_type.get(t, ())]

    def of_kind(self, kind: str) -> list[Resource]:
        return list(self._by_kind.get(kind, ()))

    def resolve(self, ref: Ref, origin: Resource) -> Resource | None:
        if ref.live:
            return self._by_key.get((LIVE_SCOPE, ref.target.casefold()))
        addressing = addressing_of(origin)
        if addressing.by_full_address(ref):
            return self._by_full_address(ref)
        scope = scope_of(origin)
        by_key = self._by_key
        for key in addressing.lookup_keys(ref, origin):
            found = by_key.get((scope, key))
            if found is not None:
                return found
        return self._from_caller(ref, origin) if addressing.full_addresses else None

    def _from_caller(self, ref: Ref, origin: Resource) -> Resource | None:
        """A reference inside a module instance to a resource its own directory does not declare came in through
        an input variable: it names a resource of a calling module instance (the nearest that has it, by full
        address; None when none, or when two root modules of the scan both have it)."""
        prefix = addressing_of(origin).relative_prefix(origin)
        while prefix:
            prefix = _caller_prefix(prefix)
            found = self._by_full_address(replace(ref, target=prefix + ref.target))
            if found is not None:
                return found
        return None

    def _by_full_address(self, ref: Ref) -> Resource | None:
        """A resource named by its full address, from any scope (a Terraform module's); None when no resource or
        more than one (two root modules of the scan that both call the module) has it."""
        addresses = self.memo.get("full_addresses")
        if addresses is None:
            addresses = {}
            for resource in self.resources:
                if addressing_of(resource).full_addresses and not is_live(resource):
                    for key in _keys(resource):
                        addresses[key] = resource if key not in addresses else None
            self.memo["full_addresses"] = addresses
        keys = [f"{ref.target}[{ref.index}]"] if ref.index not in (None, "*") else []
        for key in (*keys, ref.target):
            if addresses.get(key) is not None:
                return addresses[key]
        return None

    def targets(self, value: Any, origin: Resource, named: Sequence[str] = ()) -> list[tuple[Ref, Resource | None]]:
        """Each reference in ``value`` with the resource it names (None when not declared). With ``named``
        (native types), a plain string is also a reference where the format names by value: the resource of
        one of those types in the same scope whose ``name`` it is (``db_subnet_group_name = local.name``,
        evaluated to a string)."""
        refs = live_refs(value) if is_live(origin) else refs_in(value)
        if not refs and named and isinstance(value, str) and addressing_of(origin).names_by_value:
            found = self._named(scope_of(origin), value, named)
            if found is not None:
                return [(Ref(found.address, expression=value), found)]
        return [(ref, self.resolve(ref, origin)) for ref in refs]

    def _named(self, scope: str, name: str, types: Sequence[str]) -> Resource | None:
        names = self.memo.get("names_by_value")
        if names is None:
            names = {}
            for resource in self.resources:
                value = resource.attributes.get("name")
                if isinstance(value, str) and addressing_of(resource).names_by_value:
                    names.setdefault((scope_of(resource), resource.type, value), resource)
            self.memo["names_by_value"] = names
        return next((names[key] for t in types if (key := (scope, t, name)) in names), None)

    def points_to(self, value: Any, origin: Resource, target: Resource) -> bool:
        target = self._declared(target)
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
        return positions.get(id(self._declared(resource)), len(positions))

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
        return list(reverse.get(id(self._declared(target)), ()))

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
                prefix = addressing_of(candidate).relative_prefix(candidate)
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
        for resource in self._by_kind.get("k8s_hpa", ()):
            ref = resource.facts.get("target") or {}
            if isinstance(ref, Mapping):
                namespace = str(resource.facts.get("namespace") or "default")
                found[(namespace, str(ref.get("kind", "")), str(ref.get("name", "")))] = resource
        return found

    @cached_property
    def workloads(self) -> dict[tuple[str, str, str], Resource]:
        """Kubernetes workloads by (namespace, kind, name)."""
        found: dict[tuple[str, str, str], Resource] = {}
        for resource in self._by_kind.get("k8s_workload", ()):
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
        if "k8s_scalable" not in workload.kinds:
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
        found = AUTOSCALED.get(group.type)
        if found is None:
            return None
        minimum, dimension = found.minimum, found.dimension
        for scaler in self.pointing_to(group, ("declared_type", *found.types), ("attributes", found.names_group)):
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
        if cluster.type not in CLUSTER_TYPES:
            return []
        return self.referring_to(cluster, ("declared_type", *CLUSTER_MEMBERS.types),
                                 ("attributes_or", *CLUSTER_MEMBERS.attribute))

    def users_of(self, group: Resource) -> list[tuple[Ref, Resource | None]]:
        """The users of an ElastiCache RBAC user group, each reference with the user it names (None when the
        files do not declare it): those the group lists, then those an association resource adds to it."""
        listed = USER_GROUP_USERS.get(group.type)
        if listed is None:
            return []
        found = self.targets(group.attributes.get(listed), group)
        for association in self.pointing_to(group, ("declared_type", *USER_GROUP_ASSOCIATIONS.types),
                                            ("attributes_or", *USER_GROUP_ASSOCIATIONS.attribute)):
            found += self.targets(association.attributes.get(ASSOCIATED_USER), association)
        return found

    def attached_disks(self, machine: Resource) -> list[Resource]:
        """Block volumes of the scan attached to ``machine`` by reference: by an attachment resource
        (Azure data disk attachments, GCE attached disks, EBS volume attachments) or inline (GCE
        ``attached_disk``). Disks declared inside the machine itself are its own ``disk_size``."""
        key = ("attached_disks", machine.address, machine.origin.file)
        if key in self.memo:
            return list(self.memo[key])
        references: list[Any] = []
        for attachment_type, (to_machine, to_disk) in ATTACHMENTS.items():
            references += [a.attributes.get(to_disk)
                           for a in self.referring_to(machine, ("declared_type", attachment_type),
                                                      ("attributes", to_machine))
                           if a.format == machine.format]
        inline = INLINE_ATTACHMENTS.get(machine.type)
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
        return bool(self.referring_to(cluster, ("declared_type", *CAPACITY_STRATEGIES.types),
                                      ("attributes_or", *CAPACITY_STRATEGIES.attribute)))


def _caller_prefix(prefix: str) -> str:
    """The module instance that calls the one ``prefix`` names (``module.a.module.b.`` -> ``module.a.``)."""
    depth = 0
    for i in range(len(prefix) - 2, -1, -1):  # the last "module." outside brackets (keys may hold dots)
        char = prefix[i]
        if char == "]":
            depth += 1
        elif char == "[":
            depth -= 1
        elif depth == 0 and prefix.startswith("module.", i) and (i == 0 or prefix[i - 1] == "."):
            return prefix[:i]
    return ""


LIVE_SCOPE = "<live>"  # one account's live state: identifiers are unique across it


def scope_of(resource: Resource) -> str:
    if is_live(resource):
        return LIVE_SCOPE
    return addressing_of(resource).scope(resource.origin.file or "")


def _keys(resource: Resource) -> list[str]:
    if is_live(resource):
        from scanner.mappings.identity import identifiers  # the names each live type answers to

        return sorted(identifiers(resource))
    return addressing_of(resource).keys(resource)


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




def undeclared(ref: Ref) -> str:
    if ref.live:
        return f"{ref.target} is not among the collected live resources"
    return f"{ref.target} is referenced ({ref}) but not declared in the scanned files"
