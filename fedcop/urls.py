"""Where local things live. Every id fedcop publishes is built here, so none ever changes shape.

/actor                 the instance actor (Application)
/u/{name}              a user (Person)
/c/{name}              a community (Group)
.../inbox  /outbox  /followers  /following     an actor's collections
/c/{name}/moderators   a community's facilitators (the Group's attributedTo)
/c/{name}/featured     a community's pinned posts
/u/{name}/featured     the posts a person pinned on their profile; .../featured_tags their hashtags
/inbox                 the shared inbox
"""

from __future__ import annotations

from urllib.parse import quote

from fedcop.config import Config

INSTANCE_ACTOR_PATH = "/actor"
USER_PREFIX = "/u/"
COMMUNITY_PREFIX = "/c/"


class Urls:
    def __init__(self, config: Config) -> None:
        self.base = config.base_url

    def instance_actor(self) -> str:
        return self.base + INSTANCE_ACTOR_PATH

    def user(self, name: str) -> str:
        return f"{self.base}{USER_PREFIX}{name}"

    def community(self, name: str) -> str:
        return f"{self.base}{COMMUNITY_PREFIX}{name}"

    def shared_inbox(self) -> str:
        return self.base + "/inbox"

    def profile_page(self, actor_uri: str) -> str:
        """The page a person opens: the actor URL itself answers browsers with HTML."""
        return actor_uri

    @staticmethod
    def key_id(actor_uri: str) -> str:
        return actor_uri + "#main-key"

    @staticmethod
    def collection(actor_uri: str, name: str) -> str:
        return f"{actor_uri}/{name}"

    def tag_page(self, name: str) -> str:
        """The page of a hashtag's public posts here (`name` lower case, without '#')."""
        return f"{self.base}/tags/{quote(name)}"
