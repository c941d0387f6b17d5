"""ActivityPub GETs and inboxes, WebFinger, NodeInfo."""
