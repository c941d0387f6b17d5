-- What a person keeps for themselves through the client API: posts pinned on their profile,
-- conversations muted, hashtags followed and hashtags featured on their profile.

-- Posts a person pinned on their own profile (Mastodon's pins, at most 5 per person, checked by
-- services.profile_pins), served as the person's `featured` collection. A different thing from
-- a community's pinned threads (community_pins), which its facilitators choose.
CREATE TABLE profile_pins (
    actor_id  bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    post_id   bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    pinned_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (actor_id, post_id)
);

-- Conversations a user muted: they are told nothing (no notification) about posts in that
-- thread. `thread_id` is the conversation's first post (a post's thread_id, or its own id for
-- the first post).
CREATE TABLE muted_conversations (
    actor_id   bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    thread_id  bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (actor_id, thread_id)
);

-- Hashtags a user follows (lower case, without '#'): public posts that carry one are shown in
-- their home timeline. `id` orders the list GET /api/v1/followed_tags pages through.
CREATE TABLE followed_tags (
    id         bigint NOT NULL DEFAULT fedcop_next_id(),
    actor_id   bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    name       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (actor_id, name)
);
CREATE INDEX followed_tags_actor ON followed_tags (actor_id, id DESC);

-- Hashtags a person features on their profile (at most 10, checked by services.tags); `id` is
-- the FeaturedTag's id in the client API.
CREATE TABLE featured_tags (
    id         bigint PRIMARY KEY DEFAULT fedcop_next_id(),
    actor_id   bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    name       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (actor_id, name)
);
