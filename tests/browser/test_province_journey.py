"""The provincial officer opens the rankings, sorts them, opens the score map, clicks an
area, and downloads the rankings as .xlsx."""

import re

from openpyxl import load_workbook

from .conftest import JOURNEY_MARKS, expect

pytestmark = JOURNEY_MARKS


# True once the map has kept the same position for one polling interval, outside animations.
MAP_SETTLED = """() => {
    const el = document.getElementById("choropleth");
    const moving = el.querySelectorAll(".leaflet-map-pane, canvas");
    const now = [el.className, ...Array.from(moving, (e) => e.style.transform)].join("|");
    const same = window.__kaltaraMapState === now;
    window.__kaltaraMapState = now;
    return same && !/leaflet-(zoom|pan)-anim/.test(el.className);
}"""


def _table_rows(page) -> list[tuple[str, str]]:
    """(code, name) of each ranking row, in the order shown."""
    rows = page.locator("#ranking-table tbody tr[data-code]")
    codes = [rows.nth(i).get_attribute("data-code") for i in range(rows.count())]
    names = rows.locator("td:nth-child(2) a").all_inner_texts()
    return list(zip(codes, [n.strip() for n in names], strict=True))


def test_it_lets_a_provincial_officer_sort_rankings_use_the_map_and_export(journey, tmp_path):
    page = journey.page("provinsi")
    nav = page.get_by_role("navigation", name="Navigasi utama")

    # The kelurahan rankings, by rank: Rawa Bunga, with the demo's reviews, leads.
    nav.get_by_role("link", name="Peringkat").click()
    expect(page.locator("h1")).to_have_text("Peringkat Kelurahan")
    by_rank = _table_rows(page)
    assert len(by_rank) == 267  # every kelurahan of DKI Jakarta
    first = page.locator("#ranking-table tbody tr").first
    expect(first.locator("td").first).to_have_text("1")
    expect(first).to_contain_text("Rawa Bunga")

    # Sorted by name.
    page.locator("#ranking-table thead").get_by_role("link", name="Nama").click()
    expect(page).to_have_url(re.compile(r"urut=nama"))
    expect(page.locator("#ranking-table thead")).to_contain_text("Nama ▲")
    by_name = _table_rows(page)
    assert sorted(by_name) == sorted(by_rank)
    assert [n for _c, n in by_name] == sorted(n for _c, n in by_name)
    assert by_name != by_rank

    # The .xlsx of this table: the same rows, in the same order.
    with page.expect_download() as info:
        page.get_by_role("link", name=".xlsx").click()
    download = info.value
    assert download.suggested_filename.startswith("kaltara-peringkat-kelurahan-")
    assert download.suggested_filename.endswith(".xlsx")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    sheet = load_workbook(path, read_only=True).active
    cells = [list(row) for row in sheet.iter_rows(values_only=True)]
    header_at = next(i for i, row in enumerate(cells) if "kode" in row and "nama" in row)
    header = cells[header_at]
    body = [r for r in cells[header_at + 1 :] if r[header.index("kode")]]
    code_col, name_col = header.index("kode"), header.index("nama")
    assert [(r[code_col], r[name_col]) for r in body] == by_name
    rank_col, score_col = header.index("peringkat"), header.index("skor")
    rawa_bunga = next(r for r in body if r[code_col] == "31.75.03.1004")
    assert rawa_bunga[rank_col] == 1 and rawa_bunga[score_col] > 0

    # The score map: hover an area, read its name, click it, land on its page.
    nav.get_by_role("link", name="Peta skor").click()
    the_map = page.locator("#choropleth")
    expect(the_map).to_have_attribute("data-loaded", "267")
    page.wait_for_function(MAP_SETTLED, polling=300)  # the first fit to Jakarta is animated
    box = the_map.bounding_box()
    centre = {"x": box["width"] / 2, "y": box["height"] / 2}
    the_map.hover(position=centre)
    tooltip = page.locator(".leaflet-tooltip")
    expect(tooltip).to_be_visible()
    area = tooltip.locator("strong").inner_text().strip()
    assert area
    the_map.click(position=centre)
    page.wait_for_url(re.compile(r"/dasbor/wilayah/31\.[0-9.]+/$"))
    expect(page.locator("h1")).to_contain_text(area)
    journey.finish(page)
