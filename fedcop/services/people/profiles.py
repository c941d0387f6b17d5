"""Reading and writing people's stated profiles, local and remote, through one door.

local person   edits on the settings page / update_credentials -> services.profiles.update
               (which writes here and sends the Update of their Person)
remote person  their actor document, fetched or Updated -> remote_profiles.read_profile
               -> save_remote (bounded, sanitised)
everyone       profile_of / profiles_of: what pages, the client API and the directory show
"""

from __future__ import annotations

from typing import Any

from fedcop.store.people import profiles as store
from fedcop.store.people.profiles import Profile


async def profile_of(pool: Any, actor_id: int) -> Profile:
    async with pool.acquire() as conn:
        return await store.profile_of(conn, actor_id)


async def profiles_of(conn: Any, actor_ids: list[int]) -> dict[int, Profile]:
    """Profiles of many actors (those without one read as empty), on the caller's connection."""
    found = await store.profiles_of(conn, actor_ids)
    return {actor_id: found.get(actor_id, store.EMPTY) for actor_id in actor_ids}


async def save_remote(conn: Any, actor_id: int, profile: Profile) -> None:
    """Keep what a remote actor's document states (already read and bounded)."""
    await store.save(conn, actor_id, profile)


async def set_discoverable(pool: Any, actor_id: int, discoverable: bool) -> None:
    """A local person's choice to be listed in the node's directory."""
    async with pool.acquire() as conn:
        await store.set_discoverable(conn, actor_id, discoverable)
