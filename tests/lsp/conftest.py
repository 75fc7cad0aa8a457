"""Fixtures of the end-to-end tests of `seg lsp`: a real LSP client (pytest-lsp) talking
to the built binary over stdio, on copies of the reference programs and small fixtures.

The binary is `$SEG_BIN` (tests/lsp.rs sets it), else `target/debug/seg`; the reference
programs are `$SEG_EXAMPLES`, else `../shared/spec/examples` next to the repository.
"""

import asyncio
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

REPO = Path(__file__).resolve().parents[2]
SEG = os.environ.get("SEG_BIN") or str(REPO / "target" / "debug" / "seg")
EXAMPLES = Path(os.environ.get("SEG_EXAMPLES") or REPO.parent / "shared" / "spec" / "examples")
TIMEOUT = 20


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A folder with copies of the reference programs (`examples/`) and of the retail
    rule set of `rules/` (`retail/`, a program across two files)."""
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    shutil.copytree(REPO / "rules" / "retail", tmp_path / "retail")
    return tmp_path


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[SEG, "lsp"]))
async def client(lsp_client: LanguageClient, tmp_path: Path):
    """A client that has initialised a `seg lsp` session."""
    params = types.InitializeParams(
        capabilities=types.ClientCapabilities(),
        root_uri=tmp_path.as_uri(),
    )
    await lsp_client.initialize_session(params)
    yield
    await lsp_client.shutdown_session()


def uri(path: Path) -> str:
    return path.resolve().as_uri()


async def diagnostics_of(client: LanguageClient, path: Path) -> list[types.Diagnostic]:
    """The diagnostics published for a file, waiting for them (the caller removed the
    earlier ones from `client.diagnostics`)."""
    key = uri(path)
    for _ in range(TIMEOUT * 100):
        if key in client.diagnostics:
            return list(client.diagnostics[key])
        await asyncio.sleep(0.01)
    raise AssertionError(f"no diagnostics published for {key}")


async def open_file(client: LanguageClient, path: Path, text: str | None = None):
    """Opens a file in the client (with `text` instead of its content when given) and
    returns its diagnostics."""
    if text is None:
        text = path.read_text(encoding="utf-8")
    client.diagnostics.pop(uri(path), None)
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri(path), language_id="seg", version=1, text=text
            )
        )
    )
    return await diagnostics_of(client, path)


async def change_file(client: LanguageClient, path: Path, text: str, version: int):
    """Replaces the text of an open file and returns its new diagnostics."""
    client.diagnostics.pop(uri(path), None)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri(path), version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )
    return await diagnostics_of(client, path)


def position_of(text: str, needle: str, occurrence: int = 0, offset: int = 0) -> types.Position:
    """The LSP position (UTF-16 characters) of the `occurrence`-th `needle` in `text`,
    `offset` characters into it."""
    at = -1
    for _ in range(occurrence + 1):
        at = text.index(needle, at + 1)
    at += offset
    line = text.count("\n", 0, at)
    line_start = text.rfind("\n", 0, at) + 1
    character = len(text[line_start:at].encode("utf-16-le")) // 2
    return types.Position(line=line, character=character)


def apply_edits(text: str, edits: list[types.TextEdit]) -> str:
    """`text` with LSP edits applied (positions in UTF-16 characters)."""

    def offset(position: types.Position) -> int:
        lines = text.split("\n")
        before = sum(len(line) + 1 for line in lines[: position.line])
        line = lines[position.line] if position.line < len(lines) else ""
        units = line.encode("utf-16-le")[: position.character * 2].decode("utf-16-le")
        return before + len(units)

    ordered = sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character))
    for edit in reversed(ordered):
        text = text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end) :]
    return text


def seg(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Runs the seg binary."""
    return subprocess.run([SEG, *args], capture_output=True, text=True, cwd=cwd, timeout=60)


def raw_session(messages: list[dict], command: list[str] | None = None) -> list[dict]:
    """Runs the server (`seg lsp`, or `command`) on `messages` framed as LSP over stdin,
    each after an `initialize` and before `shutdown` and `exit`; every message it wrote,
    in order. Fails when the server does not exit cleanly."""
    import json

    session = [
        {"jsonrpc": "2.0", "id": 0, "method": "initialize",
         "params": {"processId": None, "rootUri": None, "capabilities": {}}},
        {"jsonrpc": "2.0", "method": "initialized", "params": {}},
        *messages,
        {"jsonrpc": "2.0", "id": "shutdown", "method": "shutdown"},
        {"jsonrpc": "2.0", "method": "exit"},
    ]
    framed = b""
    for message in session:
        body = json.dumps(message).encode()
        framed += b"Content-Length: %d\r\n\r\n" % len(body) + body
    server = subprocess.run(
        command or [SEG, "lsp"], input=framed, capture_output=True, timeout=60
    )
    assert server.returncode == 0, server.stderr.decode()
    replies, rest = [], server.stdout
    while rest:
        header, rest = rest.split(b"\r\n\r\n", 1)
        length = int(header.split(b":")[1])
        replies.append(json.loads(rest[:length]))
        rest = rest[length:]
    return replies
