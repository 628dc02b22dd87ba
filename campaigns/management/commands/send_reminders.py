"""`manage.py send_reminders [--date YYYY-MM-DD] [--dry-run]`: the beat job, for cron or checking."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from campaigns import reminders


class Command(BaseCommand):
    help = "发送到期提醒（站内通知和每日汇总邮件）；与每天 08:00 的定时任务运行同一段代码。"

    def add_arguments(self, parser):
        parser.add_argument("--date", help="按这一天计算（YYYY-MM-DD），默认今天（北京时间）。")
        parser.add_argument("--dry-run", action="store_true", help="只列出应发送的提醒，不发送、不记录。")

    def handle(self, *args, date=None, dry_run=False, **options):
        try:
            today = datetime.date.fromisoformat(date) if date else timezone.localdate()
        except ValueError as error:
            raise CommandError(f"日期格式应为 YYYY-MM-DD，而不是 “{date}”。") from error
        if dry_run:
            found = reminders.due_reminders(today)
            already = reminders.already_sent(found)
            pending = [d for d in found if d.key not in already]
            for line in reminders.describe(pending):
                self.stdout.write(line)
            self.stdout.write(
                f"{today:%Y-%m-%d}：应发送 {len(pending)} 条提醒"
                f"（另有 {len(found) - len(pending)} 条此前已发送），未发送（--dry-run）。"
            )
            return
        run = reminders.send_deadline_reminders(today)
        self.stdout.write(
            f"{today:%Y-%m-%d}：发送 {len(run.sent)} 条提醒，{run.emails} 封邮件"
            f"（另有 {len(run.found) - len(run.sent)} 条此前已发送）。"
        )
