"""People: profiles that travel (organisation, sector, role, expertise) and who knows what."""
