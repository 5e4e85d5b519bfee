"""Live pages of the test project (``tests.test_project.models.TestPage``)."""

from __future__ import annotations

from typing import Any


def publish_test_page(
    blocks: list[tuple[str, Any]],
    *,
    slug: str = "newsletter",
    title: str = "Newsletter",
    site_name: str = "Test shop",
):
    """A live, published TestPage under the root, made the default Site's root page."""
    from wagtail.models import Page, ReferenceIndex, Site

    from tests.test_project.models import TestPage

    root = Page.get_first_root_node()
    page = TestPage(title=title, slug=slug, body=blocks)
    root.add_child(instance=page)
    page.save_revision(log_action=False).publish(log_action=False)
    page.refresh_from_db()
    # Wagtail indexes references after commit (on 7.0 always), and a test's transaction
    # never commits: index the page as a committed save would.
    ReferenceIndex.create_or_update_for_object(page)
    site = Site.objects.filter(is_default_site=True).first() or Site(is_default_site=True)
    site.hostname, site.port, site.root_page = "localhost", 80, page
    site.site_name = site_name
    site.save()  # save(), not update(): clears Wagtail's cache of site root paths
    return page
