"""Several web addresses in one website cell: the first http(s) address stays the website, the rest goes into the
description as a sentence, with a warning per row; only http(s) addresses are ever kept as links."""

from __future__ import annotations

import pytest

from conftest import make_raw
from ecosystem.readers import read_partner_file
from ecosystem.schema import ValidationContext, validate_registry
from ecosystem.taxonomy import Taxonomy


def _read(rows: list[dict[str, str]], taxonomy: Taxonomy, lang: str = "en", drop: tuple[str, ...] = ()):
    raw = make_raw(rows).drop(columns=list(drop))
    return read_partner_file(raw.to_csv(index=False, sep=";").encode("utf-8"), "links.csv", taxonomy, lang=lang)


@pytest.mark.parametrize(("cell", "website", "others"), [
    ("http://a.example; http://b.example", "http://a.example", "http://b.example"),
    ("http://a.example https://facebook.com/b @handle", "http://a.example", "https://facebook.com/b, @handle"),
    ("https://a.example,https://b.example", "https://a.example", "https://b.example"),
    ("https://a.example, www.b.example", "https://a.example", "www.b.example"),
    ("https://a.example\nhttps://b.example\n", "https://a.example", "https://b.example"),
    ("@handle http://a.example", "http://a.example", "@handle"),
    ("www.a.example; facebook.com/a", "", "www.a.example, facebook.com/a"),
    ("javascript:alert(1) https://a.example", "https://a.example", "javascript:alert(1)"),
])
def test_the_first_web_address_stays_and_the_others_move_to_the_description(cell, website, others, taxonomy, context):
    result = _read([{"website": cell, "description": "Café for parents."}], taxonomy)
    row = result.raw.iloc[0]
    assert row["website"] == website
    assert row["description"] == f"Café for parents. Other links: {others}"
    warning = result.problems[result.problems["column"] == "website"].iloc[-1]  # after "spaces removed", if any
    assert (warning["severity"], warning["row"], warning["value"]) == ("warning", 2, cell.strip())
    assert not validate_registry(result.raw, context).query("severity == 'error'").shape[0]


def test_a_comma_inside_an_address_is_part_of_it(taxonomy):
    result = _read([{"website": "https://a.example/list?a=1,2"}], taxonomy)
    assert result.raw.at[0, "website"] == "https://a.example/list?a=1,2"
    assert result.problems.empty


def test_one_warning_per_row_saying_what_stayed_and_what_moved(taxonomy):
    result = _read([{"website": "http://a.example; http://b.example"}, {"website": "http://c.example"},
                    {"website": "www.d.example @d"}], taxonomy)
    warnings = result.problems[result.problems["column"] == "website"]
    assert warnings["row"].tolist() == [2, 4]
    assert warnings["message"].tolist() == [
        "Several web addresses in one cell: “http://a.example” stays the website; http://b.example added to the "
        "description.",
        "No http:// or https:// address in this cell: the website is left empty and www.d.example, @d added to the "
        "description.",
    ]
    assert result.raw["description"].tolist() == ["Other links: http://b.example", "", "Other links: www.d.example, @d"]


def test_the_sentence_and_warning_speak_the_interface_language(taxonomy):
    result = _read([{"website": "http://a.example http://b.example", "description": "Kavinė"}], taxonomy, lang="lt")
    assert result.raw.at[0, "description"] == "Kavinė. Kitos nuorodos: http://b.example"
    assert result.problems["message"].iloc[0].startswith("Viename langelyje keli interneto adresai")


def test_a_file_without_a_description_column_gets_one(taxonomy):
    result = _read([{"website": "http://a.example @a"}], taxonomy, drop=("description",))
    assert result.raw.at[0, "description"] == "Other links: @a"


def test_a_single_address_that_is_no_http_link_is_still_an_error(taxonomy, context: ValidationContext):
    result = _read([{"website": "www.a.example"}], taxonomy)
    problems = validate_registry(result.raw, context)
    assert problems[problems["column"] == "website"]["severity"].tolist() == ["error"]
