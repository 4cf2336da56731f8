"""Shell scripts via tree-sitter-bash: which failures a script notices, and which it does not.

The script is walked in source order, tracking the options in force (``set -e``/``-u``/
``-o pipefail``, combined ``set -euo pipefail``, a ``bash -e`` shebang, ``trap ... ERR``)
and the command whose exit status ``$?`` holds at each point. It yields:

- ``shell_script``: one per file: commands run, off-site uploads, local pruning
  (``find -mtime +N -delete``), and the failures nobody checks (errexit off, no test);
- ``shell_pipeline``: one per pipeline of two or more commands: the commands whose failure
  the pipeline hides (pipefail off and no ``PIPESTATUS`` test);
- ``shell_status_test``: one per use of ``$?``: the command it really tests, and the
  commands run since the last check whose status it does not see.

The flow is approximated: branches of ``if``/``case`` are walked in order, a loop body once,
a function body where it is defined; ``[ ]``, ``[[ ]]`` and ``(( ))`` are tests, like ``test``.

Why tree-sitter rather than bashlex (the parser before it): bashlex regenerated its LALR tables
at every import (~190 ms) and rejected valid bash (``case``, arrays, ``done < <(cmd)``, some
heredocs), which turned valid scripts into high-severity parse errors. tree-sitter-bash reads
all of that, in C, and is imported with the first script. Its 0.25 grammar has faults of its own,
handled here:

- silent misreadings (no ERROR node): a redirection or ``&&`` bound to the wrong command, a ``[ ]``
  test or the line after a pipeline swallowed into one command. The walk undoes the first kind and
  patches the source against the second (bash reads the patched text the same), then parses again;
- an ERROR node on a valid construct, and invalid scripts it accepts (a stray ``fi``, an empty
  ``then``). There ``bash -n`` (parse only, nothing runs) decides: a script bash rejects is one
  ParseError with its line; one it accepts is reported with its failure handling unknown and the
  reason, never as an error.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from scanner.lines import LineDict
from scanner.loaders import loader
from scanner.loaders.base import LoadResult, ParseError
from scanner.model import Origin, Resource, Unresolved
from scanner.regex import lazy_compile

NAME = "shell"
_SHEBANG = lazy_compile(r"^#!\s*(?:\S*/)?(?:env\s+(?:-\S+\s+)*)?(?:ba|da)?sh\b([^\n]*)")
# Commands whose failure is no news: a report listing them would only be noise.
_TRIVIAL = {"echo", "printf", "true", "false", ":", "test", "[", "[[", "((", "local", "export", "readonly",
            "declare", "typeset", "set", "shift", "exit", "return", "source", ".", "trap", "unset", "shopt", "read",
            "sleep", "wait", "date", "logger", "let"}
_UPLOADS = (("aws", "s3", ("cp", "sync", "mv")), ("gsutil", None, ("cp", "rsync", "mv")),
            ("gcloud", "storage", ("cp", "rsync", "mv")), ("azcopy", None, ("copy", "cp", "sync")),
            ("az", "storage", ("blob", "file")), ("rclone", None, ("copy", "sync", "move", "copyto")),
            ("s3cmd", None, ("put", "sync")), ("mc", None, ("cp", "mirror")), ("restic", None, ("backup",)),
            ("borg", None, ("create",)))
_UPLOADERS = {tool for tool, _, _ in _UPLOADS}
# Command names ``_Walker.command`` reads more of than the name (their options, what they prune or upload).
_SPECIAL = {"set", "trap", "find", *_UPLOADERS}
_SUBCOMMAND = lazy_compile(r"^[a-z][a-z0-9-]*$")
# Tools whose first words name the action (``aws s3 cp``); other commands show only their name,
# so a report never repeats an argument (which may be a credential).
_MULTI_WORD = {"aws", "gcloud", "gsutil", "az", "azcopy", "kubectl", "docker", "git", "rclone", "restic", "borg",
               "s3cmd", "mc", "helm", "systemctl"}
# Reserved words tree-sitter-bash reads as a command name when they stand where bash rejects them
# (a ``fi`` without ``if``): a sign to ask bash.
_MISPLACED = {"fi", "then", "elif", "else", "do", "done", "esac"}
_OPENERS = {"then", "do", "else", "{", "("}
_CLOSERS = {"elif", "else", "fi", "done", "}", ")"}
_CONTROL = {"if_statement", "while_statement", "for_statement", "c_style_for_statement", "case_statement"}
# How a compound member of a pipeline is named when it runs no command (the kinds bashlex used).
_KINDS = {"compound_statement": "compound", "subshell": "compound", "if_statement": "if", "while_statement": "while",
          "for_statement": "for", "c_style_for_statement": "for", "case_statement": "case"}
# tree-sitter-bash 0.25 misreads some valid scripts without an ERROR node (its open issues 316 and 347): a
# ``[ ]`` test swallowing the lines up to the next test, or the line after a pipeline becoming arguments of
# its last command. Both show as a newline inside one command, which bash never allows; the walk notes each,
# the source is patched in ways bash reads the same (see ``_Walker.misread``) and parsed again.
_STATEMENTS = {"redirected_statement", "command", "list", "pipeline"}
_WORDS = {"command", "declaration_command", "unset_command", "file_redirect"}
_REPAIRS = 8
# Nodes that hold no other command unless a parenthesis (or backquote) appears in their text.
_FLAT = {"command", "declaration_command", "unset_command", "test_command", "variable_assignment", "file_redirect",
         "herestring_redirect"}
_NAMED_KINDS = {"command", "declaration_command", "unset_command", "test_command", "compound_statement"}
_DQ_ESCAPE = lazy_compile(rb'\\([$`"\\\n])')
_ESCAPE = lazy_compile(rb"\\(.)", re.S)
_OPENS = lazy_compile(rb"\$\(|`")  # where a command substitution may start
_MARKS = rb"\$\{?\?|PIPESTATUS|\$\(|`"  # what _Command's tests look for
_MARKED = lazy_compile(_MARKS)
# A newline or one of _MARKED's: a statement the short paths leave to ``_Command`` (one search, not two; ``in`` on
# bytes costs a quarter of a search: it first tries the needle as an integer, and formats the TypeError it catches).
_UNPLAIN = lazy_compile(rb"\n|" + _MARKS)


@cache
def _parser() -> Any:
    """One tree-sitter parser per process, made when the first script is read (nothing at import)."""
    import tree_sitter_bash
    from tree_sitter import Language, Parser

    return Parser(Language(tree_sitter_bash.language()))


class Step:
    """One command (or pipeline) that ran, with the status it left in ``$?``. Its ``text`` (a safe short name)
    is made from ``source`` when first asked for: most steps are never shown (only those a report names)."""

    __slots__ = ("_text", "commands", "line", "node", "source")

    def __init__(self, text: str | None, line: int, commands: list[str], source: _Command | None = None,
                 node: Any = None) -> None:
        self._text = text
        self.line = line
        self.commands = commands
        self.source = source
        self.node = node  # a plain ``command`` node, read as a ``_Command`` only if shown (``_Walker.simple``)

    @property
    def text(self) -> str:
        if self._text is None:
            if self.source is None and self.node is not None:
                self.source = _Command(self.line, [], self.node, [], [self.node])
            self._text = _display(self.source) if self.source is not None else ""
        return self._text

    @property
    def trivial(self) -> bool:
        commands = self.commands
        if len(commands) == 1:  # most steps: one command, asked without a generator
            return commands[0] in _TRIVIAL or "=" in commands[0]
        return all(c in _TRIVIAL or "=" in c for c in commands)

    def describe(self) -> str:
        return f"{self.text} (line {self.line})"


@dataclass
class _Options:
    errexit: int = 0  # the line that turned the option on; 0 when off
    nounset: int = 0
    pipefail: int = 0
    errtrap: int = 0


@dataclass
class _Analysis:
    newlines: int
    options: _Options = field(default_factory=_Options)
    pending: Step | None = None  # the step whose status ``$?`` holds, not yet looked at
    unseen: list[Step] = field(default_factory=list)  # steps whose status nobody looked at
    pipelines: list[dict[str, Any]] = field(default_factory=list)
    tests: list[dict[str, Any]] = field(default_factory=list)
    ignored: list[Step] = field(default_factory=list)
    commands: list[tuple[str, int]] = field(default_factory=list)
    uploads: list[Step] = field(default_factory=list)
    prunes: list[tuple[str, int]] = field(default_factory=list)

    # -- status bookkeeping -------------------------------------------------------------
    def ran(self, step: Step, checked: bool) -> None:
        """``step`` ran: the previous pending status is lost unless a test consumed it."""
        if self.pending is not None:
            self.unseen.append(self.pending)
        self.pending = None
        if checked or (self.options.errexit or self.options.errtrap):
            return
        self.pending = step

    def status_test(self, line: int) -> None:
        unseen = [s for s in self.unseen if not s.trivial]
        self.tests.append({"line": line, "tested": self.pending, "unseen": unseen})
        self.unseen = []
        self.pending = None

    def finish(self) -> None:
        self.ignored.extend(s for s in self.unseen if not s.trivial)
        self.unseen = []


@dataclass
class _Verdict:
    """What ``bash -n`` says of a script: valid (True), invalid (False) or not asked (None), and where."""

    valid: bool | None
    line: int | None = None
    message: str = ""


@loader("shell", order=30)
class ShellLoader:
    name = NAME

    def claims(self, path: Path, head: str) -> bool:
        if path.suffix.lower() in (".sh", ".bash"):
            return True
        return bool(_SHEBANG.match(head)) and path.suffix.lower() in ("", ".txt", ".cmd", ".run")

    def load(self, path: str, text: str) -> LoadResult:
        from scanner.loaders.budget import parse_tree

        source = text.encode("utf-8")
        for attempt in range(_REPAIRS):
            root = parse_tree(_parser(), source).root_node  # within the file's parse budget
            analysis = _Analysis(text.count("\n"))
            shebang = _SHEBANG.match(text)
            if shebang:
                _set_options(analysis.options, shebang.group(1).split(), 1)
            # Once the walk has a repair to make, its analysis is thrown away (the patched text is walked again), so
            # the rest of the walk only looks for repairs; not in a tree with an ERROR node (no repair is made there)
            # nor in the last attempt (its analysis is reported as far as it goes).
            walker = _Walker(analysis, source, discard=not root.has_error and attempt < _REPAIRS - 1)
            walker.block(root.children, condition=False)
            if not walker.repairs or root.has_error:  # in a tree with an ERROR node, bash -n decides (below)
                break
            for at, insert in sorted(set(walker.repairs), reverse=True):
                source = source[:at] + insert + source[at:]
        else:
            line = source.count(b"\n", 0, min(at for at, _ in walker.repairs)) + 1
            reason = (f"tree-sitter-bash misreads the script from line {line} on: "
                      "the script's failure handling was not analysed")
            return LoadResult(resources=[_partial(path, analysis, Unresolved(f"line {line}", reason))])
        analysis.finish()
        unread = _first_error(root) if root.has_error else None
        if unread is None and not walker.suspect:
            return LoadResult(resources=_resources(path, analysis))
        verdict = _bash_check(text)
        if verdict.valid is False:
            error_line, hint = verdict.line, ""
            if unread is not None and "end of file" in verdict.message:
                # bash names the end of the file; the construct left open is more use to a reader.
                error_line, hint = _open_construct(unread), " (the construct starting here is never closed)"
            said = verdict.message  # "syntax error near unexpected token `fi'", "unexpected EOF while ..."
            message = f"shell {said}{hint}" if said.startswith("syntax error") else f"shell syntax error: {said}{hint}"
            return LoadResult(errors=[ParseError(path, error_line, message, NAME)])
        if verdict.valid and unread is not None and unread.is_missing and unread.type == "heredoc_end":
            return LoadResult(resources=_resources(path, analysis))  # a heredoc to the end of the file: bash warns
        # bash accepts the script (or cannot be asked): what tree-sitter could not read, or read as a stray
        # keyword, is a construct it misreads, so the analysis is incomplete; unknown, never an error.
        line = unread.start_point.row + 1 if unread is not None else walker.suspect
        why = "bash -n accepts the script" if verdict.valid else verdict.message
        reason = (f"tree-sitter-bash cannot read the construct at line {line} ({why}): "
                  "the script's failure handling was not analysed")
        return LoadResult(resources=[_partial(path, analysis, Unresolved(f"line {line}", reason))])


def _first_error(root: Any) -> Any:
    """The first ERROR or MISSING node, depth first (only subtrees that hold one are entered)."""
    node = root
    while True:
        for child in node.children:
            if child.is_missing or child.type == "ERROR":
                return child
            if child.has_error:
                node = child
                break
        else:
            return node


def _open_construct(node: Any) -> int:
    """The line of the construct an error node leaves open: a MISSING ``fi`` belongs to its ``if``."""
    target = node.parent if node.is_missing and node.parent is not None else node
    return int(target.start_point.row) + 1


def _bash_check(text: str) -> _Verdict:
    """``bash -n`` on the script (parse only, nothing runs), with a clean environment: no ``BASH_ENV``."""
    import shutil  # here: most scripts never need bash, and the two imports cost a one-script run ~8 ms
    import subprocess

    bash = shutil.which("bash")
    if bash is None:
        return _Verdict(None, message="bash is not installed to tell whether the script is valid")
    try:
        # extglob on: scripts that turn it on (shopt -s extglob) use its patterns, which bash -n alone rejects.
        done = subprocess.run([bash, "--norc", "--noprofile", "-O", "extglob", "-n"], input=text.encode("utf-8"),
                              capture_output=True, timeout=20, env={"PATH": os.defpath, "LC_ALL": "C"})
    except (OSError, subprocess.SubprocessError) as exc:
        return _Verdict(None, message=f"bash -n could not run: {type(exc).__name__}")
    said = done.stderr.decode("utf-8", "replace").splitlines()
    # bash prints a syntax error in a [[ ]] yet exits 0; the echo of the bad line (said[1]) is never kept.
    errors = [row for row in said if "syntax error" in row or "unexpected EOF" in row]
    if done.returncode == 0 and not errors:
        return _Verdict(True)
    first = (errors or said or ["bash -n rejects the script"])[0]
    match = re.match(r"^.*?: line (\d+): (.*)$", first)
    return _Verdict(False, int(match.group(1)), match.group(2)) if match else _Verdict(False, None, first)


def _set_options(options: _Options, args: list[str], line: int) -> None:
    """Apply ``set`` (or shebang) arguments: -e, +e, -o pipefail, -euo pipefail, ..."""
    letters = {"e": "errexit", "u": "nounset"}
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in ("-o", "+o") and i + 1 < len(args):
            if args[i + 1] in ("errexit", "nounset", "pipefail"):
                setattr(options, args[i + 1], line if arg == "-o" else 0)
            i += 2
            continue
        if re.fullmatch(r"[-+][a-zA-Z]+", arg):
            on = arg[0] == "-"
            takes_name = False
            for letter in arg[1:]:
                if letter in letters:
                    setattr(options, letters[letter], line if on else 0)
                elif letter == "o":
                    takes_name = True
            if takes_name and i + 1 < len(args):
                if args[i + 1] == "pipefail":
                    options.pipefail = line if on else 0
                i += 1
        i += 1


class _Command:
    """A simple command as bash runs it: its words (quotes removed), the variables it assigns, and the
    nodes that belong to it (its redirections included) to look for ``$?`` and ``$(...)`` in. What is
    costly is worked out once, when first asked for (a plain class: ``cached_property`` takes a lock):
    most commands need their name alone, not their other words nor what they assign."""

    __slots__ = ("_name", "_names", "_subs", "_word_nodes", "_words", "head", "line", "marked", "node", "nodes",
                 "redirects", "text")

    def __init__(self, line: int, head: list[str], node: Any, redirects: list[Any], nodes: list[Any]) -> None:
        self.line = line
        self.head = head  # words known without reading a node (``[``, ``local``)
        self.node = node  # the command-like node; None for a redirection alone (``> file``)
        self.redirects = redirects  # those tree-sitter hung on a wrapper around the node
        self.nodes = nodes
        self.text: bytes = nodes[0].text if len(nodes) == 1 else b"\n".join(node.text for node in nodes)
        # ``$?``, PIPESTATUS or a substitution in the text (one command in eight): the tests below apply
        self.marked = _MARKED.search(self.text) is not None
        self._name: str | bool | None = False
        self._word_nodes: list[Any] | None = None
        self._words: list[str] | None = None
        self._subs: list[Any] | None = None
        self._names: list[list[str]] | None = None

    @property
    def word_nodes(self) -> list[Any]:
        """The words not in ``head``, as nodes: a ``command``'s name and arguments, a declaration's operands."""
        if self._word_nodes is None:
            kind = self.node.type if self.node is not None else None
            words: list[Any] = []
            if kind == "command":
                words = _name_and_arguments(self.node)
            elif kind in ("declaration_command", "unset_command"):
                words = self.node.named_children
            for redirect in self.redirects:
                # tree-sitter hangs the words after a redirection on it (``cmd a > f b``): bash passes b to cmd
                if redirect.type == "file_redirect" and (self.head or words):
                    words = [*words, *redirect.children_by_field_name("destination")[1:]]
            self._word_nodes = words
        return self._word_nodes

    @property
    def name(self) -> str | None:
        if self._name is False:
            if self.head:
                self._name = self.head[0]
            elif self._word_nodes is None and self.node is not None and self.node.type == "command":
                first = _first_word(self.node)  # the name alone: its arguments are not read
                self._name = _unquote(first) if first is not None else None
            else:
                self._name = _unquote(self.word_nodes[0]) if self.word_nodes else None
        return self._name  # type: ignore[return-value]

    @property
    def words(self) -> list[str]:
        if self._words is None:
            self._words = [*self.head, *(_unquote(node) for node in self.word_nodes)]
        return self._words

    @property
    def assigned(self) -> list[str]:
        """The variables the command assigns (``A=1 cmd``, ``A=1``); only a command without a name shows them."""
        kind = self.node.type if self.node is not None else None
        if kind == "command":
            return [_assigned_name(child) for child in self.node.named_children if child.type == "variable_assignment"]
        if kind == "variable_assignment":
            return [_assigned_name(self.node)]
        if kind == "variable_assignments":
            return [_assigned_name(child) for child in self.node.named_children if child.type == "variable_assignment"]
        return []

    # Each test below looks at the bytes first: a tree walk only for the few commands that can match.
    def reads_status(self) -> bool:
        return self.marked and (b"$?" in self.text or b"${?" in self.text) and _reads_status(self.nodes)

    def reads_pipestatus(self) -> bool:
        return self.marked and b"PIPESTATUS" in self.text and _reads_pipestatus(self.nodes)

    @property
    def substitutions(self) -> list[Any]:
        if self._subs is None:
            self._subs = _substitutions(self.nodes) if self.marked and (b"$(" in self.text or b"`" in self.text) \
                else []
        return self._subs

    @property
    def substituted_names(self) -> list[list[str]]:
        """The commands each ``$(...)`` runs (a nested one counted in its own right too, as bashlex did)."""
        if self._names is None:
            self._names = [_names(sub.named_children) for sub in self.substitutions]
        return self._names


def _command(node: Any, redirects: list[Any]) -> _Command | None:
    """``node`` (with the redirections tree-sitter hangs on a wrapper) as a simple command, or None."""
    kind = node.type
    head: list[str] = []
    if kind in ("declaration_command", "unset_command"):
        head.append(node.children[0].text.decode())
    elif kind == "test_command":
        head.append("[")  # [ ], [[ ]] and (( )) are one kind of test
    elif kind == "compound_statement" and node.children and node.children[0].type == "((":
        head.append("((")
    elif kind not in ("command", "variable_assignment", "variable_assignments"):
        return None
    return _Command(node.start_point.row + 1, head, node, redirects,
                    [node, *_redirect_nodes(redirects)] if redirects else [node])


def _assigned_name(node: Any) -> str:
    name = node.child_by_field_name("name")
    return name.text.decode() if name is not None else node.text.decode().split("=", 1)[0]


def _continuation(redirects: list[Any]) -> tuple[Any, tuple[str, Any] | None]:
    """What follows a heredoc's start on its line: a pipeline (``| kubectl apply -f -``), or an operator and
    the command after it (``&& echo ok``); tree-sitter keeps both inside the heredoc redirection."""
    for redirect in redirects:
        if redirect.type == "heredoc_redirect":
            for child in redirect.named_children:
                if child.type == "pipeline":
                    return child, None
            right, operator = redirect.child_by_field_name("right"), redirect.child_by_field_name("operator")
            if right is not None and operator is not None:
                return None, (operator.type, right)
    return None, None


def _redirect_nodes(redirects: list[Any]) -> list[Any]:
    return [part for redirect in redirects for part in _redirect_parts(redirect)]


def _redirect_parts(redirect: Any) -> list[Any]:
    """A redirection's own nodes; what follows a heredoc's start on its line (``cat <<EOF | kubectl apply -f -``)
    is another command, walked as such."""
    if redirect.type != "heredoc_redirect":
        return [redirect]
    return [child for child in redirect.named_children
            if child.type in ("file_redirect", "herestring_redirect", "heredoc_body")]


def _unquote(node: Any, source: bytes | None = None) -> str:
    """A word as the command sees it before expansion: quotes and escapes removed, ``$x``/``$(...)`` kept.
    ``source``: the bytes the node's tree was parsed from (see ``_Walker.source``)."""
    text = node.text if source is None else source[node.start_byte:node.end_byte]
    plain = text.decode()  # ``in`` on str: on bytes it costs eight times as much (see ``_UNPLAIN``)
    if "\\" not in plain and "'" not in plain and '"' not in plain:
        return plain  # nothing to remove (most words): every branch below gives the text as it is
    kind = node.type
    if kind == "command_name":
        children = node.named_children
        return "".join(_unquote(child) for child in children) if children else text.decode()
    if kind == "word":
        return _ESCAPE.sub(rb"\1", text).decode()
    if kind == "raw_string":
        return text[1:-1].decode()
    if kind in ("string", "concatenation"):
        return _spliced(node, kind == "string")
    return text.decode()


