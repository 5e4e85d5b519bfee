"""Imports of contacts from a CSV or XLSX file: the job and what it did with each row."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .contacts import ContactList
from .jobs import BackgroundJob


class ImportJob(BackgroundJob):
    """One uploaded file, its mapping and options, and the progress of its run.

    The file itself is kept in the private import directory
    (``WAGTAIL_GDPR_MAIL_IMPORT_DIR``) only until the run ends. Nothing here holds
    personal data in plain text: counters, row numbers, error codes and masked
    addresses (``ImportedRow``).
    """

    class State(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")
        CHECKED = "checked", _("Checked (dry run)")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    class Policy(models.TextChoices):
        KEEP = "keep", _("Keep existing contacts as they are")
        FILL = "fill", _("Fill in only empty fields")
        OVERWRITE = "overwrite", _("Overwrite with the file's values")

    state = models.CharField(
        _("state"), max_length=8, choices=State.choices, default=State.UPLOADED
    )
    #: The file's path in the import storage; emptied when the file is deleted.
    file_path = models.CharField(max_length=255, blank=True)
    file_kind = models.CharField(max_length=4)  # "csv" or "xlsx"
    encoding = models.CharField(max_length=16, blank=True)
    delimiter = models.CharField(max_length=1, blank=True)
    #: The heading row (column names, not personal data).
    headers = models.JSONField(default=list, blank=True)
    #: {"email": column, "first_name": column|None, "last_name": column|None,
    #:  "custom": {key: column}} with columns as indexes into ``headers``.
    mapping = models.JSONField(default=dict, blank=True)
    #: [{"purpose_id": id, "mode": "assign"|"doi", "valid_from": "now"|"joined"|"date"|
    #:   "column", "date": ISO date, "column": index}]
    purposes = models.JSONField(default=list, blank=True)
    contact_list = models.ForeignKey(
        ContactList,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("list"),
    )
    note = models.TextField(_("where the consent came from"), blank=True)
    policy = models.CharField(
        _("existing contacts"), max_length=10, choices=Policy.choices, default=Policy.KEEP
    )
    #: The dry run's counts and first errors ({"counts": {...}, "errors": [...]}).
    dry_run = models.JSONField(null=True, blank=True)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    #: The last row number (1 = the first data row) whose batch committed.
    cursor = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    invited = models.PositiveIntegerField(_("double opt-in mails"), default=0)
    skipped = models.PositiveIntegerField(_("skipped"), default=0)
    failure = models.TextField(blank=True)

    class Meta:
        verbose_name = _("contact import")
        verbose_name_plural = _("contact imports")
        ordering = ["-created_at", "-pk"]
        permissions = [("import_contacts", _("Can import contacts"))]

    def __str__(self) -> str:
        return f"Import #{self.pk}"

    @property
    def done(self) -> int:
        """Data rows done (the cursor is a row number; the heading is row 1)."""
        return max(self.cursor - 1, 0)

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 100 if self.state == self.State.DONE else 0
        return min(100, round(100 * self.done / self.total_rows))


class ImportedRow(models.Model):
    """What an import did with one row of its file: the result report's line, and
    what finds a duplicate later in the same file (the blind index, never the address)."""

    class Outcome(models.TextChoices):
        CREATED = "created", _("Created")
        UPDATED = "updated", _("Updated")
        UNCHANGED = "unchanged", _("Unchanged")
        INVITED = "invited", _("Double opt-in mail queued")
        SKIPPED = "skipped", _("Skipped")

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rows")
    row = models.PositiveIntegerField()
    outcome = models.CharField(max_length=9, choices=Outcome.choices)
    #: Why a row was skipped (an error code of ``importing.run.ERRORS``).
    code = models.CharField(max_length=16, blank=True)
    email_index = models.CharField(max_length=96, null=True)
    #: The address masked (``j***@e***.cz``): enough to find the row in the file.
    masked = models.CharField(max_length=64, blank=True)
    contact_id = models.BigIntegerField(null=True)

    class Meta:
        verbose_name = _("imported row")
        verbose_name_plural = _("imported rows")
        indexes = [models.Index(fields=["job", "row"], name="gdpr_mail_imported_row")]
        constraints = [
            models.UniqueConstraint(
                fields=["job", "email_index"],
                condition=~Q(outcome="skipped"),
                name="gdpr_mail_imported_once",
            )
        ]

    def __str__(self) -> str:
        return f"Import #{self.job_id} row {self.row}"
