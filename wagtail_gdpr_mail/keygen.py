"""Print new keys as environment lines: ``python -m wagtail_gdpr_mail.keygen [KEY_ID]``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .crypto import KEY_ID_RE, generate_key_entry

SETTINGS = (
    "WAGTAIL_GDPR_MAIL_ENCRYPTION_KEYS",
    "WAGTAIL_GDPR_MAIL_BLIND_INDEX_KEYS",
    "WAGTAIL_GDPR_MAIL_CHAIN_KEYS",
)


# The command runs before (and without) Django settings, so its text is not translated.
def _key_id(value: str) -> str:
    if not KEY_ID_RE.match(value):
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a key id: use 1-16 letters, digits, '-' or '_'."
        )
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m wagtail_gdpr_mail.keygen",
        description=(
            "Print three new random keys as environment lines (NAME=value): the "
            "encryption keys, the blind-index keys and the consent-chain keys. Put them "
            "in the environment of the site (or a secrets store), apart from SECRET_KEY "
            "and from database backups."
        ),
    )
    parser.add_argument(
        "key_id",
        metavar="KEY_ID",
        nargs="?",
        default="k1",
        type=_key_id,
        help="the id the keys carry, 1-16 letters, digits, '-' or '_' (default: k1); "
        "use a new one when rotating, e.g. 2026a",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    for name in SETTINGS:
        sys.stdout.write(f"{name}={generate_key_entry(args.key_id)}\n")


if __name__ == "__main__":
    main()