def _spliced(node: Any, quoted: bool) -> str:
    """The text of a string or concatenation: literal stretches unescaped, expansions kept as written."""
    data, start = node.text, node.start_byte
    out, at = [], 1 if quoted else 0
    end = len(data) - 1 if quoted else len(data)
    for child in node.named_children:
        lo, hi = child.start_byte - start, child.end_byte - start
        if child.type == "string_content":
            continue  # literal text: unescaped below with the stretch around it
        out.append(_DQ_ESCAPE.sub(lambda m: b"" if m.group(1) == b"\n" else m.group(1), data[at:lo]).decode()
                   if quoted else data[at:lo].decode())
        out.append(_unquote(child) if not quoted else child.text.decode())
        at = hi
    out.append(_DQ_ESCAPE.sub(lambda m: b"" if m.group(1) == b"\n" else m.group(1), data[at:end]).decode()
               if quoted else data[at:end].decode())
    return "".join(out)


def _preorder(nodes: list[Any]) -> Iterator[Any]:
    """Named nodes under ``nodes`` in source order (a heredoc's ``$(...)`` runs too, and is among them)."""
    stack = list(reversed(nodes))
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(node.named_children))


def _name_and_arguments(node: Any) -> list[Any]:
    """A ``command`` node's words, name first. tree-sitter-bash splits ``q=$q'&x='$1`` into an assignment
    and a command named ``1``; bash splits words only at blanks, so a name touching what comes before it
    is still part of the assignment (the next word, if any, is the command)."""
    name = node.child_by_field_name("name")
    if name is None:
        return []
    words = [name, *node.children_by_field_name("argument")]
    previous = name.prev_sibling
    while words and previous is not None and previous.end_byte == words[0].start_byte:
        previous = words.pop(0)
    return words


