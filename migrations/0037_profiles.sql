-- Profiles that travel: a person's organisation, sector, role and expertise, for people here and
-- for people elsewhere (read from their actor's `attachment` PropertyValues and `tag` Hashtags),
-- in one table keyed by actor, so a community's members from every node can be listed, filtered
-- and counted by what they state. Local people's profile moves here from `users`.

-- The words of a list of subjects, for full-text matching: each word as written (lower case,
-- 'simple') and stemmed as English, so "metadata" finds "Metadata standards" and "standard"
-- finds "standards". IMMUTABLE: it only reads its argument (array_to_string itself is STABLE
-- because of arbitrary element types; for text[] nothing varies).
CREATE FUNCTION fedcop_expertise_words(subjects text[]) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT to_tsvector('simple'::regconfig, coalesce(array_to_string(subjects, ' , '), ''))
        || to_tsvector('english'::regconfig, coalesce(array_to_string(subjects, ' , '), ''))
$$;

CREATE TABLE actor_profiles (
    actor_id       bigint PRIMARY KEY REFERENCES actors (id) ON DELETE CASCADE,
    organisation   text NOT NULL DEFAULT '',
    sector         text NOT NULL DEFAULT '',
    job_role       text NOT NULL DEFAULT '',
    expertise      text[] NOT NULL DEFAULT '{}',
    other_fields   jsonb NOT NULL DEFAULT '[]',
    discoverable   boolean NOT NULL DEFAULT false,
    expertise_words tsvector GENERATED ALWAYS AS (fedcop_expertise_words(expertise)) STORED,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CHECK (jsonb_typeof(other_fields) = 'array')
);
COMMENT ON TABLE actor_profiles IS
    'What a person states about themselves beyond name and bio: written here by local people, read from remote actors'' documents. No row: nothing stated.';
COMMENT ON COLUMN actor_profiles.organisation IS
    'The organisation they work for, plain text (the "Organisation" profile field); empty when not stated.';
COMMENT ON COLUMN actor_profiles.sector IS
    'Their sector (e.g. "Higher education"), plain text (the "Sector" profile field); empty when not stated.';
COMMENT ON COLUMN actor_profiles.job_role IS
    'Their role (e.g. "Metadata librarian"), plain text (the "Role" profile field); empty when not stated.';
COMMENT ON COLUMN actor_profiles.expertise IS
    'Subjects they know about, plain text, at most 20 (the "Expertise" field and the Hashtags of their actor); empty when none.';
COMMENT ON COLUMN actor_profiles.other_fields IS
    'A remote actor''s other profile fields as [{"name": plain text, "value": sanitised HTML}], at most 16, in their order; always [] for local people.';
COMMENT ON COLUMN actor_profiles.discoverable IS
    'Listed in the node''s directory (/api/v1/directory, /directory): local people choose it (default off); for remote actors, their document''s `discoverable` as published.';
COMMENT ON COLUMN actor_profiles.expertise_words IS
    'fedcop_expertise_words(expertise): the words a "who knows about X" search matches, under a GIN index.';
COMMENT ON COLUMN actor_profiles.updated_at IS
    'When the row last changed (an edit here, or a fetched or Updated remote actor).';

-- Filters of a community's members page, and the node directory's listed people.
CREATE INDEX actor_profiles_expertise_words ON actor_profiles USING gin (expertise_words);
CREATE INDEX actor_profiles_organisation ON actor_profiles (lower(organisation))
    WHERE organisation <> '';
CREATE INDEX actor_profiles_sector ON actor_profiles (lower(sector)) WHERE sector <> '';
CREATE INDEX actor_profiles_discoverable ON actor_profiles (actor_id) WHERE discoverable;

INSERT INTO actor_profiles (actor_id, organisation, sector, job_role, expertise)
SELECT actor_id, organisation, sector, job_role, expertise FROM users
WHERE organisation <> '' OR sector <> '' OR job_role <> '' OR expertise <> '{}';

ALTER TABLE users DROP COLUMN organisation;
ALTER TABLE users DROP COLUMN sector;
ALTER TABLE users DROP COLUMN job_role;
ALTER TABLE users DROP COLUMN expertise;

