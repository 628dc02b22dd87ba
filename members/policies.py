"""Who may change a branch's own records (members app): one function per action, answering None
(allowed) or why not, in Chinese.

Seeing a branch and its rows is `visible_to(user)` (404 otherwise); these decide what a user who
sees it may change. The services raise with the reason; the views answer 403 with it and offer
the action only when it is None. Nowhere else says who may do what.

The branch secretary keeps the branch's records; the 党委 above may do it for a branch too (as it
does on paper when a branch has no clerk). Verifying a service for the stars is the secretary's
alone. The 组织部 and the inspectors read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from organizations.models import Organization, Role, has_role

if TYPE_CHECKING:
    from .models import ServiceRecord

VERIFIED_SERVICE_REMOVAL = "已核实的服务记录计入星级，只有本支部书记可以删除。"


def _keeper_refusal(user, branch: Organization, action: str) -> str | None:
    # The secretary first: on the pages that is who asks, and it answers in one query.
    if has_role(user, Role.Kind.BRANCH_SECRETARY, branch) or has_role(user, Role.Kind.COMMITTEE, branch):
        return None
    return f"只有本支部书记或上级党委可以{action}。"


def cannot_keep_register(user, branch: Organization) -> str | None:
    """登记党员, 修改党员信息 (党员名册)."""
    return _keeper_refusal(user, branch, "维护党员名册")


def cannot_develop_members(user, branch: Organization) -> str | None:
    """登记入党申请人 and each later step of the development pipeline (发展党员)."""
    return _keeper_refusal(user, branch, "登记发展党员")


def cannot_record_dues(user, branch: Organization) -> str | None:
    """Record, correct or remove a member's dues (党费) for a month."""
    return _keeper_refusal(user, branch, "登记党费")


def cannot_keep_meetings(user, branch: Organization) -> str | None:
    """Record, change or remove a meeting (三会一课) of the branch or its 党小组, its photos and
    its attendance sheet."""
    return _keeper_refusal(user, branch, "登记会议和出勤")


def cannot_record_services(user, branch: Organization) -> str | None:
    """Enter or change a service from a member's 星级服务卡."""
    return _keeper_refusal(user, branch, "记录星级服务")


def cannot_verify_services(user, branch: Organization) -> str | None:
    """核实 service records so they count toward stars: the branch secretary's alone."""
    if has_role(user, Role.Kind.BRANCH_SECRETARY, branch):
        return None
    return "只有本支部书记可以核实星级服务记录。"


def service_removal_refusal(
    record: ServiceRecord, *, recording: str | None, verifying: str | None
) -> str | None:
    """`cannot_remove_service` from the answers of `cannot_record_services` and
    `cannot_verify_services` already in hand: a list asks those once for all its rows."""
    if recording:
        return recording
    if record.verified_at is not None and verifying:
        return VERIFIED_SERVICE_REMOVAL
    return None


def cannot_remove_service(user, record: ServiceRecord) -> str | None:
    """Delete a service record entered by mistake. A verified one counts toward stars, so only
    someone who may verify removes it."""
    branch = record.member.branch
    recording = cannot_record_services(user, branch)
    verifying = cannot_verify_services(user, branch) if not recording and record.verified_at else None
    return service_removal_refusal(record, recording=recording, verifying=verifying)


def cannot_keep_households(user, branch: Organization) -> str | None:
    """Register or change a 帮扶对象, pair a member with one (结对帮扶) or end a pairing."""
    return _keeper_refusal(user, branch, "维护帮扶对象和结对")


def cannot_award_plaques(user, branch: Organization) -> str | None:
    """挂牌 a member for a year, or take a plaque back."""
    return _keeper_refusal(user, branch, "挂牌或撤销挂牌")


def cannot_import_records(user, branch: Organization) -> str | None:
    """Import a spreadsheet of members, households, services or attendance into the branch."""
    return _keeper_refusal(user, branch, "导入本支部的记录")


def sees_id_numbers(user, branch: Organization) -> bool:
    """Full 公民身份证号 for the branch secretary and the 组织部 (DESIGN §3); masked for others.

    A display rule, not an action: it stays a yes or no.
    """
    return has_role(user, Role.Kind.BRANCH_SECRETARY, branch) or has_role(
        user, Role.Kind.ORG_DEPARTMENT, branch
    )
