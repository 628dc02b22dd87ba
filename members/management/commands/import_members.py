"""`python manage.py import_members FILE --branch CODE [--dry-run] [--user NAME]`: the branch
pages' import from the command line, for a county loading every branch at once.

The same engine (`members.imports.plan_import`) checks every row first and prints every bad row
as the page lists it; only a file without one is written, all of it in one transaction. With
`--branch auto` each row goes to the branch its 所在党支部 column names, among those `--user`
sees (every branch without `--user`), and the user must be allowed to import into each one.
"""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from members import policies
from members.imports import plan_by_branch, plan_import, write_plan
from members.models import ImportJob
from organizations.models import Organization, Verb, record_event
from spreadsheets import FileRefused, read_table


class Command(BaseCommand):
    help = "从 .xlsx 或 .csv 导入党员名册（与支部页面的导入相同的检查；有错行则全部不导入）。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="名册文件（.xlsx 或 .csv）")
        parser.add_argument("--branch", required=True, help="党支部的组织编码；auto 表示按“所在党支部”列分配")
        parser.add_argument("--user", help="以该用户的身份和管辖范围导入（用户名）")
        parser.add_argument("--dry-run", action="store_true", help="只检查，不写入")

    def handle(self, *args, file, branch, user=None, dry_run=False, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"找不到文件 {file}")
        importer = self._user(user)
        try:
            table = read_table(path.read_bytes(), path.name)
            if branch == "auto":
                plans, errors = plan_by_branch(table=table, user=importer)
            else:
                target = self._branch(branch, importer)
                plans = {
                    target: plan_import(
                        kind=ImportJob.Kind.MEMBERS, branch=target, user=importer, table=table
                    )
                }
                errors = []
        except FileRefused as refused:
            raise CommandError("；".join(refused.messages)) from refused
        for target in plans:
            if importer is not None and (reason := policies.cannot_import_records(importer, target)):
                raise CommandError(f"{target.name}：{reason}")
        errors = sorted([*errors, *(e for p in plans.values() for e in p.errors)], key=lambda e: e.row or 0)
        for error in errors:
            self.stderr.write(str(error))
        if errors:
            raise CommandError(f"{len(errors)} 行有误，整个文件都没有导入。")
        for target, plan in plans.items():
            self.stdout.write(
                f"{target.name}：{plan.total} 行，新增 {len(plan.creates)} 名，更新 {len(plan.updates)} 名，"
                f"{plan.unchanged} 名无变化"
            )
        ignored = next(iter(plans.values())).ignored_columns if plans else []
        for name, reason in ignored:
            self.stdout.write(f"不导入的列：{name}（{reason}）")
        if dry_run:
            self.stdout.write("只做了检查（--dry-run），没有写入。")
            return
        with transaction.atomic():
            for target, plan in plans.items():
                created, updated = write_plan(plan)
                if importer is not None:
                    record_event(
                        actor=importer,
                        verb=Verb.IMPORT_RECORDS,
                        target=target,
                        organization=target,
                        subject=target,
                        summary=f"党员名册《{path.name}》（命令行）：{plan.total} 行，"
                        f"新增 {created} 条，更新 {updated} 条",
                    )
        self.stdout.write(self.style.SUCCESS("导入完成。"))

    def _user(self, username):
        if not username:
            return None
        found = get_user_model().objects.filter(username=username).first()
        if found is None:
            raise CommandError(f"没有用户 {username}")
        return found

    def _branch(self, code, user) -> Organization:
        branches = Organization.objects.branches()
        if user is not None and not user.is_superuser:
            branches = branches.visible_to(user)
        found = branches.filter(code=code).first()
        if found is None:
            raise CommandError(f"找不到组织编码为 {code} 的党支部，或它不在您的管辖范围内。")
        return found
