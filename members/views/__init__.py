"""Pages for a branch's own records, one module per area; `members/urls/` maps them."""
