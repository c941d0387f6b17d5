-- The language a member here chose for the interface on /settings (fedcop/i18n). One row per
-- member who chose one; a member without a row reads pages in their browser's language
-- (Accept-Language), as a visitor does. This is the interface's language only: each post keeps
-- its own (posts.language).
CREATE TABLE member_languages (
    -- the member
    actor_id  bigint PRIMARY KEY REFERENCES users (actor_id) ON DELETE CASCADE,
    -- a language code the interface speaks (fedcop.i18n.languages.LANGUAGES, e.g. 'fr'); a code
    -- no longer offered is read as no choice
    language  text NOT NULL CHECK (language ~ '^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$')
);
