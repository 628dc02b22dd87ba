"""What imports report: one row-error type, the whole file refused, the whole import refused."""

from django.core.exceptions import ValidationError

from spreadsheets import FileRefused, ImportRefused, RowError


def test_a_row_error_names_its_row():
    error = RowError(3, "性别：“未知”不是有效的选项。")

    assert str(error) == "第 3 行：性别：“未知”不是有效的选项。"
    assert error.as_dict() == {"row": 3, "message": "性别：“未知”不是有效的选项。"}


def test_a_problem_of_the_whole_file_has_no_row():
    error = RowError(None, "读取文件时出错。")

    assert str(error) == "读取文件时出错。"
    assert error.as_dict() == {"row": None, "message": "读取文件时出错。"}


def test_an_import_refused_lists_every_bad_row_in_file_order():
    refused = ImportRefused([RowError(7, "乙"), RowError(3, "甲")])

    assert [e.row for e in refused.rows] == [3, 7]
    assert refused.messages == ["第 3 行：甲", "第 7 行：乙"]
    assert isinstance(refused, ValidationError)


def test_a_refused_file_is_a_validation_error_a_form_shows_beside_the_field():
    assert isinstance(FileRefused("文件是空的。"), ValidationError)
