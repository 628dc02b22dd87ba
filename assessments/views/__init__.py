"""The assessments pages, one module per area: the campaign set-up (`campaign`)."""