def _first_word(node: Any) -> Any:
    """A ``command`` node's first word (``words[0]`` of ``_name_and_arguments``), its arguments read only
    when the name touches what comes before it."""
    first = node.child(0)
    if first is not None and first.type == "command_name" and not node.has_error:
        return first  # most commands: the name comes first (a command has one ``command_name``, its name field)
    name = node.child_by_field_name("name")
    if name is None:
        return None
    if name.start_byte == node.start_byte and not node.has_error:
        return name  # nothing before it (no assignment, no zero-width MISSING node): no need to ask for a sibling
    previous = name.prev_sibling
    if previous is None or previous.end_byte != name.start_byte:
        return name
    words = _name_and_arguments(node)
    return words[0] if words else None


def _command_name(node: Any) -> str | None:
    """The name a command-like node runs under (``local`` for a declaration, ``[`` for a test)."""
    kind = node.type
    if kind == "command":
        first = _first_word(node)
        return _unquote(first) if first is not None else None
    if kind in ("declaration_command", "unset_command"):
        return str(node.children[0].text.decode())
    if kind == "test_command":
        return "["
    if kind == "compound_statement" and node.children and node.children[0].type == "((":
        return "(("
    return None


@cache
def _named_query() -> Any:
    """The node types ``_command_name`` may name, found by tree-sitter (in C) rather than a walk in Python."""
    from tree_sitter import Query

    return Query(_parser().language, "[(command) (declaration_command) (unset_command) (test_command) "
                                     "(compound_statement)] @c")


