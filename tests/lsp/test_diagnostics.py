"""Diagnostics: published on open and change, with the codes, messages and ranges of
`seg check`, lints included, in the files they belong to, and cleared when fixed."""

import json
from pathlib import Path

from conftest import change_file, diagnostics_of, open_file, seg, uri
from lsprotocol import types

SMALL = """entity customer key id {
  id: string
  city: string?
  spend: decimal
}

events orders time at {
  id: string
  at: datetime
  amount: decimal
}

let big = spend > 100
segment vip "大客户" when big and ciyt == "上海"
"""


async def test_a_check_error_is_published_at_its_range(client, tmp_path: Path):
    path = tmp_path / "small.seg"
    path.write_text(SMALL, encoding="utf-8")
    diagnostics = await open_file(client, path)
    assert len(diagnostics) == 1
    (d,) = diagnostics
    assert d.code == "seg::check::unknown_name"
    assert d.severity == types.DiagnosticSeverity.Error
    assert d.message.splitlines()[0] == "unknown name `ciyt`"
    # `ciyt` after a label of three CJK characters: UTF-16 characters 31 to 35.
    assert d.range == types.Range(
        start=types.Position(line=13, character=31), end=types.Position(line=13, character=35)
    )


async def test_diagnostics_are_those_of_seg_check(client, tmp_path: Path):
    path = tmp_path / "small.seg"
    path.write_text(SMALL.replace("let big", "let unused = 1\nlet big"), encoding="utf-8")
    diagnostics = await open_file(client, path)
    printed = json.loads(seg("check", "--format", "json", str(path)).stdout)
    assert [(d.code, d.message.splitlines()[0]) for d in diagnostics] == [
        (p["code"], p["message"]) for p in printed
    ]
    for d, p in zip(diagnostics, printed):
        assert (d.range.start.line + 1, d.range.start.character + 1) == (p["line"], p["column"])
        assert (d.range.end.line + 1, d.range.end.character + 1) == (p["end_line"], p["end_column"])


async def test_a_lint_is_a_warning_with_its_code(client, tmp_path: Path):
    path = tmp_path / "small.seg"
    fixed = SMALL.replace("ciyt", "city").replace("let big", "let unused = 1\nlet big")
    path.write_text(fixed, encoding="utf-8")
    diagnostics = await open_file(client, path)
    assert [(d.code, d.severity) for d in diagnostics] == [
        ("seg::lint::unused_let", types.DiagnosticSeverity.Warning)
    ]
    assert diagnostics[0].range.start == types.Position(line=12, character=4)


async def test_a_syntax_error_while_typing(client, tmp_path: Path):
    path = tmp_path / "small.seg"
    path.write_text(SMALL, encoding="utf-8")
    await open_file(client, path)
    broken = SMALL.replace("let big = spend > 100", "let big = (spend +")
    diagnostics = await change_file(client, path, broken, 2)
    assert [d.code for d in diagnostics] == ["seg::syntax::unexpected"]
    # The expression goes on to the next line, where `segment` cannot continue it.
    assert diagnostics[0].range.start == types.Position(line=13, character=8)


async def test_diagnostics_are_cleared_when_fixed(client, tmp_path: Path):
    path = tmp_path / "small.seg"
    path.write_text(SMALL, encoding="utf-8")
    assert len(await open_file(client, path)) == 1
    assert await change_file(client, path, SMALL.replace("ciyt", "city"), 2) == []


async def test_an_error_in_an_imported_file_goes_to_that_file(client, tmp_path: Path):
    (tmp_path / "lib.seg").write_text(
        SMALL.split("let big")[0] + "let big = spend > 1OO\n", encoding="utf-8"
    )
    root = tmp_path / "main.seg"
    root.write_text('import "lib.seg"\n\nsegment vip when big\n', encoding="utf-8")
    assert await open_file(client, root) == []
    (d,) = client.diagnostics[uri(tmp_path / "lib.seg")]
    assert d.code == "seg::syntax::unexpected"
    assert d.range.start.line == 12


async def test_an_unsaved_buffer_counts_over_the_file_on_disk(client, workspace: Path):
    schema = workspace / "retail" / "schema.seg"
    membership = workspace / "retail" / "membership.seg"
    assert await open_file(client, membership) == []
    text = schema.read_text(encoding="utf-8").replace("signup_date", "joined_on", 1)
    client.diagnostics.pop(uri(membership), None)
    await change_file(client, schema, text, 1)
    errors = await diagnostics_of(client, membership)
    assert errors[0].code == "seg::check::unknown_name"
    assert errors[0].message.startswith("unknown name `signup_date`")


async def test_the_reference_programs_check_cleanly(client, workspace: Path):
    for path in sorted((workspace / "examples").glob("*.seg")):
        diagnostics = await open_file(client, path)
        errors = [d for d in diagnostics if d.severity == types.DiagnosticSeverity.Error]
        assert errors == [], path.name


async def test_closing_a_file_clears_its_diagnostics(client, tmp_path: Path):
    path = tmp_path / "small.seg"
    path.write_text(SMALL, encoding="utf-8")
    assert len(await open_file(client, path)) == 1
    client.diagnostics.pop(uri(path), None)
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri(path)))
    )
    assert await diagnostics_of(client, path) == []


async def test_incremental_changes_are_applied_at_utf16_positions(client, tmp_path: Path):
    path = tmp_path / "small.seg"
    path.write_text(SMALL, encoding="utf-8")
    assert len(await open_file(client, path)) == 1
    client.diagnostics.pop(uri(path), None)
    # Replace `ciyt` (UTF-16 characters 31 to 35 of line 13, after the CJK label) by `city`.
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri(path), version=2),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(
                        start=types.Position(line=13, character=31),
                        end=types.Position(line=13, character=35),
                    ),
                    text="city",
                )
            ],
        )
    )
    assert await diagnostics_of(client, path) == []


async def test_the_other_labels_of_a_diagnostic_are_related_information(client, tmp_path: Path):
    path = tmp_path / "small.seg"
    text = SMALL.replace("ciyt", "city") + (
        "\nsegmentation tier {\n  segment high when spend > 10\n  segment top when spend > 20\n"
        "  segment rest otherwise\n}\n"
    )
    path.write_text(text, encoding="utf-8")
    diagnostics = await open_file(client, path)
    (d,) = [d for d in diagnostics if d.code == "seg::lint::unreachable_segment"]
    assert d.range.start.line == 17
    assert [(r.location.uri, r.location.range.start.line) for r in d.related_information] == [
        (uri(path), 16)
    ]
