"""Terraform's built-in functions, the ones real modules use, for ``hcl_eval``.

Each takes evaluated arguments. A function that needs a whole argument calls ``known`` on it
(an unknown argument makes the call unknown, with that argument's reason); those that only move
values around (``merge``, ``concat``, ``lookup``, ``element``, ``flatten``...) keep unknown items
where they are, as Terraform does. ``try`` and ``can`` take their arguments unevaluated.
Functions that read files, the clock or randomness are not here: a call to them is unknown.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import math
import re
from collections.abc import Callable
from typing import Any

from scanner.loaders.hcl_eval import (
    EvalError,
    Node,
    Scope,
    Unknown,
    after_apply,
    equal,
    evaluate,
    first_unknown,
    known,
    normal,
    to_bool,
    to_number,
    to_string,
    type_name,
)
from scanner.regex import lazy_compile


def _unknown_arg(*args: Any) -> None:
    """Raise for the first argument that is itself unknown (its items may be unknown)."""
    for arg in args:
        if isinstance(arg, Unknown):
            known(arg)


def _list(value: Any, name: str) -> list[Any]:
    _unknown_arg(value)
    if isinstance(value, list):
        return value
    raise EvalError(f"{name}: a list is required, not {type_name(value)}")


def _map(value: Any, name: str) -> dict[str, Any]:
    _unknown_arg(value)
    if isinstance(value, dict):
        return value
    raise EvalError(f"{name}: a map is required, not {type_name(value)}")


def _str(value: Any) -> str:
    known(value)
    if value is None:
        raise EvalError("a string is required, not null")
    return to_string(value)


def _pathexpand(path: str) -> Any:
    """The path, unless it starts with ``~`` (the home directory of wherever terraform runs)."""
    return Unknown(f"pathexpand({path!r}): the home directory is known only where terraform runs") \
        if path.startswith("~") else path


def _int(value: Any) -> int:
    number = to_number(known(value))
    if isinstance(number, float):
        if not number.is_integer():
            raise EvalError(f"a whole number is required, not {number}")
        number = int(number)
    return int(number)


# --- special forms --------------------------------------------------------------------------------


def _try(args: list[Node], scope: Scope) -> Any:
    errors = []
    for arg in args:
        try:
            return evaluate(arg, scope)
        except EvalError as exc:
            errors.append(str(exc))
    raise EvalError(f"try(): no expression succeeded ({'; '.join(errors)[:200]})")


def _can(args: list[Node], scope: Scope) -> Any:
    if len(args) != 1:
        raise EvalError("can() takes one argument")
    try:
        value = evaluate(args[0], scope)
    except EvalError:
        return False
    found = first_unknown(value)
    return Unknown(found.reason) if found is not None else True


SPECIAL: dict[str, Callable[[list[Node], Scope], Any]] = {"try": _try, "can": _can}


# --- collections ----------------------------------------------------------------------------------


def _length(value: Any) -> Any:
    _unknown_arg(value)
    if isinstance(value, (list, dict, str)):
        return len(value)
    raise EvalError(f"length(): a collection or string is required, not {type_name(value)}")


def _merge(*maps: Any) -> Any:
    out: dict[str, Any] = {}
    for item in maps:
        if item is None:
            continue
        out.update(_map(item, "merge"))
    return out


def _concat(*lists: Any) -> Any:
    out: list[Any] = []
    for item in lists:
        out.extend(_list(item, "concat"))
    return out


def _lookup(mapping: Any, key: Any, *default: Any) -> Any:
    found = _map(mapping, "lookup")
    text = _str(key)
    if text in found:
        return found[text]
    if default:
        return default[0]
    raise EvalError(f"lookup(): the map has no key {text!r} and no default was given")


def _element(items: Any, position: Any) -> Any:
    if isinstance(items, Unknown) and items.ref is not None:
        # a data source's list, or the instances of a resource whose count is unknown: name the element; at a
        # position not known either, one of them (``[?]``, as a splat writes an unknown key)
        return after_apply(f"{items.ref}[{_int(position) if first_unknown(position) is None else '?'}]")
    found = _list(items, "element")
    if not found:
        raise EvalError("element(): the list is empty")
    return found[_int(position) % len(found)]


def _keys(mapping: Any) -> Any:
    return sorted(_map(mapping, "keys"))


def _values(mapping: Any) -> Any:
    found = _map(mapping, "values")
    return [found[key] for key in sorted(found)]


def _flatten(items: Any) -> Any:
    out: list[Any] = []
    for item in _list(items, "flatten"):
        if isinstance(item, list):
            out.extend(_flatten(item))
        else:
            out.append(item)
    return out


def _distinct(items: Any) -> Any:
    out: list[Any] = []
    for item in known(_list(items, "distinct")):
        if not any(equal(item, seen) for seen in out):
            out.append(item)
    return out


def _compact(items: Any) -> Any:
    if isinstance(items, Unknown) and items.leading:  # the known first items stay first, compacted
        kept = tuple(item for item in items.leading if item not in (None, ""))
        return Unknown(items.reason, leading=kept)
    return [item for item in known(_list(items, "compact")) if item not in (None, "")]


def _contains(items: Any, value: Any) -> Any:
    return any(equal(item, known(value)) for item in known(_list(items, "contains")))


def _coalesce(*values: Any) -> Any:
    for value in values:
        if isinstance(value, Unknown):
            if value.ref is not None:
                return value  # the first candidate is a resource's attribute: it names that resource
            known(value)
        if value is not None and value != "":
            return value
    raise EvalError("coalesce(): no non-null, non-empty argument")


def _coalescelist(*lists: Any) -> Any:
    for value in lists:
        if isinstance(value, Unknown) and value.ref is not None:
            return value  # a resource's instances (``aws_route_table.private[*].id``): it names that resource
        if value is not None and _list(value, "coalescelist"):
            return value
    raise EvalError("coalescelist(): no non-empty list")


def _zipmap(keys: Any, values: Any) -> Any:
    names = known(_list(keys, "zipmap"))
    items = _list(values, "zipmap")
    if len(names) != len(items):
        raise EvalError("zipmap(): the lists differ in length")
    return {to_string(k): v for k, v in zip(names, items, strict=True)}


def _one(items: Any) -> Any:
    if items is None:
        return None
    if isinstance(items, Unknown) and items.ref is not None:
        return items  # one(aws_s3_bucket.b[*].id) of a resource whose count is unknown: still a reference
    found = _list(items, "one")
    if len(found) > 1:
        raise EvalError(f"one(): the list has {len(found)} elements")
    return found[0] if found else None


def _toset(items: Any) -> Any:
    if items is None:
        return None
    found = _list(items, "toset")
    if first_unknown(found) is not None:
        return found
    out = _distinct(found)
    if all(isinstance(item, str) for item in out):
        return sorted(out)
    return out


def _tolist(items: Any) -> Any:
    if items is None:
        return None
    return _list(items, "tolist")


def _tomap(mapping: Any) -> Any:
    if mapping is None:
        return None
    return _map(mapping, "tomap")


def _slice(items: Any, start: Any, end: Any) -> Any:
    found = _list(items, "slice")
    first, last = _int(start), _int(end)
    if not 0 <= first <= last <= len(found):
        raise EvalError("slice(): indexes out of range")
    return found[first:last]


def _range(*args: Any) -> Any:
    numbers = [to_number(known(a)) for a in args]
    start, stop, step = (0, numbers[0], 1) if len(numbers) == 1 else (
        numbers[0], numbers[1], numbers[2] if len(numbers) > 2 else (1 if numbers[1] >= numbers[0] else -1))
    if step == 0:
        raise EvalError("range(): step must not be zero")
    out: list[Any] = []
    value = start
    while (value < stop if step > 0 else value > stop) and len(out) < 1024:
        out.append(normal(value))
        value += step
    return out


def _index_of(items: Any, value: Any) -> Any:
    for i, item in enumerate(known(_list(items, "index"))):
        if equal(item, known(value)):
            return i
    raise EvalError("index(): the value is not in the list")


def _sort(items: Any) -> Any:
    return sorted(_str(item) for item in known(_list(items, "sort")))


def _set_op(op: str) -> Callable[..., Any]:
    def apply(*sets: Any) -> Any:
        lists = [known(_list(s, op)) for s in sets]
        out = list(lists[0]) if lists else []
        for other in lists[1:]:
            if op == "setunion":
                out += [item for item in other if not any(equal(item, o) for o in out)]
            elif op == "setintersection":
                out = [item for item in out if any(equal(item, o) for o in other)]
            else:
                out = [item for item in out if not any(equal(item, o) for o in other)]
        return _toset(out)
    return apply


def _chunklist(items: Any, size: Any) -> Any:
    found = _list(items, "chunklist")
    step = _int(size)
    if step <= 0:
        return [found]
    return [found[i:i + step] for i in range(0, len(found), step)]


# --- strings -----------------------------------------------------------------------------------------

_VERB = lazy_compile(r"%([-+ #0]*)(\d*)(?:\.(\d+))?([a-zA-Z%])")


def _format(spec: Any, *args: Any) -> Any:
    pattern = _str(spec)
    values = list(args)
    position = 0

    def verb(match: re.Match[str]) -> str:
        nonlocal position
        flags, width, precision, letter = match.groups()
        if letter == "%":
            return "%"
        if position >= len(values):
            raise EvalError("format(): not enough arguments")
        value = known(values[position])
        position += 1
        if letter in "sv":
            text = to_string(value) if not isinstance(value, (list, dict)) and value is not None else \
                json.dumps(value)
            python = f"%{flags}{width}s"
            return python % text
        if letter == "q":
            return json.dumps(_str(value))
        if letter == "t":
            return "true" if to_bool(value) else "false"
        number = to_number(value)
        if letter == "d":
            return f"%{flags}{width}d" % int(number)
        if letter in "feEgG":
            return f"%{flags}{width}{'.' + precision if precision else ''}{letter}" % float(number)
        if letter in "xXob":
            return format(int(number), f"{flags.replace('-', '<')}{width}{letter}")
        raise EvalError(f"format(): unsupported verb %{letter}")

    return _VERB.sub(verb, pattern)


def _formatlist(spec: Any, *args: Any) -> Any:
    lists = [a for a in args if isinstance(a, list)]
    size = len(lists[0]) if lists else 1
    return [_format(spec, *[a[i] if isinstance(a, list) else a for a in args]) for i in range(size)]


def _join(separator: Any, *lists: Any) -> Any:
    if len(lists) == 1:  # join("", aws_s3_bucket.b[*].id): the id of the one instance, still a reference
        items = lists[0] if isinstance(lists[0], list) else [lists[0]]
        items = [item for item in items if item != ""]
        if len(items) == 1 and isinstance(items[0], Unknown) and items[0].ref is not None:
            return items[0]
    return _str(separator).join(_str(item) for items in lists for item in known(_list(items, "join")))


def _split(separator: Any, text: Any) -> Any:
    if isinstance(text, Unknown) and isinstance(separator, str) and separator and separator in text.prefix:
        # "a,b,${x}": the list starts with "a" and "b" whatever x is; the rest (how many more) is unknown
        return Unknown(text.reason, leading=tuple(text.prefix.split(separator)[:-1]))
    return _str(text).split(_str(separator)) if _str(separator) else list(_str(text))


def _replace(text: Any, search: Any, replacement: Any) -> Any:
    source, pattern, new = _str(text), _str(search), _str(replacement)
    if len(pattern) > 1 and pattern.startswith("/") and pattern.endswith("/"):
        python = re.sub(r"\$\{?(\d+)\}?", r"\\g<\1>", new)
        return re.sub(pattern[1:-1], python, source)
    return source.replace(pattern, new)


def _substr(text: Any, offset: Any, length: Any) -> Any:
    source = _str(text)
    start, size = _int(offset), _int(length)
    if start < 0:
        start = max(0, len(source) + start)
    return source[start:] if size < 0 else source[start:start + size]


def _regex(pattern: Any, text: Any) -> Any:
    match = re.search(_str(pattern), _str(text))
    if match is None:
        raise EvalError("regex(): no match")
    if match.re.groupindex:
        return match.groupdict()
    if match.re.groups:
        return list(match.groups())
    return match.group(0)


def _regexall(pattern: Any, text: Any) -> Any:
    compiled = re.compile(_str(pattern))
    out: list[Any] = []
    for match in compiled.finditer(_str(text)):
        out.append(match.groupdict() if compiled.groupindex else list(match.groups()) if compiled.groups
                   else match.group(0))
    return out


def _trim(text: Any, characters: Any) -> Any:
    return _str(text).strip(_str(characters))


def _trimprefix(text: Any, prefix: Any) -> Any:
    source, start = _str(text), _str(prefix)
    return source[len(start):] if start and source.startswith(start) else source


def _trimsuffix(text: Any, suffix: Any) -> Any:
    source, end = _str(text), _str(suffix)
    return source[:-len(end)] if end and source.endswith(end) else source


def _indent(spaces: Any, text: Any) -> Any:
    return _str(text).replace("\n", "\n" + " " * _int(spaces))


# --- numbers and types -------------------------------------------------------------------------------


def _numbers(args: tuple[Any, ...], name: str) -> list[Any]:
    if not args:
        raise EvalError(f"{name}(): at least one argument is required")
    return [to_number(known(a)) for a in args]


def _tostring(value: Any) -> Any:
    known(value)
    if value is None:
        return None
    if isinstance(value, (list, dict)):
        raise EvalError(f"tostring(): cannot convert a {type_name(value)} to a string")
    return to_string(value)


def _tonumber(value: Any) -> Any:
    known(value)
    return None if value is None else to_number(value)


def _tobool(value: Any) -> Any:
    known(value)
    return None if value is None else to_bool(value)


def _jsonencode(value: Any) -> Any:
    return json.dumps(known(value), separators=(",", ":"), sort_keys=True)


def _jsondecode(text: Any) -> Any:
    try:
        return json.loads(_str(text), parse_float=lambda s: normal(float(s)))
    except json.JSONDecodeError as exc:
        raise EvalError(f"jsondecode(): {exc}") from None


def _yamldecode(text: Any) -> Any:
    import yaml

    try:
        return yaml.safe_load(_str(text))
    except yaml.YAMLError as exc:
        raise EvalError(f"yamldecode(): {exc}") from None


def _yamlencode(value: Any) -> Any:
    import yaml

    return yaml.safe_dump(known(value), default_flow_style=False, sort_keys=False)


def _alltrue(items: Any) -> Any:
    return all(to_bool(item) for item in known(_list(items, "alltrue")))


def _anytrue(items: Any) -> Any:
    return any(to_bool(item) for item in known(_list(items, "anytrue")))


def _sum(items: Any) -> Any:
    found = known(_list(items, "sum"))
    if not found:
        raise EvalError("sum(): the list is empty")
    return normal(sum(to_number(item) for item in found))


def _parseint(text: Any, base: Any) -> Any:
    return int(_str(text), _int(base))


# --- network ----------------------------------------------------------------------------------------


def _cidrsubnet(prefix: Any, newbits: Any, netnum: Any) -> Any:
    network = ipaddress.ip_network(_str(prefix), strict=False)
    length = network.prefixlen + _int(newbits)
    if length > network.max_prefixlen:
        raise EvalError("cidrsubnet(): not enough bits")
    number = _int(netnum)
    if not 0 <= number < 2 ** _int(newbits):
        raise EvalError("cidrsubnet(): netnum out of range")
    address = network.network_address + (number << (network.max_prefixlen - length))
    return f"{address}/{length}"


def _cidrhost(prefix: Any, hostnum: Any) -> Any:
    network = ipaddress.ip_network(_str(prefix), strict=False)
    number = _int(hostnum)
    if number < 0:
        number += network.num_addresses
    if not 0 <= number < network.num_addresses:
        raise EvalError("cidrhost(): host number out of range")
    return str(network.network_address + number)


def _cidrnetmask(prefix: Any) -> Any:
    return str(ipaddress.ip_network(_str(prefix), strict=False).netmask)


def _cidrsubnets(prefix: Any, *newbits: Any) -> Any:
    network = ipaddress.ip_network(_str(prefix), strict=False)
    out = []
    current = int(network.network_address)
    for bits in newbits:
        length = network.prefixlen + _int(bits)
        size = 2 ** (network.max_prefixlen - length)
        current = (current + size - 1) // size * size
        out.append(f"{ipaddress.ip_address(current) if network.version == 4 else ipaddress.IPv6Address(current)}"
                   f"/{length}")
        current += size
    return out


def _hash(name: str) -> Callable[[Any], Any]:
    def digest(text: Any) -> str:
        import hashlib  # here: a configuration that hashes is rare, and hashlib's import loads OpenSSL

        return hashlib.new(name, _str(text).encode()).hexdigest()

    return digest


def _min(*args: Any) -> Any:
    return normal(min(_numbers(args, "min")))


def _max(*args: Any) -> Any:
    return normal(max(_numbers(args, "max")))


FUNCTIONS: dict[str, Callable[..., Any]] = {
    # collections
    "length": _length, "merge": _merge, "concat": _concat, "lookup": _lookup, "element": _element,
    "keys": _keys, "values": _values, "flatten": _flatten, "distinct": _distinct, "compact": _compact,
    "contains": _contains, "coalesce": _coalesce, "coalescelist": _coalescelist, "zipmap": _zipmap,
    "one": _one, "toset": _toset, "tolist": _tolist, "tomap": _tomap, "slice": _slice, "range": _range,
    "index": _index_of, "sort": _sort, "reverse": lambda items: list(reversed(_list(items, "reverse"))),
    "setunion": _set_op("setunion"), "setintersection": _set_op("setintersection"),
    "setsubtract": _set_op("setsubtract"), "chunklist": _chunklist,
    "alltrue": _alltrue, "anytrue": _anytrue, "sum": _sum,
    # strings
    "format": _format, "formatlist": _formatlist, "join": _join, "split": _split,
    "lower": lambda s: _str(s).lower(), "upper": lambda s: _str(s).upper(), "title": lambda s: _str(s).title(),
    "replace": _replace, "trimspace": lambda s: _str(s).strip(), "trim": _trim, "trimprefix": _trimprefix,
    "trimsuffix": _trimsuffix, "chomp": lambda s: _str(s).rstrip("\r\n"), "strrev": lambda s: _str(s)[::-1],
    "substr": _substr, "startswith": lambda s, p: _str(s).startswith(_str(p)),
    # files: what a path names is read where terraform runs; a null path fails as it does there (try() catches it)
    "pathexpand": lambda path: _pathexpand(_str(path)),
    "fileset": lambda path, pattern: Unknown(f"fileset({_str(path)!r}, {_str(pattern)!r}): the files are read where "
                                             "terraform runs"),
    "endswith": lambda s, p: _str(s).endswith(_str(p)), "strcontains": lambda s, p: _str(p) in _str(s),
    "regex": _regex, "regexall": _regexall, "indent": _indent,
    "base64encode": lambda s: base64.b64encode(_str(s).encode()).decode(),
    "base64decode": lambda s: base64.b64decode(_str(s)).decode("utf-8", errors="replace"),
    "md5": _hash("md5"), "sha1": _hash("sha1"), "sha256": _hash("sha256"), "sha512": _hash("sha512"),
    # numbers and types
    "min": _min, "max": _max, "abs": lambda n: normal(abs(to_number(known(n)))),
    "ceil": lambda n: math.ceil(to_number(known(n))), "floor": lambda n: math.floor(to_number(known(n))),
    "signum": lambda n: (to_number(known(n)) > 0) - (to_number(known(n)) < 0),
    "pow": lambda a, b: normal(to_number(known(a)) ** to_number(known(b))), "parseint": _parseint,
    "tostring": _tostring, "tonumber": _tonumber, "tobool": _tobool,
    "jsonencode": _jsonencode, "jsondecode": _jsondecode, "yamlencode": _yamlencode, "yamldecode": _yamldecode,
    "sensitive": lambda v: v, "nonsensitive": lambda v: v, "type": lambda v: type_name(known(v)),
    # network
    "cidrsubnet": _cidrsubnet, "cidrhost": _cidrhost, "cidrnetmask": _cidrnetmask, "cidrsubnets": _cidrsubnets,
}
