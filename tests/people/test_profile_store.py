"""Profiles kept for people here and elsewhere, and a community's spread over organisations
and sectors, on a real database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fedcop.config import Config
from fedcop.services import accounts, profiles
from fedcop.services.people import profiles as people
from fedcop.services.people.remote_profiles import keep_profile, read_profile
from fedcop.store import follows as follow_store
from fedcop.store import users as user_store
from fedcop.store.actors import RemoteActorFields, upsert_remote
from fedcop.store.people.spread import Share, member_spread

REAL = Path(__file__).resolve().parents[1] / "data" / "real"


async def _remote_person(conn: Any, name: str, host: str = "b.test") -> int:
    actor = await upsert_remote(
        conn,
        RemoteActorFields(
            uri=f"https://{host}/users/{name}",
            actor_type="Person",
            username=name,
            domain=host,
            display_name=name,
            summary="",
            inbox_url=f"https://{host}/users/{name}/inbox",
            shared_inbox_url=None,
            outbox_url=None,
            followers_url=None,
            public_key_id=f"https://{host}/users/{name}#main-key",
            public_key_pem="-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n",
        ),
    )
    return actor.id


async def test_a_local_profile_and_a_remote_one_are_kept_and_counted(
    pool: Any, config: Config
) -> None:
    # Given a community here with a local member and two remote members
    await accounts.create_user(pool, config, "ana", "correct horse battery")
    community = await accounts.create_community(pool, config, "stewards", title="S", owner="ana")
    async with pool.acquire() as conn:
        user = await user_store.find_by_name(conn, "ana")
    assert user is not None
    await profiles.update(
        pool, config, user, display_name="Ana", bio_html="", organisation="City Archive",
        sector="Cultural heritage", job_role="Archivist", expertise="metadata standards, OCR",
    )  # fmt: skip
    async with pool.acquire() as conn:
        bo = await _remote_person(conn, "bo")
        cy = await _remote_person(conn, "cy", "c.test")
        for member in (bo, cy):
            await follow_store.upsert(conn, member, community.id, f"https://x/{member}", True)
        # When the remote people's documents state their profiles (one Mastodon-style)
        await keep_profile(
            conn,
            bo,
            {
                "attachment": [
                    {"type": "PropertyValue", "name": "Organization", "value": "city archive"},
                    {"type": "PropertyValue", "name": "sector", "value": "<p>Health</p>"},
                    {"type": "PropertyValue", "name": "Website", "value": "<a href='https://bo.example'>bo</a><script>x()</script>"},
                ],
                "tag": [{"type": "Hashtag", "name": "#Archives"}],
                "discoverable": True,
            },
        )  # fmt: skip
        await keep_profile(conn, cy, {"attachment": []})
        spread = await member_spread(conn, community.id)
    # Then both are read back as stated
    ana_profile = await people.profile_of(pool, user.actor.id)
    assert ana_profile.organisation == "City Archive"
    assert ana_profile.expertise == ("metadata standards", "OCR")
    bo_profile = await people.profile_of(pool, bo)
    assert (bo_profile.organisation, bo_profile.sector) == ("city archive", "Health")
    assert bo_profile.expertise == ("Archives",)
    assert bo_profile.discoverable
    assert [f.name for f in bo_profile.other_fields] == ["Website"]
    assert "script" not in bo_profile.other_fields[0].value_html
    assert 'href="https://bo.example"' in bo_profile.other_fields[0].value_html
    # And the community's spread groups spellings, the unstated last
    assert spread.members == 3
    assert spread.organisations[0].members == 2
    assert spread.organisations[0].label.lower() == "city archive"
    assert spread.organisations[-1] == Share("", 1)
    assert sorted(spread.sectors, key=lambda s: s.label) == [
        Share("", 1),
        Share("Cultural heritage", 1),
        Share("Health", 1),
    ]


def test_a_real_mastodon_actor_s_fields_and_hashtags_are_read() -> None:
    document = json.loads(
        (REAL / "mastodon" / "actors" / "person_fietkau_social.json").read_text("utf-8")
    )
    profile = read_profile(document)
    assert [f.name for f in profile.other_fields] == ["Website", "Employer", "Matrix", "ORCID"]
    assert all('rel="nofollow noopener noreferrer"' in f.value_html for f in profile.other_fields)
    assert profile.expertise == ("HCI",)
    assert profile.discoverable is True


def test_hostile_profile_values_are_bounded_and_sanitised() -> None:
    huge = "x" * 300_000
    document = {
        "attachment": [
            {"type": "PropertyValue", "name": f"f{i}", "value": "<script>alert(1)</script>ok"}
            for i in range(10_000)
        ]
        + [{"type": "PropertyValue", "name": "Organisation", "value": huge}],
        "tag": [{"type": "Hashtag", "name": f"#t{i}"} for i in range(10_000)],
    }
    profile = read_profile(document)
    assert len(profile.other_fields) == 16
    assert all(f.value_html == "ok" for f in profile.other_fields)
    assert len(profile.expertise) == 20
    named = read_profile(
        {"attachment": [{"type": "PropertyValue", "name": "Organisation" + huge, "value": huge}]}
    )
    assert len(named.other_fields[0].name) <= 255
    assert len(named.other_fields[0].value_html) <= 2048
    long_org = read_profile(
        {"attachment": [{"type": "PropertyValue", "name": "Organisation", "value": huge}]}
    )
    assert len(long_org.organisation) == 200
