"""The protocol around the features: malformed requests get error responses and the
server goes on; the VS Code extension starts the server with the right command."""

import json
import os
import subprocess
from pathlib import Path

from conftest import REPO, SEG, position_of, raw_session, uri
from lsprotocol import types


def test_a_malformed_request_gets_an_error_and_the_server_goes_on(workspace: Path):
    path = workspace / "examples" / "bank_tiers.seg"
    text = path.read_text(encoding="utf-8")
    document = {"uri": uri(path), "languageId": "seg", "version": 1, "text": text}
    at = position_of(text, "risk_profile in")
    replies = raw_session(
        [
            {"jsonrpc": "2.0", "method": "textDocument/didOpen",
             "params": {"textDocument": document}},
            {"jsonrpc": "2.0", "id": 1, "method": "textDocument/hover",
             "params": {"textDocument": {"uri": 5}, "position": "here"}},
            {"jsonrpc": "2.0", "id": 2, "method": "seg/nothing", "params": {}},
            {"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {"nonsense": 1}},
            # Positions past the end of a line or of the file are clamped.
            {"jsonrpc": "2.0", "id": 3, "method": "textDocument/hover",
             "params": {"textDocument": {"uri": uri(path)},
                        "position": {"line": 10_000, "character": 2**31 - 1}}},
            {"jsonrpc": "2.0", "id": 4, "method": "textDocument/definition",
             "params": {"textDocument": {"uri": uri(path)},
                        "position": {"line": at.line, "character": at.character}}},
        ]
    )
    by_id = {reply.get("id"): reply for reply in replies if "id" in reply}
    assert by_id[1]["error"]["code"] == -32602  # invalid params
    assert by_id[2]["error"]["code"] == -32601  # method not found
    assert "error" not in by_id[3]
    assert by_id[4]["result"]["uri"] == uri(path)
    assert by_id["shutdown"]["result"] is None


async def test_a_file_that_is_not_open_gets_empty_answers(client, workspace: Path):
    missing = types.TextDocumentIdentifier(uri=uri(workspace / "nowhere.seg"))
    position = types.Position(line=0, character=0)
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=missing, position=position)
    )
    assert hover is None
    symbols = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=missing)
    )
    assert symbols is None


def vscode_launch(setting: str | None) -> dict:
    env = dict(os.environ)
    env.pop("SEG_PATH_SETTING", None)
    if setting is not None:
        env["SEG_PATH_SETTING"] = setting
    script = Path(__file__).with_name("vscode_launch.js")
    extension = REPO / "editors" / "vscode" / "extension.js"
    output = subprocess.run(
        ["node", str(script), str(extension)], capture_output=True, text=True, env=env, timeout=60
    )
    assert output.returncode == 0, output.stderr
    return json.loads(output.stdout)


def test_the_vscode_extension_starts_seg_lsp():
    launch = vscode_launch(None)
    for mode in ("run", "debug"):
        assert launch["serverOptions"][mode] == {"command": "seg", "args": ["lsp"]}
    assert launch["clientOptions"]["documentSelector"] == [{"scheme": "file", "language": "seg"}]
    assert "error" not in launch


def test_the_command_the_extension_starts_is_a_language_server():
    launch = vscode_launch(SEG)
    command = launch["serverOptions"]["run"]
    assert command["command"] == SEG
    replies = raw_session([], [command["command"], *command["args"]])
    capabilities = replies[0]["result"]["capabilities"]
    assert capabilities["renameProvider"] == {"prepareProvider": True}
    assert capabilities["documentFormattingProvider"] is True
