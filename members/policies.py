"""Who may do what with a branch's own records (members app).

Seeing a branch and its rows is `visible_to(user)` (404 otherwise); these decide what a user
who sees it may change (403 otherwise, and the action is not offered).
"""

from __future__ import annotations

from organizations.models import Organization, Role, has_role


def may_keep_records(user, branch: Organization) -> bool:
    """The branch secretary keeps the register, dues, meetings and service cards; the 党委
    above may do it for a branch too (as it does on paper when a branch has no clerk)."""
    return has_role(user, Role.Kind.BRANCH_SECRETARY, branch) or has_role(user, Role.Kind.COMMITTEE, branch)


def may_verify_services(user, branch: Organization) -> bool:
    """星级服务卡 entries count toward stars only once the branch secretary verifies them."""
    return has_role(user, Role.Kind.BRANCH_SECRETARY, branch)


def sees_id_numbers(user, branch: Organization) -> bool:
    """Full 公民身份证号 for the branch secretary and the 组织部 (DESIGN §3); masked for others."""
    return has_role(user, Role.Kind.BRANCH_SECRETARY, branch) or has_role(
        user, Role.Kind.ORG_DEPARTMENT, branch
    )
