"""SQL for mail: the outbound queue, account addresses, per-community mail choices."""
