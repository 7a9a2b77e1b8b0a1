"""Checks for the security headers and cookie flags every response must carry."""

from __future__ import annotations

from http.cookies import SimpleCookie

from werkzeug.wrappers import Response


def problems_with(response: Response, *, secure_cookies: bool = True) -> list[str]:
    """What is missing from a response's security headers and cookie flags."""
    headers = response.headers
    problems = []
    policy = {
        part.strip().split(" ", 1)[0]: part.strip()
        for part in headers.get("Content-Security-Policy", "").split(";")
        if part.strip()
    }
    if policy.get("frame-ancestors") != "frame-ancestors 'none'":
        problems.append(f"CSP frame-ancestors: {policy.get('frame-ancestors')!r}")
    default = policy.get("default-src")
    if default not in {"default-src 'self'", "default-src 'none'"}:
        problems.append(f"CSP default-src: {default!r}")
    for directive in ("script-src", "object-src"):
        effective = policy.get(directive) or default or ""  # a missing one falls back
        if "unsafe" in effective or "*" in effective or "data:" in effective:
            problems.append(f"CSP {directive}: {effective!r}")
    if "object-src 'self'" in policy.values():
        problems.append("CSP object-src 'self' (plugins)")
    expected = {
        "X-Frame-Options": {"DENY"},
        "X-Content-Type-Options": {"nosniff"},
        "Referrer-Policy": {"same-origin", "no-referrer"},
    }
    for name, allowed in expected.items():
        if headers.get(name) not in allowed:
            problems.append(f"{name}: {headers.get(name)!r}")
    for raw in headers.getlist("Set-Cookie"):
        problems.extend(cookie_problems(raw, secure=secure_cookies))
    return problems


def cookie_problems(raw: str, *, secure: bool = True) -> list[str]:
    cookie = SimpleCookie()
    cookie.load(raw)
    problems = []
    for name, morsel in cookie.items():
        if not morsel.value and morsel["max-age"] == "0":
            continue  # a deletion (Flask-Login's remember cookie): it carries nothing
        if secure and not morsel["secure"]:
            problems.append(f"cookie {name} without Secure")
        if not morsel["httponly"]:
            problems.append(f"cookie {name} without HttpOnly")
        if str(morsel["samesite"]).lower() not in {"lax", "strict"}:
            problems.append(f"cookie {name} SameSite={morsel['samesite']!r}")
    return problems
