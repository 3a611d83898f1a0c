"""The OpenAI-compatible embeddings endpoint against sentence-transformers reference vectors."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

REFERENCE = Path("/work/shared/fixtures/minilm-reference.json")
AUTH = {"Authorization": "Bearer sandbox"}
MODEL = "all-MiniLM-L6-v2"


def _reference() -> dict[str, Any]:
    candidates = [REFERENCE, Path(__file__).parents[4] / "shared" / "fixtures" / "minilm-reference.json"]
    for path in candidates:
        if path.is_file():
            reference: dict[str, Any] = json.loads(path.read_text())
            return reference
    pytest.fail(f"reference vectors not found in {candidates}")


def _embed(base_url: str, texts: str | list[str], **extra: object) -> dict[str, Any]:
    response = httpx.post(
        base_url + "/v1/embeddings", json={"model": MODEL, "input": texts, **extra}, headers=AUTH, timeout=60
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_reproduces_sentence_transformers_vectors(base_url: str) -> None:
    reference = _reference()
    texts = [item["text"] for item in reference["items"]]
    body = _embed(base_url, texts)
    assert [d["index"] for d in body["data"]] == list(range(len(texts)))
    for item, got in zip(reference["items"], body["data"], strict=True):
        expected = np.asarray(item["embedding"])
        vector = np.asarray(got["embedding"])
        assert vector.shape == (384,)
        cosine = float(vector @ expected / (np.linalg.norm(vector) * np.linalg.norm(expected)))
        assert cosine >= 0.999, (item["text"][:40], cosine)
    assert body["usage"]["prompt_tokens"] > 256


def test_diet_memory_is_closer_to_food_question_than_seat_preference(base_url: str) -> None:
    diet, question, seats = (
        "I am vegetarian and allergic to peanuts.",
        "What can I eat on this trip?",
        "I prefer aisle seats on long flights.",
    )
    vectors = [np.asarray(d["embedding"]) for d in _embed(base_url, [diet, question, seats])["data"]]
    assert vectors[0] @ vectors[1] > vectors[2] @ vectors[1]


def test_dimensions_truncate_and_renormalise(base_url: str) -> None:
    full = np.asarray(_embed(base_url, ["hello world"])["data"][0]["embedding"])
    short = np.asarray(_embed(base_url, ["hello world"], dimensions=64)["data"][0]["embedding"])
    assert short.shape == (64,)
    assert np.linalg.norm(short) == pytest.approx(1.0, abs=1e-5)
    assert np.allclose(short, full[:64] / np.linalg.norm(full[:64]), atol=1e-6)


def test_base64_encoding_matches_floats(base_url: str) -> None:
    floats = np.asarray(_embed(base_url, "Kyoto in spring")["data"][0]["embedding"], dtype=np.float32)
    encoded = _embed(base_url, "Kyoto in spring", encoding_format="base64")["data"][0]["embedding"]
    decoded = np.frombuffer(base64.b64decode(encoded), dtype="<f4")
    assert np.allclose(decoded, floats, atol=1e-7)


def test_missing_key_is_openai_401(base_url: str) -> None:
    response = httpx.post(base_url + "/v1/embeddings", json={"model": MODEL, "input": "x"})
    assert response.status_code == 401
    assert response.json()["error"]["type"] == "invalid_request_error"


@pytest.mark.parametrize(
    ("payload", "status", "param"),
    [
        ({"model": "text-embedding-3-large", "input": "x"}, 404, None),
        ({"model": MODEL, "input": []}, 400, "input"),
        ({"model": MODEL, "input": "x", "dimensions": 1000}, 400, "dimensions"),
        ({"model": MODEL, "input": "x", "encoding_format": "int8"}, 400, "encoding_format"),
        ({"input": "x"}, 400, "model"),
    ],
)
def test_bad_requests_get_openai_errors(base_url: str, payload: dict[str, Any], status: int, param: str | None) -> None:
    response = httpx.post(base_url + "/v1/embeddings", json=payload, headers=AUTH)
    assert response.status_code == status
    assert response.json()["error"]["param"] == param
