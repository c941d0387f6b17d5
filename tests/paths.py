"""Where the test suite's own data lives: everything a test reads is inside the repository
(tests/data/SOURCES.md says where each part came from)."""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
# Real ActivityPub payloads from other servers, byte-identical to their sources.
REAL_FIXTURES = DATA / "real"
# The Mastodon client API's OpenAPI description.
MASTODON_OPENAPI = DATA / "mastodon-openapi" / "schema.json"
# Keys no real server should have (an RSA-512 key pair), for the tests that play an attacker.
WEAK_RSA_512_PRIVATE_KEY = DATA / "keys" / "rsa-512-private.pem"
