"""Per-contact cost of encryption at rest: our AES-256-GCM code next to Fernet.

What is measured
----------------
One "contact" of work is what saving a contact and reading it back costs in
cryptography alone:

* encrypt + decrypt of the four encrypted fields of ``Contact`` (e-mail, first
  name, last name, custom fields as JSON), and
* one e-mail blind index (NFKC normalisation + HMAC-SHA256).

"ours" goes through the real code in :mod:`wagtail_gdpr_mail.crypto`, exactly as
``EncryptedField.get_prep_value`` / ``from_db_value`` do: ``get_cipher()`` (the
key ring, cached per settings value) and ``associated_data(Contact, field)`` are
looked up for every value, then ``Cipher.encrypt`` / ``Cipher.decrypt`` (AES-GCM,
random nonce, ``gm1$<key id>$<base64url>`` framing).

"fernet" does the same amount of work with ``cryptography.fernet.Fernet``
(AES-128-CBC + HMAC-SHA256, base64 token): it encrypts and decrypts the same four
plaintexts. Fernet has no associated data, so none is passed. To keep the
comparison fair, the Fernet side ALSO computes the very same
``email_blind_index`` (our HMAC code), since an app using Fernet would still need
a blind index for look-ups; only the cipher differs between the two columns.

Both sides encode the same plaintext bytes (the JSON is serialised the way
``EncryptedJSONField.encode`` does it, on both sides) and check that the round
trip returns them, so neither side can skip work.

Timing: ``time.perf_counter`` around a whole pass over ``--count`` contacts; one
warm-up pass of each first; then ``--repeat`` passes of each, interleaved
(ours, fernet, ours, fernet, ...) so that CPU frequency drift hits both alike.
The reported figures are the median over the passes of µs per contact; the
last line is the median of the per-pass ratios (each pass of ours with the
Fernet pass right after it), which a load that comes and goes on a shared
machine skews less than the ratio of the medians (printed above it). Goal: at
most 0.3.

Run from the repository root with the venv active::

    python benchmarks/crypto.py            # 9 x 2,000 contacts
    python benchmarks/crypto.py --count 10000 --repeat 7

The last line is always ``ratio (ours / fernet): X.XX``.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import statistics
import sys
import time
from pathlib import Path

# --- Django set-up: the example site with the demo keys (_common); this benchmark
# does not touch the database.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import setup_django  # noqa: E402

setup_django()

from cryptography.fernet import Fernet  # noqa: E402

from wagtail_gdpr_mail.crypto import (  # noqa: E402
    associated_data,
    email_blind_index,
    get_cipher,
)
from wagtail_gdpr_mail.models import Contact  # noqa: E402

FIELDS = ("email", "first_name", "last_name", "custom_fields")


def make_contacts(count: int) -> list[dict[str, bytes | str]]:
    """Realistic-sized plaintexts, with some non-ASCII, built once before timing.

    ``email`` stays a str as well (the blind index hashes the address, not bytes).
    """
    first_names = ["Jana", "Petr", "Zoë", "Łukasz", "Anna", "Jiří", "Marie", "Tomáš"]
    last_names = ["Nováková", "Svoboda", "Dvořák", "Černá", "Müller", "O'Brien"]
    contacts = []
    for i in range(count):
        email = f"Contact.{i}@Example-Mail.org"
        custom = {"company": f"Firma {i % 97} s.r.o.", "city": "Brno", "newsletter": True}
        contacts.append(
            {
                "email_str": email,
                "email": email.encode("utf-8"),
                "first_name": first_names[i % len(first_names)].encode("utf-8"),
                "last_name": last_names[i % len(last_names)].encode("utf-8"),
                # Same serialisation as EncryptedJSONField.encode.
                "custom_fields": json.dumps(
                    custom, ensure_ascii=False, sort_keys=True, default=str
                ).encode("utf-8"),
            }
        )
    return contacts


def run_ours(contacts: list[dict]) -> int:
    """Our real code path, per value as the model fields do it."""
    checksum = 0
    for contact in contacts:
        for field in FIELDS:
            plaintext = contact[field]
            token = get_cipher().encrypt(plaintext, associated_data(Contact, field))
            if get_cipher().decrypt(token, associated_data(Contact, field)) != plaintext:
                raise AssertionError(f"round trip failed for {field}")
        checksum += len(email_blind_index(contact["email_str"]))
    return checksum


def run_ours_hoisted(contacts: list[dict]) -> int:
    """Informational only: the cipher and associated data looked up once per pass.

    The difference to ``run_ours`` is the cost of the per-value look-ups
    (``get_cipher()`` serialises the setting to JSON for its cache key).
    """
    cipher = get_cipher()
    aad = {field: associated_data(Contact, field) for field in FIELDS}
    checksum = 0
    for contact in contacts:
        for field in FIELDS:
            plaintext = contact[field]
            token = cipher.encrypt(plaintext, aad[field])
            if cipher.decrypt(token, aad[field]) != plaintext:
                raise AssertionError(f"round trip failed for {field}")
        checksum += len(email_blind_index(contact["email_str"]))
    return checksum


def make_run_fernet(fernet: Fernet):
    def run_fernet(contacts: list[dict]) -> int:
        """Same four encrypt+decrypt round trips with Fernet, plus the SAME blind index."""
        checksum = 0
        for contact in contacts:
            for field in FIELDS:
                plaintext = contact[field]
                token = fernet.encrypt(plaintext)
                if fernet.decrypt(token) != plaintext:
                    raise AssertionError(f"round trip failed for {field}")
            # Fairness: an app on Fernet would need the blind index too.
            checksum += len(email_blind_index(contact["email_str"]))
        return checksum

    return run_fernet


def time_pass(func, contacts: list[dict]) -> float:
    """µs per contact for one pass over ``contacts``."""
    start = time.perf_counter()
    func(contacts)
    elapsed = time.perf_counter() - start
    return elapsed / len(contacts) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--count", type=int, default=2000, help="contacts per timed pass (default 2000)"
    )
    parser.add_argument("--repeat", type=int, default=9, help="timed passes of each (default 9)")
    args = parser.parse_args()
    if args.count < 1 or args.repeat < 1:
        parser.error("--count and --repeat must be positive")

    contacts = make_contacts(args.count)
    # A Fernet key from the same kind of 32 random bytes our keys are made of.
    fernet = Fernet(base64.urlsafe_b64encode(os.urandom(32)))
    candidates = {
        "ours": run_ours,
        "ours, look-ups hoisted": run_ours_hoisted,
        "fernet": make_run_fernet(fernet),
    }

    # Warm-up: fills get_cipher's lru_cache, AESGCM/Fernet objects, CPU caches.
    for func in candidates.values():
        func(contacts[: min(200, len(contacts))])
        func(contacts)

    samples: dict[str, list[float]] = {name: [] for name in candidates}
    for _ in range(args.repeat):
        for name, func in candidates.items():  # interleaved
            samples[name].append(time_pass(func, contacts))

    print(f"cryptography {__import__('cryptography').__version__}, Python {sys.version.split()[0]}")
    print(
        f"{args.repeat} passes x {args.count} contacts; per contact: 4 x (encrypt + decrypt) "
        "+ 1 e-mail blind index"
    )
    for name, values in samples.items():
        print(
            f"  {name:<24} median {statistics.median(values):8.2f} µs/contact   "
            f"(min {min(values):.2f}, max {max(values):.2f})"
        )
    medians = statistics.median(samples["ours"]) / statistics.median(samples["fernet"])
    # Each pass of ours next to the fernet pass that ran right after it: a load that
    # comes and goes on a shared machine hits both of a pair alike.
    paired = statistics.median(
        o / f for o, f in zip(samples["ours"], samples["fernet"], strict=True)
    )
    print(f"ratio of the medians: {medians:.2f}")
    print(f"ratio (ours / fernet): {paired:.2f}")


if __name__ == "__main__":
    main()
