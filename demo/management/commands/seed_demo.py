"""`manage.py seed_demo`: build the demo county once; a second run changes nothing."""

from django.core.management.base import BaseCommand

from demo.builder import AS_OF, WORK_COMMITTEE_CODE, build_demo


class Command(BaseCommand):
    help = "生成演示数据：一个示范区工委及其党组织、党员、三会一课和 2026 年度示范点创建活动。可重复运行。"

    def handle(self, *args, **options):
        result = build_demo()
        if result.created:
            self.stdout.write(self.style.SUCCESS(f"演示数据已生成（数据截至 {AS_OF:%Y年%m月%d日}）："))
        else:
            self.stdout.write(f"演示数据已存在（组织编码 {WORK_COMMITTEE_CODE}），未作任何改动：")
        for line in result.lines:
            self.stdout.write(f"  {line}")
