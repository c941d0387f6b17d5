-- The community library and the life of a file: which posts carry files (the library reads
-- them newest first), the words of files in the post search, files released when the posts
-- and pages that used them go, and the storage each account uses.

-- A community's posts that carry files (not only links; entries as in fedcop/media/__init__.py),
-- newest first: the library walks this index and stops after a page, whatever the community's
-- size. A deleted post's attachments are emptied, so it leaves the index. The library's query
-- repeats this condition word for word (store/media_library.py: CARRIES_FILES).
CREATE INDEX posts_with_files ON posts (community_id, id DESC)
    WHERE attachments @? '$[*] ? (@.type == "Image" || @.type == "Document" || @.type == "Video" || @.type == "Audio")';

-- The words of a post's files as people read them: each file's alt text or description and its
-- file name (uploads here) or the last part of its address (files from elsewhere).
CREATE FUNCTION fedcop_attachment_text(attachments jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(string_agg(
               concat_ws(' ',
                         nullif(item ->> 'name', ''),
                         CASE WHEN item ->> 'type' IN ('Image', 'Document', 'Video', 'Audio')
                              THEN coalesce(nullif(item ->> 'file_name', ''),
                                            regexp_replace(split_part(item ->> 'url', '?', 1),
                                                           '^.*/', ''))
                         END),
               ' '), '')
    FROM jsonb_array_elements(CASE jsonb_typeof(attachments) WHEN 'array' THEN attachments
                                   ELSE '[]'::jsonb END) AS item
    WHERE jsonb_typeof(item) = 'object'
$$;

-- A post's words, now with its files': title A, summary and text B, files C. A file name is
-- kept both whole (`triage-checklist.pdf`, which the parser reads as one token) and cut at its
-- dots and underscores (`triage-checklist pdf`, which the parser reads as the hyphenated word
-- and its parts), so that `checklist` and `triage-checklist` find it too.
CREATE FUNCTION fedcop_post_search_vector(title text, summary text, content text, language text,
                                          attachments jsonb)
RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT fedcop_post_search_vector(title, summary, content, language)
        || setweight(to_tsvector(fedcop_search_config(language),
                                 fedcop_attachment_text(attachments) || ' '
                                 || translate(fedcop_attachment_text(attachments), '._', '  ')),
                     'C')
$$;

CREATE OR REPLACE FUNCTION fedcop_posts_search_words() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_config := fedcop_search_config(NEW.language);
    NEW.search_vector := fedcop_post_search_vector(NEW.title, NEW.summary, NEW.content,
                                                   NEW.language, NEW.attachments);
    RETURN NEW;
END
$$;
DROP TRIGGER posts_search_words_update ON posts;
CREATE TRIGGER posts_search_words_update
    BEFORE UPDATE OF title, summary, content, language, attachments, search_config, search_vector
    ON posts
    FOR EACH ROW EXECUTE FUNCTION fedcop_posts_search_words();
COMMENT ON COLUMN posts.search_vector IS
    'the post''s words for full-text search (fedcop_post_search_vector): title A, text B, '
    'its files'' descriptions and names C';
-- Posts kept before now: their files' words too (only those with attachments are rewritten).
UPDATE posts SET search_vector = NULL WHERE attachments <> '[]'::jsonb;

-- A file is released when nothing uses it any more because what used it went: the last post
-- that carried it deleted or removed, the last page deleted. A file an edit takes off a post
-- or page that stays becomes an unattached upload again (detached_at): its owner may attach it
-- again within a day, after which the unattached sweep deletes it. Checked when the
-- transaction commits (deferred triggers), so that statements that take a post's files away
-- and put them back never lose one; the file's row is locked first, so two transactions taking
-- away its two last uses cannot both see the other still there. Deleting the row queues its
-- bytes (media_queue_file_deletion, 0044).
ALTER TABLE media ADD COLUMN detached_at timestamptz;
COMMENT ON COLUMN media.detached_at IS
    'When an edit last took the file off the only post or page that carried it (attached_at is '
    'then NULL again); the unattached sweep counts its day from here rather than created_at.';

CREATE FUNCTION media_release_unused() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    edited boolean;
BEGIN
    IF TG_TABLE_NAME = 'post_media' THEN
        edited := EXISTS (SELECT 1 FROM posts p WHERE p.id = OLD.post_id
                          AND p.deleted_at IS NULL AND p.removed_at IS NULL);
    ELSE
        edited := EXISTS (SELECT 1 FROM kb_pages k WHERE k.id = OLD.page_id);
    END IF;
    PERFORM 1 FROM media WHERE id = OLD.media_id FOR UPDATE;
    IF edited THEN
        -- An edit took it off a post or page still there: unattached again, for a day.
        UPDATE media m SET attached_at = NULL, detached_at = now()
        WHERE m.id = OLD.media_id
          AND NOT EXISTS (SELECT 1 FROM post_media pm WHERE pm.media_id = m.id)
          AND NOT EXISTS (SELECT 1 FROM kb_page_media km WHERE km.media_id = m.id);
        RETURN NULL;
    END IF;
    DELETE FROM media m
    WHERE m.id = OLD.media_id
      AND NOT EXISTS (SELECT 1 FROM post_media pm WHERE pm.media_id = m.id)
      AND NOT EXISTS (SELECT 1 FROM kb_page_media km WHERE km.media_id = m.id);
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER post_media_released AFTER DELETE ON post_media
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION media_release_unused();
CREATE CONSTRAINT TRIGGER kb_page_media_released AFTER DELETE ON kb_page_media
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION media_release_unused();

-- A post deleted by its author or removed by a facilitator (here or by its server) no longer
-- carries its files: whichever path marks it, its post_media rows go, and with the trigger
-- above, the files nothing else uses.
CREATE FUNCTION media_post_gone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM post_media WHERE post_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER posts_files_released AFTER UPDATE OF deleted_at, removed_at ON posts
    FOR EACH ROW
    WHEN ((NEW.deleted_at IS NOT NULL OR NEW.removed_at IS NOT NULL)
          AND OLD.deleted_at IS NULL AND OLD.removed_at IS NULL)
    EXECUTE FUNCTION media_post_gone();

-- Storage used per account, kept by a trigger on media so that /metrics, the admin page and
-- `fedcop admin storage` read one row per account that uploaded, never every file.
CREATE TABLE media_usage (
    owner_id bigint PRIMARY KEY REFERENCES actors (id) ON DELETE CASCADE,
    -- How many files the account has (rows of media, in every state).
    files    bigint NOT NULL DEFAULT 0,
    -- Their stored bytes: each file and its thumbnail (media.byte_size + thumbnail_byte_size).
    bytes    bigint NOT NULL DEFAULT 0
);
COMMENT ON TABLE media_usage IS
    'files and bytes stored per uploader, kept by media_count_usage (sums of media rows)';

CREATE FUNCTION media_count_usage() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        -- no upsert: when the account itself is being deleted its row may be gone already
        UPDATE media_usage
        SET files = files - 1, bytes = bytes - OLD.byte_size - OLD.thumbnail_byte_size
        WHERE owner_id = OLD.owner_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO media_usage (owner_id, files, bytes)
        VALUES (NEW.owner_id, 1, NEW.byte_size + NEW.thumbnail_byte_size)
        ON CONFLICT (owner_id) DO UPDATE
        SET files = media_usage.files + 1, bytes = media_usage.bytes + EXCLUDED.bytes;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER media_usage_counted AFTER INSERT OR DELETE ON media
    FOR EACH ROW EXECUTE FUNCTION media_count_usage();
CREATE TRIGGER media_usage_recounted AFTER UPDATE OF owner_id, byte_size, thumbnail_byte_size
    ON media
    FOR EACH ROW EXECUTE FUNCTION media_count_usage();

INSERT INTO media_usage (owner_id, files, bytes)
SELECT owner_id, count(*), sum(byte_size + thumbnail_byte_size) FROM media GROUP BY owner_id;
