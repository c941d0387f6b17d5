"""Web pages about mail: what a member chooses to receive, one-click unsubscribe, address
confirmation, password reset."""
