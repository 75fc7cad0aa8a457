"""Hover, go to definition and references, on the reference programs and on the retail
rule set, whose rules import their schema from another file."""

from pathlib import Path

from conftest import open_file, position_of, uri
from lsprotocol import types


def doc(path: Path) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(uri=uri(path))


async def hover(client, path: Path, needle: str, occurrence: int = 0) -> str:
    text = path.read_text(encoding="utf-8")
    result = await client.text_document_hover_async(
        types.HoverParams(
            text_document=doc(path), position=position_of(text, needle, occurrence, 1)
        )
    )
    assert result is not None, f"no hover on {needle!r}"
    return result.contents.value


async def test_hover_on_a_let_gives_its_type_and_definition(client, workspace: Path):
    path = workspace / "examples" / "retail_membership.seg"
    await open_file(client, path)
    shown = await hover(client, path, "recency <= active_days")
    assert "let recency: int?" in shown
    assert "may be null" in shown
    assert "days_between(last_order_at, as_of)" in shown


async def test_hover_on_a_field_gives_its_schema_line(client, workspace: Path):
    path = workspace / "examples" / "retail_membership.seg"
    await open_file(client, path)
    shown = await hover(client, path, "birthday)")
    assert "birthday: date?" in shown
    assert "field of entity `member`" in shown
    assert "may be null" in shown
    shown = await hover(client, path, "amount where")
    assert "amount: decimal" in shown and "field of events `orders`" in shown


async def test_hover_on_segments_actions_campaigns_and_params(client, workspace: Path):
    path = workspace / "examples" / "retail_membership.seg"
    await open_file(client, path)
    churned = await hover(client, path, "churned and reachable")
    assert "lifecycle.churned: bool" in churned
    assert "流失客户" in churned and "when recency > churn_days" in churned
    coupon = await hover(client, path, "coupon(channel")
    assert "valid_days: int" in coupon and "action payload" in coupon
    winback = await hover(client, path, "winback")
    assert "流失客户唤回" in winback and "holdout 10%" in winback
    assert "variant small 50% → do coupon" in winback
    param = await hover(client, path, "churn_days", 1)
    assert "param churn_days: int = 180" in param
    function = await hover(client, path, "days_between")
    assert "days_between(a, b) -> int" in function
    assert "as_of: date" in await hover(client, path, "as_of")


async def test_definition_across_an_import(client, workspace: Path):
    membership = workspace / "retail" / "membership.seg"
    schema = workspace / "retail" / "schema.seg"
    await open_file(client, membership)
    text = membership.read_text(encoding="utf-8")
    result = await client.text_document_definition_async(
        types.DefinitionParams(
            text_document=doc(membership), position=position_of(text, "signup_date", 0, 2)
        )
    )
    assert isinstance(result, types.Location)
    assert result.uri == uri(schema)
    assert result.range.start == position_of(schema.read_text(encoding="utf-8"), "signup_date")


async def test_definition_of_a_let_in_the_same_file(client, workspace: Path):
    path = workspace / "examples" / "retail_membership.seg"
    await open_file(client, path)
    text = path.read_text(encoding="utf-8")
    result = await client.text_document_definition_async(
        types.DefinitionParams(
            text_document=doc(path), position=position_of(text, "monetary >= percentile")
        )
    )
    assert result.range.start == position_of(text, "monetary      = sum")


async def test_references_across_files(client, workspace: Path):
    membership = workspace / "retail" / "membership.seg"
    schema = workspace / "retail" / "schema.seg"
    await open_file(client, schema)
    schema_text = schema.read_text(encoding="utf-8")
    result = await client.text_document_references_async(
        types.ReferenceParams(
            text_document=doc(schema),
            position=position_of(schema_text, "signup_date"),
            context=types.ReferenceContext(include_declaration=True),
        )
    )
    places = {(r.uri, r.range.start.line) for r in result}
    members = membership.read_text(encoding="utf-8")
    expected_uses = members.count("signup_date")
    assert sum(1 for (u, _) in places if u == uri(membership)) >= 1
    assert len([r for r in result if r.uri == uri(membership)]) == expected_uses
    assert [r for r in result if r.uri == uri(schema)][0].range.start == position_of(
        schema_text, "signup_date"
    )
