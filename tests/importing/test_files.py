"""Every bad or odd input file: one clear error or per-row errors, never a crash."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest

from tests.helpers.importing import make_job
from wagtail_gdpr_mail.exceptions import ImportFileError
from wagtail_gdpr_mail.importing import run
from wagtail_gdpr_mail.importing.parsing import open_table
from wagtail_gdpr_mail.models import Contact, ImportJob

pytestmark = pytest.mark.django_db

TEXT = "e-mail;jméno;příjmení\nzofie@example.cz;Žofie;Šťastná\n"


@pytest.mark.parametrize(
    ("raw", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + TEXT.encode("utf-8"), "utf-8-sig"),
        (TEXT.encode("cp1250"), "cp1250"),
        (TEXT.encode("iso-8859-2"), "iso-8859-2"),
    ],
)
def test_encodings_are_detected(write_file, raw, encoding):
    table = open_table(write_file(raw))
    assert (table.encoding, table.delimiter) == (encoding, ";")
    assert table.headers == ["e-mail", "jméno", "příjmení"]
    assert list(table.rows()) == [(2, ["zofie@example.cz", "Žofie", "Šťastná"])]


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_delimiters_are_detected(write_file, delimiter):
    content = delimiter.join(["email", "name"]) + "\n" + delimiter.join(["a@b.cz", "A, B"]) + "\n"
    if delimiter == ",":
        content = 'email,name\na@b.cz,"A, B"\n'
    table = open_table(write_file(content))
    assert table.delimiter == delimiter
    assert list(table.rows()) == [(2, ["a@b.cz", "A, B"])]


def test_a_file_that_changes_encoding_mid_way_is_one_clear_error(write_file):
    head = "email,name\n" + "".join(f"p{n}@example.cz,Ann\n" for n in range(5000))
    raw = head.encode("utf-8") + "late@example.cz,Šťastná\n".encode("cp1250")
    job = make_job(write_file(raw))
    with pytest.raises(ImportFileError, match="Row 5002 is not in the file's encoding"):
        run.check(job)
    job.refresh_from_db()
    assert "encoding" in job.dry_run["error"] and Contact.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty"),
        (b"   \n\n", "The file is empty"),
        (b"\x00\x01\x02binary", "neither a CSV nor an XLSX"),
        (b"PK\x03\x04garbage", "neither a CSV nor an XLSX"),
    ],
)
def test_files_that_are_no_table(write_file, content, message):
    with pytest.raises(ImportFileError, match=message):
        open_table(write_file(content))


def test_zero_rows_is_one_clear_error(write_file):
    job = make_job(write_file("Email Address,First Name\n"))
    with pytest.raises(ImportFileError, match="no rows"):
        run.check(job)
    assert ImportJob.objects.get().state == ImportJob.State.UPLOADED


def test_a_10_mb_cell_is_one_clear_error_and_nothing_is_written(write_file):
    content = "email,name\nok@example.cz,A\nbig@example.cz," + "x" * (10 * 1024 * 1024) + "\n"
    job = make_job(write_file(content))
    with pytest.raises(ImportFileError, match="Row 3 cannot be read"):
        run.check(job)
    job = run.run(job.pk)  # even if started anyway: failed, nothing half-written
    assert job.state == ImportJob.State.FAILED and "Row 3" in job.failure
    assert Contact.objects.count() == 0  # the open batch is never committed


def test_unclosed_quote_is_one_clear_error(write_file):
    job = make_job(write_file('email,name\nok@example.cz,"A\n' + "b" * 200_000))
    with pytest.raises(ImportFileError):
        run.check(job)


def _xlsx(rows) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx_is_read_streaming_with_dates_and_numbers(write_file):
    import datetime as dt

    raw = _xlsx(
        [
            ["Email Address", "First Name", "Last Name", "OPTIN_TIME", "Points"],
            ["eva@example.cz", "Eva", "Černá", dt.datetime(2023, 5, 1, 10, 0), 12.0],
            [None, None, None, None, None],
            ["ivo@example.cz", "Ivo", None, None, 3.5],
        ]
    )
    table = open_table(write_file(raw, suffix=".xlsx"))
    assert table.kind == "xlsx"
    assert list(table.rows()) == [
        (2, ["eva@example.cz", "Eva", "Černá", "2023-05-01 10:00:00", "12"]),
        (3, ["ivo@example.cz", "Ivo", "", "", "3.5"]),
    ]


def test_xlsx_zip_bomb_is_refused_before_unpacking(write_file, settings):
    settings.WAGTAIL_GDPR_MAIL_IMPORT_MAX_XLSX_BYTES = 1024 * 1024
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", "0" * (20 * 1024 * 1024))
    path = write_file(buffer.getvalue(), suffix=".xlsx")
    assert path.stat().st_size < 100_000
    with pytest.raises(ImportFileError, match="unpacks to more than 1 MB"):
        open_table(path)


def test_a_zip_that_is_no_workbook(write_file):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(ImportFileError, match="not an XLSX workbook"):
        open_table(write_file(buffer.getvalue(), suffix=".xlsx"))


def test_a_broken_workbook_is_one_clear_error(write_file):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<not xml")
    with pytest.raises(ImportFileError, match="cannot be opened"):
        open_table(write_file(buffer.getvalue(), suffix=".xlsx"))


def test_too_many_rows(write_file, settings):
    settings.WAGTAIL_GDPR_MAIL_IMPORT_MAX_ROWS = 3
    job = make_job(write_file("email\n" + "".join(f"p{n}@example.cz\n" for n in range(4))))
    with pytest.raises(ImportFileError, match="more than 3 rows"):
        run.check(job)


def test_upload_larger_than_the_limit(settings):
    settings.WAGTAIL_GDPR_MAIL_IMPORT_MAX_UPLOAD_BYTES = 10
    with pytest.raises(ImportFileError, match="larger than"):
        run.create_job([b"email\n", b"a@example.cz\n"])
    assert ImportJob.objects.count() == 0


def test_system_check_refuses_an_import_dir_under_media_root(settings, tmp_path):
    from wagtail_gdpr_mail.checks import check_import_dir

    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.WAGTAIL_GDPR_MAIL_IMPORT_DIR = str(tmp_path / "media" / "imports")
    assert [m.id for m in check_import_dir()] == ["wagtail_gdpr_mail.E060"]
    settings.WAGTAIL_GDPR_MAIL_IMPORT_DIR = str(tmp_path / "private")
    assert check_import_dir() == []
