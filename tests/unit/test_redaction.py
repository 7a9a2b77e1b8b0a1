"""The redaction rules one by one: validated numbers, labelled IDs, spans and markers."""

from enquiry.rules.redaction import (
    Span,
    SpanKind,
    find_exact,
    find_personal_data,
    is_luhn,
    is_resident_id,
    redact,
)


def kinds(text, **kw):
    return [(s.kind, s.text) for s in find_personal_data(text, **kw)]


def test_resident_id_checksum_and_birth_date():
    assert is_resident_id("11010519491231002X")
    assert not is_resident_id("110105194912310021")  # wrong check character
    assert not is_resident_id("110105194913310026")  # month 13
    assert kinds("号码110105194912310021") == []


def test_luhn():
    assert is_luhn("6225880123456783")
    assert not is_luhn("6225880123456784")
    assert kinds("订单号6225880123456784") == []


def test_mobile_with_spaces_dashes_and_country_code():
    for raw in ("13812345678", "138 1234 5678", "138-1234-5678", "+86 138 1234 5678"):
        assert kinds(f"手机{raw}。") == [(SpanKind.MOBILE, raw)]
    assert kinds("金额12812345678元") == []  # 12x is not a mobile prefix


def test_landline_and_labelled_local_number():
    assert kinds("电话0991-4567890") == [(SpanKind.LANDLINE, "0991-4567890")]
    assert kinds("电话：4567890") == [(SpanKind.LANDLINE, "4567890")]


def test_qq_and_wechat_only_when_labelled():
    assert kinds("QQ：389123456") == [(SpanKind.QQ, "389123456")]
    assert kinds("微信号 abc_12345") == [(SpanKind.WECHAT, "abc_12345")]
    assert kinds("共389123456元") == []


def test_plate_needs_a_digit():
    assert kinds("车牌新A·12345") == [(SpanKind.PLATE, "新A·12345")]
    assert kinds("新ABCDEF") == []


def test_bare_surname_with_title_is_kept_but_full_name_goes():
    assert kinds("张先生您好") == []
    assert kinds("王建国同志您好") == [(SpanKind.NAME, "王建国")]


def test_document_numbers_are_not_addresses():
    assert kinds("依据新政办发〔2020〕15号") == []


def test_own_name_found_everywhere_case_insensitive():
    assert kinds("john SMITH wrote", known_names=["John Smith"]) == [(SpanKind.NAME, "john SMITH")]


def test_redact_replaces_with_marker_and_merges_overlaps():
    text = "abc 123 def"
    spans = [Span(4, 7, SpanKind.EXTRA, "123"), Span(5, 6, SpanKind.EXTRA, "2")]
    assert redact(text, spans) == "abc ■■ def"
    assert redact(text, spans, marker="[已隐去]") == "abc [已隐去] def"
    assert redact(text, find_exact(text, ["DEF"])) == "abc 123 ■■"