def _candidates(nodes: list[Any]) -> list[Any]:
    """The nodes under ``nodes`` (themselves included) whose type ``_command_name`` may name, in source order:
    those a walk of ``_preorder`` meets, in its order. The query gives them in no set order; sorted by where
    they start they are in the walk's order when no two start at the same byte (of two nodes, the one met
    first starts no later: it holds the other or ends before it), else the walk decides."""
    from tree_sitter import QueryCursor

    query = _named_query()
    found: list[Any] = []
    for node in nodes:  # one node after the other, as the walk goes
        under = QueryCursor(query).captures(node).get("c", [])
        if len(under) > 1:
            under.sort(key=_start_byte)
            if any(a.start_byte == b.start_byte for a, b in itertools.pairwise(under)):
                under = [n for n in _preorder([node]) if n.type in _NAMED_KINDS]
        found.extend(under)
    return found


def _start_byte(node: Any) -> int:
    return int(node.start_byte)


def _flat_members(node: Any, out: list[Any]) -> bool:
    """``node``'s commands (into ``out``) when it is one of ``_FLAT`` or a pipeline or list of them, and its text
    has no parenthesis or backquote: then they are all the walk of ``_preorder`` would name, in its order (a
    pipeline or list is no command; what it holds comes in order). False, ``out`` unfinished, otherwise."""
    kind = node.type
    if kind in _FLAT:
        out.append(node)
        return True
    if kind != "pipeline" and kind != "list":
        return False
    return all(_flat_members(child, out) for child in node.named_children)


