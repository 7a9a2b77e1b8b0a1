"""Hostile strings fed to every form field and query parameter (and to the browser tests).

Each entry is something a real attacker, a broken client or an unusual but legitimate citizen
sends. The list is shared by the HTTP-level suite and the browser suite so both see the same
inputs.
"""

import base64

SCRIPT_MARKER = "enquiry-xss"

HOSTILE_STRINGS: tuple[str, ...] = (
    # Script injection in the places a template could put it.
    f"<script>alert('{SCRIPT_MARKER}')</script>",
    f'"><img src=x onerror=alert("{SCRIPT_MARKER}")>',
    f"'><svg/onload=alert('{SCRIPT_MARKER}')>",
    f"javascript:alert('{SCRIPT_MARKER}')",
    f"</textarea><script>alert('{SCRIPT_MARKER}')</script>",
    f"<a href=\"javascript:alert('{SCRIPT_MARKER}')\">点此</a>",
    f"<iframe srcdoc=\"<script>alert('{SCRIPT_MARKER}')</script>\"></iframe>",
    # SQL fragments.
    "' OR '1'='1",
    "1; DROP TABLE tickets; --",
    "\\'; SELECT pg_sleep(5); --",
    "%' AND 1=0 UNION SELECT password_hash FROM users --",
    # Template syntax (Jinja, Python format, ICU/Babel placeholders).
    "{{ config.SECRET_KEY }}",
    "{% for x in range(10**9) %}x{% endfor %}",
    "${7*7} #{7*7} %(name)s {0} %s",
    # Header injection.
    "正常主题\r\nBcc: victim@example.org",
    "line one\nline two\r\n\r\nbody injection",
    # Bidirectional and invisible characters.
    "\u202eexe.txt\u202c",
    "مرحبا \u2067ئۈرۈمچى\u2069 abc",
    "零\u200b宽\u200c字\u200d符\ufeff",
    "e\u0301\u0301\u0301 Z\u0335\u0321\u031b\u0330a\u0334\u0327l\u0336g\u0337o",
    # Emoji and 4-byte CJK (Extension B), which break utf8mb3 and naive length checks.
    "👨‍👩‍👧‍👦 🇨🇳 😀",
    "𠀀𠀁𠮷𩸽 王镕喆 喆堃",
    # Control characters and NUL.
    "before\x00after",
    "\x07\x08\x1b[31mred\x1b[0m",
    # Long strings: just under and far over every limit.
    "长" * 5000,
    "a" * 100_000,
    # Path and URL tricks.
    "../../../../etc/passwd",
    "https://evil.example/%0d%0aSet-Cookie:x=1",
    # Empty-looking input.
    "   ",
    "\u3000\u3000",
)


# --- RFC 2047 encoded words whose decoded text breaks a header line --------------------------
# A citizen can type an encoded word: ASCII that every mail reader (and, before 3.11.10 and
# 3.12.5, Python's own email package while writing) decodes into CR, LF, NUL or U+0085.


def _q_byte(byte: int) -> str:
    char = chr(byte)
    if char.isascii() and char.isalnum():
        return char
    return "_" if char == " " else f"={byte:02X}"


def _q(text: str, charset: str = "utf-8") -> str:
    encoded = "".join(_q_byte(byte) for byte in text.encode(charset))
    return f"=?{charset}?q?{encoded}?="


def _b(text: str, charset: str = "utf-8") -> str:
    return f"=?{charset}?b?{base64.b64encode(text.encode(charset)).decode('ascii')}?="


INJECTED = "Bcc: victim@evil.test"

ENCODED_WORD_STRINGS: tuple[str, ...] = (
    # The issue's own example, and the same header line after CR, LF, CRLF, NUL, NEL, U+2028.
    "=?utf-8?q?Notice=0D=0ABcc=3A_x=40evil?=",
    *(_q(f"Notice{sep}{INJECTED}") for sep in ("\r\n", "\r", "\n", "\x00", "\u0085", "\u2028")),
    *(_b(f"Notice{sep}{INJECTED}") for sep in ("\r\n", "\r", "\n", "\x00", "\u0085", "\u2029")),
    # Other charsets and the upper-case and RFC 2231 language forms.
    _q(f"主题\r\n{INJECTED}", "gb18030"),
    _b(f"主题\r\n{INJECTED}\r\nX-Evil: 1", "gb18030"),
    _q(f"Caf\u00e9\r\n{INJECTED}", "iso-8859-1"),
    _q(f"Caf\u00e9\u0085{INJECTED}", "iso-8859-1"),
    "=?UTF-8?Q?Notice=0D=0ABcc=3A_x=40evil?=",
    "=?utf-8*en?q?Notice=0D=0ABcc=3A_x=40evil?=",
    "=?x-unknown?q?Notice=0D=0ABcc=3A_x=40evil?=",
    # A blank line: everything after it would become the body.
    _q("Notice\r\n\r\n<script>body</script>"),
    # Inside ordinary text, in quotes, in angle brackets.
    f"正常主题 {_q(chr(13) + chr(10) + INJECTED)} 结尾",
    f'"{_q(chr(10) + INJECTED)}" <x@evil.test>',
    f"<{_q(chr(10) + INJECTED)}@evil.test>",
    # Folded: the line break between two words is folding white space, which readers drop.
    f"{_q('Notice')}\r\n {_q(chr(13) + chr(10) + INJECTED)}",
    # Split across two words: each alone is harmless, joined they make CRLF.
    f"{_q('Notice' + chr(13))} {_q(chr(10) + INJECTED)}",
    f"{_b('Notice' + chr(13))} {_b(chr(10) + INJECTED)}",
    # Nested: decoding twice yields the injection.
    _b(_q(f"Notice\r\n{INJECTED}")),
    # Over-long: readers decode words longer than RFC 2047's 75 characters too.
    _q("x" * 80 + f"\r\n{INJECTED}"),
)
