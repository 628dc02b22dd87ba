"""星级评定: the branch's yearly star board, and the public 公示栏 page and poster (设“栏”).

The public pages need no login and never touch the session (no cookie, no `Vary: Cookie`),
so a shared cache or CDN may keep them; they show names, stars, counts and plaques only.
"""

from __future__ import annotations

import segno
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from config.ratelimit import rate_limited
from members import reports
from members.queries import load_board, service_years
from members.views.branch import branch_for
from organizations.models import Organization

FIRST_YEAR = 2000
# Five minutes: a verified service shows on the public page soon enough for a village board.
PUBLIC_MAX_AGE = 300


def _year(request) -> int:
    """The year asked for in `?year=`, or this year when it is missing or out of range."""
    this_year = timezone.localdate().year
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return this_year
    return year if FIRST_YEAR <= year <= this_year + 1 else this_year


def _public_url(request, branch: Organization, year: int) -> str:
    """The public page's absolute address for `year`, as printed under the QR code."""
    return request.build_absolute_uri(f"{reverse('members:public_board', args=[branch.code])}?year={year}")


def _qr_data_uri(url: str, *, scale: int) -> str:
    return segno.make(url, error="m").svg_data_uri(scale=scale, border=2)


# Members a page of the branch's board lists; the counts per level above it cover them all.
BOARD_PAGE = 50


@login_required
@require_safe
def star_board(request, branch):
    """The year's board for those who see the branch: stars, counts, plaques, links to the public page.

    The board is one aggregate query over the branch's members (`queries.yearly_board`); the
    page lists BOARD_PAGE of them at a time, a 党小组 when one is chosen, and says how many
    there are in all.
    """
    branch = branch_for(request, branch)
    year = _year(request)
    groups = list(Organization.objects.groups_of(branch))
    group = next((g for g in groups if str(g.pk) == request.GET.get("group")), None)
    board = load_board(branch, year, group=group)
    page_obj = Paginator(board.rows, BOARD_PAGE).get_page(request.GET.get("page"))
    this_year = timezone.localdate().year
    years = sorted({*service_years(branch), this_year, this_year - 1, year}, reverse=True)
    public_url = _public_url(request, branch, year)
    return render(
        request,
        "members/board/star_board.html",
        {
            "branch": branch,
            "tab": "stars",
            "board": board,
            "page_obj": page_obj,
            "filter_query": urlencode({"year": year, **({"group": group.pk} if group else {})}),
            "years": years,
            "groups": groups,
            "group": group,
            "public_url": public_url,
            "public_qr": _qr_data_uri(public_url, scale=4) if branch.is_active else "",
        },
    )


def _public_branch(code: str) -> Organization:
    """An active 党支部 by its stable code; 404 for anything else."""
    return get_object_or_404(Organization.objects.branches(), code=code, is_active=True)


@require_safe
@rate_limited("public-board", per_minute=60)
@cache_control(public=True, max_age=PUBLIC_MAX_AGE)
def public_board(request, code):
    """The 公示栏 for 群众 scanning the QR code: no login, names, stars and counts only."""
    branch = _public_branch(code)
    year = _year(request)
    board = load_board(branch, year)
    today = timezone.localdate()
    return render(
        request,
        "members/board/public_board.html",
        {
            "branch": branch,
            "board": board,
            "as_of": today if year == today.year else None,
            "other_year": year - 1 if year == today.year else today.year,
            "poster_url": f"{reverse('members:public_board_poster', args=[branch.code])}?year={year}",
        },
    )


@require_safe
@rate_limited("public-board-poster", per_minute=20)
@cache_control(public=True, max_age=PUBLIC_MAX_AGE)
def public_board_poster(request, code):
    """The board as a printable A4 PDF poster with a QR code that opens the public page.

    Rendered once per branch, year and content and served from storage after that
    (`reports.stored_poster`): a request without login cannot make the server render again and
    again; only a change of the board (a verified service, a plaque) renders a new one."""
    branch = _public_branch(code)
    year = _year(request)
    public_url = _public_url(request, branch, year)
    name = reports.stored_poster(
        branch=branch,
        board=load_board(branch, year),
        public_url=public_url,
        qr_data_uri=_qr_data_uri(public_url, scale=10),
        today=timezone.localdate(),
    )
    with default_storage.open(name, "rb") as stored:
        response = HttpResponse(stored.read(), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=False, filename=f"党员星级服务公示栏-{branch.name}-{year}.pdf"
    )
    return response