def _names(nodes: list[Any]) -> list[str]:
    """Names of the commands run under ``nodes`` (substitutions included), in source order."""
    if len(nodes) == 1:  # most often (a substitution's one command or pipeline): the test below, without generators
        node = nodes[0]
        text = node.text
        flat: list[Any] = []
        plain = b"(" not in text and b"`" not in text and _flat_members(node, flat)
        candidates: Any = flat if plain else _candidates(nodes)
    elif all(node.type in _FLAT for node in nodes) and \
            not any(b"(" in node.text or b"`" in node.text for node in nodes):
        candidates = nodes  # no $(...), <(...) or subshell inside: the nodes themselves are all there is
    else:
        candidates = _candidates(nodes)
    out = []
    for node in candidates:
        name = _command_name(node)
        if name is not None:
            out.append(name)
    return out


def _substitutions(nodes: list[Any]) -> list[Any]:
    """Every ``$(...)``/backquote under ``nodes``, nested ones too (each after the one holding it).

    Found from the text rather than by walking every node: a substitution holds its opening ``$(`` (a
    token that may take in the blank before it) or backquote, and is the smallest named node around it
    (a word, a string, a comment or ``$((`` elsewhere). In source order, the order of a walk; a closing
    backquote finds the same substitution again."""
    found: list[Any] = []
    for node in nodes:
        text, start = node.text, node.start_byte
        seen: set[tuple[int, int]] = set()
        for match in _OPENS.finditer(text):
            at = start + match.start()
            sub = node.named_descendant_for_byte_range(at, start + match.end())
            if sub is not None and sub.type == "command_substitution":
                key = (sub.start_byte, sub.end_byte)
                if key not in seen:
                    seen.add(key)
                    found.append(sub)
    return found


def _reads_status(nodes: list[Any]) -> bool:
    for node in _preorder(nodes):
        if node.type in ("simple_expansion", "expansion"):
            inner = node.named_children
            if inner and inner[0].type == "special_variable_name" and inner[0].text == b"?":
                return True
    return False


def _reads_pipestatus(nodes: list[Any]) -> bool:
    return any(node.type in ("simple_expansion", "expansion") and node.text.lstrip(b"${").startswith(b"PIPESTATUS")
               for node in _preorder(nodes))


@dataclass
class _Member:
    """One command of a pipeline: a node and the redirections tree-sitter hung on a wrapper around it."""

    node: Any
    redirects: list[Any] = field(default_factory=list)

    @property
    def nodes(self) -> list[Any]:
        return [self.node, *_redirect_nodes(self.redirects)]


@dataclass
class _Pipe:
    """A pipeline put together from tree-sitter's misnested one (see ``_Walker.visit``)."""

    members: list[_Member]


