"""Forms for the campaign pages, one module per area (schedule, nominations, site, supervision)."""
