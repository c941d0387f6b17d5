-- The language a post is written in, as its author's server says: the key of its contentMap
-- (Mastodon's rule), else its `language`, else its context's `@language`. A BCP 47 tag such as
-- 'en' or 'pt-BR'; NULL when unknown or 'und'. Shown as the `lang` of the post's text on the
-- web and as `language` in the client API.
ALTER TABLE posts ADD COLUMN language text CHECK (language IS NULL OR length(language) <= 35);
COMMENT ON COLUMN posts.language IS
    'BCP 47 tag of the post''s language (contentMap key, language, @language); NULL if unknown';
