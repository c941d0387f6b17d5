"""What an operator watches: logs (one line per event), request ids, metrics, trusted proxies."""
