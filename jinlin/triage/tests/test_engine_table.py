import pytest

from jinlin.triage.engine.table import TableError, read_table
from jinlin.triage.engine.text import clean_cell, normalize

from .conftest import write_csv

HEADER = ["编号", "标题", "内容", "时间"]
ROWS = [["1", "路灯不亮", "小区门口路灯坏了", "2024-03-01 08:00:00"], ["2", "噪音扰民", "楼下装修太吵", "2024-03-02"]]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_csv_is_read_in_utf8_with_or_without_bom_and_in_gb18030(tmp_path, encoding):
    table = read_table(write_csv(tmp_path / "m.csv", HEADER, ROWS, encoding))
    assert table.header == HEADER
    assert table.column("内容") == ["小区门口路灯坏了", "楼下装修太吵"]
    assert table.encoding.replace("_", "-").startswith("gb18030" if encoding == "gb18030" else "utf-8")


def test_cells_lose_newline_tab_ideographic_and_no_break_space_padding(tmp_path):
    padded = "\n\t\t\u3000\u3000\xa0小区门口路灯坏了\n\t\t\xa0 "
    table = read_table(write_csv(tmp_path / "m.csv", HEADER, [["1", " 路灯不亮 ", padded, ""]]))
    assert table.rows[0] == ["1", "路灯不亮", "小区门口路灯坏了", ""]
    assert clean_cell("\ufeff路灯\u200b") == "路灯"
    assert clean_cell("路灯坏了。_x000D_\n晚上很黑_x000D_") == "路灯坏了。\n\n晚上很黑"
    assert normalize("Ａ３区\u3000１２号楼\n\t路灯") == "a3区 12号楼 路灯"


def test_a_row_with_the_wrong_number_of_cells_is_named_with_its_line(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("编号,内容\n1,路灯坏了\n2,噪音,多余\n", encoding="utf-8")
    with pytest.raises(TableError, match=r"Data row 1 \(line 3\): expected 2 cells as in the header, found 3"):
        read_table(path)


def test_a_missing_column_is_named_with_the_columns_there_are(tmp_path):
    table = read_table(write_csv(tmp_path / "m.csv", HEADER, ROWS))
    with pytest.raises(TableError, match=r"Column '一级标签' is not in the header.*编号, 标题, 内容, 时间"):
        table.column("一级标签")


def test_a_bad_time_names_its_row_and_column(tmp_path):
    rows = [*ROWS, ["3", "垃圾", "没人清运", "昨天下午"]]
    table = read_table(write_csv(tmp_path / "m.csv", HEADER, rows))
    with pytest.raises(TableError, match=r"Data row 2 \(line 4\), column '时间': cannot read '昨天下午'"):
        table.times("时间")


def test_multiline_cells_keep_row_numbers_and_report_the_starting_line(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text('编号,内容\n1,"第一行\n第二行"\n2,x,y\n', encoding="utf-8")
    with pytest.raises(TableError, match=r"Data row 1 \(line 4\)"):
        read_table(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty"),
        ("编号,内容\n".encode(), "header but no data rows"),
        (b"id,text\n1,\x80\xff\x80\xff\n" * 3, "not UTF-8 or GB18030 text: undecodable bytes at byte 10 \\(line 2\\)"),
        ("编号,\n1,2\n".encode(), "column 2 has no name"),
    ],
)
def test_unusable_files_get_a_clear_message(tmp_path, content, message):
    path = tmp_path / "m.csv"
    path.write_bytes(content)
    with pytest.raises(TableError, match=message):
        read_table(path)


def test_tab_separated_exports_and_excel_workbooks_are_read_too(tmp_path):
    import openpyxl

    path = tmp_path / "m.tsv"
    path.write_text("编号\t内容\n1\t路灯坏了，晚上很黑\n", encoding="utf-8")
    assert read_table(path).column("内容") == ["路灯坏了，晚上很黑"]
    book = openpyxl.Workbook()
    book.active.append(HEADER)
    for row in ROWS:
        book.active.append(row)
    book.active.append([None, None, None, None])
    book.save(tmp_path / "m.xlsx")
    table = read_table(tmp_path / "m.xlsx")
    assert table.encoding == "xlsx" and table.column("标题") == ["路灯不亮", "噪音扰民"]
