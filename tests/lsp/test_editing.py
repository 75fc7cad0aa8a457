"""Completion (also while the line being typed does not parse), formatting through
`seg fmt`, rename across files, and the outline."""

import shutil
from pathlib import Path

import pytest
from conftest import apply_edits, change_file, open_file, position_of, seg, uri
from lsprotocol import types
from pygls.exceptions import JsonRpcException


def doc(path: Path) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(uri=uri(path))


async def complete_at_end_of(client, path: Path, text: str, typed: str) -> list[str]:
    """Types `typed` on a new line after `text` and asks for completions at its end; the
    labels, in the order of their sort text."""
    edited = text + typed
    await change_file(client, path, edited, 2)
    result = await client.text_document_completion_async(
        types.CompletionParams(
            text_document=doc(path), position=position_of(edited, typed, 0, len(typed))
        )
    )
    items = result.items if isinstance(result, types.CompletionList) else result
    ordered = sorted(items, key=lambda i: i.sort_text or i.label)
    return [i.label for i in ordered]


async def test_completion_in_where_lists_the_event_fields_first(client, workspace: Path):
    path = workspace / "examples" / "retail_membership.seg"
    text = path.read_text(encoding="utf-8")
    await open_file(client, path)
    # The line does not parse yet: completion comes from the last analysis that did.
    labels = await complete_at_end_of(client, path, text, "\nlet z = count(orders where ")
    orders = ["amount", "category", "channel", "member_id", "order_id", "ordered_at"]
    assert labels[: len(orders)] == orders
    assert "recency" in labels and "signup_date" in labels and "lifecycle.churned" in labels


async def test_completion_after_a_segmentation_lists_its_segments(client, workspace: Path):
    path = workspace / "examples" / "retail_membership.seg"
    text = path.read_text(encoding="utf-8")
    await open_file(client, path)
    labels = await complete_at_end_of(client, path, text, "\nsegment q when lifecycle.")
    assert labels == ["active", "churned", "new", "prospect", "silent"]


async def test_completion_inside_do_lists_the_payload_fields(client, workspace: Path):
    path = workspace / "examples" / "retail_membership.seg"
    text = path.read_text(encoding="utf-8")
    await open_file(client, path)
    typed = "\ncampaign c {\n  audience reachable\n  do coupon("
    labels = await complete_at_end_of(client, path, text, typed)
    assert labels == ["channel", "cost", "min_spend", "valid_days", "value"]
    labels = await complete_at_end_of(client, path, text, typed + 'channel: "sms", ')
    assert labels == ["cost", "min_spend", "valid_days", "value"]
    labels = await complete_at_end_of(client, path, text, "\ncampaign c {\n  do ")
    assert labels == ["coupon", "points_boost", "recommend"]


async def test_completion_elsewhere_offers_names_functions_and_keywords(client, workspace: Path):
    path = workspace / "examples" / "retail_membership.seg"
    text = path.read_text(encoding="utf-8")
    await open_file(client, path)
    result = await client.text_document_completion_async(
        types.CompletionParams(
            text_document=doc(path), position=position_of(text, "tenure <= 30")
        )
    )
    by_label = {i.label: i for i in result}
    assert by_label["recency"].detail == "let: int?"
    assert by_label["active_days"].detail == "param: int"
    assert by_label["rfm.important_value"].kind == types.CompletionItemKind.EnumMember
    assert by_label["days_between"].detail == "days_between(a, b) -> int"
    assert by_label["otherwise"].kind == types.CompletionItemKind.Keyword


async def test_formatting_equals_seg_fmt(client, workspace: Path, tmp_path: Path):
    path = workspace / "examples" / "bank_tiers.seg"
    messy = (
        path.read_text(encoding="utf-8")
        .replace("\n  ", "\n      ")
        .replace(" = ", "   =  ")
        .replace("\n\n", "\n\n\n")
    )
    path.write_text(messy, encoding="utf-8")
    await open_file(client, path)
    edits = await client.text_document_formatting_async(
        types.DocumentFormattingParams(
            text_document=doc(path),
            options=types.FormattingOptions(tab_size=2, insert_spaces=True),
        )
    )
    copy = tmp_path / "copy.seg"
    shutil.copy(path, copy)
    assert seg("fmt", str(copy)).returncode == 0
    expected = copy.read_text(encoding="utf-8")
    assert expected != messy
    assert apply_edits(messy, edits) == expected