class _Walker:
    def __init__(self, analysis: _Analysis, source: bytes, discard: bool = False) -> None:
        self.a = analysis
        # The bytes the tree was parsed from: a node's text sliced from them costs half of ``node.text`` (the
        # binding slices its copy of the source through a Python slice object), on the statements of every script.
        self.source = source
        self.suspect = 0  # the line of something tree-sitter accepts but bash may not (a stray ``fi``)
        self.repairs: list[tuple[int, bytes]] = []  # (byte, text to insert there) against a misreading
        self.discard = discard  # whether a repair throws this walk's analysis away (``ShellLoader.load``)
        # After a repair that throws the analysis away, the walk only looks for more repairs: it visits the same
        # statements (what it visits never depends on the analysis) and skips what only the analysis uses.
        self.repairing = False

    def repair(self, at: int, insert: bytes) -> None:
        self.repairs.append((at, insert))
        self.repairing = self.discard

    # -- statements in order ---------------------------------------------------------------
    def block(self, children: list[Any], condition: bool, toggles: bool = False, case_item: bool = False) -> None:
        """Statements of a body in order. ``toggles``: an if/while whose ``if``/``then`` words switch
        between condition (its status looked at) and body."""
        in_condition = False
        kinds = [child.type for child in children]  # each asked once (a new string at every ask)
        last = len(children) - 1
        for index, child in enumerate(children):
            kind = kinds[index]
            if not child.is_named:
                if kind in _CLOSERS and index and kinds[index - 1] in _OPENERS and not case_item:
                    self.suspect = self.suspect or child.start_point.row + 1  # an empty body: bash rejects it
                elif kind in (";;", ";&", ";;&") and not case_item:
                    self.suspect = self.suspect or child.start_point.row + 1  # a case terminator outside a case
                elif toggles and kind in ("if", "elif", "while", "until"):
                    in_condition = True
                elif toggles and kind in ("then", "do", "else"):
                    in_condition = False
                continue
            if kind == "comment":
                continue
            following = kinds[index + 1] if index < last else ";"
            if kind == "command":  # most statements: straight to what ``visit`` would call
                self.simple(child, condition or in_condition or following == "&")
            else:
                self.visit(child, condition or in_condition or following == "&", None, kind)
            if in_condition:
                self.a.pending = None  # the if/while looked at it

    def sequence(self, items: list[tuple[Any, str, list[Any]]], condition: bool) -> None:
        for item, following, redirects in items:
            # The left side of && / || is not where a failure stops the script.
            self.visit(item, condition or following in ("&&", "||"), redirects)
            if following in ("&&", "||"):
                self.a.pending = None  # the operator looked at the status

    def visit(self, node: Any, condition: bool, redirects: list[Any] | None = None, kind: str | None = None) -> None:
        """One statement; ``redirects``: the redirections tree-sitter hung on a wrapper around it; ``kind``: its
        type when the caller has it."""
        if isinstance(node, _Pipe):
            self.pipeline(node.members, condition)
            return
        if self.repairing and not redirects and node.start_point.row == node.end_point.row:
            return  # a repair is made where a node spans two lines: none in this one
        if kind is None:
            kind = node.type
        if not redirects:  # most statements: what ``statement``, ``_command`` and ``command`` make of them, sooner
            if kind == "command":
                self.simple(node, condition)
                return
            if kind == "variable_assignment" or kind == "test_command":
                text = self.source[node.start_byte:node.end_byte]
                if _UNPLAIN.search(text) is None:  # one line (no repair), no $?, no $(...)
                    if not self.repairing:
                        self.plain(node, kind == "test_command", condition)
                    return
        redirects = redirects or []
        piped, then = _continuation(redirects)
        if kind == "redirected_statement":
            body = node.child_by_field_name("body")
            own = [*node.children_by_field_name("redirect"), *redirects]
            if body is None:  # ``> file`` alone
                self.command(_Command(node.start_point.row + 1, [], None, [], _redirect_nodes(own)), condition)
            else:
                self.visit(body, condition, own)
        elif kind == "list":
            # tree-sitter hangs a redirection after ``a && b`` on the list; bash gives it to the last command
            items = _flatten_list(node)
            last, following, _ = items[-1]
            self.sequence([*items[:-1], (last, following, redirects)], condition)
        elif kind == "pipeline":
            members = _pipeline_members(node, [])
            last = members[-1].node if members else None
            if last is not None and last.type == "list" and not members[-1].redirects:
                # tree-sitter reads ``a | b && c`` as ``a | (b && c)``; in bash ``|`` binds tighter
                items = _flatten_list(last)
                (first, following, _), rest = items[0], items[1:]
                joined = _pipeline_members(first, []) if first.type == "pipeline" else [_Member(first)]
                head = [*members[:-1], *joined]
                tail_node, tail_following, _ = rest[-1]
                self.sequence([(_Pipe(head), following, []), *rest[:-1], (tail_node, tail_following, redirects)],
                              condition)
            else:
                if redirects and members:
                    members[-1] = _Member(members[-1].node, [*members[-1].redirects, *redirects])
                self.pipeline(members, condition)
        elif piped is not None:  # cat <<EOF | kubectl apply -f -
            self.pipeline([_Member(node, redirects), *_pipeline_members(piped, [])], condition)
        elif then is not None:  # cat <<EOF > f && echo ok: the left side of && / || is a condition
            self.statement(node, True, redirects)
            self.a.pending = None
            self.visit(then[1], condition)
        else:
            self.statement(node, condition, redirects)

    def statement(self, node: Any, condition: bool, redirects: list[Any]) -> None:
        """A statement that is neither a list nor a pipeline."""
        kind = node.type
        if kind == "negated_command":
            inner = node.named_children
            if inner:
                self.visit(inner[0], True, redirects)
        elif kind in ("compound_statement", "subshell") and not (node.children and node.children[0].type == "(("):
            self.block(node.children, condition)
            self._redirected_commands(redirects)
        elif kind == "function_definition":
            self.function(node)
        elif kind == "ERROR":  # what tree-sitter recovered around a stretch it could not read (reported as unknown)
            self.block(node.children, condition)
        elif kind in _CONTROL:
            self.control(node, condition)
            self._redirected_commands(redirects)
        else:
            if kind == "test_command" and node.start_point.row != node.end_point.row and node.children[0].type == "[" \
                    and any(c.type in _STATEMENTS for c in node.named_children):
                # ``\[`` is the same command to bash (the builtin ``[``); tree-sitter reads it as a plain command
                # name, so the test ends at its own ``]``. Lines do not move.
                self.repair(node.start_byte, b"\\")
                return
            command = _command(node, redirects)
            if command is not None:
                self.command(command, condition)

    def control(self, node: Any, condition: bool) -> None:
        """if/while/until: conditions are checked; bodies run in order; for and case: the bodies."""
        kind = node.type
        if kind in ("if_statement", "while_statement"):
            parts: list[Any] = []
            for child in node.children:
                parts.extend(child.children if child.type in ("elif_clause", "else_clause", "do_group") else [child])
            self.block(parts, condition, toggles=True)
        elif kind == "case_statement":
            for item in node.named_children:
                if item.type == "case_item":
                    self.block([c for i, c in enumerate(item.children) if item.field_name_for_child(i) != "value"],
                               condition, case_item=True)
        else:
            body = node.child_by_field_name("body")
            if body is not None:
                self.block(body.children, condition)
        self.a.pending = None

    def function(self, node: Any) -> None:
        saved = (self.a.pending, self.a.unseen)
        self.a.pending, self.a.unseen = None, []
        body = node.child_by_field_name("body")
        if body is not None:
            self.visit(body, condition=False)
        self.a.finish()
        self.a.pending, self.a.unseen = saved

    def _redirected_commands(self, redirects: list[Any]) -> None:
        """Commands in the redirections of a compound (``done < <(cmd)``) run too."""
        if self.repairing:
            return
        for redirect in redirects:
            self.a.commands.extend((name, redirect.start_point.row + 1) for name in _names(_redirect_parts(redirect)))

    # -- pipelines and commands ----------------------------------------------------------------
    def pipeline(self, members: list[_Member], condition: bool) -> None:
        negated = False
        if members and members[0].node.type == "negated_command" and members[0].node.named_children:
            # tree-sitter binds ``!`` to the first command; bash negates the whole pipeline
            negated = True
            members[0] = _Member(members[0].node.named_children[0], members[0].redirects)
        if len(members) == 1:
            self.visit(members[0].node, condition or negated, members[0].redirects)
            return
        if self.repairing:  # what ``_uses`` looks for repairs in
            for member in members:
                command = _command(member.node, member.redirects)
                if command is not None:
                    self.misread(command)
            return
        names: list[list[str]] = []
        for member in members:
            names.append(_names(member.nodes))
            self._uses(member)
        hidden = [n for group in names[:-1] for n in group if n not in _TRIVIAL]
        line = members[0].node.start_point.row + 1
        text = " | ".join(_display_member(member) for member in members)
        if hidden:
            self.a.pipelines.append({"line": line, "text": text, "hidden": hidden,
                                     "pipefail": bool(self.a.options.pipefail), "pipestatus": False})
        for group in names:
            for name in group:
                self.a.commands.append((name, line))
        self.a.ran(Step(text, line, [n for group in names for n in group]), condition or negated)

    def misread(self, command: _Command) -> None:
        """Note each newline between two words of one command: bash ends the command there, so a ``;`` before
        it changes nothing for bash and makes tree-sitter end the command too."""
        if b"\n" not in command.text:
            return  # one line (most commands): no node of it spans two (rows change at newlines only)
        for node in command.nodes:
            if node.type not in _WORDS or node.start_point.row == node.end_point.row:
                continue
            for before, after in itertools.pairwise(node.children):
                if after.start_point.row > before.end_point.row:
                    gap = node.text[before.end_byte - node.start_byte:after.start_byte - node.start_byte]
                    newline = gap.find(b"\n")
                    if before.type == "comment":  # ``word # note`` then words on the next line: ``;`` before ``#``
                        self.repair(before.start_byte, b";")
                        return
                    if newline >= 0 and not gap[:newline].endswith(b"\\"):
                        self.repair(before.end_byte + newline, b";")
                        return

    def simple(self, node: Any, condition: bool) -> None:
        """A ``command`` node with no redirection: ``command`` for the few whose text or name needs more (a
        newline, ``$?``, a substitution, ``set``, ``find``, an uploader); the rest, most commands, here with
        only the work ``command`` does for them (no ``_Command``; no ``Step`` unless it becomes ``$?``)."""
        text = self.source[node.start_byte:node.end_byte]
        if self.repairing:  # only ``misread`` may apply, to a command on more than one line
            if b"\n" in text:
                self.misread(_Command(node.start_point.row + 1, [], node, [], [node]))
            return
        if _UNPLAIN.search(text) is not None:  # a newline, $?, PIPESTATUS, a substitution
            self.command(_Command(node.start_point.row + 1, [], node, [], [node]), condition)
            return
        first = _first_word(node)
        name = _unquote(first, self.source) if first is not None else None
        if name is None or name in _SPECIAL:
            self.command(_Command(node.start_point.row + 1, [], node, [], [node]), condition)
            return
        line = node.start_point.row + 1
        if name in _MISPLACED:
            self.suspect = self.suspect or line
        a = self.a
        a.commands.append((name, line))
        if a.pending is not None:  # ``_Analysis.ran``, inlined
            a.unseen.append(a.pending)
        a.pending = None
        if not (condition or name in ("exit", "return") or a.options.errexit or a.options.errtrap):
            # shown as its name alone unless it is one of the tools whose sub-commands show too (``_display``)
            a.pending = Step(None, line, [name], None, node) if name in _MULTI_WORD else Step(name, line, [name])

    def plain(self, node: Any, test: bool, condition: bool) -> None:
        """A one-line test (``[ ]``, ``[[ ]]``) or assignment (``A=1``) with no ``$?``, substitution or redirection:
        what ``command`` does for it."""
        line = node.start_point.row + 1
        a = self.a
        if test:
            a.commands.append(("[", line))
        if a.pending is not None:  # ``_Analysis.ran``, inlined
            a.unseen.append(a.pending)
        a.pending = None
        if not (condition or a.options.errexit or a.options.errtrap):
            a.pending = Step("[", line, ["["]) if test else Step(None, line, ["="], None, node)

    def command(self, node: _Command, condition: bool) -> None:
        self.misread(node)
        if self.repairing:
            return
        line, name = node.line, node.name
        if node.marked:
            if node.reads_status():
                self.a.status_test(line)
            if node.reads_pipestatus() and self.a.pipelines:
                self.a.pipelines[-1]["pipestatus"] = True
                self.a.pending = None  # PIPESTATUS holds the pipeline's statuses: it is being looked at
            for names in node.substituted_names:  # $(cmd) runs first; its status is the assignment's
                self.a.commands.extend((n, line) for n in names)
        if name is None:
            commands = [n for names in node.substituted_names for n in names] or ["="]
            self.a.ran(Step(None, line, commands, node), condition)
            return
        if name in _MISPLACED:
            self.suspect = self.suspect or line
        self.a.commands.append((name, line))
        if name == "set":
            _set_options(self.a.options, node.words[1:], line)
        elif name == "trap" and "ERR" in node.words[2:]:
            self.a.options.errtrap = line
        step = Step(None, line, [name], node) if name in _MULTI_WORD else Step(name, line, [name])  # see ``_display``
        if name in _UPLOADERS and _is_upload(name, node.words[1:]):
            self.a.uploads.append(step)
        if name == "find":
            self._prune(node.words[1:], line)
        self.a.ran(step, condition or name in ("exit", "return"))

    def _prune(self, args: list[str], line: int) -> None:
        if "-delete" not in args and not ("-exec" in args and any(a in ("rm", "/bin/rm") for a in args)):
            return
        for flag, unit in (("-mtime", "d"), ("-mmin", "min"), ("-ctime", "d"), ("-cmin", "min")):
            if flag in args and args.index(flag) + 1 < len(args):
                value = args[args.index(flag) + 1]
                if value.startswith("+") and value[1:].isdigit():
                    self.a.prunes.append((f"{value[1:]}{unit}", line))
                    return

    def _uses(self, member: _Member) -> None:
        command = _command(member.node, member.redirects)
        if command is None:
            return
        self.misread(command)
        if command.reads_status():
            self.a.status_test(command.line)
        name = command.name
        if name in _UPLOADERS and _is_upload(name, command.words[1:]):
            self.a.uploads.append(Step(_display(command), command.line, [name]))


