"""`manage.py export_framework ID FILE.xlsx`: a framework in the layout `import_framework` reads."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ...framework_files import framework_xlsx
from ...models import Framework


class Command(BaseCommand):
    help = "把考核标准导出为考核细则 Excel 表，格式与 import_framework 读取的相同。"

    def add_arguments(self, parser):
        parser.add_argument("id", type=int, help="考核标准编号。")
        parser.add_argument("file", help="写入的 .xlsx 文件。")

    def handle(self, *args, id, file, **options):
        framework = Framework.objects.filter(pk=id).first()
        if framework is None:
            raise CommandError(f"没有编号为 {id} 的考核标准。")
        path = Path(file)
        try:
            path.write_bytes(framework_xlsx(framework))
        except OSError as error:
            raise CommandError(f"无法写入 {path}：{error.strerror}") from error
        self.stdout.write(f"已导出“{framework}”到 {path}。")
