"""`manage.py import_framework FILE.xlsx --name "…" [--source "…"]`: a county 考核细则 as a template."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from spreadsheets import FileRefused, ImportRefused

from ...framework_files import read_framework
from ...services import import_framework


class Command(BaseCommand):
    help = "导入考核细则（.xlsx）为考核标准模板：全部导入或全部不导入，逐行列出有问题的行。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="考核细则 Excel 文件（.xlsx）。")
        parser.add_argument("--name", required=True, help="考核标准名称。")
        parser.add_argument("--source", default="", help="依据，如某实施方案的名称和文号。")

    def handle(self, *args, file, name, source, **options):
        path = Path(file)
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"无法读取文件 {path}：{error.strerror}") from error
        try:
            parsed = read_framework(data, path.name)
        except ImportRefused as refused:
            raise CommandError(
                "未导入，以下各行有问题：\n" + "\n".join(str(row) for row in refused.rows)
            ) from None
        except FileRefused as refused:
            raise CommandError("未导入：" + "；".join(refused.messages)) from None
        framework = import_framework(by=None, parsed=parsed, name=name, source=source)
        for indicator in parsed.indicators:
            if not indicator.computable:
                why = indicator.parsed.note or "酌情评分，由评分人打分。"
                self.stdout.write(f"第 {indicator.row} 行由评分人打分：{why}")
        self.stdout.write(
            f"已导入“{framework}”（编号 {framework.pk}）：{len(parsed.dimensions)} 个一级指标、"
            f"{len(parsed.indicators)} 条考核内容，合计 {parsed.total_points.normalize():f} 分，"
            f"其中 {parsed.computable_count} 条按规则计分。"
        )
