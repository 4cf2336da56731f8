"""The shell loader on tree-sitter-bash: valid bash is read (never a parse error), a script bash rejects is one
error with its line, and tree-sitter-bash's own misreadings are repaired or reported as unknown.

``bash -n`` is the oracle of validity: every script here called valid is checked with it first.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from typing import Any

import pytest

from scanner.loaders import LOADERS
from scanner.loaders.base import LoadResult
from scanner.model import Unresolved

needs_bash = pytest.mark.skipif(shutil.which("bash") is None, reason="bash is the oracle of what is valid")


def _bash_accepts(text: str) -> bool:
    done = subprocess.run(["bash", "-n"], input=text, capture_output=True, text=True, timeout=30)
    return done.returncode == 0 and "syntax error" not in done.stderr


def _valid(text: str) -> dict[str, Any]:
    """Resources by address of a script ``bash -n`` accepts; it must load without an error."""
    assert _bash_accepts(text), text
    result = LOADERS["shell"].load("job.sh", text)
    assert not result.errors, result.errors
    return {r.address: r for r in result.resources}


def _script(result: LoadResult) -> Any:
    (script,) = [r for r in result.resources if r.type == "shell_script"]
    return script


@needs_bash
def test_process_substitution_after_done() -> None:
    res = _valid("#!/bin/bash\nwhile read -r db; do\n  pg_dump \"$db\" > \"$db.sql\"\n  gzip \"$db.sql\"\n"
                 "done < <(psql -lqt | cut -d'|' -f1)\n")
    script = res["job.sh"]
    assert {"psql", "cut", "pg_dump"} <= set(script.attributes["commands"])
    assert script.attributes["ignored_failures"] == "pg_dump (line 3)"  # the body's last status: the loop's


@needs_bash
def test_case_branches_are_walked() -> None:
    res = _valid("#!/bin/bash\ncase \"$1\" in\n  full) pg_dumpall > all.sql ;;\n  *) pg_dump db > db.sql\n"
                 "     gzip db.sql ;;\nesac\nrc=$?\n")
    # each branch walked in order (a branch's last status is the case's, as for if)
    test = res["$? after start"]
    assert (test.origin.line, test.attributes["unchecked"]) == (7, "pg_dumpall (line 3), pg_dump (line 4)")
    # the POSIX form with an opening parenthesis, and an empty branch, are valid too: read, not unknown
    other = _valid("#!/bin/sh\ncase \"$1\" in\n  (full) pg_dumpall > all.sql\n    gzip all.sql ;;\n  (none) ;;\nesac\n")
    assert other["job.sh"].attributes["ignored_failures"] == "pg_dumpall (line 3)"


@needs_bash
def test_arrays_and_a_pipeline_in_a_loop() -> None:
    res = _valid("#!/bin/bash\ndbs=(app \"billing db\")\nfor db in \"${dbs[@]}\"; do\n"
                 "  pg_dump \"$db\" | gzip > \"$db.gz\"\ndone\n")
    pipe = res["pipeline pg_dump | gzip"]
    assert (pipe.origin.line, pipe.attributes["hidden_failures"]) == (4, "pg_dump")


@needs_bash
def test_double_brackets_and_arithmetic_read_status_and_commands() -> None:
    res = _valid("#!/bin/bash\npg_dump db > a.sql\nif [[ $? -ne 0 && -n \"$(ls a.sql)\" ]]; then exit 1; fi\n"
                 "n=$(( $(wc -l < a.sql) + 1 ))\n(( n > 1 )) && echo ok\n")
    assert res["$? after pg_dump"].origin.line == 3
    # bashlex lost commands inside [[ ]] and $(( )): they run
    assert {"ls", "wc", "(("} <= set(res["job.sh"].attributes["commands"])


@needs_bash
def test_commands_in_substitutions_and_after_assignments() -> None:
    # Substitutions are found from the text: in a string after a blank (tree-sitter's ``$(`` token takes the
    # blank in), nested (each counted in its own right too), in backquotes; not ``$((``, quoted or escaped
    # ``$(``, or a comment. A command's name after assignments, and none where bash reads one word.
    text = ('#!/bin/bash\n'
            'echo "$x $(pg_dump db)"\n'
            'v=$(gzip $(cat f))\n'
            'w=`aws s3 ls`\n'
            "echo $((1 + 2)) '$(rm -rf /)' \"\\$(wget x)\" # $(curl x)\n"
            'A=1 B=2 mysqldump db\n'
            "q=$q'&x='$1\n"
            'A=1 \\\n  pg_basebackup -D d\n')
    script = _valid(text)["job.sh"].attributes
    assert script["commands"] == ["pg_dump", "echo", "gzip", "cat", "aws", "mysqldump", "pg_basebackup"]
    assert script["ignored_failures"] == "v=$(gzip | cat | cat) (line 3), w=$(aws) (line 4), mysqldump (line 6)"


@needs_bash
def test_heredocs() -> None:
    res = _valid("#!/bin/bash\npsql \"$DB\" <<SQL\nSELECT 1; -- if this fails, fi\nSQL\n"
                 "if [ $? -ne 0 ]; then exit 1; fi\ncat <<'EOF' | kubectl apply -f -\nkind: Pod\nEOF\n"
                 "cat <<EOF > f.txt && echo written\n$(date)\nEOF\n")
    assert res["$? after psql"].origin.line == 5  # the heredoc's text is not commands
    assert "pipeline cat | kubectl apply" in res
    assert {"date", "echo"} <= set(res["job.sh"].attributes["commands"])


@needs_bash
def test_a_real_syntax_error_is_one_error_with_its_line() -> None:
    text = "#!/bin/bash\necho start\nif [ -d /b ]; then\n  cp a /b/\n  echo )\nfi\n"
    assert not _bash_accepts(text)
    result = LOADERS["shell"].load("broken.sh", text)
    assert not result.resources
    assert [(e.line, "unexpected token" in e.message) for e in result.errors] == [(5, True)]


@needs_bash
@pytest.mark.parametrize(("text", "line"), [
    ("#!/bin/bash\necho a\nfi\n", 3),  # tree-sitter-bash reads a stray fi as a command named fi
    ("#!/bin/bash\nif true; then\nfi\n", 3),  # and an empty then-branch as valid
    ("#!/bin/bash\necho a;;\n", 2),
])
def test_invalid_scripts_tree_sitter_accepts_are_errors(text: str, line: int) -> None:
    assert not _bash_accepts(text)
    result = LOADERS["shell"].load("broken.sh", text)
    assert [e.line for e in result.errors] == [line], result.errors


@needs_bash
def test_unclosed_construct_points_at_its_start() -> None:
    result = LOADERS["shell"].load("backup.sh", "#!/bin/bash\nset -e\nwhile true; do\n  pg_dump db > x.sql\n")
    assert [(e.line, "never closed" in e.message) for e in result.errors] == [(3, True)]


@needs_bash
def test_merged_single_bracket_tests_are_repaired() -> None:
    # tree-sitter-bash issue 316: this reads as one test swallowing lines 2-5, with no ERROR node
    res = _valid("#!/bin/bash\n[ \"$A\" == \"true\" ] || sed -i s/a/b/ main.tf\nterraform init\n"
                 "terraform state pull > state.json\n[ \"$A\" == \"true\" ] || sed -i s/b/a/ main.tf\n")
    assert res["job.sh"].attributes["ignored_failures"] == "sed (line 2), terraform (line 3), terraform (line 4)"


@needs_bash
def test_line_after_a_pipeline_is_not_its_arguments() -> None:
    # tree-sitter-bash issue 347: ``echo B`` read as arguments of head, ``&&`` binding the pipeline's last command
    res = _valid("#!/bin/bash\npg_dump db | gzip | tee f.gz\necho B && cd /s\nmysqldump db > m.sql\nrm m.sql\n")
    assert res["pipeline pg_dump | gzip | tee"].origin.line == 2
    assert res["job.sh"].attributes["commands"] == ["pg_dump", "gzip", "tee", "echo", "cd", "mysqldump", "rm"]
    pipe = _valid("#!/bin/bash\n_get \"$u\" | tee /dev/fd/2 | grep OK && exit 0\n")
    assert set(pipe) == {"job.sh", "pipeline _get | tee | grep"}


@needs_bash
@pytest.mark.parametrize("text", [
    "#!/bin/bash\npg_dump db > x\nrdlist=\"${rdlist%%]*}\"\nrm x\n",  # an ERROR node in tree-sitter-bash 0.25
    # an ERROR node with a misreading inside it: no repair loop there, bash decides
    "#!/bin/bash\npg_dump db > x\nfor L in \"$@\"; do\n  [ \"$OP\" \"$L\" ] || continue\n  printf %s \"$L\"\ndone\n",
])
def test_a_valid_script_tree_sitter_cannot_read_is_unknown_not_an_error(text: str) -> None:
    assert _bash_accepts(text)
    result = LOADERS["shell"].load("backup.sh", text)
    assert not result.errors
    facts = _script(result).attributes
    assert isinstance(facts["ignored_failures"], Unresolved)
    assert "bash -n accepts the script" in facts["ignored_failures"].reason
    assert "pg_dump" in facts["commands"]


def test_importing_the_loader_loads_no_parser() -> None:
    code = ("import sys, scanner.loaders.shell\n"
            "print(sorted(m for m in sys.modules if m.startswith(('tree_sitter', 'bashlex'))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr


@pytest.mark.parametrize(("script", "expected"), [
    ("#!/bin/sh\nset -eu\nset -o pipefail\npg_dump -d app > db.dump\naws s3 cp db.dump s3://b/\n",
     {"backup.sh": "complies"}),
    ("#!/bin/sh\npg_dump -d app > db.dump\n", {"backup.sh": "complies"}),  # the one command's status is the job's
    ("#!/bin/bash\nset -e\npg_dump -d app | gzip > db.gz\n", {"pipeline pg_dump | gzip": "violates"}),
    ("#!/bin/sh\npg_dump -d app > db.dump\nrm -f old\nif [ $? -ne 0 ]; then exit 1; fi\n",
     {"$? after rm": "violates"}),
])
def test_a_backup_script_complies_as_a_whole_or_reports_each_failure_once_where_it_is(
        tmp_path: Any, script: str, expected: dict[str, str]) -> None:
    from scanner.scan import ScanOptions, scan

    (tmp_path / "backup.sh").write_text(script)
    report = scan(ScanOptions(paths=[str(tmp_path)], policies=["ME-BAK-02"]))
    assert {f.resource_address: f.status.value for f in report.findings} == expected


_MISREAD_316 = "[ \"$A\" == \"true\" ] || sed -i s/a/b/ main.tf\nterraform init\n[ \"$A\" == \"true\" ] || rm x\n"
_MISREAD_347 = "pg_dump db | gzip | tee f.gz\necho B && cd /s\n"


@pytest.mark.parametrize("text", [
    f"#!/bin/bash\n{_MISREAD_347}x\n{_MISREAD_347}",
    f"#!/bin/bash\n{_MISREAD_347}f() {{\n{_MISREAD_347}}}\nif true; then\n{_MISREAD_347}fi\n",
    f"#!/bin/bash\n{_MISREAD_347}while read -r x; do\n{_MISREAD_347}done < <(ls | sort)\n{_MISREAD_316}",
    f"#!/bin/bash\n{_MISREAD_347}x=$(ls)\ncase $x in\n a) {_MISREAD_347};;\nesac\n",
])
def test_a_walk_past_its_first_repair_finds_every_repair_the_whole_walk_finds(text: str) -> None:
    # After its first repair a walk whose analysis is thrown away only looks for repairs: it must find the same
    from scanner.loaders.shell import _Analysis, _parser, _Walker

    root = _parser().parse(text.encode()).root_node
    assert not root.has_error
    found = {}
    for discard in (False, True):
        walker = _Walker(_Analysis(text.count("\n")), text.encode(), discard=discard)
        walker.block(root.children, condition=False)
        found[discard] = walker.repairs
    assert len(set(found[False])) >= 2
    assert found[True] == found[False]


_NESTED = """#!/bin/bash
x=$(echo "$(date +%s)" | tr -d ' ' | sed "s/a/$(printf b)/")
y=`ls | head -1`; z=$( (cd /tmp && ls) | wc -l )
while read -r db; do pg_dump "$db" | gzip > "$db.gz" || echo "$(date) failed $db"; done < <(psql -lqt | cut -d'|' -f1)
cat <<END | kubectl apply -f -
name: $(hostname)-$(id -u)
END
[ "$(whoami)" = root ] && { local v; v=$(( $(nproc) + 1 )); declare -a w=($(seq 1 3)); unset q; }
if [[ $(uname) == Linux ]]; then case $(arch) in x86_64) echo "$(lscpu | grep -c Model)";; esac; fi
f() { echo "$1"; } ; ((n++)) ; trap 'rm -f "$(mktemp)"' EXIT
"""


@pytest.mark.parametrize("text", [
    _NESTED, "#!/bin/bash\nx=$(a | b | c)\necho $(fi | done)\nrdlist=\"${rdlist%%]*}\"\n",  # ERROR nodes too
])
def test_the_commands_a_query_finds_are_those_a_walk_finds_in_its_order(text: str) -> None:
    from scanner.loaders.shell import _NAMED_KINDS, _candidates, _parser, _preorder

    root = _parser().parse(text.encode()).root_node
    nodes = list(_preorder([root]))
    assert sum(1 for node in nodes if node.type == "command_substitution") >= 2
    for node in nodes:
        walked = [(n.start_byte, n.end_byte, n.type) for n in _preorder([node]) if n.type in _NAMED_KINDS]
        assert [(n.start_byte, n.end_byte, n.type) for n in _candidates([node])] == walked
    statements = root.named_children
    assert [n.id for n in _candidates(statements)] == [n.id for n in _preorder(statements) if n.type in _NAMED_KINDS]


@pytest.mark.parametrize("text", [
    _NESTED, "#!/bin/bash\nx=$(a | b # c\n | d && e || f >> g; h)\ny=$(! a | b)\nz=$(a=1 b <<< c | d 2>&1)\n",
])
def test_the_names_of_a_substitution_are_those_a_walk_finds(text: str) -> None:
    from scanner.loaders.shell import _command_name, _names, _parser, _preorder

    root = _parser().parse(text.encode()).root_node
    nodes = list(_preorder([root]))
    pipelines = [node for node in nodes if node.type in ("pipeline", "list")]
    assert len(pipelines) >= 3
    for node in nodes:
        walked = [name for n in _preorder([node]) if (name := _command_name(n)) is not None]
        assert _names([node]) == walked, node.text


@pytest.mark.parametrize("text", [
    b"echo ok", b"a\nb", b"x=$?", b"x=${?}", b"y=$(date)", b"echo `date`", b"echo ${PIPESTATUS[0]}", b"echo $x '$'",
    b"echo \\\n  two", b"[ -n \"$a\" ]",
])
def test_one_search_tells_a_plain_statement_as_the_two_tests_did(text: bytes) -> None:
    from scanner.loaders.shell import _MARKED, _UNPLAIN

    assert (_UNPLAIN.search(text) is None) == (b"\n" not in text and _MARKED.search(text) is None)


@pytest.mark.parametrize("text", [
    "#!/bin/sh\necho 'héllo wörld' \"$(date)\" ✓\nx=ü; [ \"$x\" = ü ] && echo ok\n",
    "#!/bin/bash\n" + "echo \"ünïcode $((1 + 2))\"; cp a b || exit 1\n" * 5000,  # past budget.CHUNK: read in chunks
])
def test_a_text_sliced_from_the_source_is_the_node_text(text: str) -> None:
    # the walker slices a node's text from the bytes parsed (``_Walker.source``) rather than asking ``node.text``
    from scanner.loaders.budget import parse_tree
    from scanner.loaders.shell import _parser, _preorder

    source = text.encode()
    root = parse_tree(_parser(), source).root_node
    nodes = list(_preorder([root]))
    assert len(nodes) > 10
    assert all(source[node.start_byte:node.end_byte] == node.text for node in nodes)


def test_a_command_that_starts_with_its_name_has_it_as_first_word() -> None:
    from scanner.loaders.shell import _first_word, _name_and_arguments, _parser, _preorder

    text = ("#!/bin/sh\nls -l; A=1 env; >f cat x; \"$cmd\" a; q=$q'&x='$1 next\n"
            "a=$(b c) d; echo `x` | grep y\nif [ -n \"$a\" ]; then f 2>&1 x; fi\n")
    commands = [n for n in _preorder([_parser().parse(text.encode()).root_node]) if n.type == "command"]
    assert len(commands) >= 10
    for node in commands:
        words = _name_and_arguments(node)
        assert (_first_word(node) or None) == (words[0] if words else None), node.text
