"""Domain operations. Web routes, API routes, inbox handlers and the CLI all call these."""
