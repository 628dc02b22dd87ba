"""Forms for the members pages, one module per area."""
