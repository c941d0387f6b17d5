"""SQL, one module per area. Nothing outside this package writes SQL."""
