"""Excel/CSV import and export of the organization tree, and the pieces other apps' resources share.

Columns carry the Chinese headers users keep in their own spreadsheets; choice columns take
and give the Chinese labels. Every row is checked before it is saved and every bad row is
reported with its row number and a Chinese reason; with IMPORT_EXPORT_USE_TRANSACTIONS an
import with any bad row saves nothing.
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Left, Length
from import_export import fields, resources, widgets
from import_export.formats.base_formats import CSV

from spreadsheets import FileRefused, parse_date

from .models import Kind, Organization, Sector, validate_placement

TREE_FIELDS = ("path", "depth", "numchild")
# What the 采集表's instructions tell people to write in a box that has nothing to say
# (“没有的可填‘无’或者划‘—’”): an empty cell.
NOTHING = frozenset({"无", "-", "—", "——", "－", "/", "／", "\\"})


def typed(value) -> str:
    """A cell as comparable text: full-width forms as ordinary ones, no spaces anywhere."""
    if value is None:
        return ""
    return "".join(unicodedata.normalize("NFKC", str(value)).split())


class ChoiceLabelWidget(widgets.Widget):
    """A choice column written with its Chinese label; the stored code is accepted too, and
    `synonyms` (other words for a choice: 男性, 大专 …, as {word: stored value})."""

    def __init__(self, choices, synonyms: dict[str, str] | None = None, **kwargs):
        super().__init__(**kwargs)
        self.labels = {str(value): str(label) for value, label in choices}
        self.values = {label: value for value, label in self.labels.items()}
        self.words = {typed(word): value for word, value in (synonyms or {}).items()}
        self.words.update({typed(label): value for label, value in self.values.items()})

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, str) and value in self.words:  # as typed: most cells, no normalising
            return self.words[value]
        text = typed(value)
        if not text or text in NOTHING:
            return ""
        if text in self.labels:
            return text
        if text in self.words:
            return self.words[text]
        if (both := self._code_and_name(text)) is not None:
            return both
        raise ValueError(f"“{str(value).strip()}”不是有效的选项，可填：{'、'.join(self.values)}。")

    # A code written with its name, either way round: 09 农牧渔民, 农牧渔民(09), 21-大学本科毕业.
    CODE_FIRST = re.compile(r"(?P<code>\d{1,3})[-—–.、:：_]*(?P<name>\D.*)")
    NAME_FIRST = re.compile(r"(?P<name>\D.*?)[(\[【]?(?P<code>\d{1,3})[)\]】]?")

    def _code_and_name(self, text: str) -> str | None:
        """The choice a cell names by both its code and its name, when they agree.

        A finer code of the national table (21 大学本科毕业 under 20 大学本科) counts as its
        category when the name says the same (starts with the category's label)."""
        match = self.CODE_FIRST.fullmatch(text) or self.NAME_FIRST.fullmatch(text)
        if match is None:
            return None
        code, name = match["code"], match["name"]
        by_code = code if code in self.labels else None
        if by_code is None and len(code) == 2 and f"{code[0]}0" in self.labels:
            by_code = f"{code[0]}0"
        if by_code is None:
            return None
        by_name = self.words.get(name)
        if by_name == by_code or (by_name is None and name.startswith(self.labels[by_code])):
            return by_code
        return None

    def render(self, value, obj=None, **kwargs):
        return self.labels.get(value, value or "")


class YesNoWidget(widgets.Widget):
    """是/否 columns, in the words people use; an empty cell (or 无, —) means 否."""

    TRUE = {"是", "Y", "YES", "TRUE", "1", "√", "✓", "✔", "有", "是的"}
    FALSE = {"否", "N", "NO", "FALSE", "0", "", "×", "✗", "不是", "非", *NOTHING}

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            return value
        if value in self.TRUE or value in self.FALSE:  # as typed: most cells, no normalising
            return value in self.TRUE
        text = typed(value).upper()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise ValueError(f"“{value}”应填“是”或“否”。")

    def render(self, value, obj=None, **kwargs):
        return "是" if value else "否"


class ChineseDateWidget(widgets.Widget):
    """Dates as rosters write them (2020-01-31, 2020/1/31, 2020.1.31, 2020年1月31日, 20200131, an
    Excel date or day number, full-width digits): `spreadsheets.parse_date`, the one reading
    every import uses. With `month_ok`, a year and a month (2020.01, 2020年1月) is the 1st of it.
    无 or — is an empty cell, as the 采集表's instructions allow."""

    def __init__(self, *, month_ok: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.month_ok = month_ok

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, str) and typed(value) in NOTHING:
            return None
        return parse_date(value, month_ok=self.month_ok)

    def render(self, value, obj=None, **kwargs):
        return value.isoformat() if value else ""


class ChineseCSV(CSV):
    """The admin's .csv import as Chinese Excel saves it: UTF-8 (with or without BOM) or
    GB18030 (“CSV (逗号分隔)”), decoded here from the raw bytes, so the admin takes what the
    branch pages take; a file in neither is refused in Chinese."""

    def is_binary(self):
        # Bytes all the way to create_dataset: the admin would decode them as UTF-8 only.
        return True

    def get_read_mode(self):
        return "rb"

    def create_dataset(self, in_stream, **kwargs):
        if isinstance(in_stream, bytes):
            for encoding in ("utf-8-sig", "gb18030"):
                try:
                    in_stream = in_stream.decode(encoding)
                    break
                except UnicodeDecodeError:
                    continue
            else:
                raise FileRefused(
                    "无法识别 CSV 文件的文字编码，请在 Excel 中另存为“CSV UTF-8”或 .xlsx 后上传。"
                )
        self.encoding = None
        return super().create_dataset(in_stream, **kwargs)


class ChineseErrorsMixin:
    """Reports a row's errors under the file's column headers instead of field names."""

    def relabel(self, error: ValidationError) -> ValidationError:
        names = {}
        for name, field in self.fields.items():
            names[name] = field.column_name
            if field.attribute:
                names[field.attribute] = field.column_name
        if not hasattr(error, "error_dict"):
            return error
        return ValidationError(
            {
                (key if key == NON_FIELD_ERRORS else names.get(key, key)): messages
                for key, messages in error.message_dict.items()
            }
        )


class OrganizationResource(ChineseErrorsMixin, resources.ModelResource):
    """The tree as rows: 组织编码, 名称, 组织类型, 所属领域, 上级组织编码.

    New rows are inserted through `Organization.objects.add_root` / `add_child`, so paths and
    the kind rules hold; a parent must come before its children in the file (an export is
    already in that order). A user who is not a superuser may only place rows under
    organizations they can see, and never at the top of the tree.
    """

    code = fields.Field(attribute="code", column_name="组织编码")
    name = fields.Field(attribute="name", column_name="名称")
    kind = fields.Field(attribute="kind", column_name="组织类型", widget=ChoiceLabelWidget(Kind.choices))
    sector = fields.Field(
        attribute="sector",
        column_name="所属领域",
        widget=ChoiceLabelWidget(Sector.choices),
        default=Sector.OTHER,
    )
    parent_code = fields.Field(column_name="上级组织编码")

    class Meta:
        model = Organization
        fields = ("code", "name", "kind", "sector", "parent_code")
        import_id_fields = ("code",)

    def __init__(self, *, user=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user

    def _scoped(self, queryset):
        if self.user is None or self.user.is_superuser:
            return queryset
        return queryset.visible_to(self.user)

    def get_queryset(self):
        return self._scoped(Organization.objects.all())

    def filter_export(self, queryset, **kwargs):
        # The parent's code in the same query: a parent's path is the child's minus one step.
        parent = Organization.objects.filter(
            path=Left(OuterRef("path"), Length(OuterRef("path")) - Organization.steplen)
        )
        return queryset.annotate(parent_org_code=Subquery(parent.values("code")[:1])).order_by("path")

    def dehydrate_parent_code(self, organization: Organization) -> str:
        if hasattr(organization, "parent_org_code"):
            return organization.parent_org_code or ""
        if not organization.path or organization.depth == 1:
            return getattr(organization, "_import_parent_code", "")
        parent = Organization.objects.get_parent(organization)
        return parent.code if parent else ""

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        code = str(row.get(self.fields["parent_code"].column_name) or "").strip()
        instance._import_parent_code = code
        current = Organization.objects.get_parent(instance) if instance.pk else None
        if instance.pk and code == (current.code if current else ""):
            # Where it already sits: re-importing an export must work even at the top of one's scope.
            instance._import_parent, instance._import_moves = current, False
        else:
            instance._import_parent, instance._import_moves = None, True
            if code:
                instance._import_parent = self._scoped(Organization.objects.all()).filter(code=code).first()
                if instance._import_parent is None:
                    errors["parent_code"] = [
                        f"上级组织编码“{code}”不存在或不在您的管辖范围内（上级须列在下级之前）。"
                    ]
                elif instance.pk and instance._import_parent.path.startswith(instance.path):
                    errors["parent_code"] = ["不能把组织移到它自己或它的下级组织之下。"]
            elif self.user is not None and not self.user.is_superuser:
                errors["parent_code"] = ["请填写上级组织编码：只有系统管理员可以新建或移动最顶层的组织。"]
        if errors:
            raise ValidationError(errors)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        try:
            instance.clean_fields(exclude=[*errors, *TREE_FIELDS])
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if validate_unique:
            try:
                instance.validate_unique(exclude=[*errors, *TREE_FIELDS])
            except ValidationError as error:
                errors = error.update_error_dict(errors)
        if "kind" not in errors and "parent_code" not in errors:
            try:
                validate_placement(kind=instance.kind, parent=instance._import_parent)
            except ValidationError as error:
                errors = error.update_error_dict(errors)
        if errors:
            raise self.relabel(ValidationError(errors))

    def save_instance(self, instance, is_create, row, **kwargs):
        self.before_save_instance(instance, row, **kwargs)
        parent = instance._import_parent
        manager = Organization.objects
        if is_create:
            if parent is None:
                manager.add_root(instance=instance)
            else:
                manager.add_child(parent, instance=instance)
        else:
            instance.save()
            if instance._import_moves and parent is not None:
                manager.move(instance, parent, pos="last-child")
            elif instance._import_moves:
                manager.move(instance, manager.get_last_root_node(), pos="last-sibling")
        self.after_save_instance(instance, row, **kwargs)
