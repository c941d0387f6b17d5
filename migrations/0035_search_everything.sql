-- One search for posts, people and communities, kept fast on a large node.

-- An actor's words for the name search: username and display name weigh A, the bio or a
-- community's description (sanitised HTML, tags taken out) weighs C. The 'simple'
-- configuration (words as written, lower case): names are not stemmed, and a bio's language is
-- not known. Underscores and dots in a username separate words (maria_okafor -> maria okafor).
-- Only built-in functions: an index expression is computed with the search path pg_catalog.
CREATE FUNCTION fedcop_actor_search_vector(username text, display_name text, summary text)
RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT setweight(to_tsvector('simple'::regconfig,
                                 translate(coalesce(username, ''), '_.', '  ')), 'A')
        || setweight(to_tsvector('simple'::regconfig, coalesce(display_name, '')), 'A')
        || setweight(to_tsvector('simple'::regconfig,
                                 regexp_replace(regexp_replace(coalesce(summary, ''), '<[^>]*>', ' ', 'g'),
                                                '&#?[A-Za-z0-9]+;', ' ', 'g')), 'C')
$$;

-- A name search reads this index (prefix queries `word:*` included), never the whole table.
CREATE INDEX actors_search ON actors
    USING gin (fedcop_actor_search_vector(username, display_name, summary));

-- A post search ranks only the newest matches of a query (services/post_search.py): for a word
-- that many posts share, each language's posts are walked newest first through this index until
-- enough match, instead of reading every match. It also answers which languages posts here use,
-- which the one-column index it replaces did.
CREATE INDEX posts_search_recent ON posts (search_config, id DESC);
DROP INDEX posts_search_config;

-- Each language's words in an index of their own: a search reads only the entries of the
-- language it parsed the query in. With one index for all, `metadat` (Spanish `metadatos`, as
-- the French and Spanish stemmers cut it) sent the French search to every Spanish post holding
-- it, to be thrown away after reading it; and PostgreSQL combined the word index with the
-- language's whole list in posts_search_recent, reading a hundred thousand entries per search.
CREATE INDEX posts_search_simple ON posts USING gin (search_vector)
    WHERE search_config = 'simple'::regconfig;
CREATE INDEX posts_search_english ON posts USING gin (search_vector)
    WHERE search_config = 'english'::regconfig;
CREATE INDEX posts_search_french ON posts USING gin (search_vector)
    WHERE search_config = 'french'::regconfig;
CREATE INDEX posts_search_german ON posts USING gin (search_vector)
    WHERE search_config = 'german'::regconfig;
CREATE INDEX posts_search_spanish ON posts USING gin (search_vector)
    WHERE search_config = 'spanish'::regconfig;
CREATE INDEX posts_search_portuguese ON posts USING gin (search_vector)
    WHERE search_config = 'portuguese'::regconfig;
CREATE INDEX posts_search_italian ON posts USING gin (search_vector)
    WHERE search_config = 'italian'::regconfig;
CREATE INDEX posts_search_dutch ON posts USING gin (search_vector)
    WHERE search_config = 'dutch'::regconfig;
CREATE INDEX posts_search_swedish ON posts USING gin (search_vector)
    WHERE search_config = 'swedish'::regconfig;
CREATE INDEX posts_search_danish ON posts USING gin (search_vector)
    WHERE search_config = 'danish'::regconfig;
CREATE INDEX posts_search_finnish ON posts USING gin (search_vector)
    WHERE search_config = 'finnish'::regconfig;
CREATE INDEX posts_search_norwegian ON posts USING gin (search_vector)
    WHERE search_config = 'norwegian'::regconfig;
CREATE INDEX posts_search_russian ON posts USING gin (search_vector)
    WHERE search_config = 'russian'::regconfig;
CREATE INDEX posts_search_hungarian ON posts USING gin (search_vector)
    WHERE search_config = 'hungarian'::regconfig;
CREATE INDEX posts_search_turkish ON posts USING gin (search_vector)
    WHERE search_config = 'turkish'::regconfig;
DROP INDEX posts_search;

-- A knowledge-base version's words: its title weighs A, its Markdown B. A page has no language
-- of its own, so its words are kept twice: stemmed as English (`loans` finds `loan`) and as
-- written ('simple', for every other language); a search matches either.
CREATE FUNCTION fedcop_kb_search_vector(title text, markdown text)
RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A')
        || setweight(to_tsvector('english'::regconfig, coalesce(markdown, '')), 'B')
        || setweight(to_tsvector('simple'::regconfig, coalesce(title, '')), 'A')
        || setweight(to_tsvector('simple'::regconfig, coalesce(markdown, '')), 'B')
$$;

-- Every version is indexed (versions are never changed); a search keeps each page's current one.
CREATE INDEX kb_versions_search ON kb_versions
    USING gin (fedcop_kb_search_vector(title, markdown));
