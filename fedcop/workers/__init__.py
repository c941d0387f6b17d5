"""Queue workers. Each has run_once() (tests drain queues with it) and run_forever()."""
