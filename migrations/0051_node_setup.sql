-- A fresh node's first administrator is guided through setting it up: its name, what it is
-- for, who may register, and its first community (fedcop/services/node_setup.py).

-- The node's name as people read it in every page's header; empty: the name it was deployed
-- with (FEDCOP_NODE_NAME).
ALTER TABLE node ADD COLUMN name text NOT NULL DEFAULT '';
COMMENT ON COLUMN node.name IS
    'the node''s name shown to people; empty: FEDCOP_NODE_NAME';

-- How far the setup went: 'about' (name and description to give), 'registrations' (who may
-- register), 'community' (the first community), 'done' (finished, or skipped by an admin).
-- An administrator sees a prompt to go on while it is not 'done'.
ALTER TABLE node ADD COLUMN setup_step text NOT NULL DEFAULT 'about'
    CHECK (setup_step IN ('about', 'registrations', 'community', 'done'));
COMMENT ON COLUMN node.setup_step IS
    'the next step of the guided setup: about, registrations, community, or done';

-- A node already in use (it has communities, or an administrator described it) is set up.
UPDATE node SET setup_step = 'done'
WHERE organisation <> '' OR description <> '' OR EXISTS (SELECT 1 FROM communities);
