import io

from openpyxl import load_workbook

from shahe_afterschool.exports import csv_response, safe_cell, xlsx_response


def test_formulas_are_escaped():
    assert safe_cell("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")"
    assert safe_cell("+1") == "'+1" and safe_cell("@SUM") == "'@SUM" and safe_cell("-2") == "'-2"
    assert safe_cell("张三") == "张三" and safe_cell(5) == 5


def test_csv_has_bom_and_escapes():
    response = csv_response("名单.csv", ["姓名", "备注"], [["张三", "=1+1"]])
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    assert "'=1+1" in text
    assert "UTF-8''" in response["Content-Disposition"]


def test_xlsx_opens_with_the_same_values():
    response = xlsx_response("r.xlsx", [("学生", ["姓名", "人数"], [["张三", 3], ["@x", 4]])])
    sheet = load_workbook(io.BytesIO(response.content))["学生"]
    assert [c.value for c in sheet[2]] == ["张三", 3]
    assert sheet["A3"].value == "'@x"
