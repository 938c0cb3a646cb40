"""English and Simplified Chinese: language choice, translated pages and errors, and a
complete, compiled zh catalog (these tests stop untranslated strings from landing)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from market.domain.identifiers import IdentifierError, normalise_uscc
from market.domain.messages import N_, msg
from market.models.orgs import User
from tests.market.conftest import World, sign_in
from tests.market.factories import trademark_number, uscc

ROOT = Path(__file__).resolve().parents[2]
PO_FILE = ROOT / "market" / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
MO_FILE = PO_FILE.with_suffix(".mo")
# Keywords on top of Babel's defaults (_, gettext, ngettext, N_, ...): keep in step with babel.cfg.
EXTRA_KEYWORDS = ["_l", "lazy_gettext", "N_", "msg"]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdifr]")

REFRESH = """
To fix it, refresh the zh catalog from the repository root:
  .venv/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k N_ -k msg --sort-by-file -w 100 \\
      -o market/translations/messages.pot .
  .venv/bin/pybabel update -i market/translations/messages.pot -d market/translations -l zh \\
      -w 100 --no-fuzzy-matching --ignore-obsolete
  # write the Chinese for every empty msgstr in market/translations/zh/LC_MESSAGES/messages.po
  # (keep each %(name)s placeholder; remove any '#, fuzzy' line once checked)
  .venv/bin/pybabel compile -d market/translations -l zh
and commit messages.pot, messages.po and messages.mo together."""

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
EN = {"Accept-Language": "en-US,en;q=0.9"}


def page(client: FlaskClient, path: str, headers: dict[str, str] | None = None) -> str:
    response = client.get(path, headers=headers or {})
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def registration(**overrides: Any) -> dict[str, Any]:
    data = {
        "company_name": "中山光学测试有限公司",
        "uscc": uscc(),
        "industry": "electronics",
        "size": "small",
        "region": "GD-Zhongshan",
        "contact_name": "李雷",
        "contact_phone": "13800000000",
        "name": "李雷",
        "email": "li.lei@optics-i18n.cn",
        "password": "optics-2026-ok",
        "confirm": "optics-2026-ok",
    }
    data.update(overrides)
    return data


def field_html(html: str, field_id: str) -> str:
    """The markup of one form field's block, from its input to the end of its <div>."""
    start = html.index(f'id="{field_id}"')
    return html[start : html.index("</div>", start)]


# --- language choice -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "chinese", "english"),
    [
        ("/", "让专利、商标和地理标志商标转化为银行贷款。", "Turn your patents, trademarks"),
        ("/login", "首次使用？", "New here?"),
        ("/register", "统一社会信用代码", "Unified social credit code"),
    ],
)
def test_browser_language_picks_the_page_language(
    client: FlaskClient, path: str, chinese: str, english: str
) -> None:
    zh = page(client, path, ZH)
    assert chinese in zh
    assert english not in zh
    assert '<html lang="zh-Hans">' in zh
    assert "知识产权质押融资" in zh  # the site name in the header

    en = page(client, path, EN)
    assert english in en
    assert chinese not in en
    assert '<html lang="en">' in en


def test_unknown_browser_language_falls_back_to_english(client: FlaskClient) -> None:
    assert "New here?" in page(client, "/login", {"Accept-Language": "fr-FR,de;q=0.8"})


def test_switcher_sets_a_cookie_and_the_next_page_is_chinese(client: FlaskClient) -> None:
    response = client.post("/language", data={"lang": "zh", "next": "/login"}, headers=EN)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")
    cookie = client.get_cookie("lang")
    assert cookie is not None and cookie.value == "zh"
    # The cookie wins over the browser's English.
    html = page(client, "/login", EN)
    assert "首次使用？" in html and "New here?" not in html
    # And back to English.
    client.post("/language", data={"lang": "en", "next": "/login"})
    assert "New here?" in page(client, "/login", ZH)


def test_switcher_ignores_unknown_languages_and_foreign_next_links(client: FlaskClient) -> None:
    response = client.post("/language", data={"lang": "xx", "next": "https://evil.example/"})
    assert response.status_code == 302
    assert "evil.example" not in response.headers["Location"]
    assert client.get_cookie("lang") is None


def test_signed_in_users_choice_is_stored_on_the_account(
    client: FlaskClient, world: World, session: Session
) -> None:
    sign_in(client, world.sme)
    client.post("/language", data={"lang": "zh", "next": "/dashboard"})
    session.expire_all()
    user = session.get(User, world.sme.id)
    assert user is not None and user.locale == "zh"
    # Without the cookie (another browser), the saved choice still applies.
    client.delete_cookie("lang")
    html = page(client, "/dashboard", EN)
    assert "工作台" in html and "Dashboard" not in html


# --- translated errors -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad_code", "chinese"),
    [
        # A fixed service message (N_), translated when shown next to the field.
        (lambda good: good[:-1] + ("0" if good[-1] != "0" else "1"), "校验码（最后一位）有误"),
        # A message with a run-time value (msg), translated with the value filled in.
        (lambda good: good[:9] + "I" + good[10:], "统一社会信用代码中不能出现字符 I"),
    ],
)
def test_registration_error_is_shown_in_chinese_next_to_the_field(
    client: FlaskClient, bad_code: Any, chinese: str
) -> None:
    code = bad_code(uscc())
    response = client.post("/register", data=registration(uscc=code), headers=ZH)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert chinese in field_html(html, "uscc")
    assert "请修改标出的各项。" in html  # the form's summary
    assert "business licence" not in html and "cannot appear" not in html


