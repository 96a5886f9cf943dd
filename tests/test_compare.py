"""detente compare: the same models on several analysts' views of one negotiation."""

from __future__ import annotations

import json

import pytest

from detente.cli import main
from conftest import EXAMPLES

FLAG = str(EXAMPLES / "ukraine-settlement.yaml")
CONTRAST = str(EXAMPLES / "ukraine-settlement-contrast.yaml")


def test_compare_flagship_and_contrast_json(capsys):
    assert main(["compare", FLAG, CONTRAST, "-m", "mean", "-m", "median", "-n", "300", "-s", "2", "-f", "json"]) == 0
    record = json.loads(capsys.readouterr().out)
    rows = record["comparison"]
    assert {r["model"] for r in rows} == {"mean", "median"}
    assert "war" not in record and [len(rs) for rs in record["results"]] == [2, 2]
    first = {(r["issue"], r["model"]): r for r in rows if r["difference"] == 0}
    second = [r for r in rows if r["scenario"].startswith("Ukraine settlement (constructed")]
    assert len(first) == len(second) == 2 * 5
    for r in second:
        base = first[(r["issue"], r["model"])]
        assert r["difference"] == pytest.approx(r["forecast"] - base["forecast"], abs=1e-5)
        assert r["p10"] <= r["forecast"] <= r["p90"]
    territory = next(r for r in second if r["issue"] == "territory" and r["model"] == "mean")
    assert territory["difference"] < -2  # the contrasting view puts the line further west


def test_compare_writes_a_report_with_war_settlement_curves(tmp_path, capsys):
    out = tmp_path / "cmp"
    assert main(["compare", FLAG, CONTRAST, "-m", "war", "-n", "500", "--out", str(out)]) == 0
    names = {p.name for p in out.iterdir()}
    assert {"compare.json", "compare.html", "compare-war-settlement.png", "compare-territory.png"} <= names
    html = (out / "compare.html").read_text(encoding="utf-8")
    assert html.count('src="data:image/png;base64,') == 6
    record = json.loads((out / "compare.json").read_text(encoding="utf-8"))
    assert len(record["scenarios"]) == 2 and record["scenarios"][0]["input_sha256"] != record["scenarios"][1]["input_sha256"]
    # how the war ends in each view: P(deal by) and every ending, the sides named, in the file and the page
    war = record["war"]
    assert [w["scenario"] for w in war] == [r["name"] for r in record["scenarios"]]
    for w, results in zip(war, record["results"]):
        assert sum(e["probability"] for e in w["endings"]) == pytest.approx(1.0)
        assert w["settlement_by"]["60"] == pytest.approx(results[0]["extras"]["outcome_probability"]["settlement"])
        assert any(e["ending"] == "military victory of Russia" for e in w["endings"])
    assert "War: how it ends, by view" in html and "military victory of Russia" in html


def test_compare_prints_how_the_war_ends_in_each_view(capsys):
    assert main(["compare", FLAG, CONTRAST, "-m", "mean", "-m", "war", "-n", "400"]) == 0
    text = capsys.readouterr().out
    head = text[:text.index("Territorial line [territory]")]  # the war table comes first
    assert head.startswith("War: how it ends, by view")
    assert head.count("(war, 400 draws)") == 2 and "military victory of Russia" in head and "deal" in head
    # a column per view: each line holds one share per view (a row per view with its endings under
    # its name was twice as tall and hard to read side by side)
    import re

    line = next(x for x in head.splitlines() if "P(deal) by 12 months" in x)
    assert len(re.findall(r"\d+(?:\.\d)? %", line)) == 2, line


def test_views_with_different_issues_are_refused(tmp_path, capsys):
    other = tmp_path / "other.yaml"
    other.write_text("name: o\nactors: [{id: A}]\nissues: [{id: territory}, {id: extra}]\n"
                     "stances: [{actor: A, issue: territory, position: 5}]\n", encoding="utf-8")
    assert main(["compare", FLAG, str(other)]) == 2
    assert "issues differ" in capsys.readouterr().err
    assert main(["compare", FLAG]) == 2


