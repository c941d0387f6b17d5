"""What a community's facilitators read about its health: members' last activity, and the
month-by-month figures (migration 0038_community_health.sql)."""
