"""Web pages about mail: one-click unsubscribe, address confirmation, password reset."""
