"""Old home of :class:`SubprocessorListBlock`, kept because page models and their
migrations name ``wagtail_gdpr_mail.legal_blocks.SubprocessorListBlock``."""

from .legal.blocks import SubprocessorListBlock

__all__ = ["SubprocessorListBlock"]
