"""Writes for the member register (党员名册): add a member and change their 采集表 particulars.

The rules a member's particulars keep are `members.validation`'s: `check_member` (which
`Member.clean` and every import run too) and `check_whereabouts` (the page's own), run together
here before saving, so no caller goes around them.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction

from organizations.models import Organization, Verb, describe_changes, record_event

from .. import policies
from ..models import Member
from ..validation import RegisterError, check_register_entry

# The 采集表 items a secretary keeps on the member page; 所在党支部 is the page's branch.
MEMBER_FIELDS = (
    "name",
    "gender",
    "ethnicity",
    "id_number",
    "birth_date",
    "education",
    "status",
    "group",
    "joined_on",
    "full_member_on",
    "occupation",
    "job",
    "phone",
    "landline",
    "address",
    "skills",
    "party_standing",
    "is_mobile",
    "mobile_destination",
    "is_lost_contact",
    "lost_contact_since",
)
# Never written into an audit summary: the summary names the change, not the number.
SECRET_FIELDS = frozenset({"id_number"})


# The writes ------------------------------------------------------------------------------------


@transaction.atomic
def add_member(*, branch: Organization, by, today: datetime.date | None = None, **fields: Any) -> Member:
    """Put a new member on the branch's register."""
    if reason := policies.cannot_keep_register(by, branch):
        raise RegisterError(reason)
    data = check_register_entry(fields, branch=branch, today=today, others=Member.objects.all())
    member = Member(branch=branch, **data)
    member.full_clean(validate_constraints=False)
    member.save()
    record_event(
        actor=by,
        verb=Verb.REGISTER_MEMBER,
        target=member,
        organization=branch,
        summary=f"{member.name}（{member.get_status_display()}）",
    )
    return member


@transaction.atomic
def update_member(*, member: Member, by, today: datetime.date | None = None, **fields: Any) -> Member:
    """Change a member's particulars; the audit event lists what changed (not the ID number)."""
    # The row as it is now, locked: `member` may carry a form's unsaved values.
    current = Member.objects.select_for_update(of=("self",)).select_related("branch").get(pk=member.pk)
    if reason := policies.cannot_keep_register(by, current.branch):
        raise RegisterError(reason)
    # The rules look at the whole record: what is not being changed keeps its value.
    merged = {name: getattr(current, name) for name in MEMBER_FIELDS} | dict(fields)
    data = check_register_entry(
        merged,
        branch=current.branch,
        member=current,
        today=today,
        others=Member.objects.exclude(pk=current.pk),
    )
    changes = {name: value for name, value in data.items() if getattr(current, name) != value}
    if not changes:
        return current
    lines = describe_changes(current, changes, secret=SECRET_FIELDS)
    for name, value in changes.items():
        setattr(current, name, value)
    current.full_clean(validate_constraints=False)
    current.save(update_fields=list(changes))
    record_event(
        actor=by,
        verb=Verb.CHANGE_MEMBER,
        target=current,
        organization=current.branch,
        summary=f"{current.name}：" + "；".join(lines),
    )
    return current
