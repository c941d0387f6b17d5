"""Mail as a domain: queueing outbound mail, unsubscribe links, account addresses."""
