"""Mail pages: what a member chooses to receive."""
