-- Full-text search over posts: each post's words, stemmed in its own language where it is known,
-- kept in a generated column with a GIN index so a search reads the index, not the table.

-- The PostgreSQL text search configuration for a post's language (a BCP 47 tag such as 'en' or
-- 'pt-BR'): its primary subtag mapped to the stemmer of that language; 'simple' (words as they
-- are, lower case) for an unknown or unmapped language. IMMUTABLE: generated columns use it.
CREATE FUNCTION fedcop_search_config(language text) RETURNS regconfig
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE lower(split_part(coalesce(language, ''), '-', 1))
        WHEN 'en' THEN 'english'::regconfig
        WHEN 'fr' THEN 'french'::regconfig
        WHEN 'de' THEN 'german'::regconfig
        WHEN 'es' THEN 'spanish'::regconfig
        WHEN 'pt' THEN 'portuguese'::regconfig
        WHEN 'it' THEN 'italian'::regconfig
        WHEN 'nl' THEN 'dutch'::regconfig
        WHEN 'sv' THEN 'swedish'::regconfig
        WHEN 'da' THEN 'danish'::regconfig
        WHEN 'fi' THEN 'finnish'::regconfig
        WHEN 'no' THEN 'norwegian'::regconfig
        WHEN 'nb' THEN 'norwegian'::regconfig
        WHEN 'nn' THEN 'norwegian'::regconfig
        WHEN 'ru' THEN 'russian'::regconfig
        WHEN 'hu' THEN 'hungarian'::regconfig
        WHEN 'tr' THEN 'turkish'::regconfig
        ELSE 'simple'::regconfig
    END
$$;

-- The readable text of a post's sanitised HTML: tags become spaces, the five entities the
-- sanitiser writes become their characters (so `&amp;` is not indexed as the word "amp").
CREATE FUNCTION fedcop_search_text(html text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT replace(replace(replace(replace(replace(replace(
        regexp_replace(coalesce(html, ''), '<[^>]*>', ' ', 'g'),
        '&lt;', '<'), '&gt;', '>'), '&quot;', '"'), '&#x27;', ''''), '&#39;', ''''), '&amp;', '&')
$$;

-- The configuration the post's words were stemmed with; a search parses its query with it.
ALTER TABLE posts ADD COLUMN search_config regconfig
    GENERATED ALWAYS AS (fedcop_search_config(language)) STORED;
COMMENT ON COLUMN posts.search_config IS
    'text search configuration of the post''s language (fedcop_search_config), simple if unknown';
-- A thread's title weighs A, its summary and text B (a reply has only text).
ALTER TABLE posts ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector(fedcop_search_config(language), coalesce(title, '')), 'A')
    || setweight(to_tsvector(fedcop_search_config(language), fedcop_search_text(summary)), 'B')
    || setweight(to_tsvector(fedcop_search_config(language), fedcop_search_text(content)), 'B')
) STORED;
COMMENT ON COLUMN posts.search_vector IS
    'the post''s words for full-text search: title weight A, summary and text weight B';
CREATE INDEX posts_search ON posts USING gin (search_vector);
