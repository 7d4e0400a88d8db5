"""Write the corpus of broken specs (tests/bad_specs/cases/) and its manifest from two valid specs.

Run `python tests/bad_specs/make_corpus.py` after changing a case or a base spec; the output is deterministic.

Most cases are one edit of a committed, valid spec: the VoIPcloud spec (`specs/voipcloud/openapi.yaml`) or
the small golden fixture (`tests/golden/spec/openapi.yaml`); a few (an empty file, a bare scalar, JSON
fragments, other encodings) are written out whole. The manifest records, per case, the exit status
both `voxspec validate` and `voxspec generate` must give (1 findings, 2 unusable input), a substring
(usually a `[rule-id]`) one output line must contain, and, where the edit pins it, that line's number.

Cases bigger than COMMIT_LIMIT are not written to disk: the manifest marks them `"runtime": true` and the
tests build them with `build_case(name)`. Today that is only the 5,000-operation document (~1 MB).
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
BASES = {"voipcloud": ROOT / "specs/voipcloud/openapi.yaml", "tiny": ROOT / "tests/golden/spec/openapi.yaml"}
COMMIT_LIMIT = 256 * 1024
FINDINGS, UNUSABLE = 1, 2


@dataclass(frozen=True)
class Case:
    name: str
    content: bytes
    status: int  # the exit status of validate and generate
    expect: str  # a substring of one stdout line
    line: int | None = None  # that line's number in the case file, when the edit pins it
    about: str = ""
    folder: str = "voipcloud"  # the vendor folder the case is put in: specs/<folder>/openapi.yaml

    @property
    def runtime(self) -> bool:
        return len(self.content) > COMMIT_LIMIT


class CorpusError(Exception):
    """A base spec no longer contains the text an edit expects: re-think that case."""


def base(name: str) -> str:
    return BASES[name].read_text(encoding="utf-8")


def edit(text: str, old: str, new: str) -> tuple[str, int]:
    """Replace the first `old` by `new`; also return the line (1-based) of the first character that differs."""
    at = text.find(old)
    if at < 0:
        raise CorpusError(f"{old!r} not found in the base spec")
    same = 0
    while same < min(len(old), len(new)) and old[same] == new[same]:
        same += 1
    return text[:at] + new + text[at + len(old) :], text.count("\n", 0, at + same) + 1


def change(
    name: str, text: str, old: str, new: str, status: int, expect: str, about: str, line: int | None = 0
) -> Case:
    """A case made by one edit; line is where the expected finding is, relative to the edit (None: anywhere)."""
    changed, at = edit(text, old, new)
    return Case(name, changed.encode(), status, expect, None if line is None else at + line, about)


def line_of(text: str, needle: str) -> int:
    at = text.find(needle)
    if at < 0:
        raise CorpusError(f"{needle!r} not found")
    return text.count("\n", 0, at) + 1


# Anchors in the VoIPcloud spec that the edits below rely on.
V_OP = """    get:
      operationId: list_user_calls
"""
V_TAGS = "      tags: [calls]\n"
V_RESPONSES = """      responses:
        "200":
          description: Success
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/UserCallList"
"""
V_PARAM = """        - name: users_names
          in: query
"""
V_EXAMPLE = "                    call_duration: 95\n"
V_SCHEMA = """    Error:
      type: object
