from extraction.document import Grid
from extraction.tables import (
    APP_ROWS_2021,
    application_identity_failures,
    extract_tables,
    parse_applications_text,
    parse_review_text,
    split_glued,
)


def test_tables_split_glued_row_uses_row_total():
    assert split_glued("21710000218", 7) == [[217, 1, 0, 0, 0, 0, 218]]
    assert [2, 7, 0, 0, 20, 1, 30] in split_glued("270020130", 7)


def test_tables_glued_rows_decided_by_column_identities():
    rows = {k: [0] * 7 for k in APP_ROWS_2021}
    rows["new_received"] = [27, 0, 0, 2, 0, 1, 30]
    rows["granted"] = [20, 0, 0, 2, 0, 1, 23]
    rows["unavailable_not_held"] = [7, 0, 0, 0, 0, 0, 7]
    rows["total"] = [27, 0, 0, 2, 0, 1, 30]
    text = "\n".join(f"label{''.join(str(v) for v in rows[k])}" for k in APP_ROWS_2021)
    res = parse_applications_text(text, "2021")
    assert res.data["rows"]["new_received"] == [27, 0, 0, 2, 0, 1, 30]
    assert res.data["rows"]["granted"] == [20, 0, 0, 2, 0, 1, 23]
    assert not application_identity_failures(res.data["rows"])


def test_tables_review_glued_blocks():
    res = parse_review_text("行政复议 行政诉讼 10203120001200000")
    assert res.data == {"review": [1, 0, 2, 0, 3], "litigation_direct": [12, 0, 0, 0, 12],
                        "litigation_after_review": [0, 0, 0, 0, 0]}


def test_tables_grid_with_empty_cells_counts_zero():
    header = [["申请人情况", "申请人情况", "申请人情况", "", "", "", "", ""]]
    rows = [[label] + ["1", "", "", "", "", "", "1"] for label in [
        "一、本年新收政府信息公开申请数量", "二、上年结转政府信息公开申请数量"]]
    grid = Grid(header + rows, spans={(0, 1), (0, 2)})
    from extraction.tables import _grid_text

    text = _grid_text(grid)
    assert "本年新收政府信息公开申请数量 1 0 0 0 0 0 1" in text


def test_tables_missing_rows_are_reported_not_shifted():
    text = "一、本年新收政府信息公开申请数量 3 0 0 0 0 0 3\n（七）总计 3 0 0 0 0 0 3\n四、结转下年度继续办理 0 0 0 0 0 0 0"
    res = parse_applications_text(text, "2021")
    assert res.data["rows"]["new_received"] == [3, 0, 0, 0, 0, 0, 3]
    assert res.data["rows"]["total"] == [3, 0, 0, 0, 0, 0, 3]
    assert "granted" not in res.data["rows"]


def test_tables_extract_uses_section_regions(report_2019_text):
    from extraction.outline import outline

    o = outline(report_2019_text)
    tables, warnings = extract_tables(report_2019_text, o.sections, o.generation, [])
    assert tables["active_disclosure"]["normative_documents"] == {"new_made": 2, "new_published": 2, "total_published": 9}
    assert warnings == []
