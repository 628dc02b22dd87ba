"""Writes for a branch's records, one module per area: `register` (党员名册), `development`
(发展党员), `records` (党费, 三会一课), `star_service` (星级服务, 帮扶结对, 挂牌), `imports`.

Each asks `members.policies` first and raises with its reason (the views ask the same function
and answer 403 without offering the action; the service's check is for every other caller),
validates, saves and records an audit event in one transaction. Reads live in `members.queries`.
"""