def test_form_and_service_errors_on_an_asset_form_are_chinese(
    client: FlaskClient, world: World
) -> None:
    sign_in(client, world.sme)
    form = {
        "registry_number": trademark_number(),
        "title": "BRIGHTWAY",
        "industry": "consumer_goods",
        "legal_status": "valid",
        "filing_date": "2017-01-05",
        "grant_date": "2018-02-14",
        "fact_nice_classes": "9, 46",
    }
    html = client.post("/assets/new/trademark", data=form, headers=ZH).get_data(as_text=True)
    assert "不存在第 46 类" in field_html(html, "fact_nice_classes")

    form["annual_revenue"] = "lots"  # a field-level parse error (MoneyField)
    html = client.post("/assets/new/trademark", data=form, headers=ZH).get_data(as_text=True)
    assert "请输入人民币金额" in field_html(html, "annual_revenue")


def test_error_pages_are_translated(client: FlaskClient, world: World) -> None:
    html = client.get("/no-such-page", headers=ZH).get_data(as_text=True)
    assert "此处没有内容" in html
    sign_in(client, world.sme)
    response = client.get("/assets/999999", headers=ZH)
    assert response.status_code == 404
    assert "该知识产权不存在。" in response.get_data(as_text=True)


def test_login_required_message_is_translated(client: FlaskClient) -> None:
    response = client.get("/dashboard", headers=ZH, follow_redirects=True)
    assert "请登录后查看此页面。" in response.get_data(as_text=True)


def test_service_messages_are_english_outside_a_request(app: Flask) -> None:
    assert N_("Unknown user.") == "Unknown user."
    assert msg("Must be at least %(n)s.", n=3) == "Must be at least 3."
    with app.app_context(), pytest.raises(IdentifierError, match="18 characters"):
        normalise_uscc("123")
    with app.test_request_context("/", headers=ZH):
        assert msg("Must be at least %(n)s.", n=3) == "不得小于 3。"


# --- the catalog -----------------------------------------------------------------------------


def _extract() -> dict[tuple[str | None, Any], list[str]]:
    """Every msgid in the source today (as `pybabel extract -F babel.cfg` sees it) -> where."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as fileobj:
        method_map, options_map = parse_mapping_cfg(fileobj)  # type: ignore[no-untyped-call]
    keywords = {**DEFAULT_KEYWORDS, **parse_keywords(EXTRA_KEYWORDS)}
    found: dict[tuple[str | None, Any], list[str]] = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords
    ):
        found.setdefault((context, message), []).append(f"{filename}:{lineno}")
    return found


def _read_po() -> Catalog:
    with PO_FILE.open("rb") as fileobj:
        return read_po(fileobj, locale="zh")


def _strings(value: Any) -> list[str]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def _report(title: str, rows: list[str]) -> str:
    shown = "\n".join(f"  - {row}" for row in rows[:60])
    more = f"\n  ... and {len(rows) - 60} more" if len(rows) > 60 else ""
    return f"{title} ({len(rows)}):\n{shown}{more}\n{REFRESH}"


def test_every_message_in_the_source_has_a_chinese_translation() -> None:
    found = _extract()
    assert len(found) > 100, "extraction found almost nothing: is babel.cfg still right?"
    catalog = _read_po()
    missing = []
    for (context, message), where in sorted(found.items(), key=lambda kv: kv[1][0]):
        entry = catalog.get(message, context=context)
        msgid = _strings(message)[0]
        if entry is None:
            missing.append(f"{msgid!r}  [{where[0]}]  not in messages.po")
        elif entry.fuzzy:
            missing.append(f"{msgid!r}  [{where[0]}]  marked fuzzy (a guess to check)")
        elif not all(s.strip() for s in _strings(entry.string)):
            missing.append(f"{msgid!r}  [{where[0]}]  has an empty msgstr")
    assert not missing, _report(
        "Messages without a Chinese translation in market/translations/zh/LC_MESSAGES/messages.po",
        missing,
    )


def test_translations_keep_the_placeholders() -> None:
    wrong = []
    for entry in _read_po():
        if not entry.id or not entry.string:
            continue
        ids, strings = _strings(entry.id), _strings(entry.string)
        expected = set().union(*(_placeholders(s) for s in ids))
        for translated in strings:
            if _placeholders(translated) != expected:
                wrong.append(f"{ids[0]!r} -> {translated!r}: placeholders differ")
                continue
            if expected:  # the translation must format exactly like the English
                try:
                    translated % dict.fromkeys(expected, "x")
                except (ValueError, TypeError, KeyError) as exc:
                    wrong.append(f"{ids[0]!r} -> {translated!r}: {exc}")
    assert not wrong, _report("Translations whose %(name)s placeholders do not match", wrong)


def test_compiled_catalog_matches_the_po_file() -> None:
    def table(catalog: Catalog) -> dict[tuple[str | None, Any], Any]:
        # Plural entries come back from a .mo as lists: compare them as tuples.
        return {
            (m.context, m.id if isinstance(m.id, str) else tuple(m.id)): (
                m.string if isinstance(m.string, str) else tuple(m.string)
            )
            for m in catalog
            if m.id and m.string and not m.fuzzy
        }

    assert MO_FILE.exists(), f"{MO_FILE.relative_to(ROOT)} is missing.\n{REFRESH}"
    try:
        with MO_FILE.open("rb") as fileobj:
            compiled = table(read_mo(fileobj))
    except Exception as exc:  # a truncated or corrupt file
        pytest.fail(f"{MO_FILE.relative_to(ROOT)} cannot be read ({exc!r}).\n{REFRESH}")
    source = table(_read_po())
    stale = sorted(
        repr(_strings(key[1])[0])
        for key in source.keys() | compiled.keys()
        if source.get(key) != compiled.get(key)
    )
    assert not stale, _report(
        "messages.mo is out of date with messages.po (run the compile step) for", stale
    )
