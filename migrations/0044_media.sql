-- Shared files: what members upload (pictures and documents), where each is attached (threads,
-- replies, knowledge-base pages), and the stored files waiting to be deleted from storage.

-- One row per uploaded file. The bytes live in the media storage (a directory in the data
-- directory, or an S3 bucket) under storage_key; the row says what they are.
CREATE TABLE media (
    id                  bigint PRIMARY KEY DEFAULT fedcop_next_id(),
    -- Who uploaded it: their quota counts it; deleting the account deletes it.
    owner_id            bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    -- The unguessable part of the file's address (/media/TOKEN/FILE_NAME): whoever has the
    -- address may fetch the file, as with every fediverse server's media.
    token               text NOT NULL UNIQUE CHECK (length(token) >= 16),
    kind                text NOT NULL CHECK (kind IN ('image', 'document')),
    state               text NOT NULL DEFAULT 'processing'
                        CHECK (state IN ('processing', 'ready', 'failed')),
    -- Why processing failed (shown to the uploader); NULL unless state is 'failed'.
    failure             text,
    -- The type read from the file's bytes (never from its name or the client's word).
    media_type          text NOT NULL,
    -- The name it was uploaded with, made safe for an address and a download (no path).
    file_name           text NOT NULL CHECK (file_name <> '' AND strpos(file_name, '/') = 0),
    -- Size of the stored file (after processing), in bytes.
    byte_size           bigint NOT NULL CHECK (byte_size >= 0),
    width               integer,
    height              integer,
    blurhash            text,
    -- Alt text of a picture, or what a document is: shown, sent as `name`, searched.
    description         text NOT NULL DEFAULT '',
    -- The community library's tag and the licence chosen at upload (fedcop/media/licences.py).
    tag                 text,
    licence             text NOT NULL DEFAULT 'all-rights-reserved',
    -- Where the bytes are in the media storage; the thumbnail of a picture beside it.
    storage_key         text NOT NULL,
    thumbnail_key       text,
    thumbnail_byte_size bigint NOT NULL DEFAULT 0 CHECK (thumbnail_byte_size >= 0),
    -- The upload as received, kept until processing has made storage_key from it.
    original_key        text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    -- When it was first attached to a post or page; unattached uploads are deleted after a day.
    attached_at         timestamptz
);
COMMENT ON TABLE media IS 'A file a member uploaded: a picture (re-encoded) or a document (as sent).';
COMMENT ON COLUMN media.state IS
    'processing: stored as received, not yet checked and re-encoded; ready: shown and attachable; '
    'failed: refused by processing (see failure), never shown.';
CREATE INDEX media_owner ON media (owner_id, created_at DESC);
CREATE INDEX media_unattached ON media (created_at) WHERE attached_at IS NULL;
CREATE INDEX media_processing ON media (created_at) WHERE state = 'processing';

-- Which files a thread or reply carries, in their order.
CREATE TABLE post_media (
    post_id  bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    media_id bigint NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    position smallint NOT NULL CHECK (position >= 0),
    PRIMARY KEY (post_id, media_id)
);
CREATE INDEX post_media_media ON post_media (media_id);

-- Which files a knowledge-base page carries.
CREATE TABLE kb_page_media (
    page_id  bigint NOT NULL REFERENCES kb_pages (id) ON DELETE CASCADE,
    media_id bigint NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    position smallint NOT NULL CHECK (position >= 0),
    PRIMARY KEY (page_id, media_id)
);
CREATE INDEX kb_page_media_media ON kb_page_media (media_id);

-- Stored files whose row is gone, waiting for a worker to delete them from the media storage.
-- A trigger fills it, so that no path that deletes rows (a post, an account, a cleanup) can leave
-- bytes behind, and a crash between the two deletions loses nothing.
CREATE TABLE media_files_to_delete (
    storage_key text PRIMARY KEY,
    queued_at   timestamptz NOT NULL DEFAULT now()
);

-- A deleted row queues its files; an updated row (processing replacing the upload as received
-- by its re-encoded file) queues the keys it no longer names.
CREATE FUNCTION media_queue_file_deletion() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO media_files_to_delete (storage_key)
    SELECT key FROM unnest(ARRAY[OLD.storage_key, OLD.thumbnail_key, OLD.original_key]) AS key
    WHERE key IS NOT NULL
      AND (TG_OP = 'DELETE'
           OR key IS DISTINCT FROM NEW.storage_key
              AND key IS DISTINCT FROM NEW.thumbnail_key
              AND key IS DISTINCT FROM NEW.original_key)
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
CREATE TRIGGER media_deleted AFTER DELETE ON media
    FOR EACH ROW EXECUTE FUNCTION media_queue_file_deletion();
CREATE TRIGGER media_keys_changed AFTER UPDATE OF storage_key, thumbnail_key, original_key ON media
    FOR EACH ROW EXECUTE FUNCTION media_queue_file_deletion();
