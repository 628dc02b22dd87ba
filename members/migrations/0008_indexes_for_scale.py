"""Indexes for the branch pages whose time grew with the city's data (issue 12).

Each index names the queries it serves; the plans were read with EXPLAIN ANALYZE on PostgreSQL
over a database of 5,000 organizations, 200,000 members, 154,000 meetings, 3.5 million marks
and 306,000 service records (the plan lines are in the issue's report).

Not added: Meeting (organization, held_on). The meeting list, its year counts and the 到会率
reach a branch's meetings through the organization foreign key's own index — a branch and its
党小组 hold a few dozen meetings a year — and the planner kept that index with the composite
one present; an index no plan uses would only slow every write.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0007_import_job_meetings"),
    ]

    operations = [
        # The star board (`members.queries.yearly_board`): per member, the distinct (served_on,
        # trimmed content) of the year's verified records — a range of served_on under one
        # member, verified_at and content read from the index itself (Index Only Scan, no heap
        # fetch), so neither other years' records nor other branches' are read: 1.24× the bare
        # GROUP BY over the same rows, 1.65× with (member, served_on) alone. Key columns, not
        # INCLUDE: SQLite has no INCLUDE (and `check` warns of it, models.W040).
        # The duplicate check (`find_duplicates` on every save, `duplicates_among` for the
        # service list's page, the list filtered to 疑似重复): member and served_on equal.
        # The board's years (`service_years`): each member's first and latest day, one probe.
        migrations.AddIndex(
            model_name="servicerecord",
            index=models.Index(
                fields=["member", "served_on", "verified_at", "content"], name="service_member_day_idx"
            ),
        ),
        # A meeting's marks by status: the meeting list's figures for its page
        # (`members.queries.meeting_figures`, one COUNT per status, Index Only Scan) and the
        # absentees on a meeting's page (status IN (缺席, 请假) as an index condition).
        migrations.AddIndex(
            model_name="attendance",
            index=models.Index(fields=["meeting", "status"], name="attendance_meeting_status_idx"),
        ),
    ]