def test_a_view_without_a_deal_differs_by_a_dash_not_nan(capsys):
    # one draw of the war model on the flagship ends in a victory, so that view has no terms given a deal
    assert main(["compare", FLAG, CONTRAST, "-m", "war", "-n", "1"]) == 0
    captured = capsys.readouterr()
    assert "nan" not in captured.out and "no draw ends in a deal" in captured.out
    assert "\u2014" in captured.out  # the difference to a view without a forecast
    assert "--draws 1: the war forecast is one simulated war" in captured.err  # and the user is told why


def test_the_war_model_runs_1000_draws_when_none_are_given(capsys):
    assert main(["compare", FLAG, CONTRAST, "-m", "mean", "-m", "war", "-f", "json"]) == 0
    captured = capsys.readouterr()
    record = json.loads(captured.out)
    rows = record["comparison"]
    war = [r for r in rows if r["model"] == "war"]
    assert war and all(r["forecast"] is not None and r["p10"] < r["p90"] for r in war)  # deals among 1000 paths
    assert all(r["p10"] is None for r in rows if r["model"] == "mean")  # mean: one run at the central values
    assert "warning" not in captured.err
    # how the war ends in each view is in the printed JSON as in compare.json (it printed the rows only)
    assert [w["scenario"] for w in record["war"]] == [v["name"] for v in record["scenarios"]]
    assert all(w["draws"] == 1000 and any(e["ending"] == "deal" for e in w["endings"]) for w in record["war"])


def _without_china(tmp_path):
    """The flagship without China, an actor on neither side of the war, saved under its own name."""
    import yaml

    data = yaml.safe_load(open(FLAG, encoding="utf-8"))
    data["actors"] = [a for a in data["actors"] if a["id"] != "china"]
    data["stances"] = [st for st in data["stances"] if st["actor"] != "china"]
    path = tmp_path / "no-china.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_views_share_the_draws_of_the_inputs_they_share(tmp_path, capsys):
    """Common random numbers: dropping an actor the war model never reads (China is on neither side)
    leaves every other input's draws, so the war comes out the same (to rounding: the sums over
    actors run over one actor fewer) and the difference's noise is 0. Before, each input drew from its column among the scenario's inputs:
    dropping China's stances moved every war input to other draws, and the war's terms and P(deal)
    moved by a few points between two views that differ in nothing the war reads."""
    from detente.runner import run
    from detente.scenario.io import load

    path = _without_china(tmp_path)
    a, b = load(FLAG), load(str(path))
    ra, rb = run(a, "war", draws=300, seed=3), run(b, "war", draws=300, seed=3)
    assert (ra.trajectory.extras["_settled"] == rb.trajectory.extras["_settled"]).all()
    assert abs(ra.trajectory.forecast - rb.trajectory.forecast).max() < 1e-9
    assert main(["compare", FLAG, str(path), "-m", "war", "-m", "mean", "-n", "300", "-s", "3", "-f", "json"]) == 0
    record = json.loads(capsys.readouterr().out)
    second = [r for r in record["comparison"] if r["scenario"] != record["comparison"][0]["scenario"]]
    war = [r for r in second if r["model"] == "war"]
    assert len(war) == 5 and all(r["difference"] == 0 and r["difference_noise"] == 0 for r in war)
    mean = {r["issue"]: r for r in second if r["model"] == "mean"}
    assert any(abs(r["difference"]) > 0.1 for r in mean.values())  # China's stances move the compromise
    assert all(r["difference_noise"] is not None and r["difference_noise"] >= 0 for r in mean.values())
    assert record["war"][0]["endings"] == record["war"][1]["endings"]
    # how the war ends: the same paths, so every difference is 0 with no noise at all
    later = record["war"][1]
    assert all(d == {"difference": 0.0, "noise": 0.0} for d in later["settlement_by_difference"].values())
    assert later["ending_differences"] and all(d == {"difference": 0.0, "noise": 0.0}
                                               for d in later["ending_differences"].values())


