from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import Iterator

import jwt
import pytest
from cryptography.hazmat.primitives import hashes, hmac, serialization
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


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _signed_with_hmac(key: bytes, header: dict[str, object]) -> str:
    """An HS256 token built by hand: PyJWT itself refuses a PEM as an HMAC key, an attacker's script would not."""
    claims = {"sub": "mallory", "aud": "authenticated", "exp": int(time.time()) + 60}
    signing_input = f"{_b64url(json.dumps(header).encode())}.{_b64url(json.dumps(claims).encode())}"
    mac = hmac.HMAC(key, hashes.SHA256())
    mac.update(signing_input.encode())
    return f"{signing_input}.{_b64url(mac.finalize())}"


def _unsigned(header: dict[str, object]) -> str:
    claims = {"sub": "mallory", "aud": "authenticated", "exp": int(time.time()) + 60}
    return f"{_b64url(json.dumps(header).encode())}.{_b64url(json.dumps(claims).encode())}."


def _verifiers(jwks_url: str) -> list[TokenVerifier]:
    """A JWKS-only verifier and one that also holds the HS256 secret (a project migrating between the two)."""
    return [
        TokenVerifier(secret=None, jwks_url=jwks_url, audience="authenticated", issuer=None),
        TokenVerifier(secret=SecretStr(SECRET), jwks_url=jwks_url, audience="authenticated", issuer=None),
    ]


@pytest.mark.parametrize("encoding", ["pem", "der"])
async def test_hs256_token_keyed_with_the_rsa_public_key_is_rejected(
    jwks_url: str, signing_keys: dict[str, object], encoding: str
) -> None:
    # Algorithm confusion: the public key is public, so an HMAC keyed with it proves nothing.
    public_key = signing_keys["rsa"].public_key()  # type: ignore[attr-defined]
    key_bytes = (
        public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        if encoding == "pem"
        else public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    token = _signed_with_hmac(key_bytes, {"alg": "HS256", "typ": "JWT", "kid": "rsa-1"})
    for verifier in _verifiers(jwks_url):
        with pytest.raises(Unauthorized):
            await verifier.verify(token)


@pytest.mark.parametrize("alg", ["none", "None", "NONE", ""])
async def test_unsigned_tokens_are_rejected_whatever_the_alg_spelling(jwks_url: str, alg: str) -> None:
    for verifier in [*_verifiers(jwks_url), _hs_verifier()]:
        with pytest.raises(Unauthorized, match="algorithm"):
            await verifier.verify(_unsigned({"alg": alg, "typ": "JWT", "kid": "rsa-1"}))


async def test_a_token_whose_alg_is_not_its_keys_is_rejected_not_a_server_error(
    jwks_url: str, signing_keys: dict[str, object]
) -> None:
    claims = {"sub": "mallory", "aud": "authenticated", "exp": int(time.time()) + 60}
    # RS256 header naming the EC key, and ES256 naming the RSA key: each key is only valid for its own algorithm.
    rs_on_ec = jwt.encode(claims, signing_keys["rsa"], algorithm="RS256", headers={"kid": "ec-1"})  # type: ignore[arg-type]
    es_on_rsa = jwt.encode(claims, signing_keys["ec"], algorithm="ES256", headers={"kid": "rsa-1"})  # type: ignore[arg-type]
    for verifier in _verifiers(jwks_url):
        for token in (rs_on_ec, es_on_rsa):
            with pytest.raises(Unauthorized, match="does not match its signing key"):
                await verifier.verify(token)


async def test_a_token_signed_by_the_right_key_but_another_claimed_alg_is_rejected(
    jwks_url: str, signing_keys: dict[str, object]
) -> None:
    # The signature is the RSA key's own (RS256) but the header claims PS256, which no key here is published for.
    claims = {"sub": "mallory", "aud": "authenticated", "exp": int(time.time()) + 60}
    token = jwt.encode(claims, signing_keys["rsa"], algorithm="PS256", headers={"kid": "rsa-1"})  # type: ignore[arg-type]
    for verifier in _verifiers(jwks_url):
        with pytest.raises(Unauthorized, match="algorithm"):
            await verifier.verify(token)


async def test_the_hs256_secret_still_works_beside_a_jwks_url(jwks_url: str, signing_keys: dict[str, object]) -> None:
    both = _verifiers(jwks_url)[1]
    claims = {"sub": "bob", "aud": "authenticated", "exp": int(time.time()) + 60}
    rsa_token = jwt.encode(claims, signing_keys["rsa"], algorithm="RS256", headers={"kid": "rsa-1"})  # type: ignore[arg-type]
    assert (await both.verify(mint_token(sub="alice", secret=SECRET))).user_id == "alice"
    assert (await both.verify(rsa_token)).user_id == "bob"


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        ({"nbf": int(time.time()) + 3600}, "invalid"),
        ({"iat": int(time.time()) + 3600}, "invalid"),
        ({"sub": ""}, "invalid|no user"),
    ],
    ids=["not-yet-valid", "issued-in-the-future", "empty-subject"],
)
async def test_tokens_not_yet_valid_or_without_a_subject_are_rejected(claims: dict[str, object], message: str) -> None:
    token = mint_token(sub="alice", secret=SECRET, extra=claims)
    with pytest.raises(Unauthorized, match=message):
        await _hs_verifier().verify(token)


async def test_a_verified_token_is_remembered_not_verified_again() -> None:
    verifier = _hs_verifier()
    token = mint_token(sub="user-1", secret=SECRET)

    first = await verifier.verify(token)
    # The very object: the second call skipped the signature check (issue 20: once per token, not per hop).
    assert await verifier.verify(token) is first


async def test_a_remembered_token_is_refused_once_it_expires() -> None:
    verifier = _hs_verifier()  # no leeway: refused from the second after `exp`
    expires_at = int(time.time()) + 2
    token = mint_token(sub="user-1", secret=SECRET, ttl_s=expires_at - int(time.time()))
    assert (await verifier.verify(token)).user_id == "user-1"

    await asyncio.sleep(expires_at - time.time() + 0.05)

    with pytest.raises(Unauthorized, match="expired"):
        await verifier.verify(token)


async def test_a_refused_token_is_refused_every_time() -> None:
    verifier = _hs_verifier()
    forged = mint_token(sub="user-1", secret="another-secret-entirely")

    for _ in range(2):
        with pytest.raises(Unauthorized, match="invalid"):
            await verifier.verify(forged)


async def test_the_memory_of_verified_tokens_is_bounded() -> None:
    verifier = _hs_verifier(cache_size=2)
    tokens = [mint_token(sub=f"user-{n}", secret=SECRET) for n in range(3)]
    remembered = [await verifier.verify(token) for token in tokens]

    # The oldest was evicted: verifying it again builds a new principal; the newest is still the same object.
    assert await verifier.verify(tokens[0]) is not remembered[0]
    assert await verifier.verify(tokens[2]) is remembered[2]