"""
V_STATUS_OP = "  /api/integration/v1/get-system-status:\n"


def yaml_syntax() -> Iterator[Case]:
    v = base("voipcloud")
    t = base("tiny")
    yield from [
        change(
            "unclosed_flow_sequence",
            v,
            V_TAGS,
            "      tags: [calls\n",
            UNUSABLE,
            "[yaml-syntax]",
            "a flow sequence never closed",
            line=None,
        ),
        change(
            "unclosed_flow_mapping",
            v,
            "x-voxspec-envelope: {code: code, message: message, data: data}",
            "x-voxspec-envelope: {code: code, message: message, data: data",
            UNUSABLE,
            "[yaml-syntax]",
            "a flow mapping never closed",
            line=None,
        ),
        change(
            "quote_runs_into_next_line",
            v,
            '$ref: "#/components/parameters/FromDate"',
            '$ref: "#/components/parameters/FromDate',
            FINDINGS,
            "[ref-resolves]",
            "a closing quote missing: the scalar runs on to the next quote",
        ),
        change(
            "unclosed_double_quote",
            t,
            "  title: Tiny\n",
            '  title: "Tiny\n',
            UNUSABLE,
            "[yaml-syntax]",
            "a double-quoted scalar never closed",
            line=None,
        ),
        change(
            "unclosed_single_quote",
            t,
            "version: '1'",
            "version: '1",
            UNUSABLE,
            "[yaml-syntax]",
            "a single-quoted scalar never closed",
            line=None,
        ),
        change(
            "bad_indentation_extra_space",
            v,
            "      summary: List calls of users\n",
            "       summary: List calls of users\n",
            UNUSABLE,
            "[yaml-syntax]",
            "one key indented one space too far",
        ),
        change(
            "bad_indentation_dedent",
            v,
            "      description: Retrieves a list of calls for the user(s) specified.",
            "     description: Retrieves a list of calls for the user(s) specified.",
            UNUSABLE,
            "[yaml-syntax]",
            "one key indented one space too little",
        ),
        change(
            "tab_indentation",
            t,
            "  title: Tiny\n",
            "\ttitle: Tiny\n",
            UNUSABLE,
            "[yaml-syntax]",
            "a tab used for indentation",
        ),
        change(
            "tab_mixed_indentation",
            v,
            "      summary: List calls to queues\n",
            "      summary:\tList calls to queues\n\t  tags: [calls]\n",
            UNUSABLE,
            "[yaml-syntax]",
            "tabs and spaces mixed in one block",
        ),
        change(
            "duplicate_key_top",
            v,
            "info:\n",
            "openapi: 3.1.1\ninfo:\n",
            UNUSABLE,
            "duplicate key",
            "`openapi` twice at the top level",
        ),
        change(
            "duplicate_key_operation",
            v,
            "      summary: List calls to ring groups\n",
            "      summary: List calls to ring groups\n      summary: Ring group calls\n",
            UNUSABLE,
            "duplicate key",
            "`summary` twice in one operation",
        ),
    ]
    dup_path = "  /api/integration/v1/get-user-calls:\n    get:\n      operationId: list_user_calls_again\n"
    yield from [
        change(
            "duplicate_key_path",
            v,
            V_STATUS_OP,
            dup_path + V_STATUS_OP,
            UNUSABLE,
            "duplicate key",
            "the same path twice",
        ),
        change(
            "duplicate_key_response",
            t,
            "        '404':\n",
            "        '200':\n          description: again\n        '404':\n",
            UNUSABLE,
            "duplicate key",
            "the same response code twice",
        ),
        change(
            "undefined_alias",
            v,
            "          description: Name of the Ring Group object.\n",
            "          description: *caller_id\n",
            UNUSABLE,
            "undefined alias",
            "an alias to an anchor that does not exist",
        ),
        change(
            "alias_loop_sequence",
            v,
            "x-voxspec-allow-list:\n",
            "x-voxspec-loop: &loop [1, *loop]\nx-voxspec-allow-list:\n",
            UNUSABLE,
            "[yaml-alias]",
            "a sequence that contains an alias to itself",
        ),
    ]
    loop = "x-voxspec-a: &a\n  b: &b\n    c: *a\n  d: 1\n"
    yield from [
        change(
            "alias_loop_a_b_a",
            v,
            "x-voxspec-allow-list:\n",
            loop + "x-voxspec-allow-list:\n",
            UNUSABLE,
            "[yaml-alias]",
            "anchor a holds b, b holds an alias to a",
            line=2,
        ),
    ]
    lol = ['x-voxspec-lol0: &lol0 "lol"\n'] + [
        f"x-voxspec-lol{i}: &lol{i} [{', '.join([f'*lol{i - 1}'] * 10)}]\n" for i in range(1, 10)
    ]
    yield from [
        change(
            "alias_bomb",
            v,
            "x-voxspec-allow-list:\n",
            "".join(lol) + "x-voxspec-allow-list:\n",
            UNUSABLE,
            "[yaml-alias]",
            "billion laughs: aliases expanding to 10^9 nodes",
            line=None,
        ),
        change(
            "merge_key_not_mapping",
            v,
            "          description: Status of the call.\n    RingGroupCall:",
            "          description: Status of the call.\n        <<: 5\n    RingGroupCall:",
            UNUSABLE,
            "[yaml-syntax]",
            "a merge key whose value is a number",
            line=None,
        ),
    ]
    yield Case(
        "multiple_documents",
        (v + "---\nopenapi: 3.1.0\n").encode(),
        UNUSABLE,
        "[yaml-syntax]",
        v.count("\n") + 1,
        "a second YAML document after the spec",
    )
    yield Case(
        "yaml_directive_2", ("%YAML 2.0\n---\n" + t).encode(), UNUSABLE, "[yaml-syntax]", None, "a %YAML 2.0 directive"
    )
    yield from [
        change(
            "colon_without_key",
            t,
            "  title: Tiny\n",
            "  title: Tiny\n  : no key\n",
            FINDINGS,
            "[openapi]",
            "a mapping entry with an empty key",
            line=None,
        ),
        change(
            "merge_self",
            t,
            "paths:\n",
            "paths: &p\n  <<: [*p]\n",
            UNUSABLE,
            "[yaml-",
            "a merge key that merges its own mapping",
            line=None,
        ),
    ]
    yield Case(
        "json_missing_comma",
        b'{"openapi": "3.1.0"\n "info": {"title": "t", "version": "1"}}\n',
        UNUSABLE,
        "[yaml-syntax]",
        2,
        "a JSON spec with a missing comma",
    )
    yield Case(
        "json_unclosed",
        b'{"openapi": "3.1.0",\n "info": {"title": "t", "version": "1"},\n "paths": {\n',
        UNUSABLE,
        "[yaml-syntax]",
        None,
        "a JSON spec cut short",
    )
    yield from [
        change(
            "block_scalar_bad_indent",
            v,
            "  schemas:\n    Error:\n",
            "  schemas:\n    Error: |\n  bad\n    Error2:\n",
            UNUSABLE,
            "[yaml-syntax]",
            "a block scalar whose text is dedented",
            line=None,
        ),
        change(
            "complex_key",
            t,
            "  title: Tiny\n",
            "  title: Tiny\n  ? [a, b]\n  : complex\n",
            FINDINGS,
            "[openapi]",
            "a sequence used as a mapping key",
            line=None,
        ),
        change(
            "huge_integer",
            t,
            "  version: '1'\n",
            "  version: '1'\n  x-big: " + "9" * 5000 + "\n",
            UNUSABLE,
            "digits",
            "a 5,000-digit integer literal (Python refuses to convert it)",
        ),
    ]


def shapes() -> Iterator[Case]:
    """Documents that are not a mapping at all."""
    v = base("voipcloud")
    yield Case("empty", b"", UNUSABLE, "[not-a-mapping]", 1, "an empty file")
    yield Case(
        "only_comment",
        b"# openapi: 3.1.0\n# nothing else\n",
        UNUSABLE,
        "[not-a-mapping]",
        1,
        "a file that is only a comment",
    )
    yield Case("only_whitespace", b"\n   \n\n", UNUSABLE, "[not-a-mapping]", 1, "blank lines only")
    yield Case("only_document_marker", b"---\n...\n", UNUSABLE, "[not-a-mapping]", 1, "an explicit but empty document")
    yield Case("scalar_string", b"openapi 3.1.0 spec\n", UNUSABLE, "[not-a-mapping]", 1, "a plain string document")
    yield Case("scalar_number", b"3.1\n", UNUSABLE, "[not-a-mapping]", 1, "a number document")
    yield Case("scalar_null", b"~\n", UNUSABLE, "[not-a-mapping]", 1, "a null document")
    yield Case("scalar_bool", b"true\n", UNUSABLE, "[not-a-mapping]", 1, "a boolean document")
    yield Case(
        "top_level_list",
        ("- " + v.replace("\n", "\n  ")).rstrip().encode() + b"\n",
        UNUSABLE,
        "[not-a-mapping]",
        1,
        "the whole spec inside a one-item list",
    )
    yield Case("tagged_string_document", b"!spec openapi\n", UNUSABLE, "[not-a-mapping]", 1, "a tagged scalar document")


def encodings() -> Iterator[Case]:
    v = base("voipcloud")
    t = base("tiny")
    raw = v.encode()
    at = raw.index(b"click-to-call")
    line = raw.count(b"\n", 0, at) + 1
    yield Case(
        "non_utf8_latin1",
        raw.replace(b"Call lists for users", b"Call lists for us\xe9rs", 1),
        UNUSABLE,
        "[encoding]",
        line_of(v, "Call lists for users"),
        "an ISO-8859-1 e-acute in a description",
    )
    yield Case(
        "non_utf8_cp1252_quotes",
        raw.replace(b"Regional PBX host.", b"\x93Regional\x94 PBX host.", 1),
        UNUSABLE,
        "[encoding]",
        line_of(v, "Regional PBX host."),
        "Windows-1252 smart quotes",
    )
    yield Case(
        "non_utf8_continuation",
        raw.replace(b"Ring Group object", b"Ring \x80Group object", 1),
        UNUSABLE,
        "[encoding]",
        line_of(v, "Ring Group object"),
        "a stray UTF-8 continuation byte",
    )
    yield Case(
        "truncated_utf8",
        t.encode() + "  x-name: caf\u00e9".encode()[:-1],
        UNUSABLE,
        "[encoding]",
        t.count("\n") + 1,
        "a file that ends inside a two-byte character",
    )
    yield Case(
        "utf16_with_bom",
        "\ufeff".encode("utf-16-le") + t.encode("utf-16-le"),
        UNUSABLE,
        "UTF-16",
        1,
        "the spec saved as UTF-16",
    )
    yield Case(
        "utf32_with_bom",
        "\ufeff".encode("utf-32-le") + t.encode("utf-32-le"),
        UNUSABLE,
        "UTF-32",
        1,
        "the spec saved as UTF-32",
    )
    yield from [
        change(
            "nul_byte",
            t,
            "  title: Tiny\n",
            "  title: Ti\x00ny\n",
            UNUSABLE,
            "[yaml-syntax]",
            "a NUL byte inside a value",
        ),
        change(
            "control_character",
            v,
            "Retrieves the current system status",
            "Retrieves the \x1b[1mcurrent\x1b[0m system status",
            UNUSABLE,
            "[yaml-syntax]",
            "ANSI escape codes pasted into a description",
        ),
    ]
    bom = "\ufeff"
    text, line = edit(v, "      operationId: list_queue_calls\n", "      operationId: list_user_calls\n")
    yield Case(
        "bom_then_duplicate_operation_id",
        (bom + text).encode(),
        FINDINGS,
        "[operation-id]",
        line,
        "a UTF-8 BOM before a spec with a finding on a known line",
    )
    yield from [
        change(
            "bom_inside_document",
            v,
            "\npaths:\n",
            f"\n{bom}paths:\n",
            FINDINGS,
            "[openapi]",
            "a byte-order mark glued to the `paths` key",
        ),
        change(
            "lone_surrogate_escape",
            t,
            "  title: Tiny\n",
            '  title: "Tiny \\ud800"\n',
            UNUSABLE,
            "[encoding]",
            "an escaped unpaired UTF-16 surrogate",
        ),
    ]


def versions() -> Iterator[Case]:
    v = base("voipcloud")
    for name, new, expect, about in [
        ("openapi_3_0", "openapi: 3.0.3\n", "3.0.3", "an OpenAPI 3.0 document"),
        ("openapi_2_swagger", 'swagger: "2.0"\n', "no `openapi` field", "a Swagger 2.0 marker instead of openapi"),
        ("openapi_float", "openapi: 3.1\n", "a string", "an unquoted 3.1 (a float)"),
        ("openapi_4", "openapi: 4.0.0\n", "4.0.0", "a future major version"),
        ("openapi_words", "openapi: three point one\n", "three point one", "a version in words"),
        ("openapi_list", "openapi: [3.1.0]\n", "a string", "the version inside a list"),
        ("openapi_missing", "", "no `openapi` field", "no openapi field at all"),
    ]:
        text, _ = edit(v, "openapi: 3.1.0\n", new)
        yield Case(name, text.encode(), FINDINGS, expect, 1, about)


def wrong_types() -> Iterator[Case]:
    v = base("voipcloud")
    t = base("tiny")

    def renamed(text: str, key_line: str, replacement: str) -> tuple[str, int]:
        """Keep the old block under an x- key (so no other finding appears) and give the key a new value."""
        indent = key_line[: len(key_line) - len(key_line.lstrip())]
        key = key_line.strip().rstrip(":")
        return edit(text, key_line, f"{indent}{key}: {replacement}\n{indent}x-was-{key.strip('/')}:\n")

    text, line = renamed(v, "paths:\n", "[/a, /b]")
    yield Case("paths_list", text.encode(), FINDINGS, "[openapi]", line, "paths is a list")
    text, line = renamed(v, "paths:\n", "/api/integration/v1/get-user-calls")
    yield Case("paths_string", text.encode(), FINDINGS, "[openapi]", line, "paths is a string")
    text, line = renamed(v, "paths:\n", "42")
    yield Case("paths_number", text.encode(), FINDINGS, "[openapi]", line, "paths is a number")
    text, line = renamed(t, "info:\n", "Tiny API")
    yield Case("info_string", text.encode(), FINDINGS, "[openapi]", line, "info is a string")
    yield from [
        change(
            "info_missing",
            t,
            "info:\n  title: Tiny\n  version: '1'\n",
            "",
            FINDINGS,
            "info",
            "no info object",
            line=None,
        ),
        change(
            "info_version_list",
            t,
            "  version: '1'\n",
            "  version: [1, 2]\n",
            FINDINGS,
            "[openapi]",
            "info.version is a list",
        ),
        change(
            "responses_string",
            v,
            V_RESPONSES,
            "      responses: every call\n      x-was-responses:\n" + V_RESPONSES.split("\n", 1)[1],
            FINDINGS,
            "[openapi]",
            "responses is a string",
        ),
        change(
            "responses_list",
            v,
            V_RESPONSES,
            "      responses: [200, 400]\n      x-was-responses:\n" + V_RESPONSES.split("\n", 1)[1],
            FINDINGS,
            "[openapi]",
            "responses is a list",
        ),
        change(
            "responses_number",
            v,
            V_RESPONSES,
            "      responses: 200\n      x-was-responses:\n" + V_RESPONSES.split("\n", 1)[1],
            FINDINGS,
            "[openapi]",
            "responses is a number",
        ),
        change(
            "responses_null",
            v,
            V_RESPONSES,
            "      responses:\n      x-was-responses:\n" + V_RESPONSES.split("\n", 1)[1],
            FINDINGS,
            "[openapi]",
            "responses is null",
            line=-1,
        ),
        change(
            "response_code_empty",
            t,
            "        '404':\n",
            "        '':\n          description: nameless\n        '404':\n",
            FINDINGS,
            "[openapi]",
            "a response keyed by an empty string",
        ),
        change(
            "response_code_invalid",
            t,
            "        '404':\n",
            "        '2000':\n          description: odd\n        '404':\n",
            FINDINGS,
            "[openapi]",
            "a response code with four digits",
        ),
        change(
            "response_string",
            t,
            "        '404':\n          description: missing\n",
            "        '404': not found\n        x-was-404:\n          description: missing\n",
            FINDINGS,
            "[openapi]",
            "one response is a string",
        ),
        change(
            "parameter_without_in",
            v,
            V_PARAM,
            "        - name: users_names\n",
            FINDINGS,
            "[openapi]",
            "a parameter without `in`",
            line=None,
        ),
        change(
            "parameter_without_name",
            v,
            V_PARAM,
            "        - in: query\n",
            FINDINGS,
            "[openapi]",
            "a parameter without `name`",
            line=None,
        ),
        change(
            "parameter_in_body",
            v,
            V_PARAM,
            "        - name: users_names\n          in: body\n",
            FINDINGS,
            "[openapi]",
            "`in: body`, a Swagger 2 location",
            line=None,
        ),
        change(
            "parameter_in_list",
            v,
            V_PARAM,
            "        - name: users_names\n          in: [query]\n",
            FINDINGS,
            "[openapi]",
            "`in` is a list",
            line=None,
        ),
        change(
            "parameter_name_and_in_mappings",
            v,
            V_PARAM,
            "        - name: {users: names}\n          in: {query: 1}\n",
            FINDINGS,
            "[openapi]",
            "`name` and `in` are mappings",
            line=None,
        ),
        change(
            "parameter_string",
            t,
            "      - name: id\n        in: path\n        required: true\n        schema:\n          type: integer\n",
            "      - id\n",
            FINDINGS,
            "[openapi]",
            "a parameter that is just its name",
            line=None,
        ),
        change(
            "parameters_mapping",
            t,
            "      parameters:\n      - name: id\n",
            "      parameters:\n        id:\n          name: id\n      x-was-parameters:\n      - name: id\n",
            FINDINGS,
            "[openapi]",
            "parameters is a mapping",
            line=None,
        ),
        change(
            "operation_list",
            t,
            "    get:\n",
            "    get: [get_thing]\n    x-was-get:\n",
            FINDINGS,
            "[openapi]",
            "an operation that is a list",
        ),
        change(
            "operation_string",
            t,
            "    get:\n",
            "    get: get_thing\n    x-was-get:\n",
            FINDINGS,
            "[openapi]",
            "an operation that is a string",
        ),
        change(
            "path_item_string",
            t,
            "  /things/{id}:\n",
            "  /things/{id}: things\n  x-was-things:\n",
            FINDINGS,
            "[openapi]",
            "a path item that is a string",
            line=None,
        ),
        change(
            "path_unclosed_brace",
            t,
            "  /things/{id}:\n",
            "  /things/{id:\n",
            FINDINGS,
            "could not check this node",
            "a path template whose brace is never closed",
            line=1,
        ),
        change(
            "path_stray_closing_brace",
            t,
            "  /things/{id}:\n",
            "  /things/{id}}:\n",
            FINDINGS,
            "Single '}' encountered",
            "a path template with a stray closing brace",
            line=1,
        ),
        change(
            "path_without_slash",
            t,
            "  /things/{id}:\n",
            "  things/{id}:\n",
            FINDINGS,
            "[openapi]",
            "a path that does not start with /",
        ),
        change(
            "components_list",
            t,
            "components:\n",
            "components: [schemas]\nx-was-components:\n",
            FINDINGS,
            "[openapi]",
            "components is a list",
        ),
        change(
            "components_string",
            t,
            "components:\n",
            "components: schemas\nx-was-components:\n",
            FINDINGS,
            "[openapi]",
            "components is a string",
        ),
        change(
            "schemas_list",
            t,
            "  schemas:\n",
            "  schemas: [Thing, Error]\n  x-was-schemas:\n",
            FINDINGS,
            "[openapi]",
            "components.schemas is a list",
        ),
        change(
            "schemas_list_of_mappings",
            t,
            "  schemas:\n",
            "  schemas:\n    - Thing: {type: object}\n    - {Error: 1}\n  x-was-schemas:\n",
            FINDINGS,
            "[openapi]",
            "components.schemas is a list of mappings",
            line=-1,
        ),
        change(
            "schema_string",
            t,
            "    Error:\n      type: object\n",
            "    Error: object\n    x-was-error:\n      type: object\n",
            FINDINGS,
            "[openapi]",
            "a component schema that is a string",
        ),
        change(
            "schema_type_unknown",
            v,
            V_SCHEMA,
            "    Error:\n      type: objekt\n",
            FINDINGS,
            "[openapi]",
            "type: objekt",
            line=None,
        ),
        change(
            "schema_type_number",
            v,
            V_SCHEMA,
            "    Error:\n      type: 5\n",
            FINDINGS,
            "[openapi]",
            "type: 5",
            line=None,
        ),
        change(
            "properties_list",
            t,
            "      properties:\n        id:\n",
            "      properties:\n      - id:\n",
            FINDINGS,
            "[openapi]",
            "properties is a list",
            line=None,
        ),
        change(
            "required_string",
            t,
            "      required:\n      - id\n",
            "      required: id\n",
            FINDINGS,
            "[openapi]",
            "required is a string, not a list",
        ),
        change(
            "enum_string",
            t,
            "          enum:\n          - a\n          - b\n",
            "          enum: a\n",
            FINDINGS,
            "[openapi]",
            "enum is a string",
            line=None,
        ),
        change(
            "enum_empty",
            t,
            "          enum:\n          - a\n          - b\n",
            "          enum: []\n",
            FINDINGS,
            "[",
            "an empty enum",
            line=None,
        ),
        change(
            "enum_duplicate",
            t,
            "          enum:\n          - a\n          - b\n",
            "          enum:\n          - a\n          - a\n",
            FINDINGS,
            "[enum-unique]",
            "an enum that repeats a value",
            line=None,
        ),
        change(
            "enum_default_outside",
            t,
            "          default: a\n",
            "          default: c\n",
            FINDINGS,
            "[enum-unique]",
            "a default that is not in the enum",
        ),
        change(
            "items_list",
            v,
            '          items: {$ref: "#/components/schemas/UserCall"}\n',
            '          items: [{$ref: "#/components/schemas/UserCall"}]\n',
            FINDINGS,
            "[openapi]",
            "items is a list (tuple validation from old drafts)",
        ),
        change(
            "content_list",
            t,
            (
                "          content:\n            application/json:\n              schema:\n"
                "                $ref: '#/components/schemas/Thing'\n"
            ),
            (
                "          content:\n          - application/json\n          x-was-content:\n"
                "            application/json:\n              schema:\n"
                "                $ref: '#/components/schemas/Thing'\n"
            ),
            FINDINGS,
            "[openapi]",
            "content is a list",
            line=-1,
        ),
        change(
            "media_type_string",
            t,
            (
                "            application/json:\n              schema:\n"
                "                $ref: '#/components/schemas/Error'\n"
            ),
            (
                "            application/json: json\n            x-was-json:\n              schema:\n"
                "                $ref: '#/components/schemas/Error'\n"
            ),
            FINDINGS,
            "[openapi]",
            "a media type object that is a string",
        ),
        change(
            "tags_string",
            t,
            "tags:\n- name: things\n  description: Things.\n",
            "tags: things\n",
            FINDINGS,
            "[openapi]",
            "the top-level tags are a string",
        ),
        change(
            "tags_number",
            t,
            "tags:\n- name: things\n  description: Things.\n",
            "tags: 7\n",
            FINDINGS,
            "[openapi]",
            "the top-level tags are a number",
        ),
        change(
            "tags_entry_string",
            t,
            "tags:\n- name: things\n  description: Things.\n",
            "tags:\n- things\n",
            FINDINGS,
            "[openapi]",
            "a top-level tag that is a bare string",
        ),
        change(
            "tag_name_list",
            t,
            "tags:\n- name: things\n",
            "tags:\n- name: [things]\n",
            FINDINGS,
            "[openapi]",
            "a tag whose name is a list",
        ),
        change(
            "operation_tags_string",
            v,
            V_TAGS,
            "      tags: calls\n",
            FINDINGS,
            "[openapi]",
            "an operation's tags are a string",
        ),
        change(
            "operation_tags_number",
            v,
            V_TAGS,
            "      tags: 3\n",
            FINDINGS,
            "[openapi]",
            "an operation's tags are a number",
        ),
        change(
            "operation_tags_mappings",
            v,
            V_TAGS,
            "      tags: [{name: calls}]\n",
            FINDINGS,
            "[openapi]",
            "an operation tag that is a mapping",
        ),
        change(
            "security_mapping",
            v,
            "security:\n  - token: []\n  - api_key: []\n",
            "security:\n  token: []\n  api_key: []\n",
            FINDINGS,
            "[openapi]",
            "security is a mapping, not a list",
            line=-1,
        ),
        change(
            "security_requirement_string",
            v,
            "security:\n  - token: []\n",
            "security:\n  - token\n",
            FINDINGS,
            "[openapi]",
            "a security requirement that is a string",
        ),
        change(
            "security_undeclared_scheme",
            v,
            "security:\n  - token: []\n",
            "security:\n  - tokn: []\n",
            FINDINGS,
            "[security-declared]",
            "a requirement naming no declared scheme",
        ),
        change(
            "security_schemes_list",
            t,
            "  securitySchemes:\n    key:\n",
            "  securitySchemes: [key]\n  x-was-schemes:\n    key:\n",
            FINDINGS,
            "[openapi]",
            "securitySchemes is a list",
        ),
        change(
            "security_scheme_type_unknown",
            t,
            "      type: apiKey\n",
            "      type: password\n",
            FINDINGS,
            "[openapi]",
            "a security scheme of an unknown type",
            line=None,
        ),
        change(
            "operation_id_number",
            v,
            "      operationId: list_user_calls\n",
            "      operationId: 42\n",
            FINDINGS,
            "[openapi]",
            "an operationId that is a number",
        ),
        change(
            "operation_id_list",
            v,
            "      operationId: list_user_calls\n",
            "      operationId: [list, user, calls]\n",
            FINDINGS,
            "[openapi]",
            "an operationId that is a list",
        ),
        change(
            "operation_id_camel_case",
            v,
            "      operationId: list_user_calls\n",
            "      operationId: listUserCalls\n",
            FINDINGS,
            "[operation-id]",
            "a camelCase operationId",
        ),
        change(
            "summary_list",
            v,
            "      summary: List calls of users\n",
            "      summary: [List, calls]\n",
            FINDINGS,
            "[openapi]",
            "a summary that is a list",
        ),
        change(
            "description_mapping",
            v,
            "      description: Retrieves the current system status as reported by the VoIPcloud NOC.\n",
            "      description: {text: status}\n",
            FINDINGS,
            "[openapi]",
            "a description that is a mapping",
        ),
        change(
            "servers_string",
            v,
            "servers:\n  - url: https://{region}.voipcloud.online\n",
            "servers: https://au.voipcloud.online\nx-was-servers:\n  - url: https://{region}.voipcloud.online\n",
            FINDINGS,
            "[openapi]",
            "servers is a string",
        ),
        change(
            "server_variables_list",
            v,
            "    variables:\n      region:\n        default: au\n",
            "    variables:\n      - region:\n          default: au\n",
            FINDINGS,
            "[openapi]",
            "server variables are a list",
            line=-1,
        ),
        change(
            "minimum_string",
            t,
            "          type: integer\n",
            "          type: integer\n          minimum: ten\n",
            FINDINGS,
            "[openapi]",
            "a minimum that is a word",
        ),
        change(
            "deprecated_string",
            t,
            "    get:\n",
            "    get:\n      deprecated: maybe\n",
            FINDINGS,
            "[openapi]",
            "deprecated: maybe",
        ),
    ]


def refs() -> Iterator[Case]:
    v = base("voipcloud")
    t = base("tiny")
    yield from [
        change(
            "ref_missing_schema",
            v,
            '$ref: "#/components/schemas/UserCallList"',
            '$ref: "#/components/schemas/UserCallLists"',
            FINDINGS,
            "[ref-resolves]",
            "a $ref to a schema that does not exist",
        ),
        change(
            "ref_missing_response",
            v,
            '$ref: "#/components/responses/NotFound"',
            '$ref: "#/components/responses/Missing"',
            FINDINGS,
            "[ref-resolves]",
            "a $ref to a response that does not exist",
        ),
        change(
            "ref_missing_parameter",
            v,
            '$ref: "#/components/parameters/Limit"',
            '$ref: "#/components/parameters/limit"',
            FINDINGS,
            "[ref-resolves]",
            "a $ref to a parameter under the wrong case",
        ),
        change(
            "ref_external_file",
            v,
            '$ref: "#/components/schemas/Error"',
            '$ref: "common.yaml#/components/schemas/Error"',
            FINDINGS,
            "external $ref",
            "a $ref to another file",
        ),
        change(
            "ref_external_url",
            v,
            '$ref: "#/components/schemas/Error"',
            '$ref: "https://example.com/errors.yaml#/Error"',
            FINDINGS,
            "external $ref",
            "a $ref to a URL",
        ),
        change(
            "ref_pointer_without_slash",
            v,
            '$ref: "#/components/schemas/Error"',
            '$ref: "#components/schemas/Error"',
            FINDINGS,
            "[ref-resolves]",
            "a $ref fragment without its leading slash",
        ),
        change(
            "ref_not_string",
            v,
            '$ref: "#/components/schemas/Error"',
            "$ref: 404",
            FINDINGS,
            "$ref",
            "a $ref that is a number",
        ),
        change("ref_empty", v, '$ref: "#/components/schemas/Error"', '$ref: ""', FINDINGS, "$ref", "an empty $ref"),
        change(
            "ref_bad_escape",
            v,
            '$ref: "#/components/schemas/Error"',
            '$ref: "#/paths/~1api~1integration~1v1~1get-user-calls/get/responses/~2"',
            FINDINGS,
            "[ref-resolves]",
            "a $ref with an invalid ~2 escape",
        ),
        change(
            "ref_index_out_of_range",
            v,
            '$ref: "#/components/schemas/Error"',
            '$ref: "#/components/schemas/UserCall/required/99"',
            FINDINGS,
            "[ref-resolves]",
            "a $ref to a list index that does not exist",
        ),
    ]
    loop = (
        '    LoopA:\n      $ref: "#/components/schemas/LoopB"\n    LoopB:\n      $ref: "#/components/schemas/LoopA"\n'
    )
    text, _ = edit(v, "  schemas:\n    Error:\n", "  schemas:\n" + loop + "    Error:\n")
    text, _ = edit(
        text,
        '        data: {$ref: "#/components/schemas/SystemStatus"}\n',
        '        data: {$ref: "#/components/schemas/LoopA"}\n',
    )
    yield Case("ref_loop_schemas", text.encode(), FINDINGS, "circular", None, "schema A is a $ref to B, B a $ref to A")
    yield from [
        change(
            "ref_self",
            v,
            "    SystemStatus:\n      type: object\n",
            '    SystemStatus:\n      $ref: "#/components/schemas/SystemStatus"\n      type: object\n',
            FINDINGS,
            "circular",
            "a schema that is a $ref to itself",
            line=None,
        ),
    ]
    text, _ = edit(
        v,
        "    Limit:\n      name: limit\n",
        '    Limit:\n      $ref: "#/components/parameters/Offset"\n      name: limit\n',
    )
    text, _ = edit(
        text,
        "    Offset:\n      name: offset\n",
        '    Offset:\n      $ref: "#/components/parameters/Limit"\n      name: offset\n',
    )
    yield Case("ref_loop_parameters", text.encode(), FINDINGS, "circular", None, "parameter Limit -> Offset -> Limit")
    yield from [
        change(
            "ref_loop_responses",
            v,
            "    NotFound:\n      description: Tenant or required data not found\n",
            (
                '    NotFound:\n      $ref: "#/components/responses/Gone"\n    Gone:\n'
                '      $ref: "#/components/responses/NotFound"\n'
            ),
            FINDINGS,
            "circular",
            "response NotFound -> Gone -> NotFound",
            line=None,
        ),
    ]
    chain = (
        "".join(
            (
                f"    Chain{i}:\n      type: object\n      properties:\n"
                f'        next: {{$ref: "#/components/schemas/Chain{i + 1}"}}\n'
            )
            for i in range(1500)
        )
        + '    Chain1500:\n      $ref: "#/components/schemas/Nowhere"\n'
    )
    text, _ = edit(v, "  schemas:\n    Error:\n", "  schemas:\n" + chain + "    Error:\n")
    text, _ = edit(
        text,
        '        data: {$ref: "#/components/schemas/SystemStatus"}\n',
        '        data: {$ref: "#/components/schemas/Chain0"}\n',
    )
    yield Case(
        "ref_chain_1500_deep",
        text.encode(),
        FINDINGS,
        "[ref-resolves]",
        line_of(text, "Nowhere"),
        "1,500 schemas each referring to the next, the last dangling",
    )
    yield from [
        change(
            "ref_twice",
            t,
            "                $ref: '#/components/schemas/Thing'\n",
            "                $ref: '#/components/schemas/Thing'\n                $ref: '#/components/schemas/Error'\n",
            UNUSABLE,
            "duplicate key",
            "two $ref keys in one mapping",
        ),
    ]


def semantics() -> Iterator[Case]:
    v = base("voipcloud")
    t = base("tiny")
    yield from [
        change(
            "duplicate_operation_id",
            v,
            "      operationId: list_queue_calls\n",
            "      operationId: list_user_calls\n",
            FINDINGS,
            "[operation-id]",
            "two operations with one operationId",
        ),
    ]
    text = v
    for other in ("list_queue_calls", "list_ringgroup_calls", "call_to_number", "get_system_status"):
        text, _ = edit(text, f"operationId: {other}\n", "operationId: list_user_calls\n")
    yield Case(
        "duplicate_operation_id_everywhere",
        text.encode(),
        FINDINGS,
        "is already used",
        None,
        "every operation with the same operationId",
    )
    yield from [
        change(
            "undeclared_path_param",
            v,
            "  /api/integration/v1/get-system-status:\n",
            "  /api/integration/v1/get-system-status/{region_id}:\n",
            FINDINGS,
            "[path-params]",
            "a {region_id} in the path that no parameter declares",
            line=1,
        ),
        change(
            "path_param_renamed",
            t,
            "      - name: id\n        in: path\n",
            "      - name: thing_id\n        in: path\n",
            FINDINGS,
            "[path-params]",
            "the path says {id}, the parameter thing_id",
            line=None,
        ),
        change(
            "path_param_not_required",
            t,
            "        in: path\n        required: true\n",
            "        in: path\n        required: false\n",
            FINDINGS,
            "[openapi]",
            "a path parameter with required: false",
            line=None,
        ),
        change(
            "path_param_not_in_path",
            v,
            V_PARAM,
            "        - name: user_id\n          in: path\n          required: true\n          schema: {type: string}\n"
            + V_PARAM,
            FINDINGS,
            "[path-params]",
            "a path parameter the path does not have",
            line=None,
        ),
        change(
            "no_success_response",
            v,
            (
                '      responses:\n        "200":\n          description: Success\n          content:\n'
                "            application/json:\n              schema:\n"
                '                $ref: "#/components/schemas/SystemStatusResult"\n'
            ),
            (
                '      responses:\n        "302":\n          description: Success\n          content:\n'
                "            application/json:\n              schema:\n"
                '                $ref: "#/components/schemas/SystemStatusResult"\n'
            ),
            FINDINGS,
            "no 2xx response",
            "an operation without a 2xx response",
            line=None,
        ),
        change(
            "no_error_response",
            t,
            "        '404':\n          description: missing\n",
            "        '204':\n          description: missing\n",
            FINDINGS,
            "no error response",
            "an operation without an error response",
            line=None,
        ),
        change(
            "response_without_content",
            t,
            "        '200':\n          description: ok\n          content:\n",
            "        '200':\n          description: ok\n          x-was-content:\n",
            FINDINGS,
            "[response-content]",
            "a 200 without content and without a decision",
            line=None,
        ),
        change(
            "response_without_schema",
            t,
            "              schema:\n                $ref: '#/components/schemas/Thing'\n",
            "              x-schema:\n                $ref: '#/components/schemas/Thing'\n",
            FINDINGS,
            "has no schema",
            "a response media type without a schema",
            line=None,
        ),
        change(
            "response_without_example",
            t,
            "              example:\n                message: not found\n",
            "",
            FINDINGS,
            "has no example",
            "a response media type without an example",
            line=None,
        ),
        change(
            "example_wrong_type",
            v,
            V_EXAMPLE,
            '                    call_duration: "95"\n',
            FINDINGS,
            "[example-valid]",
            "an example string where the schema says integer",
        ),
        change(
            "example_missing_required",
            v,
            V_EXAMPLE,
            "",
            FINDINGS,
            "[example-valid]",
            "an example without a required property",
            line=None,
        ),
        change(
            "example_enum_violation",
            v,
            "                    status: abandoned\n",
            "                    status: lost\n",
            FINDINGS,
            "[example-valid]",
            "an example value outside the enum",
        ),
        change(
            "example_bad_date_time",
            v,
            '                    call_start_at: "2020-12-18T09:15:00+11:00"\n',
            '                    call_start_at: "yesterday"\n',
            FINDINGS,
            "[example-valid]",
            "an example date-time that is not one",
        ),
        change(
            "named_example_wrong_type",
            v,
            "                message: IP address is not whitelisted\n",
            "                message: [IP, address]\n",
            FINDINGS,
            "[example-valid]",
            "a named example with a list where a string belongs",
        ),
        change(
            "example_id_string",
            t,
            "              example:\n                id: 1\n",
            "              example:\n                id: one\n",
            FINDINGS,
            "[example-valid]",
            "example id: one for an integer",
        ),
        change(
            "default_below_minimum",
            v,
            "        minimum: 1\n        maximum: 10000\n        default: 100\n",
            "        minimum: 1\n        maximum: 10000\n        default: 0\n",
            FINDINGS,
            "[default-valid]",
            "a default below the minimum",
        ),
        change(
            "default_wrong_type",
            v,
            "        minimum: 0\n        default: 0\n",
            "        minimum: 0\n        default: none\n",
            FINDINGS,
            "[default-valid]",
            "a default that is a word for an integer",
        ),
        change(
            "unused_component",
            v,
            "  schemas:\n    Error:\n",
            "  schemas:\n    Orphan:\n      type: string\n    Error:\n",
            FINDINGS,
            "[unused-component]",
            "a schema nothing refers to",
        ),
    ]
    text, line = edit(t, "    Thing:\n", "    thing_model:\n")
    text, _ = edit(text, "'#/components/schemas/Thing'", "'#/components/schemas/thing_model'")
    yield Case(
        "component_name_snake_case",
        text.encode(),
        FINDINGS,
        "[component-name]",
        line,
        "a schema name that is not PascalCase",
    )
    yield from [
        change(
            "tag_undeclared",
            v,
            "      tags: [system]\n",
            "      tags: [status]\n",
            FINDINGS,
            "[operation-summary-tag]",
            "an operation tag missing from the top-level tags",
        ),
        change(
            "two_tags",
            v,
            "      tags: [system]\n",
            "      tags: [system, calls]\n",
            FINDINGS,
            "[operation-summary-tag]",
            "an operation with two tags",
            line=None,
        ),
        change(
            "no_summary",
            v,
            "      summary: Get the system status\n",
            "",
            FINDINGS,
            "has no summary",
            "an operation without a summary",
            line=None,
        ),
        change(
            "misspelt_field",
            v,
            "      summary: Get the system status\n",
            "      summry: Get the system status\n",
            FINDINGS,
            "summry",
            "summary misspelt in an operation",
        ),
        change(
            "unknown_top_level_field",
            v,
            "x-voxspec-rate-limit:\n",
            "rate-limit: 100\nx-voxspec-rate-limit:\n",
            FINDINGS,
            "rate-limit",
            "an unknown top-level field without x-",
        ),
        change(
            "rate_limit_requests_words",
            v,
            "  requests: 100\n  window-seconds: 900\n",
            "  requests: a hundred\n  window-seconds: 900\n",
            FINDINGS,
            "[extension-shape]",
            "x-voxspec-rate-limit.requests is not a number",
        ),
        change(
            "rate_limit_without_window",
            v,
            "  requests: 100\n  window-seconds: 900\n",
            "  requests: 100\n",
            FINDINGS,
            "[extension-shape]",
            "x-voxspec-rate-limit without window-seconds",
            line=None,
        ),
        change(
            "rate_limit_number",
            v,
            "x-voxspec-rate-limit:\n  requests: 100\n",
            "x-voxspec-rate-limit: 100\nx-was-limit:\n  requests: 100\n",
            FINDINGS,
            "[extension-shape]",
            "x-voxspec-rate-limit is a bare number",
        ),
        change(
            "pagination_string",
            v,
            "      x-voxspec-pagination:\n        style: offset\n",
            "      x-voxspec-pagination: offset\n      x-was-pagination:\n        style: offset\n",
            FINDINGS,
            "[extension-shape]",
            "x-voxspec-pagination is a string",
        ),
        change(
            "decision_empty",
            v,
            '      x-voxspec-decision: "The document does not describe the status payload;',
            '      x-voxspec-decision: ""\n      x-was-decision: "',
            FINDINGS,
            "[decision-text]",
            "an empty x-voxspec-decision",
        ),
        change(
            "decision_mapping",
            v,
            '      x-voxspec-decision: "The document does not describe the status payload;',
            '      x-voxspec-decision: {why: 1}\n      x-was-decision: "',
            FINDINGS,
            "[decision-text]",
            "an x-voxspec-decision that is a mapping",
        ),
        change(
            "effects_empty",
            v,
            '      x-voxspec-effects: "places a real phone call',
            '      x-voxspec-effects: ""\n      x-was-effects: "places a real phone call',
            FINDINGS,
            "[effects-text]",
            "an empty x-voxspec-effects",
        ),
        change(
            "action_get_unmarked",
            v,
            "      operationId: get_system_status\n      summary: Get the system status\n",
            "      operationId: restart_system\n      summary: Restart the system\n",
            FINDINGS,
            "[effects-marked]",
            "a GET named like an action without x-voxspec-effects",
            line=-1,
        ),
    ]


def huge_and_deep() -> Iterator[Case]:
    t = base("tiny")
    ok = "{schema: {$ref: '#/components/schemas/Thing'}, example: {id: 1}}"
    missing = "{schema: {$ref: '#/components/schemas/Error'}, example: {message: no}}"
    responses = (
        "components:\n  responses:\n"
        f"    Ok: {{description: ok, content: {{application/json: {ok}}}}}\n"
        f"    Missing: {{description: missing, content: {{application/json: {missing}}}}}\n"
    )
    ops = [
        f"  /things{i}:\n    get: {{operationId: get_thing_{i}, summary: Thing {i}, tags: [things], "
        "responses: {'200': {$ref: '#/components/responses/Ok'}, '404': {$ref: '#/components/responses/Missing'}}}\n"
        for i in range(5000)
    ]
    ops[4999] = ops[4999].replace("get_thing_4999", "get_thing_17")
    text, _ = edit(t, "paths:\n", "paths:\n" + "".join(ops))
    text, _ = edit(text, "components:\n", responses)
    yield Case(
        "huge_5000_operations",
        text.encode(),
        FINDINGS,
        "[operation-id]",
        line_of(text, "get_thing_17, summary: Thing 4999"),
        "5,000 generated operations, the last reusing an operationId",
    )
    depth = 3000
    deep = (
        "".join("      {type: object, properties: {a:\n" for _ in range(depth))
        + "      {type: string}"
        + "}}" * depth
        + "\n"
    )
    yield from [
        change(
            "deep_schema_3000",
            t,
            "  schemas:\n",
            "  schemas:\n    Deep:\n" + deep,
            UNUSABLE,
            "[yaml-depth]",
            "a schema nested 3,000 levels deep (flow style, one level a line)",
            line=None,
        ),
    ]
    deep = "".join("  " * (i + 3) + "items:\n" + "  " * (i + 3) + "  type: array\n" for i in range(150))
    yield from [
        change(
            "deep_schema_block_150",
            t,
            "  schemas:\n",
            "  schemas:\n    Deep:\n      type: array\n" + deep,
            UNUSABLE,
            "[yaml-depth]",
            "a schema nested 150 levels deep in block style",
            line=None,
        ),
        change(
            "deep_flow_sequence_5000",
            t,
            "  version: '1'\n",
            "  version: '1'\n  x-deep: " + "[\n" * 5000 + "]" * 5000 + "\n",
            UNUSABLE,
            "[yaml-depth]",
            "a flow sequence nested 5,000 levels, one bracket a line",
            line=None,
        ),
        change(
            "deep_flow_sequence_one_line",
            t,
            "  version: '1'\n",
            "  version: '1'\n  x-deep: " + "[" * 500 + "]" * 500 + "\n",
            UNUSABLE,
            "[yaml-depth]",
            "a flow sequence nested 500 levels on one line",
        ),
        change(
            "deep_flow_mapping_one_line",
            t,
            "  version: '1'\n",
            "  version: '1'\n  x-deep: " + "{a: " * 400 + "1" + "}" * 400 + "\n",
            UNUSABLE,
            "[yaml-depth]",
            "a flow mapping nested 400 levels on one line",
        ),
    ]
    wide = "".join(f"    Wide{i}: {{type: string}}\n" for i in range(2000))
    yield from [
        change(
            "two_thousand_unused_schemas",
            t,
            "  schemas:\n",
            "  schemas:\n" + wide,
            FINDINGS,
            "[unused-component]",
            "2,000 schemas nobody uses",
        ),
    ]


# huge_and_deep comes first: build_case finds the big cases there (all made from the golden fixture)
# without running the other groups' edits.
# Vendor folder names that are not lower-case identifiers: each names the package, generated/<folder> and the
# docs links, so a valid spec in such a folder is refused at its first line.
HOSTILE_FOLDERS = {
    "javascript_url": ("javascript:alert(1)", "a `javascript:` URL, which the docs index would link to"),
    "space": ("voip cloud", "a space, which pip cannot install as a package name"),
    "dots": ("voip.cloud", "dots, which Python reads as subpackages"),
    "upper_case": ("VoIPcloud", "upper-case letters"),
    "hyphen": ("voip-cloud", "a hyphen, not an identifier character"),
    "leading_digit": ("2voip", "a leading digit"),
    "attribute": ('x"onclick="alert(1)', "quotes that would close an HTML attribute of the docs"),
    "non_ascii": ("t\u00e9lphin", "a non-ASCII letter"),
}


def docstring_terminators() -> Iterator[Case]:
    """Docstring terminators where spec text becomes a Python name, not prose: refused with a finding (in prose
    they are escaped, see test_unusual_specs.py)."""
    v = base("voipcloud")
    yield from [
        change(
            "docstring_terminator_in_operation_id",
            v,
            "      operationId: list_user_calls\n",
            '      operationId: \'list_user_calls"""\'\n',
            FINDINGS,
            "[operation-id]",
            "an operationId (a method name) ending in three quotes",
        ),
        change(
            "docstring_terminator_in_schema_name",
            v,
            "    Error:\n",
            '    \'Error"""\':\n',
            FINDINGS,
            "[component-name]",
            "a schema name (a class name) ending in three quotes",
        ),
    ]


