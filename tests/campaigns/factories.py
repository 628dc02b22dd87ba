import datetime

from campaigns.services import PhaseSpec, activate_campaign, create_campaign

MOBILIZATION_DAY = datetime.date(2026, 3, 10)
IMPLEMENTATION_DAY = datetime.date(2026, 6, 15)
ACCEPTANCE_DAY = datetime.date(2026, 11, 20)


def standard_phases(year: int = 2026) -> list[PhaseSpec]:
    """The three stages of the 开发区 plan with the 望城 plan's own names."""
    return [
        PhaseSpec("MOBILIZATION", datetime.date(year, 3, 1), datetime.date(year, 4, 15), "宣传发动"),
        PhaseSpec("IMPLEMENTATION", datetime.date(year, 4, 16), datetime.date(year, 11, 15), "创建培育"),
        PhaseSpec("ACCEPTANCE", datetime.date(year, 11, 16), datetime.date(year, 12, 31), "总结验收"),
    ]


def active_campaign(*, organizer, by, quota_per_committee: int = 1, year: int = 2026, **kwargs):
    """A running campaign created and started through the services."""
    campaign = create_campaign(
        by=by,
        name=f"{year}年度基层党建示范点创建活动",
        year=year,
        organizer=organizer,
        phases=standard_phases(year),
        quota_per_committee=quota_per_committee,
        **kwargs,
    )
    return activate_campaign(campaign=campaign, by=by)
