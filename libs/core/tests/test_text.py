from __future__ import annotations

import pytest
from pydantic import BaseModel, Field, ValidationError

from tripsage_core.text import MAX_JSON_DEPTH, NUL_MESSAGE, StoredJson, StoredText


class _Note(BaseModel):
    title: StoredText = Field(min_length=1, max_length=10)
    facts: StoredJson = Field(default_factory=dict)


def test_text_with_a_nul_is_refused_and_other_constraints_still_apply() -> None:
    with pytest.raises(ValidationError) as nul:
        _Note(title="a\x00b")
    with pytest.raises(ValidationError) as long:
        _Note(title="x" * 11)
    assert nul.value.errors()[0]["loc"] == ("title",)
    assert long.value.errors()[0]["type"] == "string_too_long"
    assert _Note(title="'; DROP --").title == "'; DROP --"


def _nested(depth: int, leaf: object) -> dict[str, object]:
    value: dict[str, object] = {"leaf": leaf}
    for _ in range(depth - 1):
        value = {"d": value}
    return value


def test_json_with_a_nul_in_any_key_or_value_is_refused() -> None:
    with pytest.raises(ValidationError, match="U\\+0000"):
        _Note.model_validate({"title": "t", "facts": {"k\x00": 1}})
    with pytest.raises(ValidationError, match="U\\+0000"):
        _Note(title="t", facts=_nested(MAX_JSON_DEPTH - 1, ["x\x00"]))
    assert NUL_MESSAGE.startswith("must not")
    assert _Note(title="t", facts={"a": [{"b": "{{7*7}}"}]}).facts == {"a": [{"b": "{{7*7}}"}]}


def test_json_nested_deeper_than_the_encoder_can_store_is_refused_without_recursing() -> None:
    with pytest.raises(ValidationError, match="deeper than"):
        _Note(title="t", facts=_nested(5000, 1))
    assert _Note(title="t", facts=_nested(MAX_JSON_DEPTH, 1)).facts == _nested(MAX_JSON_DEPTH, 1)


def test_the_rule_is_in_the_json_schema_clients_see() -> None:
    assert _Note.model_json_schema()["properties"]["title"]["pattern"] == "^[^\\x00]*$"
