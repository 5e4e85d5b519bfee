"""Print new keys for the settings: ``python -m wagtail_gdpr_mail.keygen [KEY_ID]``."""

import sys

from .crypto import generate_key_entry


def main(argv: list[str]) -> None:
    key_id = argv[1] if len(argv) > 1 else "k1"
    sys.stdout.write(f"WAGTAIL_GDPR_MAIL_ENCRYPTION_KEYS={generate_key_entry(key_id)}\n")
    sys.stdout.write(f"WAGTAIL_GDPR_MAIL_BLIND_INDEX_KEYS={generate_key_entry(key_id)}\n")
    sys.stdout.write(f"WAGTAIL_GDPR_MAIL_CHAIN_KEYS={generate_key_entry(key_id)}\n")


if __name__ == "__main__":
    main(sys.argv)
