"""People's profiles: name, organisation, sector, role, expertise, and a few words about them."""

from __future__ import annotations

from typing import Any

from fedcop.config import Config
from fedcop.documents.actors import actor_document
from fedcop.i18n.current import N_, _
from fedcop.services import avatars, outbox
from fedcop.services.account_data import moving
from fedcop.services.errors import InvalidInput
from fedcop.services.people.limits import LIMITS, MAX_TAG_LENGTH, MAX_TAGS
from fedcop.store import actors as actor_store
from fedcop.store import follows as follow_store
from fedcop.store import users as user_store
from fedcop.store.people import profiles as profile_store
from fedcop.store.users import User
from fedcop.urls import Urls

MAX_BIO_HTML = 20_000
# Each field's refusal when it is too long, a whole sentence per field.
TOO_LONG = {
    "display_name": N_("the display name is too long: at most %(limit)s characters"),
    "organisation": N_("the organisation is too long: at most %(limit)s characters"),
    "sector": N_("the sector is too long: at most %(limit)s characters"),
    "job_role": N_("the job role is too long: at most %(limit)s characters"),
}


def expertise_tags(text: str) -> list[str]:
    tags = list(dict.fromkeys(tag.strip() for tag in text.split(",") if tag.strip()))
    if len(tags) > MAX_TAGS or any(len(tag) > MAX_TAG_LENGTH for tag in tags):
        raise InvalidInput(
            _(
                "list at most %(most)s areas of expertise, each under %(length)s characters",
                most=MAX_TAGS,
                length=MAX_TAG_LENGTH,
            )
        )
    return tags


async def update(
    pool: Any,
    config: Config,
    user: User,
    *,
    display_name: str,
    bio_html: str,
    organisation: str,
    sector: str,
    job_role: str,
    expertise: str,
    discoverable: bool | None = None,
) -> None:
    """Save a local person's profile (`discoverable` None: as it was) and send the Update of
    their Person, whose `attachment` and `tag` carry it (documents/profile_fields.py)."""
    fields = {
        "display_name": display_name.strip(),
        "organisation": organisation.strip(),
        "sector": sector.strip(),
        "job_role": job_role.strip(),
    }
    for name, value in fields.items():
        if len(value) > LIMITS[name]:
            raise InvalidInput(_(TOO_LONG[name], limit=LIMITS[name]))
    if len(bio_html) > MAX_BIO_HTML:
        raise InvalidInput(_("the text about you is too long"))
    async with pool.acquire() as conn:
        await user_store.update_profile(
            conn,
            user.actor.id,
            display_name=fields["display_name"] or user.actor.username,
            summary=bio_html,
            organisation=fields["organisation"],
            sector=fields["sector"],
            job_role=fields["job_role"],
            expertise=expertise_tags(expertise),
        )
        if discoverable is not None:
            await profile_store.set_discoverable(conn, user.actor.id, discoverable)
        # Other servers keep a copy of this person: the servers of their followers and of the
        # communities they belong to hear of the change.
        local = await actor_store.find_local(conn, user.actor.username)
        assert local is not None
        document = actor_document(
            local, Urls(config), await avatars.icon(conn, config, local.actor.id)
        )
        document.pop("@context")
        document.update(await moving.fields_of(conn, user.actor.id))  # aliases, movedTo
        inboxes = await follow_store.follower_inboxes(conn, user.actor.id)
        inboxes += await follow_store.followed_inboxes(conn, user.actor.id)
        await outbox.publish(
            conn,
            config,
            local.actor,
            {
                "type": "Update",
                "object": document,
                "to": ["https://www.w3.org/ns/activitystreams#Public"],
            },
            sorted(set(inboxes)),
        )
