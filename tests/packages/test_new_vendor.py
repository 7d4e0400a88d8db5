"""Adding a vendor, as README's "Adding a vendor" walks it: a new folder under specs/ in a copy of the project,
then validate, generate, import the new package, and call its mock through its client. No generator change.
"""

from __future__ import annotations

import importlib
import shutil
import sys
from pathlib import Path

import pytest

from generator.cli import main
from tests.helpers import MOCK_KEY, ROOT, sync_transport, vendors

VENDOR = "acme_pbx"
SPEC = """\
openapi: 3.1.0
info:
  title: Acme PBX API
  version: "2"
  description: A throwaway vendor that proves a new spec needs no generator change.
  x-source: {document: acme-pbx.md, version: "2"}
servers:
  - url: https://pbx.acme.example/api/v2
tags:
  - name: extensions
    description: Extensions of the PBX.
security:
  - apiKey: []
paths:
  /extensions:
    get:
      operationId: list_extensions
      summary: List extensions
      description: Every extension of the account.
      tags: [extensions]
      responses:
        "200":
          description: The extensions.
          content:
            application/json:
              schema: {type: array, items: {$ref: "#/components/schemas/Extension"}}
              example: [{id: 1, name: Reception}]
        "401": {$ref: "#/components/responses/Unauthorized"}
    post:
      operationId: create_extension
      summary: Create an extension
      description: Adds an extension and answers it with its new id.
      tags: [extensions]
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/NewExtension"}
            example: {name: Sales}
      responses:
        "201":
          description: Created.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Extension"}
              example: {id: 2, name: Sales}
        "400": {$ref: "#/components/responses/BadRequest"}
        "401": {$ref: "#/components/responses/Unauthorized"}
  /extensions/{extension_id}:
    get:
      operationId: get_extension
      summary: Get an extension
      description: One extension by its id.
      tags: [extensions]
      parameters:
        - {name: extension_id, in: path, required: true, schema: {type: integer}}
      responses:
        "200":
          description: The extension.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Extension"}
              example: {id: 1, name: Reception}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "404":
          description: No such extension.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Error"}
              example: {error: not found}
components:
  securitySchemes:
    apiKey: {type: apiKey, in: header, name: X-Api-Key}
  responses:
    BadRequest:
      description: Invalid input.
      content:
        application/json:
          schema: {$ref: "#/components/schemas/Error"}
          example: {error: name is required}
    Unauthorized:
      description: Missing or wrong key.
      content:
        application/json:
          schema: {$ref: "#/components/schemas/Error"}
          example: {error: unauthorized}
  schemas:
    NewExtension:
      type: object
      required: [name]
      properties:
        name: {type: string, description: What the extension is called.}
    Extension:
      type: object
      required: [id, name]
      properties:
        id: {type: integer, description: The extension's id.}
        name: {type: string, description: What the extension is called.}
    Error:
      type: object
      properties:
        error: {type: string, description: What went wrong.}
"""


def test_a_new_vendor_goes_through_the_whole_pipeline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(ROOT / "specs", tmp_path / "specs")
    (tmp_path / "specs" / VENDOR).mkdir()
    (tmp_path / "specs" / VENDOR / "openapi.yaml").write_text(SPEC, encoding="utf-8")
    assert VENDOR in vendors(tmp_path), "tests discover vendors from specs/"

    root = ["--root", str(tmp_path)]
    assert main([*root, "validate", VENDOR]) == 0, capsys.readouterr().out
    assert main([*root, "generate", VENDOR]) == 0, capsys.readouterr().out
    assert main([*root, "generate", "--check", VENDOR]) == 0
    assert main([*root, "docs", VENDOR, "--out", str(tmp_path / "site")]) == 0
    assert (tmp_path / "site" / VENDOR / "index.html").is_file()

    monkeypatch.syspath_prepend(str(tmp_path / "generated" / VENDOR))
    try:
        pkg = importlib.import_module(f"voxspec_{VENDOR}")
        app = importlib.import_module(f"voxspec_{VENDOR}.server").create_app()
        with pkg.Client(base_url="http://mock/api/v2", transport=sync_transport(app), api_key=MOCK_KEY) as client:
            created = client.create_extension(body=pkg.models.NewExtension(name="Support"))
            assert isinstance(created, pkg.models.Extension) and created.name == "Support"
            assert client.get_extension(extension_id=created.id) == created
            assert created in client.list_extensions()
            with pytest.raises(pkg.NotFoundError):
                client.get_extension(extension_id=created.id + 1000)
    finally:
        for name in [m for m in sys.modules if m == f"voxspec_{VENDOR}" or m.startswith(f"voxspec_{VENDOR}.")]:
            del sys.modules[name]
