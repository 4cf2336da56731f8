"""Masking: the one place a secret is hidden, wherever specdrift shows something it read.

Applied where findings are made (``policy/engine.py``: observed and expected values, quotes in messages
and fixes), where snapshots are made (``collectors``: an API answer's credential fields) and where a
fault is described (``faults.describe``: an exception's message, which may quote a value). Three things
make a secret recognisable:

- its name: ``is_credential_name`` (``db_password``, ``apiKey``, ``CLIENT_SECRET`` -- not ``secretName``
  or ``password_length``) is the one classifier of credential names; the detector of literal secrets in
  files (``scanner.loaders.secrets``) and the masking of API answers (``mask_fields``) both use it;
- its shape: a URL's password, AWS access keys and a few token formats (masked anywhere);
- having been seen: the literal secrets the detector found in this process (``remember_secret``), masked
  wherever they recur (``redact``, ``mask_value``, ``mask_quoted``).

At the bottom of the layers: it imports nothing of specdrift, so loaders, collectors, the engine and
faults may all use it.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterable, Mapping
from typing import Any

from scanner.regex import lazy_compile

MASK = "****"  # an API answer's credential field in a snapshot
# Lists of {name, value} pairs in API answers (ECS container environment, CloudFront custom headers): the value
# is a credential when the name is one's (every custom header's value is masked: it is how origins authenticate).
# Tags are {Key, Value} pairs (AWS; ``key``/``value`` in some services): a tag named ``db_password`` is one too.
_PAIR_KEYS = (("name", "value"), ("Name", "Value"), ("HeaderName", "HeaderValue"), ("Key", "Value"),
              ("key", "value"))

_STRONG = {"password", "passwd", "pwd", "passphrase", "secret", "token", "apikey", "credential", "credentials",
           "requirepass", "masterauth", "privatekey", "secretkey", "accesskey", "authtoken", "sastoken",
           "connectionstring", "pat"}
_PAIRS = {("api", "key"), ("access", "key"), ("secret", "key"), ("private", "key"), ("auth", "token"),
          ("client", "secret"), ("connection", "string"), ("account", "key"), ("signing", "key"),
          ("encryption", "key"), ("master", "key"), ("shared", "key"), ("app", "secret"), ("bearer", "token"),
          ("sas", "token"), ("webhook", "secret")}
# A name ending like this names a secret, it does not hold one.
_NOT_VALUE = {"name", "names", "file", "path", "ref", "arn", "id", "version", "length", "policy", "ttl", "expiry",
              "expires", "expiration", "rotation", "enabled", "type", "count", "format", "prefix", "header", "env",
              "source", "field", "template", "endpoint", "location", "mode", "provider", "store", "manager",
              "required", "min", "max", "hash", "algorithm", "selector", "key_ref", "keyref", "secretref", "uri",
              "url", "arns", "ids", "kms", "reset", "age", "hint", "prompt", "regex", "pattern", "level", "size",
              "characters", "special", "upper", "lower", "numeric", "strength", "generator", "mount", "volume",
              # quantities about a secret (how long it lives, how often it rotates), not the secret
              "seconds", "minutes", "hours", "days", "period", "timeout", "interval", "duration", "lifetime",
              "validity", "prevention", "reuse", "attempts", "retries", "limit", "threshold", "permissions",
              "scopes", "roles",
              # words about it (a label, a title, a help text)
              "title", "label", "description", "summary", "message", "text", "help", "comment", "note",
              "namespace",
              # its state, not it (an API's ``AuthTokenStatus``, ``SecretStatus``)
              "status"}

# ``<one of these> key`` names the entry of a Secret that holds the credential (Helm charts' ``passwordKey``);
# ``secret key``, ``api key``, ``private key`` are credentials themselves.
_KEY_OF = {"password", "passwd", "pwd", "token", "credential", "credentials"}
_GLUED = ("password", "passwd", "secret", "apikey", "authtoken")
# Every name is_credential_name or holds_credentials accepts holds one of these words once lower-cased and its
# separators taken out (a strong word, a glued one, the two words of a pair joined): the detector's pre-filter.
CREDENTIAL_WORDS = frozenset({*_STRONG, *_GLUED, *(a + b for a, b in _PAIRS), "secret"})

URL_PASSWORD = lazy_compile(r"\b([a-zA-Z][a-zA-Z0-9+.\-]*://)([^:/?#\s@'\"]*):([^@/?#\s'\"]+)@")  # redis://:pw@h too
# A password as a key/value pair of a connection string: libpq's ``password=...``, a URL's ``?password=``,
# ``&pwd=``. Only these spellings: ``secret=``, ``token=`` and the like are too common as ordinary words.
KEYWORD_PASSWORD = lazy_compile(r"(?<![\w-])((?:password|passwd|pwd)=)([^\s&;'\"]+)", re.I)
# An image reference with credentials and no scheme: ``user:password@registry.example.com/app:1.0``. The host
# has a dot (or is localhost) and a path follows: ``nginx:1.25@sha256:...`` (a tag and a digest) is none.
IMAGE_PASSWORD = lazy_compile(r"(?<![\w.:/@\-])([A-Za-z0-9._\-]+):([^@/?#\s'\":]+)"
                              r"@((?:[A-Za-z0-9\-]+\.)+[A-Za-z0-9\-]+(?::\d+)?/|localhost(?::\d+)?/)")

TOKEN_PATTERNS = (
    (lazy_compile(r"\b((?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|AIPA)[A-Z0-9]{16})\b"), "AWS access key"),
    (lazy_compile(r"\b(gh[pousr]_[A-Za-z0-9]{36,})\b"), "GitHub token"),
    (lazy_compile(r"\b(xox[abprs]-[A-Za-z0-9-]{10,})\b"), "Slack token"),
    (lazy_compile(r"\b(AIza[0-9A-Za-z_\-]{35})\b"), "Google API key"),
    (lazy_compile(r"\b((?:sk|rk)_live_[0-9a-zA-Z]{20,})\b"), "Stripe key"),
)
# Pre-filters: a literal every match of the patterns above must contain, so one cheap search of a file or
# a report string tells whether the patterns need running at all (almost never: they are rare).
# (Grouped by first character, and ``_live_`` rather than ``[sr]k_live_``: the regex engine then scans for
# rare first characters: several times faster on a large file.)
TOKEN_HINT = lazy_compile(r"A(?:KIA|SIA|GPA|IDA|ROA|NPA|IPA|Iza)|gh[pousr]_|xox[abprs]-|_live_")

_REFERENCES = (
    (lazy_compile(r"\$\{|\$\(|^\$[A-Za-z_]\w*$|^\$\d$|^`[^`]+`$"), "environment variable or shell expansion"),
    (lazy_compile(r"\{\{.*\}\}|\{%"), "template"),
    # every intrinsic function's short form (a condition's !Not / !Equals / !And ... included)
    (lazy_compile(r"^!(Ref|Sub|GetAtt|ImportValue|FindInMap|Select|Join|If|Base64|Not|Equals|And|Or|Condition|Split"
                  r"|GetAZs|Cidr|Length|ToJsonString|Transform)\b"), "CloudFormation reference"),
    (lazy_compile(r"^\{\s*[\"']?(Ref|Fn::\w+)[\"']?\s*:"), "CloudFormation reference"),
    (lazy_compile(r"^\[\s*\w+\("), "ARM template expression"),
    (lazy_compile(r"^@Microsoft\.KeyVault\(", re.I), "Key Vault reference"),
    (lazy_compile(r"^https://[\w-]+\.vault\.azure\.net/", re.I), "Key Vault reference"),
    (lazy_compile(r"^arn:aws[\w-]*:(secretsmanager|ssm|kms):"), "AWS secret reference"),
    (lazy_compile(r"^(projects/[^/]+/secrets/|sm://|gcp-secret://)"), "Secret Manager reference"),
    (lazy_compile(r"^(vault:|ssm:|secretsmanager:|awssm:|op://|sops:|ref\+)", re.I), "secret store reference"),
    (lazy_compile(r"^(var|local|data|module|each|count|self|path|terraform)\.[\w\-]"), "Terraform reference"),
    (lazy_compile(r"^[a-z][a-z0-9_]*\.[\w\-]+\.[\w.\-\[\]\"]+$"), "Terraform resource attribute"),
    (lazy_compile(r"^[A-Za-z_][\w.]*\(.*\)$"), "expression"),
    (lazy_compile(r"^ENC\[(AES256_GCM|PKCS7)"), "SOPS-encrypted value"),
    (lazy_compile(r"^!vault\b"), "Ansible Vault ciphertext"),
    (lazy_compile(r"^PrivateSettingsRef:"), "ARM protected settings reference"),
    (lazy_compile(r"^\$[A-Za-z_][\w.]*(?::|\s|$)"), "variable reference"),  # PowerShell, a factory's $name:key
    (lazy_compile(r"^[A-Za-z_][\w.]*(?:\[['\"][^'\"]*['\"]\])+$"), "expression"),  # event['A']['Token']
    (lazy_compile(r"^\*[A-Za-z_][\w-]*$"), "YAML alias"),
    # Template markers a pipeline or a person replaces before anything deploys (``changeme`` is not one: see
    # WELL_KNOWN_PASSWORDS).
    (lazy_compile(r"^(<[^>]*>|(?:\*+|x{3,}|X{3,})(?:[-_.:](?:\*+|x+|X+))*|\.{3}|…|REDACTED|TODO|TBD|FIXME|REPLACE[_-]?ME|%s|%\(\w+\)s"
                  r"|__\w+__|#\{[^}]*\}#?|@\w+@|GEN-[A-Z0-9-]+|#{3,})$", re.I), "placeholder"),
)
# A documentation placeholder: one character repeated at least eight times, dashes or dots allowed between
# runs, after an optional short vendor prefix (``SCWXXXXXXXXXXXXXXXXX``, ``11111111-1111-1111-1111-111111111111``,
# ``0000000000000000``). No generator makes such a value; a person writes it to be replaced.
_REPEATED = lazy_compile(r"[A-Z]{0,4}(?P<c>[0-9A-Za-z*])(?P=c){7,}(?:[-_.:](?P=c)+)*")
# Well-known default passwords: a file holding one deploys it as it is, so it is a literal credential even
# where it looks like a placeholder (``changeme``, ``CHANGE_ME``) or an environment-variable name. Being
# ordinary words (``postgres`` is also the engine, its image and its default user), they are masked only
# where they are the whole value.
WELL_KNOWN_PASSWORDS = {"changeme", "change_me", "change-me", "changeit", "password", "passw0rd", "secret",
                        "admin", "letmein", "default", "postgres"}

_CAMEL = lazy_compile(r"([a-z0-9])([A-Z])")
_ACRONYM = lazy_compile(r"([A-Z]+)([A-Z][a-z])")
NAME_SEPARATORS = lazy_compile(r"[\s_.\-]+")

# Literal secrets seen in this process, only ever used to mask them in the values a finding shows; only ever
# added to (by remember_secret), which the masking's view of it relies on.
_KNOWN: set[str] = set()
# The masking's view of _KNOWN, rebuilt when it grows (see _known_view).
_known_sorted: list[str] = []
_known_inside: list[str] = []
_known_heads: frozenset[str] | None = None
_known_size = -1
# The shortest secret masked *inside* a longer value. A shorter one (``db``, ``admin1``) occurs by chance in
# ordinary values (``aws_db_instance``, ``admin1-logs``): masking it there would corrupt the value and point at
# the secret by its position, so it is masked only where it is the whole value. Eight characters is the
# minimum length of most password rules (RDS, Cloud SQL, Azure); a literal that long occurring by chance
# inside another value is rare.
MIN_INSIDE = 8
_FEW_SECRETS = 64  # up to this many, substring tests; beyond, a lookup of each window of the text
# What a secret becomes inside a fix snippet: a bare word every format accepts where the value stood (YAML
# plain scalar, HCL identifier, shell word, inside JSON or HCL quotes), which the detector itself reads as a
# template marker; ``pa****rd (12 chars)`` is not one (``*`` starts a YAML alias, ``(`` is shell syntax).
SNIPPET_MASK = "REDACTED"


def mask(secret: str) -> str:
    """``pa****rd (12 chars)``: never more than four characters, and only of a long secret."""
    n = len(secret)
    return f"{secret[:2]}****{secret[-2:]} ({n} chars)" if n >= 12 else f"**** ({n} chars)"


def remember_secret(secret: str) -> None:
    if secret:
        _KNOWN.add(secret)


def known_secrets() -> frozenset[str]:
    """The literal secrets this process has seen (to hand a worker's to the parent; never for display)."""
    return frozenset(_KNOWN)


def remember_secrets(secrets: Iterable[str]) -> None:
    """Mask these too from now on: the secrets a worker process saw while loading files for this one."""
    for secret in secrets:
        remember_secret(secret)


def _words(key: str) -> list[str]:
    spaced = _CAMEL.sub(r"\1 \2", key)
    spaced = _ACRONYM.sub(r"\1 \2", spaced)
    return [w for w in NAME_SEPARATORS.split(spaced.lower()) if w]


# Keys repeat (every file has its ``name``, ``tags``, ``bucket``...) and the answer is a pure function of
# the key: cached, so a large tree splits each distinct key into words once.
@functools.lru_cache(maxsize=8192)
def is_credential_name(key: str) -> bool:
    """``db_password``, ``apiKey``, ``CLIENT_SECRET``, ``requirepass`` -- not ``secretName`` or ``password_length``."""
    words = _words(key)
    if not words or words[-1] in _NOT_VALUE or "".join(words[-2:]) in _NOT_VALUE:
        return False
    if words[-1] == "key" and len(words) > 1 and words[-2] in _KEY_OF:
        return False  # passwordKey, adminPasswordKey: the name of an entry in a Secret
    if any(w in _STRONG for w in words) or "".join(words) in _STRONG:
        return True
    if any(w.endswith(_GLUED) for w in words):  # PGPASSWORD, MYSQLPASSWD, CLIENTSECRET
        return True
    return any(pair in _PAIRS for pair in itertools.pairwise(words))


@functools.lru_cache(maxsize=4096)
def holds_credentials(key: str) -> bool:
    """Whether a list under ``key`` holds credentials: ``passwords``, ``tokens``, ``api_keys`` (``secrets``
    lists name them: docker-compose's ``secrets: [db_password]``)."""
    if is_credential_name(key):
        return True
    words = _words(key)
    if not words or not words[-1].endswith("s") or words[-1] == "secrets":
        return False
    singular = words[-1][:-1]
    return singular in _STRONG or (len(words) > 1 and (words[-2], singular) in _PAIRS)


def classify(value: str) -> str | None:
    """The kind of reference ``value`` is, or None when it is a literal."""
    text = value.strip()
    for pattern, kind in _REFERENCES:
        if pattern.search(text):
            return kind
    if _REPEATED.fullmatch(text):
        return "placeholder"
    return None

def _known_view() -> tuple[list[str], list[str], frozenset[str] | None]:
    """_KNOWN longest first; those masked inside a text (MIN_INSIDE+ characters); their first MIN_INSIDE
    characters when there are many (None when few)."""
    global _known_sorted, _known_inside, _known_heads, _known_size
    if len(_KNOWN) != _known_size:  # _KNOWN only grows: its size tells whether the view is current
        _known_sorted = sorted(_KNOWN, key=len, reverse=True)
        _known_inside = [secret for secret in _known_sorted
                         if len(secret) >= MIN_INSIDE and secret.lower() not in WELL_KNOWN_PASSWORDS]
        _known_heads = frozenset(s[:MIN_INSIDE] for s in _known_inside) if len(_known_inside) > _FEW_SECRETS \
            else None
        _known_size = len(_KNOWN)
    return _known_sorted, _known_inside, _known_heads


def _holds_known(text: str) -> bool:
    """Whether a known secret of MIN_INSIDE+ characters occurs in ``text``."""
    _, inside, heads = _known_view()
    if heads is None:  # a few secrets: a substring test each (C speed; one regex of them all is slower)
        return any(secret in text for secret in inside)
    # Many: look each window of the text up instead, whatever their number.
    return not heads.isdisjoint([text[i:i + MIN_INSIDE] for i in range(len(text) - MIN_INSIDE + 1)])


def _mask_text(text: str, snippet: bool = False, known: bool = True) -> str:
    """``text`` with recognisable secrets (a URL's password, token formats) and, with ``known``, the literal
    secrets seen (whole, or inside when long enough) masked; ``snippet``: by SNIPPET_MASK."""
    if not text:
        return text
    # Findings show the same few values and messages many times over ("true", "15", one message per policy
    # and verdict): a short text is masked once while the secrets known stay the same (_KNOWN only grows).
    if len(text) > _MEMO_LONGEST:
        return _masked(text, snippet, known)
    global _memo_known
    if _memo_known != len(_KNOWN):
        _MEMO.clear()
        _memo_known = len(_KNOWN)
    key = (text, snippet, known)
    found = _MEMO.get(key)
    if found is None:
        if len(_MEMO) >= _MEMO_SIZE:
            _MEMO.clear()
        found = _MEMO[key] = _masked(text, snippet, known)
    return found


_MEMO: dict[tuple[str, bool, bool], str] = {}
_MEMO_LONGEST = 256
_MEMO_SIZE = 8192
_memo_known = 0


def _masked(text: str, snippet: bool, known: bool) -> str:
    """``_mask_text`` without the memo."""
    if known and text in _KNOWN:
        return SNIPPET_MASK if snippet else mask(text)
    # Each step first asks, cheaply, whether it can change the text at all (a URL with a password needs
    # "://" and "@", a token format its literal prefix, a known secret to occur): almost no value holds one.
    if "@" in text and "://" in text:
        hidden = SNIPPET_MASK if snippet else MASK
        text = URL_PASSWORD.sub(
            lambda m: m.group(0) if classify(m.group(3)) else f"{m.group(1)}{m.group(2)}:{hidden}@", text)
    if "=" in text and ("pass" in (lowered := text.lower()) or "pwd" in lowered):
        hidden = SNIPPET_MASK if snippet else MASK
        text = KEYWORD_PASSWORD.sub(lambda m: m.group(0) if classify(m.group(2)) else f"{m.group(1)}{hidden}", text)
    if "@" in text and ":" in text and IMAGE_PASSWORD.search(text):
        hidden = SNIPPET_MASK if snippet else MASK
        text = IMAGE_PASSWORD.sub(
            lambda m: m.group(0) if classify(m.group(2)) else f"{m.group(1)}:{hidden}@{m.group(3)}", text)
    if TOKEN_HINT.search(text):
        for pattern, _ in TOKEN_PATTERNS:
            text = pattern.sub(lambda m: SNIPPET_MASK if snippet else mask(m.group(1)), text)
    if known and _KNOWN and _holds_known(text):
        # Longest first, one secret at a time, so that a secret containing another is masked whole.
        for secret in _known_view()[1]:
            if secret in text:
                shown = (SNIPPET_MASK if snippet else mask(secret)).replace("\\", "\\\\")
                text = _standing_alone(secret).sub(shown, text)
    return text


@functools.lru_cache(maxsize=1024)
def _standing_alone(secret: str) -> re.Pattern[str]:
    """``secret`` where it is not glued to letters or digits: ``key=SECRET;``, ``/SECRET/``, but not the same
    characters inside a longer word (``random_password``), which is chance, not the secret."""
    return re.compile(rf"(?<![A-Za-z0-9_]){re.escape(secret)}(?![A-Za-z0-9_])")


def redact(text: str) -> str:
    """``text`` with every literal secret seen (and every recognisable one) masked: for a text that quotes a
    file (a parser's message), never for an address, a name or a message's own words."""
    return _mask_text(text)


def mask_value(value: Any, snippet: bool = False) -> Any:
    """A value a finding shows (a string, or lists, tuples and dicts of them) with its secrets masked: a known
    secret that is the whole string at any length, inside a string from MIN_INSIDE characters, a URL's
    password and token formats anywhere. Dict keys are names and stay. Returns ``value`` itself when nothing
    was masked. ``snippet``: masked by SNIPPET_MASK, for a fix snippet."""
    if isinstance(value, str):
        masked = _mask_text(value, snippet)
        return value if masked == value else masked
    if isinstance(value, (list, tuple)):
        items = [mask_value(v, snippet) for v in value]
        if all(new is old for new, old in zip(items, value, strict=True)):
            return value
        return items if isinstance(value, list) else tuple(items)
    if isinstance(value, dict):
        entries = {k: mask_value(v, snippet) for k, v in value.items()}
        return value if all(entries[k] is v for k, v in value.items()) else entries
    return value


def _changed(raw: Any, masked: Any) -> Iterable[tuple[str, str]]:
    """The (raw, masked) strings ``mask_value`` changed, leaf by leaf."""
    if raw is masked:
        return
    if isinstance(raw, str) and isinstance(masked, str):
        yield raw, masked
    elif isinstance(raw, (list, tuple)) and isinstance(masked, (list, tuple)):
        for old, new in zip(raw, masked, strict=False):
            yield from _changed(old, new)
    elif isinstance(raw, dict) and isinstance(masked, dict):
        for key, old in raw.items():
            yield from _changed(old, masked.get(key))


def mask_quoted(text: str, raw: Any, masked: Any, snippet: bool = False) -> str:
    """``text`` (a check's own message or fix) with the values it quotes masked as ``mask_value`` masked them
    (``raw`` -> ``masked``), where they stand as a value: not inside a longer word, an address (``.db``) or a
    path; then a URL's password and token formats. Its other words are left as written."""
    if raw is masked:  # nothing was masked (most findings): nothing quoted to replace
        return _mask_text(text, snippet, known=False)
    for before, after in sorted(_changed(raw, masked), key=lambda pair: len(pair[0]), reverse=True):
        if before and before in text:
            # backslashes doubled: the replacement is a plain string, never a group reference
            text = re.sub(rf"(?<![\w.\-/]){re.escape(before)}(?![\w\-])", after.replace("\\", "\\\\"), text)
    return _mask_text(text, snippet, known=False)


def mask_fields(value: Any, key: str = "") -> Any:
    """A copy of an API answer with the values of credential fields replaced by ``MASK`` (keys kept, so the
    shape stays): a string under a credential name (``is_credential_name``), and the value of a ``{name,
    value}`` pair whose name is one (an ECS environment entry, a tag) or of a custom header. A string in a list
    under a name of credentials (``passwords``, ``redactionTokens``) is one too. Any other string has the
    password of a URL or an image reference in it masked (``DATABASE_URL=postgres://u:****@db/app``)."""
    if isinstance(value, Mapping):
        for name_key, value_key in _PAIR_KEYS:
            if set(value) >= {name_key, value_key} and isinstance(value.get(value_key), str):
                secret = name_key == "HeaderName" or is_credential_name(str(value.get(name_key, "")))
                if secret and value[value_key]:
                    return {k: (MASK if k == value_key else mask_fields(v, k)) for k, v in value.items()}
        return {k: mask_fields(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_fields(item, key) for item in value]
    if isinstance(value, str) and value and holds_credentials(key):  # ``Passwords: [...]`` too
        return MASK
    if isinstance(value, str) and "@" in value:  # only then can it hold user:password@
        return _masked(value, snippet=False, known=False)
    return value
