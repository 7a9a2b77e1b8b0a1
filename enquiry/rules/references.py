"""Ticket references (PREFIX-YYYY-NNNNNN) and private retrieval codes: make, read, compare.

Pure: no database. The next number of a year is taken in `enquiry.domain.references`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata

# Crockford's base32: no I, L, O, U, so codes survive being read aloud and retyped.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # 32 letters: generate_access_code needs it
CODE_LENGTH = 20  # 20 x 5 bits = 100 bits of randomness
CODE_GROUP = 4
_CODE_CONFUSABLES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_CODE_SEPARATORS = re.compile(r"[\s\-_.·\u2010-\u2015\u2212]")  # incl. dashes, minus
REFERENCE_PATTERN = re.compile(r"^[A-Z]{2,10}-\d{4}-\d{6,}$")


def format_reference(prefix: str, year: int, number: int) -> str:
    """Return e.g. WLMQ-2026-000123."""
    return f"{prefix}-{year}-{number:06d}"


def generate_access_code() -> str:
    """Return a fresh random retrieval code, grouped for reading: XXXX-XXXX-XXXX-XXXX-XXXX."""
    # 32 letters: each random byte's low five bits pick one uniformly (256 = 8 x 32).
    raw = "".join(CODE_ALPHABET[byte % 32] for byte in secrets.token_bytes(CODE_LENGTH))
    return "-".join(raw[i : i + CODE_GROUP] for i in range(0, CODE_LENGTH, CODE_GROUP))


def normalize_code(code: str) -> str:
    """Uppercase, drop separators and spaces, and map look-alike letters to digits."""
    # NFKC first: a Chinese input method in full-width mode types ＡＢ１２－ for AB12-.
    code = unicodedata.normalize("NFKC", code).upper()
    return _CODE_SEPARATORS.sub("", code).translate(_CODE_CONFUSABLES)


def hash_code(code: str) -> str:
    """Return the stored form of a retrieval code (SHA-256 of its normalised form)."""
    return hashlib.sha256(normalize_code(code).encode("ascii", "replace")).hexdigest()


def code_matches(code: str, stored_hash: str) -> bool:
    """Compare a typed code with a stored hash in constant time."""
    return hmac.compare_digest(hash_code(code), stored_hash)


def normalize_reference(reference: str) -> str:
    """Uppercase and trim a typed reference; full-width characters become ASCII."""
    return unicodedata.normalize("NFKC", reference).strip().upper()
