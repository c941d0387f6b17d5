-- Questions and their accepted answers: a thread can be a question, and its asker or a
-- facilitator accepts one reply as the answer (and may change or withdraw that).

-- The thread asks a question (chosen when it is written; a facilitator may change it later).
-- Replies are never questions.
ALTER TABLE posts ADD COLUMN is_question boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN posts.is_question IS
    'A thread that asks a question: it can have an accepted answer (always false on replies).';

-- The reply accepted as this question's answer; NULL while unanswered (or withdrawn). A deleted
-- answer row is kept as a Tombstone, so this only clears if the row itself goes.
ALTER TABLE posts ADD COLUMN accepted_answer_id bigint REFERENCES posts (id) ON DELETE SET NULL;
COMMENT ON COLUMN posts.accepted_answer_id IS
    'The reply of this question thread accepted as its answer, by its asker or a facilitator; NULL when none.';

-- A community's questions, newest first, for its "unanswered" and "solved" filters.
CREATE INDEX posts_community_questions ON posts (community_id, published DESC, id DESC)
    WHERE is_question AND thread_id IS NULL AND deleted_at IS NULL AND removed_at IS NULL;

-- The answer author is told: 'answer_accepted' joins the kinds of notification.
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
    CHECK (kind IN ('mention', 'status', 'reblog', 'follow', 'follow_request', 'favourite',
                    'update', 'answer_accepted'));
