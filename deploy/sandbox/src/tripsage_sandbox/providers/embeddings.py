"""OpenAI-compatible POST /v1/embeddings served by all-MiniLM-L6-v2."""

from __future__ import annotations

import base64
from typing import Any

import numpy as np
import orjson
from starlette.requests import Request
from starlette.responses import Response

from tripsage_sandbox.batcher import EmbeddingBatcher
from tripsage_sandbox.embedder import MODEL_ALIASES, MODEL_NAME, LazyEmbedder
from tripsage_sandbox.errors import openai_error
from tripsage_sandbox.responses import json_response

MAX_INPUTS = 2048
_NO_KEY = (
    "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer "
    "auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're "
    "accessing the API from your browser and are prompted for a username. You can obtain an API key from "
    "https://platform.openai.com/account/api-keys."
)


def _fail(
    status: int,
    message: str,
    error_type: str = "invalid_request_error",
    param: str | None = None,
    code: str | None = None,
) -> Response:
    return json_response(openai_error(message, error_type, param, code), status)


def _authorised(request: Request) -> bool:
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and bool(key.strip())


def _inputs(raw: Any) -> list[str] | Response:
    if isinstance(raw, str):
        return [raw]
    if isinstance(raw, list) and raw and all(isinstance(item, str) for item in raw):
        if len(raw) > MAX_INPUTS:
            return _fail(400, f"'$.input' must have at most {MAX_INPUTS} items.", param="input")
        return list(raw)
    if isinstance(raw, list) and raw and all(isinstance(item, int | list) for item in raw):
        return _fail(400, "Token-array input is not supported by all-MiniLM-L6-v2; send strings.", param="input")
    return _fail(
        400,
        "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.",
        param="input",
    )


async def create_embeddings(request: Request) -> Response:
    """Embed one or many strings; OpenAI request and response shapes, including its errors."""
    if not _authorised(request):
        return _fail(401, _NO_KEY)
    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        return _fail(400, "We could not parse the JSON body of your request.")
    if not isinstance(body, dict):
        return _fail(400, "We could not parse the JSON body of your request.")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        return _fail(400, "you must provide a model parameter", param="model")
    if model not in MODEL_ALIASES:
        return _fail(
            404, f"The model `{model}` does not exist or you do not have access to it.", code="model_not_found"
        )
    texts = _inputs(body.get("input"))
    if isinstance(texts, Response):
        return texts
    dimensions = body.get("dimensions")
    if dimensions is not None and (
        not isinstance(dimensions, int) or isinstance(dimensions, bool) or not 1 <= dimensions <= 384
    ):
        return _fail(400, "This model supports dimensions between 1 and 384.", param="dimensions")
    encoding = body.get("encoding_format", "float")
    if encoding not in ("float", "base64"):
        return _fail(400, "encoding_format must be 'float' or 'base64'.", param="encoding_format")
    embedder: LazyEmbedder = request.app.state.embedder
    if not embedder.available():
        return _fail(
            503,
            "Embedding model files are missing: run `tripsage-sandbox fetch-model` once.",
            error_type="server_error",
        )
    batcher: EmbeddingBatcher = request.app.state.batcher
    vectors, counts = await batcher.embed(texts)
    tokens = sum(counts)
    if dimensions is not None and dimensions < vectors.shape[1]:
        # OpenAI's dimensions semantics: keep the first N components, renormalise to unit length.
        vectors = vectors[:, :dimensions]
        vectors = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    data = [
        {
            "object": "embedding",
            "index": i,
            "embedding": base64.b64encode(row.astype("<f4").tobytes()).decode()
            if encoding == "base64"
            else row.tolist(),
        }
        for i, row in enumerate(vectors)
    ]
    usage = {"prompt_tokens": tokens, "total_tokens": tokens}
    return json_response({"object": "list", "data": data, "model": model, "usage": usage, "sandbox": True})


async def list_models(request: Request) -> Response:
    """GET /v1/models with the one model the sandbox serves."""
    if not _authorised(request):
        return _fail(401, _NO_KEY)
    data = [
        {"id": name, "object": "model", "created": 1628640000, "owned_by": "tripsage-sandbox"}
        for name in sorted(MODEL_ALIASES)
    ]
    return json_response({"object": "list", "data": data})


__all__ = ["MODEL_NAME", "create_embeddings", "list_models"]
