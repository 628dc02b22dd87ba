"""Writes for a branch's records, one module per area; each checks `members.policies`,
validates, saves and records an audit event in one transaction."""