async def test_formatting_a_formatted_file_changes_nothing(client, workspace: Path):
    path = workspace / "examples" / "tobacco_retail.seg"
    assert seg("fmt", str(path)).returncode == 0
    await open_file(client, path)
    edits = await client.text_document_formatting_async(
        types.DocumentFormattingParams(
            text_document=doc(path),
            options=types.FormattingOptions(tab_size=2, insert_spaces=True),
        )
    )
    assert edits is not None and list(edits) == []


async def test_rename_changes_every_reference_across_files(client, workspace: Path):
    folder = workspace / "retail"
    membership, schema = folder / "membership.seg", folder / "schema.seg"
    (folder / "extra.seg").write_text(
        'import "membership.seg"\n\nsegment loyal when tenure_days > 1000 and not lifecycle.lapsed\n',
        encoding="utf-8",
    )
    await open_file(client, membership)
    text = membership.read_text(encoding="utf-8")
    uses = text.count("tenure_days")
    position = position_of(text, "tenure_days", 1)
    prepared = await client.text_document_prepare_rename_async(
        types.PrepareRenameParams(text_document=doc(membership), position=position)
    )
    assert prepared.start == position_of(text, "tenure_days", 1)
    edit = await client.text_document_rename_async(
        types.RenameParams(text_document=doc(membership), position=position, new_name="days_member")
    )
    changes = edit.changes
    assert set(changes) == {uri(membership), uri(folder / "extra.seg")}
    assert len(changes[uri(membership)]) == uses
    for path in (membership, folder / "extra.seg"):
        renamed = apply_edits(path.read_text(encoding="utf-8"), changes[uri(path)])
        assert "tenure_days" not in renamed
        path.write_text(renamed, encoding="utf-8")
    checked = seg("check", str(folder))
    assert checked.returncode == 0, checked.stderr
    assert schema.exists()


async def test_rename_of_a_segment_of_a_segmentation(client, workspace: Path):
    path = workspace / "examples" / "retail_membership.seg"
    await open_file(client, path)
    text = path.read_text(encoding="utf-8")
    edit = await client.text_document_rename_async(
        types.RenameParams(
            text_document=doc(path),
            position=position_of(text, "churned and reachable"),
            new_name="lost",
        )
    )
    renamed = apply_edits(text, edit.changes[uri(path)])
    assert "lifecycle.lost and reachable" in renamed
    assert 'segment lost "流失客户"' in renamed
    assert "expect \"m1\" in lifecycle.lost" in renamed


async def test_prepare_rename_refuses_a_field(client, workspace: Path):
    path = workspace / "examples" / "retail_membership.seg"
    await open_file(client, path)
    text = path.read_text(encoding="utf-8")
    with pytest.raises(JsonRpcException, match="only a let, a segment or a param"):
        await client.text_document_prepare_rename_async(
            types.PrepareRenameParams(
                text_document=doc(path), position=position_of(text, "signup_date, as_of")
            )
        )
    with pytest.raises(JsonRpcException, match="already declared"):
        await client.text_document_rename_async(
            types.RenameParams(
                text_document=doc(path),
                position=position_of(text, "recency <= active_days"),
                new_name="tenure",
            )
        )


async def test_document_symbols_outline_the_file(client, workspace: Path):
    path = workspace / "examples" / "retail_membership.seg"
    await open_file(client, path)
    symbols = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=doc(path))
    )
    names = [(s.name, s.detail) for s in symbols]
    assert names[:3] == [("member", "entity"), ("orders", "events"), ("messages", "events")]
    assert ("recency", "let") in names and ("active_days", "param") in names
    assert ("winback", "campaign") in names and ("coupon", "action") in names
    lifecycle = next(s for s in symbols if s.name == "lifecycle")
    assert [c.name for c in lifecycle.children] == ["new", "active", "silent", "churned", "prospect"]
    member = symbols[0]
    assert [c.name for c in member.children][:2] == ["member_id", "signup_date"]
    text = path.read_text(encoding="utf-8")
    assert lifecycle.selection_range.start == position_of(text, "lifecycle \"")