def vendor_folders() -> Iterator[Case]:
    text = base("tiny").encode()
    for name, (folder, what) in HOSTILE_FOLDERS.items():
        about = f"a valid spec in a folder with {what}"
        yield Case(f"vendor_folder_{name}", text, FINDINGS, "[vendor-name]", 1, about, folder)


GROUPS: tuple[Callable[[], Iterator[Case]], ...] = (
    huge_and_deep,
    yaml_syntax,
    shapes,
    encodings,
    versions,
    wrong_types,
    refs,
    semantics,
    docstring_terminators,
    vendor_folders,
)


def all_cases() -> list[Case]:
    cases = [case for group in GROUPS for case in group()]
    names = [c.name for c in cases]
    if len(names) != len(set(names)):
        raise CorpusError("two cases share a name")
    return cases


def build_case(name: str) -> bytes:
    """The bytes of one case, for the cases too big to commit."""
    for group in GROUPS:
        for case in group():
            if case.name == name:
                return case.content
    raise KeyError(name)


def manifest(cases: list[Case]) -> dict[str, object]:
    return {
        "about": "Broken specs for tests/bad_specs; written by make_corpus.py, do not edit by hand.",
        "bases": {
            name: {
                "path": path.relative_to(ROOT).as_posix(),
                "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            }
            for name, path in BASES.items()
        },
        "cases": {
            case.name: {
                "file": None if case.runtime else f"cases/{case.name}.yaml",
                "runtime": case.runtime,
                "status": case.status,
                "expect": case.expect,
                "line": case.line,
                "about": case.about,
                "folder": case.folder,
                "sha256": hashlib.sha256(case.content).hexdigest(),
            }
            for case in cases
        },
    }


def write(folder: Path = HERE) -> list[Case]:
    cases = all_cases()
    out = folder / "cases"
    out.mkdir(parents=True, exist_ok=True)
    wanted = {f"{c.name}.yaml" for c in cases if not c.runtime}
    for stale in out.glob("*.yaml"):
        if stale.name not in wanted:
            stale.unlink()
    for case in cases:
        if not case.runtime:
            (out / f"{case.name}.yaml").write_bytes(case.content)
    text = json.dumps(manifest(cases), indent=2, ensure_ascii=False) + "\n"
    (folder / "manifest.json").write_text(text, encoding="utf-8")
    return cases


def main() -> int:
    cases = write()
    size = sum(len(c.content) for c in cases if not c.runtime)
    print(f"{len(cases)} cases, {sum(c.runtime for c in cases)} built at run time, {size / 1024:.0f} KiB on disk")
    return 0


if __name__ == "__main__":
    sys.exit(main())
