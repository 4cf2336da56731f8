"""Dockerfiles (and Containerfiles): one Resource per build stage and one for the image it produces.

dockerfile-parse splits the file into instructions with their lines (continuations and comments
handled); this module follows the stages: ``FROM`` (image, ``AS`` name, ``--platform``), ``USER``,
``ENTRYPOINT``/``CMD``, ``EXPOSE``. ``ARG``/``ENV`` values are expanded where Docker would expand
them; a variable without a value stays ``Unresolved`` naming it (a build argument given at build time).

The ``Dockerfile`` resource is the final image: the last stage's settings, with what it inherits
from the stage it is built ``FROM`` (a ``USER`` set in a parent stage still applies).
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

from scanner.lines import LineDict, LineList
from scanner.loaders import loader
from scanner.loaders.base import LoadResult, ParseError
from scanner.model import Origin, Resource, Unresolved
from scanner.regex import lazy_compile

NAME = "dockerfile"
IMAGE_TYPE = "Dockerfile"
STAGE_TYPE = "Dockerfile/stage"
INSTRUCTIONS = {"FROM", "RUN", "CMD", "LABEL", "MAINTAINER", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT",
                "VOLUME", "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL"}
# What a stage inherits from its parent stage and the image reports (Docker's image config).
INHERITED = ("USER", "ENTRYPOINT", "CMD", "EXPOSE", "WORKDIR")
_NAME_RE = lazy_compile(
    r"^(?:[\w.-]+\.)?(?:Dockerfile|Containerfile)(?:\.[\w.-]+)?$|^.+\.(?:dockerfile|containerfile)$", re.I)
# Content sniff: comments, parser directives and ARGs, then FROM image.
_SNIFF = lazy_compile(r"\A(?:[ \t]*(?:#[^\n]*|ARG[ \t]+[^\n]+)?\n)*[ \t]*FROM[ \t]+(?:--\S+[ \t]+)*[\w${}./:@-]+"
                      r"(?:[ \t]+AS[ \t]+\S+)?[ \t]*$", re.I | re.M)
_SNIFF_SUFFIXES = ("", ".txt", ".docker", ".build")
_VAR = lazy_compile(r"\$(?:\{(\w+)(?::?([-+])([^}]*))?\}|(\w+))")
_HEREDOC = lazy_compile(r"<<-?\s*[\"']?(\w+)[\"']?")


@loader("dockerfile", order=30)
class DockerfileLoader:
    name = NAME

    def claims(self, path: Path, head: str) -> bool:
        if _NAME_RE.match(path.name):
            return path.suffix.lower() not in (".md", ".rst", ".orig", ".bak")
        return path.suffix.lower() in _SNIFF_SUFFIXES and bool(_SNIFF.match(head))

    def load(self, path: str, text: str) -> LoadResult:
        import io

        from dockerfile_parse import DockerfileParser

        parser = DockerfileParser(fileobj=io.BytesIO(text.encode("utf-8")), env_replace=False)
        try:
            structure = parser.structure
        except (ValueError, IndexError) as exc:  # the library's own complaints about the text
            return LoadResult(errors=[ParseError(path, None, f"invalid Dockerfile: {exc}", NAME)])
        try:
            stages = _Stages(path).build(_instructions(structure, text))
        except _Invalid as exc:
            return LoadResult(errors=[ParseError(path, exc.line, exc.message, NAME)])
        return LoadResult(resources=stages)


class _Invalid(Exception):
    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def _instructions(structure: list[dict[str, Any]], text: str) -> list[tuple[str, str, int]]:
    """(INSTRUCTION, value, 1-based line) in order, without comments and heredoc bodies."""
    lines = text.splitlines()
    out: list[tuple[str, str, int]] = []
    skip_until = -1
    for item in structure:
        start = int(item["startline"])
        if start <= skip_until:
            continue
        instruction = str(item["instruction"]).upper()
        if instruction == "COMMENT":
            continue
        value = str(item["value"])
        heredoc = _HEREDOC.search(value) if instruction in ("RUN", "COPY", "ADD") else None
        if heredoc:  # BuildKit heredoc: its body lines are data, not instructions
            end = next((i for i in range(int(item["endline"]) + 1, len(lines))
                        if lines[i].strip() == heredoc.group(1)), len(lines))
            skip_until = end
        out.append((instruction, value, start + 1))
    return out


class _Stages:
    def __init__(self, path: str) -> None:
        self.path = path
        self.global_args: dict[str, str | None] = {}
        self.stages: list[LineDict] = []
        # Per stage, as Docker scopes them: ARGs end with the stage, ENV passes to stages built FROM it.
        self.args: dict[str, str | None] = {}
        self.env: dict[str, str | None] = {}
        self.stage_env: dict[str, dict[str, str | None]] = {}

    @property
    def scope(self) -> dict[str, str | None]:
        return {**self.args, **self.env}

    def build(self, instructions: list[tuple[str, str, int]]) -> list[Resource]:
        for instruction, value, line in instructions:
            if instruction not in INSTRUCTIONS:
                raise _Invalid(line, f"unknown instruction: {instruction}")
            if instruction == "FROM":
                self._from(value, line)
            elif not self.stages:
                if instruction != "ARG":
                    raise _Invalid(line, f"{instruction} before the first FROM: no build stage in context")
                self._arg(value, line, self.global_args)
            else:
                self._instruction(instruction, value, line)
        if not self.stages:
            raise _Invalid(1 if not instructions else instructions[-1][2], "no FROM instruction: not a Dockerfile")
        return self._resources()

    def _from(self, value: str, line: int) -> None:
        words = value.split()
        flags = [w for w in words if w.startswith("--")]
        rest = [w for w in words if not w.startswith("--")]
        if not rest or len(rest) not in (1, 3) or (len(rest) == 3 and rest[1].upper() != "AS"):
            raise _Invalid(line, f"FROM needs an image and optionally 'AS name': FROM {value}")
        stage = LineDict.at(line)
        stage["index"] = len(self.stages)
        stage.put("FROM", value, line)
        image = expand(rest[0], self.global_args)
        named = {str(s.get("name")).lower(): s for s in self.stages if isinstance(s.get("name"), str)}
        parent = named.get(image.lower()) if isinstance(image, str) else None
        self.args = {}
        self.env = dict(self.stage_env.get(str(parent["name"]).lower(), {})) if parent is not None else {}
        if parent is not None:
            stage.put("from_stage", parent["name"], line)
            for key in INHERITED:  # a stage built FROM another inherits its image config
                if key in parent:
                    stage.put(key, parent[key], parent.key_lines[key])
        elif isinstance(image, str) and image.lower() == "scratch":
            stage.put("from_scratch", True, line)
        else:
            stage.put("image", image, line)
        if len(rest) == 3:
            stage.put("name", rest[2], line)
            self.stage_env[rest[2].lower()] = self.env  # the same dict: ENV lines below add to it
        for flag in flags:
            key, _, flag_value = flag[2:].partition("=")
            if key == "platform":
                stage.put("platform", expand(flag_value, self.global_args), line)
        self.stages.append(stage)

    def _arg(self, value: str, line: int, target: dict[str, str | None]) -> None:
        for word in _split(value, line):
            name, eq, default = word.partition("=")
            if eq:
                expanded = expand(default, {**self.global_args, **self.scope} if target is self.args
                                  else self.global_args)
                target[name] = expanded if isinstance(expanded, str) else None
            elif target is self.args:
                target[name] = self.global_args.get(name)  # a global ARG re-declared in the stage keeps its value
            else:
                target.setdefault(name, None)

    def _instruction(self, instruction: str, value: str, line: int) -> None:
        stage = self.stages[-1]
        stage.end_line = max(stage.end_line, line)
        if instruction == "ARG":
            self._arg(value, line, self.args)
        elif instruction == "ENV":
            words = _split(value, line)
            if words and "=" not in words[0]:  # legacy form: ENV key value with spaces
                self.env[words[0]] = value.split(None, 1)[1] if len(words) > 1 else ""
            else:
                for word in words:
                    name, _, env_value = word.partition("=")
                    expanded = expand(env_value, self.scope)
                    self.env[name] = expanded if isinstance(expanded, str) else None
        elif instruction == "USER":
            stage.put("USER", expand(value.strip(), self.scope), line)
        elif instruction == "WORKDIR":
            stage.put("WORKDIR", expand(value.strip(), self.scope), line)
        elif instruction in ("ENTRYPOINT", "CMD"):
            stage.put(instruction, command_form(value), line)
        elif instruction == "EXPOSE":
            ports = LineList(expand(w, self.scope) for w in _split(value, line))
            ports.line = ports.end_line = line
            previous = stage.get("EXPOSE")
            if isinstance(previous, list):  # EXPOSE accumulates (also over the parent stage's ports)
                ports[:0] = previous
            stage.put("EXPOSE", ports, line)

    def _resources(self) -> list[Resource]:
        resources = []
        for stage in self.stages:
            name = stage.get("name")
            address = str(name) if isinstance(name, str) else f"stage {stage['index']}"
            resources.append(Resource("docker", STAGE_TYPE, address, Origin(self.path, stage.line, stage.end_line),
                                      stage, format=NAME))
        final = self.stages[-1]
        image = LineDict.at(final.line)
        listed = LineList(self.stages)
        listed.line, listed.end_line = self.stages[0].line, final.end_line
        image.put("stages", listed, self.stages[0].line)
        for key in ("FROM", "image", "from_stage", "from_scratch", "platform", *INHERITED):
            if key in final:
                image.put(key, final[key], final.key_lines[key])
        image.end_line = final.end_line
        resources.append(Resource("docker", IMAGE_TYPE, "image", Origin(self.path, final.line, final.end_line),
                                  image, format=NAME))
        return resources


def _split(value: str, line: int) -> list[str]:
    try:
        return shlex.split(value, posix=True)
    except ValueError as exc:
        raise _Invalid(line, f"cannot split arguments: {exc}") from None


def command_form(value: str) -> Any:
    """Exec form (a JSON array) as a list of strings; shell form as the string Docker runs with ``sh -c``."""
    text = value.strip()
    if text.startswith("["):
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError:
            return text  # Docker runs an invalid JSON array in shell form too
        if isinstance(parsed, list) and all(isinstance(p, str) for p in parsed):
            return LineList(parsed)
    return text


def expand(word: str, scope: dict[str, str | None]) -> str | Unresolved:
    """Docker's variable expansion (``$X``, ``${X}``, ``${X:-default}``, ``${X:+alt}``) in one word."""
    missing: list[str] = []

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(4)
        op, word_value = match.group(2), match.group(3) or ""
        value = scope.get(name)
        if op == "-":
            return value if value else word_value
        if op == "+":
            return word_value if value else ""
        if value is None:
            missing.append(name)
            return match.group(0)
        return value

    expanded = _VAR.sub(substitute, word)
    if missing:
        names = ", ".join(sorted(set(missing)))
        return Unresolved(word, f"{names} has no value here: a build argument without default (--build-arg), "
                                "or a global ARG not declared again inside the stage")
    return expanded
