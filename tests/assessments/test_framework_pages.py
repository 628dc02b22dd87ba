"""The 考核标准 pages: the list, one table and its Excel, and importing a 考核细则 (upload → preview →
confirm) for the 组织部 only."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from assessments.framework_files import read_framework
from assessments.models import Framework
from assessments.services import import_framework
from organizations.models import AuditEvent, Verb
from tests.assessments.files import tables
from tests.assessments.files.tables import build

pytestmark = pytest.mark.django_db

ROLES = ["org_department", "committee", "secretary", "inspector", "outsider"]
HEADER = ["一级指标", "二级指标", "考核内容", "分值", "评分标准", "考核方式", "一票否决"]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def upload(data: bytes, name: str = "细则.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def table_of(n: int) -> bytes:
    rows = [
        [f"指标{k % 3}", f"项目{k % 5}", f"内容{k}", 2, "每少1次扣1分", "查阅资料", "否"] for k in range(n)
    ]
    return build([["测试细则"]], HEADER, rows)


def imported(cast, data: bytes, name: str = "某县标准") -> Framework:
    return import_framework(by=cast.org_department, parsed=read_framework(data), name=name)


@pytest.mark.parametrize("role", ROLES)
def test_import_page_is_for_the_org_department_only(client, cast, role):
    client.force_login(getattr(cast, role))
    response = client.get(reverse("assessments:framework_import"))
    assert response.status_code == (200 if role == "org_department" else 403)


@pytest.mark.parametrize("role", ROLES[1:])
def test_others_cannot_post_an_import_or_a_confirmation(client, cast, role):
    client.force_login(getattr(cast, role))
    response = client.post(reverse("assessments:framework_import"), {"file": upload(tables.fuding_table())})
    assert response.status_code == 403
    response = client.post(reverse("assessments:framework_import_confirm"), {"token": "x", "name": "x"})
    assert response.status_code == 403
    assert not Framework.objects.filter(is_builtin=False).exists()


def test_anonymous_is_sent_to_log_in(client):
    for name in ("framework_list", "framework_import"):
        response = client.get(reverse(f"assessments:{name}"))
        assert response.status_code == 302 and "login" in response.url


@pytest.mark.parametrize("role", ROLES)
def test_everyone_signed_in_reads_the_list_the_table_and_its_excel(client, cast, role):
    framework = imported(cast, tables.rural_table())
    client.force_login(getattr(cast, role))

    assert framework.name in client.get(reverse("assessments:framework_list")).content.decode()
    page = client.get(reverse("assessments:framework_detail", args=[framework.pk])).content.decode()
    assert "村服务站建设" in page and "场所设置" in page and "下载 Excel" in page
    response = client.get(reverse("assessments:framework_export", args=[framework.pk]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[2]] == HEADER


def test_import_button_only_for_the_org_department(client, cast):
    client.force_login(cast.org_department)
    assert "导入考核细则" in client.get(reverse("assessments:framework_list")).content.decode()
    client.force_login(cast.secretary)
    assert "导入考核细则" not in client.get(reverse("assessments:framework_list")).content.decode()


def test_anonymous_cannot_read_a_table(client, cast):
    framework = imported(cast, tables.rural_table())
    response = client.get(reverse("assessments:framework_export", args=[framework.pk]))
    assert response.status_code == 302


def test_upload_preview_confirm(client, cast):
    client.force_login(cast.org_department)
    response = client.post(
        reverse("assessments:framework_import"), {"file": upload(tables.fuding_table()), "source": "福鼎市"}
    )
    page = response.content.decode()

    assert response.status_code == 200
    assert "导入预览" in page
    assert "8</span> 条考核内容" in page
    assert "按规则计分" in page and "人工评分" in page
    assert "一项中有多条评分规则" in page
    assert not Framework.objects.filter(is_builtin=False).exists()
    form = response.context["form"]
    assert form["name"].value() == tables.FUDING_TITLE

    response = client.post(
        reverse("assessments:framework_import_confirm"),
        {"token": form["token"].value(), "name": "福鼎考评标准", "source": "福鼎市"},
    )
    framework = Framework.objects.get(name="福鼎考评标准")
    assert response.status_code == 302
    assert response.url == reverse("assessments:framework_detail", args=[framework.pk])
    assert framework.source == "福鼎市"
    assert framework.total_points() == 80
    assert AuditEvent.objects.filter(verb=Verb.IMPORT_FRAMEWORK, actor=cast.org_department).count() == 1


def test_a_bad_file_lists_every_row_and_saves_nothing(client, cast):
    client.force_login(cast.org_department)
    rows = [["组织建设", None, "支委会", "五分", "", "", ""], ["组织建设", None, "党课", None, "", "", ""]]
    response = client.post(reverse("assessments:framework_import"), {"file": upload(build([], HEADER, rows))})
    page = response.content.decode()

    assert response.status_code == 400
    assert "整个文件都没有导入" in page
    assert "<strong>第 2 行</strong>：分值“五分”不是数字" in page
    assert "<strong>第 3 行</strong>：分值不能为空" in page
    assert not Framework.objects.filter(is_builtin=False).exists()


def test_a_file_that_is_not_excel_is_refused_beside_the_field(client, cast):
    client.force_login(cast.org_department)
    response = client.post(reverse("assessments:framework_import"), {"file": upload(b"a,b", "x.csv")})
    assert response.status_code == 400
    assert "只能导入 Excel（.xlsx）文件" in response.content.decode()
    response = client.post(reverse("assessments:framework_import"), {"file": upload(b"not a zip", "x.xlsx")})
    assert response.status_code == 400
    assert "文件内容与扩展名" in response.content.decode()


def test_confirmation_is_bound_to_the_user_who_previewed(client, cast, tree):
    from organizations.models import Role
    from tests.organizations.factories import UserFactory, give_role

    client.force_login(cast.org_department)
    response = client.post(reverse("assessments:framework_import"), {"file": upload(tables.rural_table())})
    token = response.context["form"]["token"].value()
    other = UserFactory(username="t_zzb2", name="另一组织部干事")
    give_role(other, tree.work, Role.Kind.ORG_DEPARTMENT)
    client.force_login(other)

    response = client.post(reverse("assessments:framework_import_confirm"), {"token": token, "name": "偷换"})
    assert response.status_code == 302
    assert response.url == reverse("assessments:framework_import")
    assert not Framework.objects.filter(name="偷换").exists()


def test_confirm_without_a_name_shows_the_preview_again_with_the_error(client, cast):
    client.force_login(cast.org_department)
    response = client.post(reverse("assessments:framework_import"), {"file": upload(tables.rural_table())})
    token = response.context["form"]["token"].value()
    response = client.post(reverse("assessments:framework_import_confirm"), {"token": token, "name": ""})

    assert response.status_code == 400
    assert "请填写考核标准名称" in response.content.decode()
    assert "村服务站建设" in response.content.decode()


@pytest.mark.parametrize("size", [3, 30])
def test_table_page_queries_do_not_grow_with_the_rows(client, cast, django_assert_max_num_queries, size):
    framework = imported(cast, table_of(size))
    client.force_login(cast.secretary)
    # session + user, the framework, its dimensions, their indicators with their groups, the
    # user's roles for the top bar
    with django_assert_max_num_queries(6):
        response = client.get(reverse("assessments:framework_detail", args=[framework.pk]))
    assert response.content.decode().count("<tr>") == size + 3  # a header row per 一级指标


@pytest.mark.parametrize("size", [3, 30])
def test_list_queries_do_not_grow_with_the_frameworks(client, cast, django_assert_max_num_queries, size):
    for n in range(size // 3):
        imported(cast, table_of(3), name=f"标准{n}")
    client.force_login(cast.org_department)
    # session + user, the role check for the button, the user's roles for the top bar, the
    # frameworks with their counts
    with django_assert_max_num_queries(5):
        client.get(reverse("assessments:framework_list"))


@pytest.mark.parametrize("size", [3, 30])
def test_preview_queries_do_not_grow_with_the_rows(client, cast, django_assert_max_num_queries, size):
    client.force_login(cast.org_department)
    # session + user, the role check, the user's roles for the top bar
    with django_assert_max_num_queries(4):
        response = client.post(reverse("assessments:framework_import"), {"file": upload(table_of(size))})
    assert response.status_code == 200
