"""Mail protocol parts that touch no database: composing, threading headers, tokens, DKIM, SMTP."""
