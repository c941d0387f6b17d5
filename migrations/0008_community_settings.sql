-- What a community's facilitators set: its charter (how the community works together), shown
-- beside its purpose (the Group's summary).
ALTER TABLE communities ADD COLUMN charter text NOT NULL DEFAULT '';

-- A report is closed by the facilitator who dealt with it.
ALTER TABLE reports ADD COLUMN closed_by bigint REFERENCES actors (id) ON DELETE SET NULL;
