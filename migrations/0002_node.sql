-- The node itself. One row, written on first start.
CREATE TABLE node (
    -- Always true: the table holds exactly one row.
    singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    -- The public base URL every local id was minted on. Ids never change, so neither may this.
    base_url   text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