def _flatten_list(node: Any) -> list[tuple[Any, str, list[Any]]]:
    """``a && b || c`` (nested two by two in the tree) as its commands, each with the operator after it."""
    flat: list[Any] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type == "list":
            stack.extend(reversed(current.children))
        else:
            flat.append(current)
    items: list[tuple[Any, str, list[Any]]] = []
    for part in flat:
        if part.is_named and part.type != "comment":
            items.append((part, ";", []))
        elif not part.is_named and items:
            items[-1] = (items[-1][0], part.type, [])
    return items


def _pipeline_members(node: Any, redirects: list[Any]) -> list[_Member]:
    """The commands of a pipeline, nested pipelines flattened; redirections go to the command they follow."""
    members: list[_Member] = []
    for child in node.named_children:
        kind = child.type
        if kind == "pipeline":
            members.extend(_pipeline_members(child, []))
        elif kind == "redirected_statement" and child.child_by_field_name("body") is not None:
            body = child.child_by_field_name("body")
            wrapped = child.children_by_field_name("redirect")
            if body.type == "pipeline":
                members.extend(_pipeline_members(body, wrapped))
            else:
                members.append(_Member(body, wrapped))
                piped, _ = _continuation(wrapped)
                if piped is not None:  # a | cat <<EOF | b
                    members.extend(_pipeline_members(piped, []))
        elif kind != "comment":
            members.append(_Member(child))
    if members and redirects:
        members[-1] = _Member(members[-1].node, [*members[-1].redirects, *redirects])
    return members


