-- A facilitator's summary of a thread: an ordinary reply of the thread (so that every server
-- shows it as one, and it can be edited, deleted, moderated and turned into a knowledge-base
-- page like any post), flagged as the summary. The thread's current summary is its newest
-- flagged reply that is not deleted or removed: writing a new one replaces it, deleting it
-- brings back the one before. The flag is set only on a reply whose author facilitates the
-- thread's community (as this node knows it) when it is written or received; anyone else's
-- reply that claims to be a summary is kept as an ordinary reply.
ALTER TABLE posts ADD COLUMN facilitator_summary boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN posts.facilitator_summary IS
    'A reply that is a facilitator''s summary of its thread (fedcop:facilitatorSummary); false on threads and other replies.';

-- A thread's summaries, newest first: the first one still there is the current summary.
CREATE INDEX posts_thread_summaries ON posts (thread_id, published DESC, id DESC)
    WHERE facilitator_summary;

-- A question whose accepted answer is deleted by its author or removed by a facilitator is no
-- longer solved: the filters, its page, search and its document on the wire all read
-- accepted_answer_id, which is cleared here whichever path (web, client API, inbox,
-- moderation) made the answer go. The asker or a facilitator may accept another reply.
CREATE FUNCTION posts_answer_gone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE posts SET accepted_answer_id = NULL WHERE accepted_answer_id = NEW.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER posts_answer_gone
    AFTER UPDATE OF deleted_at, removed_at ON posts
    FOR EACH ROW
    WHEN ((NEW.deleted_at IS NOT NULL AND OLD.deleted_at IS NULL)
          OR (NEW.removed_at IS NOT NULL AND OLD.removed_at IS NULL))
    EXECUTE FUNCTION posts_answer_gone();

-- Questions solved by an answer that is already gone stop counting as solved.
UPDATE posts q SET accepted_answer_id = NULL
FROM posts a
WHERE a.id = q.accepted_answer_id AND (a.deleted_at IS NOT NULL OR a.removed_at IS NOT NULL);
