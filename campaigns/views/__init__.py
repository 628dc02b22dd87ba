"""Campaign pages, one module per area; `campaigns/urls.py` maps them."""