def _display(node: _Command) -> str:
    """A safe short name: the command and its plain sub-commands (``aws s3 cp``), never its arguments."""
    name = node.name
    if name is None:
        names = [n for group in node.substituted_names for n in group]
        assigned = node.assigned
        return f"{', '.join(assigned)}=$({' | '.join(names)})" if names else f"{', '.join(assigned)}=..."
    shown = [name]
    for word in node.words[1:3] if name in _MULTI_WORD else ():
        if not _SUBCOMMAND.match(word):
            break
        shown.append(word)
    return " ".join(shown)


def _display_member(member: _Member) -> str:
    command = _command(member.node, member.redirects)
    if command is not None:
        return _display(command)
    names = _names(member.nodes)
    if names:
        return " && ".join(dict.fromkeys(names))
    kind = member.node.type
    if kind == "while_statement" and member.node.children and member.node.children[0].type == "until":
        return "until"
    return _KINDS.get(kind, kind)


def _is_upload(name: str, args: list[str]) -> bool:
    for tool, sub, verbs in _UPLOADS:
        if name != tool:
            continue
        rest = args
        if sub is not None:
            rest = _after_global_options(args, sub)
            if not rest or rest[0] != sub:
                continue
            rest = rest[1:]
        if any(verb in rest[:2] for verb in verbs):
            return True
    return False


def _after_global_options(args: list[str], sub: str) -> list[str]:
    """The words from the sub-command on: ``aws $AWS_ARGS s3 cp`` and ``aws --endpoint-url URL s3 cp`` upload too."""
    index, takes_value = 0, False
    while index < len(args) and args[index] != sub:
        word = args[index]
        if word.startswith(("-", "$")):
            takes_value = word.startswith("--") and "=" not in word
        elif takes_value:  # the value of the option before it
            takes_value = False
        else:
            break
        index += 1
    return args[index:]


def _dict(values: dict[str, Any], lines: dict[str, int], line: int) -> LineDict:
    out = LineDict(values)
    out.line = out.end_line = line
    out.key_lines = {key: lines.get(key, line) for key in values}
    return out


def _resources(path: str, a: _Analysis) -> list[Resource]:
    script = Path(path).name
    commands = list(dict.fromkeys(name for name, _ in a.commands))
    common = {"script": script, "commands": commands}
    resources = []
    ignored = ", ".join(s.describe() for s in a.ignored)
    upload = a.uploads[0] if a.uploads else None
    prune = a.prunes[0] if a.prunes else None
    values: dict[str, Any] = {**common, "errexit": bool(a.options.errexit), "nounset": bool(a.options.nounset),
                              "pipefail": bool(a.options.pipefail)}
    lines = {"errexit": a.options.errexit or 1, "nounset": a.options.nounset or 1, "pipefail": a.options.pipefail or 1}
    if a.ignored:
        values["ignored_failures"] = ignored
        lines["ignored_failures"] = a.ignored[0].line
    elif not any(_hidden(pipe) for pipe in a.pipelines) and not any(test["unseen"] for test in a.tests):
        values["ignored_failures"] = ""  # nothing fails unnoticed anywhere: the script itself complies
    # else absent: the pipeline or the `$?` test that loses a failure reports it, once, where it is
    if upload is not None:
        values["upload"] = upload.text
        lines["upload"] = upload.line
    if prune is not None:
        values["local_retention"] = prune[0]
        lines["local_retention"] = prune[1]
    resources.append(Resource("shell", "shell_script", script, Origin(path, 1, _last(a)),
                              _dict(values, lines, 1), format=NAME))
    seen: dict[str, int] = {}
    for pipe in a.pipelines:
        values = {**common, "name": pipe["text"], "pipefail": pipe["pipefail"], "hidden_failures": _hidden(pipe)}
        address = _unique(f"pipeline {pipe['text']}", seen)
        resources.append(Resource("shell", "shell_pipeline", address, Origin(path, pipe["line"]),
                                  _dict(values, {}, pipe["line"]), format=NAME))
    for test in a.tests:
        tested: Step | None = test["tested"]
        name = tested.describe() if tested else "the status left before it"
        unseen = ", ".join(s.describe() for s in test["unseen"])
        values = {**common, "name": name, "tested": tested.text if tested else "", "unchecked": unseen}
        lines = {"tested": tested.line if tested else test["line"]}
        address = _unique(f"$? after {tested.text if tested else 'start'}", seen)
        resources.append(Resource("shell", "shell_status_test", address, Origin(path, test["line"]),
                                  _dict(values, {**lines, "unchecked": test["line"]}, test["line"]), format=NAME))
    return resources


def _hidden(pipe: dict[str, Any]) -> str:
    """The commands before the last whose failure the pipeline hides ("" under pipefail or a PIPESTATUS test)."""
    return "" if pipe["pipefail"] or pipe["pipestatus"] else ", ".join(dict.fromkeys(pipe["hidden"]))


def _partial(path: str, a: _Analysis, unknown: Unresolved) -> Resource:
    """The script as far as it was read: what it runs, an upload or pruning found; the rest unknown."""
    script = Path(path).name
    line = int(unknown.expression.split()[-1])
    # a name with blanks in it is a misread stretch of text, not a command
    commands = list(dict.fromkeys(name for name, _ in a.commands if not re.search(r"\s", name)))
    values: dict[str, Any] = {"script": script, "commands": commands,
                              "errexit": unknown, "nounset": unknown, "pipefail": unknown, "ignored_failures": unknown,
                              "upload": a.uploads[0].text if a.uploads else unknown,
                              "local_retention": a.prunes[0][0] if a.prunes else unknown}
    lines = {key: line for key in values}
    if a.uploads:
        lines["upload"] = a.uploads[0].line
    if a.prunes:
        lines["local_retention"] = a.prunes[0][1]
    return Resource("shell", "shell_script", script, Origin(path, 1, _last(a)), _dict(values, lines, 1), format=NAME)


def _last(a: _Analysis) -> int:
    return a.newlines or 1


def _unique(address: str, seen: dict[str, int]) -> str:
    seen[address] = seen.get(address, 0) + 1
    return address if seen[address] == 1 else f"{address} #{seen[address]}"
