-- Processing uploaded pictures: when a worker may take a row still in 'processing' (the
-- process that received it normally finishes it at once; a crash leaves it to the sweep), and
-- how many times it was taken, so a picture that always crashes its worker is given up.

-- Until then the row belongs to whoever is processing it (the uploading process, or a sweeping
-- worker that claimed it); after, a worker's sweep may claim it. Meaningless once not processing.
ALTER TABLE media ADD COLUMN process_after timestamptz NOT NULL DEFAULT now();
-- How many sweeps claimed the row; past a few, it is marked 'failed'.
ALTER TABLE media ADD COLUMN processing_attempts smallint NOT NULL DEFAULT 0
    CHECK (processing_attempts >= 0);
COMMENT ON COLUMN media.process_after IS
    'While processing: when a worker''s sweep may take the row (the uploading process has it until then).';

DROP INDEX media_processing;
CREATE INDEX media_processing ON media (process_after) WHERE state = 'processing';
