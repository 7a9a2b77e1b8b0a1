"""Hostile strings fed to every form field and query parameter (and to the browser tests).

Each entry is something a real attacker, a broken client or an unusual but legitimate citizen
sends. The list is shared by the HTTP-level suite and the browser suite so both see the same
inputs.
"""

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
