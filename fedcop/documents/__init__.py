"""Local things as ActivityStreams documents: what fedcop serves at each id."""
