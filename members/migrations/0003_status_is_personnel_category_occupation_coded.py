from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0002_initial"),
    ]

    # In the 党员信息采集表, 人员类别 is 正式党员/预备党员 (our `status`) and 工作岗位 is the
    # coded occupation, so the old `category` column becomes `occupation`.
    operations = [
        migrations.RenameField(model_name="member", old_name="category", new_name="occupation"),
        migrations.AlterField(
            model_name="member",
            name="occupation",
            field=models.CharField(
                choices=[
                    ("FARMER", "农牧渔民"),
                    ("WORKER", "工人"),
                    ("STAFF", "机关事业单位人员"),
                    ("TEACHER", "教师"),
                    ("MILITARY", "消防救援人员"),
                    ("ENTERPRISE", "企业人员"),
                    ("STUDENT", "学生"),
                    ("RETIRED", "离退休人员"),
                    ("OTHER", "其他"),
                ],
                default="OTHER",
                max_length=20,
                verbose_name="工作岗位",
            ),
        ),
        migrations.AlterField(
            model_name="member",
            name="job",
            field=models.CharField(blank=True, max_length=100, verbose_name="工作单位及职务"),
        ),
        migrations.AlterField(
            model_name="member",
            name="status",
            field=models.CharField(
                choices=[("PROBATIONARY", "预备党员"), ("FULL", "正式党员")],
                default="FULL",
                max_length=20,
                verbose_name="人员类别",
            ),
        ),
    ]
