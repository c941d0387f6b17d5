-- What members and facilitators are told on /notifications (and through the client API), on
-- top of every kind before:
--   'join_request'  a person asks to join a community the recipient facilitates (from_id: the
--                   person; community_id: the community)
--   'join_accepted' the community `from_id` accepted the recipient's request to join it
--   'join_refused'  the community `from_id` refused the recipient's request to join it
--   'report'        a report arrived for the recipient to look at: about a community they
--                   facilitate, or (no community) about a person of this node, for its admins
--                   (from_id: the reporter; report_id: the report)
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
    CHECK (kind IN ('mention', 'status', 'reblog', 'follow', 'follow_request', 'favourite',
                    'update', 'answer_accepted', 'page_changed', 'page_edit_conflicted',
                    'poll', 'join_request', 'join_accepted', 'join_refused', 'report'));

ALTER TABLE notifications ADD COLUMN community_id bigint REFERENCES actors (id) ON DELETE CASCADE;
COMMENT ON COLUMN notifications.community_id IS
    'join_request: the community the person asks to join; NULL for every other kind';
ALTER TABLE notifications ADD CONSTRAINT notifications_community_check
    CHECK ((kind = 'join_request') = (community_id IS NOT NULL));

ALTER TABLE notifications ADD COLUMN report_id bigint REFERENCES reports (id) ON DELETE CASCADE;
COMMENT ON COLUMN notifications.report_id IS
    'report: the report to look at; NULL for every other kind';
ALTER TABLE notifications ADD CONSTRAINT notifications_report_check
    CHECK ((kind = 'report') = (report_id IS NOT NULL));

-- Each request and each report is told once: the community and the report are part of what
-- makes an event (one person asking to join two communities is two events).
DROP INDEX notifications_once;
CREATE UNIQUE INDEX notifications_once
    ON notifications (recipient_id, kind, from_id, coalesce(post_id, 0), coalesce(kb_page_id, 0),
                      coalesce(kb_version, 0), coalesce(community_id, 0), coalesce(report_id, 0));
