from __future__ import annotations

import json
import time
from collections.abc import Iterator

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi import FastAPI
from fastapi.responses import Response
from pydantic import SecretStr

from tripsage_core.auth import TokenVerifier, mint_token
from tripsage_core.errors import Unauthorized
from tripsage_testing.servers import serve_in_thread

SECRET = "a-test-signing-secret-of-32-bytes-min"


def _hs_verifier(**overrides: object) -> TokenVerifier:
    options: dict[str, object] = {
        "secret": SecretStr(SECRET),
        "jwks_url": None,
        "audience": "authenticated",
        "issuer": None,
        "leeway_s": 0,
    }
    options.update(overrides)
    return TokenVerifier(**options)  # type: ignore[arg-type]


async def test_valid_hs256_token_yields_its_subject() -> None:
    principal = await _hs_verifier().verify(mint_token(sub="alice", secret=SECRET))
    assert principal.user_id == "alice"
    assert principal.claims["role"] == "authenticated"


@pytest.mark.parametrize(
    ("token_factory", "message"),
    [
        (lambda: mint_token(sub="alice", secret=SECRET, ttl_s=-10), "expired"),
        (lambda: mint_token(sub="alice", secret="another-secret-that-is-long-enough!!"), "invalid"),
        (lambda: mint_token(sub="alice", secret=SECRET, audience="anon"), "audience"),
        (lambda: "not.a.jwt", "malformed"),
        (lambda: jwt.encode({"sub": "alice", "aud": "authenticated"}, SECRET, algorithm="HS256"), "invalid"),
        (lambda: jwt.encode({"sub": "a", "exp": time.time() + 60}, SECRET, algorithm="HS512"), "algorithm"),
    ],
    ids=["expired", "wrong-key", "wrong-audience", "malformed", "no-expiry", "unaccepted-algorithm"],
)
async def test_bad_tokens_are_rejected_with_a_reason(token_factory: object, message: str) -> None:
    with pytest.raises(Unauthorized, match=message):
        await _hs_verifier().verify(token_factory())  # type: ignore[operator]


async def test_issuer_is_checked_when_configured() -> None:
    verifier = _hs_verifier(issuer="https://project.supabase.co/auth/v1")
    good = mint_token(sub="alice", secret=SECRET, issuer="https://project.supabase.co/auth/v1")
    bad = mint_token(sub="alice", secret=SECRET, issuer="https://evil.example/auth/v1")
    assert (await verifier.verify(good)).user_id == "alice"
    with pytest.raises(Unauthorized, match="issuer"):
        await verifier.verify(bad)


@pytest.fixture(scope="module")
def signing_keys() -> dict[str, object]:
    return {
        "rsa": rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "ec": ec.generate_private_key(ec.SECP256R1()),
    }


@pytest.fixture(scope="module")
def jwks_url(signing_keys: dict[str, object]) -> Iterator[str]:
    keys = []
    for kid, algorithm, key in (("rsa-1", "RS256", signing_keys["rsa"]), ("ec-1", "ES256", signing_keys["ec"])):
        jwk = json.loads(jwt.algorithms.get_default_algorithms()[algorithm].to_jwk(key.public_key()))  # type: ignore[attr-defined]
        keys.append({**jwk, "kid": kid, "alg": algorithm, "use": "sig"})
    app = FastAPI()

    @app.get("/auth/v1/.well-known/jwks.json")
    async def jwks() -> Response:
        return Response(json.dumps({"keys": keys}), media_type="application/json")

    with serve_in_thread(app) as base_url:
        yield base_url + "/auth/v1/.well-known/jwks.json"


@pytest.mark.parametrize(("kid", "algorithm", "key_name"), [("rsa-1", "RS256", "rsa"), ("ec-1", "ES256", "ec")])
async def test_asymmetric_tokens_verify_against_the_jwks_url(
    jwks_url: str, signing_keys: dict[str, object], kid: str, algorithm: str, key_name: str
) -> None:
    verifier = TokenVerifier(secret=None, jwks_url=jwks_url, audience="authenticated", issuer=None)
    claims = {"sub": "bob", "aud": "authenticated", "exp": int(time.time()) + 60}
    token = jwt.encode(claims, signing_keys[key_name], algorithm=algorithm, headers={"kid": kid})  # type: ignore[arg-type]
    assert (await verifier.verify(token)).user_id == "bob"


async def test_token_signed_by_an_unknown_key_is_rejected(jwks_url: str) -> None:
    verifier = TokenVerifier(secret=None, jwks_url=jwks_url, audience="authenticated", issuer=None)
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    claims = {"sub": "mallory", "aud": "authenticated", "exp": int(time.time()) + 60}
    token = jwt.encode(claims, stranger, algorithm="RS256", headers={"kid": "rsa-unknown"})
    with pytest.raises(Unauthorized):
        await verifier.verify(token)


async def test_hs256_token_is_refused_by_a_jwks_only_verifier(jwks_url: str) -> None:
    # Algorithm confusion: a verifier without the shared secret must not accept symmetric tokens.
    verifier = TokenVerifier(secret=None, jwks_url=jwks_url, audience="authenticated", issuer=None)
    with pytest.raises(Unauthorized, match="algorithm"):
        await verifier.verify(mint_token(sub="alice", secret=SECRET))