def test_the_war_table_gives_each_difference_from_the_first_view_with_its_noise(capsys):
    """compare's war table showed each view's P(deal) and endings without saying whether the
    difference between views was more than the Monte Carlo noise of the draws."""
    import numpy as np

    from detente.report.compare import share_difference

    contrast = str(EXAMPLES / "ukraine-settlement-contrast.yaml")
    assert main(["compare", FLAG, contrast, "-m", "war", "-n", "400", "-s", "2", "-f", "json"]) == 0
    record = json.loads(capsys.readouterr().out)
    first, later = record["war"]
    assert "settlement_by_difference" not in first
    for m, d in later["settlement_by_difference"].items():
        assert d["difference"] == pytest.approx(later["settlement_by"][m] - first["settlement_by"][m], abs=1e-6)
        assert 0 < d["noise"] < 0.1
    p = {w["scenario"]: {e["ending"]: e["probability"] for e in w["endings"]} for w in record["war"]}
    for name, d in later["ending_differences"].items():
        got = p[later["scenario"]].get(name, 0.0) - p[first["scenario"]].get(name, 0.0)
        assert d["difference"] == pytest.approx(got, abs=1e-6), name
    # the noise is the paired one: 1.96 sd(a - b) / sqrt(D), here checked on made-up indicators
    rng = np.random.default_rng(0)
    a = rng.random(400) < 0.4
    b = a ^ (rng.random(400) < 0.1)  # b differs from a on about 10 % of the draws
    d = share_difference(a, b)
    assert d["noise"] == pytest.approx(1.96 * np.std(a.astype(float) - b, ddof=1) / 20, abs=1e-6)
    assert d["noise"] < 1.96 * np.sqrt(0.24 / 400 * 2) / 2  # far below the noise of two unrelated runs
    assert main(["compare", FLAG, contrast, "-m", "war", "-n", "400", "-s", "2"]) == 0
    out = capsys.readouterr().out
    assert "In brackets: the difference from the first view" in " ".join(out.split()) and " \u00b1" in out


def test_views_that_share_a_name_are_told_apart_by_their_files(tmp_path, capsys):
    """The web page found each view's rows by its name: two views with one name showed the first
    view's numbers twice. Views that share a name are named with their files' names everywhere."""
    path = _without_china(tmp_path)
    assert main(["compare", FLAG, str(path), "-m", "mean", "-n", "200", "-f", "json"]) == 0
    record = json.loads(capsys.readouterr().out)
    views = [v["view"] for v in record["scenarios"]]
    assert views[0].endswith("(ukraine-settlement.yaml)") and views[1].endswith("(no-china.yaml)")
    assert {r["scenario"] for r in record["comparison"]} == set(views)
    assert main(["compare", FLAG, str(path), "-m", "mean", "-n", "200"]) == 0
    text = capsys.readouterr().out
    assert "(no-china.yaml)" in text and "±" in text


def test_an_ending_is_compared_only_with_the_same_ending(tmp_path, capsys):
    """With horizons of 60 and 24 months, "unresolved at the horizon (24 months)" carried a difference
    measured against the first view's unresolved share at 60 months."""
    short = tmp_path / "short.yaml"
    short.write_text(open(FLAG, encoding="utf-8").read().replace("  months: 60", "  months: 24"), encoding="utf-8")
    assert main(["compare", FLAG, str(short), "-m", "war", "-n", "300", "-f", "json"]) == 0
    later = json.loads(capsys.readouterr().out)["war"][1]
    assert not any(k.startswith("unresolved") for k in later["ending_differences"])
    assert "deal" in later["ending_differences"] and later["settlement_by_difference"]["60"] is None
    assert main(["compare", FLAG, str(short), "-m", "war", "-n", "1"]) == 0
    assert "In brackets" not in capsys.readouterr().out  # one draw: no difference, no caption for one


