-- A community's lifecycle stage, set by its facilitators: Inquire, Design, Prototype, Launch,
-- Grow, Sustain, or Closed (read-only and archived: every page and thread stays readable, but
-- no new threads, replies, votes or joins are taken). NULL: no stage recorded yet, which is
-- what every existing community has (fedcop does not guess a stage for them); such a community
-- behaves as an open one and its actor document carries no stage.
ALTER TABLE communities ADD COLUMN stage text
    CHECK (stage IN ('Inquire', 'Design', 'Prototype', 'Launch', 'Grow', 'Sustain', 'Closed'));
COMMENT ON COLUMN communities.stage IS
    'lifecycle stage set by facilitators; NULL = not recorded; Closed = read-only archive';

-- The stage a remote community (a cached Group on another fedcop node) states in its actor
-- document as fedcop:stage, kept with the cached actor so that its page here shows it and
-- members here are refused when they try to post into a Closed one. NULL: it states none
-- (every non-fedcop server), or states a value outside the set.
ALTER TABLE actors ADD COLUMN stage text
    CHECK (stage IN ('Inquire', 'Design', 'Prototype', 'Launch', 'Grow', 'Sustain', 'Closed'));
COMMENT ON COLUMN actors.stage IS
    'remote Group''s fedcop:stage from its actor document; NULL = none stated (local: communities.stage)';
