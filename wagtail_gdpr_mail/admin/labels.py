"""What the admin calls each model, as whole phrases a translator can inflect.

Wagtail builds "Add %(model_name)s", "%(model_name)s '%(object)s' created." and
"%(count)d %(model_name)s deleted." from verbose names; in Czech that gives the
wrong case and gender ("Přidat zpracovatelská smlouva", "Kontakt … vytvořeno",
"6 účely zpracování"). A viewset with ``labels`` uses whole sentences instead,
each translated on its own, counts through ``ngettext``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise, classproperty
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from wagtail.admin.widgets.chooser import BaseChooser
from wagtail.snippets.bulk_actions.delete import DeleteBulkAction
from wagtail.snippets.models import get_snippet_models

__all__ = ["ModelLabels", "LabelledViewSetMixin", "LabelledDeleteBulkAction", "label_chooser"]


@dataclass(frozen=True)
class ModelLabels:
    """Sentences about one model. ``%(object)s`` is the object's title."""

    add: Promise  # "Add a contact"
    created: Promise  # "Contact “%(object)s” created."
    updated: Promise
    deleted: Promise
    #: ``count_deleted % {"count": n}``: "%(count)d contacts deleted." (ngettext_lazy)
    count_deleted: Promise
    delete_question: Promise | None = None  # "Delete this list?"
    choose: Promise | None = None  # "Choose a purpose"
    choose_another: Promise | None = None
    edit_chosen: Promise | None = None


class SavedMessageMixin:
    """A create or edit view whose plain-save message is ``saved_message``; publishing
    and workflow actions keep Wagtail's."""

    saved_message: Promise

    def get_success_message(self, *args: Any) -> str:
        if getattr(self, "action", "create") not in ("create", "edit"):
            return super().get_success_message(*args)
        instance = args[0] if args and args[0] is not None else self.object
        return capfirst(self.saved_message % {"object": instance})


