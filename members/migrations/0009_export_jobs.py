"""Exports too large for the request run as jobs (issue 12): `ExportJob` records who asked for
which file, its progress and the file itself, served to its owner only."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0008_indexes_for_scale"),
        ("organizations", "0007_publish_service_verb"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ExportJob",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("MEMBERS", "党员名册"),
                            ("NATIONAL", "党员基本信息汇总表"),
                            ("HOUSEHOLDS", "帮扶对象"),
                            ("SERVICES", "星级服务记录"),
                            ("ATTENDANCE", "会议出勤"),
                            ("MEETINGS", "三会一课"),
                        ],
                        max_length=20,
                        verbose_name="导出内容",
                    ),
                ),
                (
                    "format",
                    models.CharField(
                        choices=[("xlsx", "Excel"), ("csv", "CSV")],
                        default="xlsx",
                        max_length=4,
                        verbose_name="文件格式",
                    ),
                ),
                ("params", models.JSONField(blank=True, default=dict, verbose_name="筛选条件")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("PENDING", "排队中"),
                            ("RUNNING", "导出中"),
                            ("DONE", "已完成"),
                            ("FAILED", "导出失败"),
                        ],
                        default="PENDING",
                        max_length=10,
                        verbose_name="状态",
                    ),
                ),
                ("total_rows", models.PositiveIntegerField(default=0, verbose_name="总行数")),
                ("processed_rows", models.PositiveIntegerField(default=0, verbose_name="已写行数")),
                ("file", models.FileField(blank=True, upload_to="exports/%Y/%m/", verbose_name="文件")),
                ("filename", models.CharField(max_length=255, verbose_name="下载文件名")),
                ("error", models.CharField(blank=True, max_length=500, verbose_name="失败原因")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="提交时间")),
                ("finished_at", models.DateTimeField(blank=True, null=True, verbose_name="完成时间")),
                (
                    "branch",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="export_jobs",
                        to="organizations.organization",
                        verbose_name="党支部",
                    ),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="export_jobs",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="导出人",
                    ),
                ),
            ],
            options={
                "verbose_name": "导出任务",
                "verbose_name_plural": "导出任务",
                "ordering": ["-created_at", "-id"],
            },
        ),
    ]
