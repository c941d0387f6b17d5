-- Full-text search over posts: each post's words, stemmed in its own language where it is known,
-- kept in a column (by a trigger) with a GIN index so a search reads the index, not the table.

-- The PostgreSQL text search configuration for a post's language (a BCP 47 tag such as 'en' or
-- 'pt-BR'): its primary subtag mapped to the stemmer of that language; 'simple' (words as they
-- are, lower case) for an unknown or unmapped language.
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

-- A post's words: its title weighs A, its summary and text B (a reply has only text).
CREATE FUNCTION fedcop_post_search_vector(title text, summary text, content text, language text)
RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT setweight(to_tsvector(fedcop_search_config(language), coalesce(title, '')), 'A')
        || setweight(to_tsvector(fedcop_search_config(language), fedcop_search_text(summary)), 'B')
        || setweight(to_tsvector(fedcop_search_config(language), fedcop_search_text(content)), 'B')
$$;

-- Kept by a trigger rather than as generated columns, so that statements copying whole rows
-- (bulk loads, `INSERT ... SELECT p.*`) keep working: whatever they carry is recomputed.
ALTER TABLE posts ADD COLUMN search_config regconfig;
COMMENT ON COLUMN posts.search_config IS
    'text search configuration of the post''s language (fedcop_search_config), simple if unknown';
ALTER TABLE posts ADD COLUMN search_vector tsvector;
COMMENT ON COLUMN posts.search_vector IS
    'the post''s words for full-text search (fedcop_post_search_vector): title A, text B';

CREATE FUNCTION fedcop_posts_search_words() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_config := fedcop_search_config(NEW.language);
    NEW.search_vector := fedcop_post_search_vector(NEW.title, NEW.summary, NEW.content,
                                                   NEW.language);
    RETURN NEW;
END
$$;
CREATE TRIGGER posts_search_words_insert BEFORE INSERT ON posts
    FOR EACH ROW EXECUTE FUNCTION fedcop_posts_search_words();
CREATE TRIGGER posts_search_words_update
    BEFORE UPDATE OF title, summary, content, language, search_config, search_vector ON posts
    FOR EACH ROW EXECUTE FUNCTION fedcop_posts_search_words();

UPDATE posts SET search_vector = NULL;
ALTER TABLE posts ALTER COLUMN search_config SET NOT NULL;
ALTER TABLE posts ALTER COLUMN search_vector SET NOT NULL;
CREATE INDEX posts_search ON posts USING gin (search_vector);
-- Which configurations posts use: a search parses its query only in those.
CREATE INDEX posts_search_config ON posts (search_config);