class LabelledViewSetMixin:
    """Gives a viewset's index, create, edit and delete views the sentences of its
    ``labels``. Wagtail keeps some of them in properties, hence small subclasses."""

    labels: ModelLabels

    def get_index_view_kwargs(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_index_view_kwargs(add_item_label=self.labels.add, **kwargs)

    def _subclass(self, view_class: type, mixin: type | None = None, **attrs: Any) -> type:
        bases = (mixin, view_class) if mixin else (view_class,)
        return type(view_class.__name__, bases, attrs)

    @property
    def add_view(self):
        view_class = self._subclass(
            self.add_view_class, SavedMessageMixin, saved_message=self.labels.created
        )
        return self.construct_view(view_class, **self.get_add_view_kwargs())

    @property
    def edit_view(self):
        view_class = self._subclass(
            self.edit_view_class, SavedMessageMixin, saved_message=self.labels.updated
        )
        return self.construct_view(view_class, **self.get_edit_view_kwargs())

    @property
    def delete_view(self):
        attrs: dict[str, Any] = {"success_message": self.labels.deleted}
        if self.labels.delete_question is not None:
            attrs["confirmation_message"] = self.labels.delete_question
        view_class = self._subclass(self.delete_view_class, **attrs)
        return self.construct_view(view_class, **self.get_delete_view_kwargs())


def _labels_of(model: type) -> ModelLabels | None:
    viewset = getattr(model, "snippet_viewset", None)
    return getattr(viewset, "labels", None)


class LabelledDeleteBulkAction(DeleteBulkAction):
    """Wagtail's bulk delete, its message a whole sentence for the app's models
    (contacts have their own: erasure)."""

    @classproperty
    def models(cls) -> list[type]:
        return [
            model
            for model in get_snippet_models()
            if _labels_of(model) is not None and model._meta.model_name != "contact"
        ]

    def get_success_message(self, num_parent_objects: int, num_child_objects: int) -> str:
        labels = _labels_of(self.model)
        if labels is None:
            return super().get_success_message(num_parent_objects, num_child_objects)
        if num_parent_objects == 1:
            return capfirst(labels.deleted % {"object": self.actionable_objects[0]})
        return labels.count_deleted % {"count": num_parent_objects}


def label_chooser(widget: BaseChooser, labels: ModelLabels) -> BaseChooser:
    """Give a chooser widget lazy texts: a widget kept by a block is built once and
    would otherwise keep the language of the first request."""
    if labels.choose is not None:
        widget.choose_one_text = labels.choose
    if labels.choose_another is not None:
        widget.choose_another_text = labels.choose_another
    if labels.edit_chosen is not None:
        widget.link_to_chosen_text = labels.edit_chosen
    return widget


# --- The app's models ------------------------------------------------------------------
# Written out one by one: the point is that each is a whole sentence to translate.

CONTACT = ModelLabels(
    add=_("Add a contact"),
    created=_("Contact created."),
    updated=_("Contact saved."),
    deleted=_("Contact deleted."),
    count_deleted=ngettext_lazy(
        "%(count)d contact deleted.", "%(count)d contacts deleted.", "count"
    ),
)
CONTACT_LIST = ModelLabels(
    add=_("Add a list"),
    created=_("List “%(object)s” created."),
    updated=_("List “%(object)s” saved."),
    deleted=_("List “%(object)s” deleted."),
    delete_question=_("Are you sure you want to delete this list?"),
    count_deleted=ngettext_lazy("%(count)d list deleted.", "%(count)d lists deleted.", "count"),
    choose=_("Choose a list"),
    choose_another=_("Choose another list"),
    edit_chosen=_("Edit this list"),
)
PURPOSE = ModelLabels(
    add=_("Add a processing purpose"),
    created=_("Processing purpose “%(object)s” created."),
    updated=_("Processing purpose “%(object)s” saved."),
    deleted=_("Processing purpose “%(object)s” deleted."),
    delete_question=_("Are you sure you want to delete this processing purpose?"),
    count_deleted=ngettext_lazy(
        "%(count)d processing purpose deleted.", "%(count)d processing purposes deleted.", "count"
    ),
    choose=_("Choose a purpose"),
    choose_another=_("Choose another purpose"),
    edit_chosen=_("Edit this purpose"),
)
LEGAL_BASIS = ModelLabels(
    add=_("Add a legal basis"),
    created=_("Legal basis “%(object)s” created."),
    updated=_("Legal basis “%(object)s” saved."),
    deleted=_("Legal basis “%(object)s” deleted."),
    delete_question=_("Are you sure you want to delete this legal basis?"),
    count_deleted=ngettext_lazy(
        "%(count)d legal basis deleted.", "%(count)d legal bases deleted.", "count"
    ),
)
AGREEMENT = ModelLabels(
    add=_("Add a processing agreement"),
    created=_("Processing agreement “%(object)s” created."),
    updated=_("Processing agreement “%(object)s” saved."),
    deleted=_("Processing agreement “%(object)s” deleted."),
    delete_question=_("Are you sure you want to delete this processing agreement?"),
    count_deleted=ngettext_lazy(
        "%(count)d processing agreement deleted.",
        "%(count)d processing agreements deleted.",
        "count",
    ),
)
SUBPROCESSOR = ModelLabels(
    add=_("Add a sub-processor"),
    created=_("Sub-processor “%(object)s” created."),
    updated=_("Sub-processor “%(object)s” saved."),
    deleted=_("Sub-processor “%(object)s” deleted."),
    delete_question=_("Are you sure you want to delete this sub-processor?"),
    count_deleted=ngettext_lazy(
        "%(count)d sub-processor deleted.", "%(count)d sub-processors deleted.", "count"
    ),
)
BREACH = ModelLabels(
    add=_("Record a breach"),
    created=_("Breach “%(object)s” recorded."),
    updated=_("Breach “%(object)s” saved."),
    deleted=_("Breach “%(object)s” deleted."),
    delete_question=_("Are you sure you want to delete this breach from the register?"),
    count_deleted=ngettext_lazy(
        "%(count)d breach deleted.", "%(count)d breaches deleted.", "count"
    ),
)
RECIPIENT = ModelLabels(
    add=_("Add a recipient"),
    created=_("Recipient “%(object)s” created."),
    updated=_("Recipient “%(object)s” saved."),
    deleted=_("Recipient “%(object)s” deleted."),
    delete_question=_("Are you sure you want to delete this recipient?"),
    count_deleted=ngettext_lazy(
        "%(count)d recipient deleted.", "%(count)d recipients deleted.", "count"
    ),
)