def _reversed_flagship(tmp_path):  # type: ignore[no-untyped-def]
    """The flagship with the territory axis read the other way round: the same substantive view."""
    import yaml

    d = yaml.safe_load(open(FLAG, encoding="utf-8"))
    t = next(i for i in d["issues"] if i["id"] == "territory")
    t["anchors"] = {100 - k: v for k, v in t["anchors"].items()}
    t["status_quo"] = 100 - t["status_quo"]

    def flip(v):  # type: ignore[no-untyped-def]
        if isinstance(v, dict):
            return {"mode": 100 - v["mode"], "low": 100 - v["high"], "high": 100 - v["low"]} if "mode" in v else \
                {"low": 100 - v["high"], "high": 100 - v["low"]}
        return 100 - v

    for st in d["stances"]:
        if st["issue"] == "territory":
            st["position"] = flip(st["position"])
    d.pop("war")
    path = tmp_path / "reversed.yaml"
    path.write_text(yaml.safe_dump(d, allow_unicode=True), encoding="utf-8")
    return str(path)


def test_views_that_read_an_issue_the_other_way_round_are_refused(tmp_path, capsys):
    """A view with the territory axis reversed (anchors, status quo and positions mirrored) was
    compared without a word: "+29.2" between two identical views, and pooled with 96 % of the
    variance "between analysts". An anchor label both views place at different points says so."""
    rev = _reversed_flagship(tmp_path)
    assert main(["validate", rev]) == 0
    capsys.readouterr()
    assert main(["compare", FLAG, rev, "-m", "mean"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "issue 'territory': the anchor" in err and "the views read the scale differently" in err
    assert main(["pool", FLAG, rev, "--war-from", "ukraine-settlement", "--out", str(tmp_path / "p.yaml")]) == 2
    assert "the views read the scale differently" in capsys.readouterr().err
    assert not (tmp_path / "p.yaml").exists()


def test_views_with_other_issues_say_which_file_lacks_which(tmp_path, capsys):
    from conftest import territory_renamed

    path, _ = territory_renamed(tmp_path)
    assert main(["compare", FLAG, str(path), "-m", "mean"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert ("renamed.yaml: issues: the issues differ from those of ukraine-settlement.yaml: it lacks territory; "
            "it has territorial_line, which ukraine-settlement.yaml lacks") in err


def test_compare_names_the_inputs_that_make_the_views_differ(tmp_path, capsys):
    """The CLI printed forecasts and differences but never which inputs drive them (the web page
    listed 84 differing inputs, unranked). With one input changed, that input is the only driver
    and its one-at-a-time effect is the whole difference; with several, each is named with both
    views' values, largest first, in the table, compare.json and compare.html."""
    import yaml

    d = yaml.safe_load(open(FLAG, encoding="utf-8"))
    russia = next(a for a in d["actors"] if a["id"] == "russia")
    russia["capability"] = 60
    one = tmp_path / "one.yaml"
    one.write_text(yaml.safe_dump(d, allow_unicode=True), encoding="utf-8")
    assert main(["compare", FLAG, str(one), "-m", "mean", "-f", "json"]) == 0
    rec = json.loads(capsys.readouterr().out)
    drivers = rec["drivers"]["views"][0]["models"]["mean"]
    for row in (r for r in rec["comparison"] if r["difference"] != 0):
        (only,) = drivers[row["issue"]]
        assert only["label"] == "capability of Russia" and (only["first"], only["this"]) == (85, 60)
        assert only["effect"] == pytest.approx(row["difference"], abs=1e-5)
    out = tmp_path / "cmp"
    assert main(["compare", FLAG, CONTRAST, "-m", "mean", "--out", str(out)]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "the inputs that move each forecast most, one at a time" in text and "capability of Russia" in text
    html = (out / "compare.html").read_text(encoding="utf-8")
    assert "<h2>What makes the views differ</h2>" in html and "capability of Russia" in html
    per = json.loads((out / "compare.json").read_text(encoding="utf-8"))["drivers"]["views"][0]
    assert per["note"] == "the war blocks differ in structure: their numbers are not among the inputs"
    effects = [abs(x["effect"]) for x in per["models"]["mean"]["territory"]]
    assert effects == sorted(effects, reverse=True) and len(effects) == 3


# -- compare.html: what an accessibility and readability audit asked of the page ---------------------


class _Node:
    """An element of a parsed page: tag, attributes, children (elements and text)."""

    def __init__(self, tag, attrs, parent):  # type: ignore[no-untyped-def]
        self.tag, self.attrs, self.parent, self.children = tag, dict(attrs), parent, []

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def elements(self):  # type: ignore[no-untyped-def]
        return [c for c in self.children if not isinstance(c, str)]

    def find_all(self, tag):  # type: ignore[no-untyped-def]
        out = []
        for c in self.elements():
            out += ([c] if c.tag == tag else []) + c.find_all(tag)
        return out


def _parse(html: str) -> _Node:
    """The page as a tree (html.parser; the page closes every element but the void ones)."""
    from html.parser import HTMLParser

    class Tree(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.root = self.cur = _Node("#root", [], None)

        def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
            node = _Node(tag, attrs, self.cur)
            self.cur.children.append(node)
            if tag not in ("meta", "img", "br", "hr", "link", "input"):
                self.cur = node

        def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
            n = self.cur
            while n is not None and n.tag != tag:
                n = n.parent
            if n is not None:
                self.cur = n.parent

        def handle_data(self, data):  # type: ignore[no-untyped-def]
            self.cur.children.append(data)

    t = Tree()
    t.feed(html)
    return t.root


@pytest.fixture(scope="module")
def compare_page(tmp_path_factory):  # type: ignore[no-untyped-def]
    """The flagship and its contrasting view under mean and war, written by write_comparison:
    (views, results, record, folder, the page, the page parsed)."""
    from detente.report.compare import comparison_record
    from detente.report.compare_html import write_comparison
    from detente.runner import run
    from detente.scenario.io import load

    views = [load(FLAG), load(CONTRAST)]
    results = [[run(s, m, draws=300, seed=5) for m in ("mean", "war")] for s in views]
    record = comparison_record(views, results)
    out = tmp_path_factory.mktemp("page") / "cmp"
    write_comparison(out, views, results, record)
    html = (out / "compare.html").read_text(encoding="utf-8")
    return views, results, record, out, html, _parse(html)


def _forecast_tables(tree: _Node) -> list[_Node]:
    return [t for t in tree.find_all("table") if t.attrs.get("class") == "forecasts"]


def test_the_comparison_page_has_landmarks_a_title_and_headers_with_scope(compare_page):  # type: ignore[no-untyped-def]
    """compare.html had no <main>, the title "detente comparison", header cells without scope, tables
    without <thead> and, on a phone, tables turned into display:block (no keyboard scrolling)."""
    _, _, record, _, html, tree = compare_page
    (main_,) = tree.find_all("main")
    assert main_.find_all("h1") and main_.find_all("table")
    names = [v["view"] for v in record["scenarios"]]
    assert tree.find_all("title")[0].text() == f"detente: {names[0]} vs {names[1]}"
    tables = tree.find_all("table")
    assert all(th.attrs.get("scope") in ("col", "row") for th in tree.find_all("th"))
    for t in tables:
        assert t.find_all("thead") and t.find_all("tbody")
        captions = t.find_all("caption")
        assert not captions or t.elements()[0] is captions[0]  # a caption is the table's first child
        box = t.parent  # a wide table scrolls in its own box, which the keyboard can reach
        assert box.tag == "div" and box.attrs.get("class") == "scroll" and box.attrs.get("tabindex") == "0"
        assert box.attrs.get("role") == "region" and box.attrs.get("aria-label")
    assert "display:block" not in html
    style = tree.find_all("style")[0].text()
    assert "@media print{h2,h3,h4{break-after:avoid}tr,figure{break-inside:avoid}" in style
    assert "figure{margin:1rem 0}" in style


def test_the_forecast_tables_say_what_the_terminal_says(compare_page):  # type: ignore[no-untyped-def]
    """The Forecasts table was comparison_rows dumped: issue ids, two decimals, a difference of 0.00
    on the first view's rows, no anchor labels, no "given a deal", the long view names on every row.
    Now one table per issue under its label, the cells the terminal prints, the chart under it."""
    import re

    from detente.report.compare import comparison_tables
    from detente.report.tables import render_text

    views, results, record, _, html, tree = compare_page
    terminal = " ".join(render_text(comparison_tables(views, results, width=400, rows=record["comparison"]),
                                    width=400).split())
    tables = _forecast_tables(tree)
    issues = views[0].issues
    assert len(tables) == len(issues)
    names = [v["view"] for v in record["scenarios"]]
    for issue, t in zip(issues, tables):
        box = t.parent
        siblings = box.parent.elements()
        at = siblings.index(box)
        assert siblings[at - 1].tag == "h3" and siblings[at - 1].text() == issue.label  # the label, not the id
        figure = siblings[at + 1]  # the issue's chart under its table, linked to its PNG
        assert figure.tag == "figure" and figure.find_all("a")[0].attrs["href"] == f"compare-{issue.id}.png"
        cells = [c.text() for c in t.find_all("td") + t.find_all("th")]
        assert not any(re.search(r"\d\.\d\d", c) for c in cells)  # 1 decimal on 0-100: no 0.00, no 35.25
        assert not any(n in c for n in names for c in cells)  # the long names once, in the views' headings
        assert [th.text() for th in t.find_all("th")].count("mean") == 1  # the model once per group
        for tr in t.find_all("tbody")[0].find_all("tr") + t.find_all("tbody")[1].find_all("tr"):
            cells = [c.text() for c in tr.elements()]
            view, forecast, band, vs = cells[-4:]
            assert " ".join(forecast.split()) in terminal and band in terminal
            if view == "view 1":
                assert vs == ""  # no difference from itself
            else:
                assert " \u00b1" in vs and " ".join(vs.split()) in terminal
        war_rows = t.find_all("tbody")[1].find_all("tr")
        assert all("given a deal" in tr.text() for tr in war_rows)
    visible = tree.find_all("main")[0].text()
    for issue in issues:  # ids may stay in attributes (file names, anchors), never in the text
        assert f"[{issue.id}]" not in visible
    assert "military_aid" not in visible and "settlement_form" not in visible
    assert "input uncertainty (p10\u2013p90)" in html and "vs first view" in html


def test_the_charts_are_described_with_their_numbers_and_open_full_size(compare_page):  # type: ignore[no-untyped-def]
    """The charts' alt text was the issue's label: nothing of what they show. Each now says its
    numbers, and each chart links to its PNG beside compare.html."""
    import re

    from detente.report.tables import fmt

    _, _, record, out, html, tree = compare_page
    imgs = tree.find_all("img")
    assert len(imgs) == 6 and html.count('src="data:image/png;base64,') == 6
    for img in imgs:
        assert re.search(r"\d", img.attrs["alt"])
        link = img.parent
        assert link.tag == "a" and (out / link.attrs["href"]).is_file()
    territory = next(i for i in imgs if i.attrs["alt"].startswith("Territorial line"))
    alt = territory.attrs["alt"]
    mean = [r for r in record["comparison"] if r["issue"] == "territory" and r["model"] == "mean"]
    assert f"mean: view 1 {fmt(mean[0]['forecast'])}" in alt and f"view 2 {fmt(mean[1]['forecast'])}" in alt
    assert "war (given a deal): view 1" in alt
    settlement = next(i for i in imgs if i.attrs["alt"].startswith("P(deal) by month"))
    first = record["war"][0]["settlement_by"]
    assert f"view 1 {round(100 * first['6'])} % by 6 months" in settlement.attrs["alt"]
    # the war table explains its rows as the terminal does, in its caption
    war = next(t for t in tree.find_all("table") if t.attrs.get("class") == "war")
    caption = war.elements()[0]
    assert caption.tag == "caption" and caption.text().startswith("P(deal) by m months: the share of the draws")
    assert all(th.attrs["scope"] == "row" for th in war.find_all("tbody")[0].find_all("th"))
