"""Direct messages: writing, receiving and reading them; check-ins and welcomes."""
