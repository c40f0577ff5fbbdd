"""The one form kit: a form's problems per field, its widget keys (with a generation, so a
saved form comes back empty), the submit helpers that run a ``db`` write, and the flash
message that tells the outcome at the top of the page, after the rerun (once, and again if
that run is cut short).

A write is refused with a ``DomainError``: it is shown as sentences (values from the
database escaped by :func:`error_text`) with "nothing was saved", and field problems under
the field they concern. Two ways to submit:

- :meth:`Form.submit`, the submit button's ``on_click``: the write runs before the page
  does, so the page then shows the new state (work queue, approvals, record edits,
  inquiries, agreements);
- :func:`save`, inside ``if st.form_submit_button(...)``: the write runs where the form is
  drawn, a refusal is shown right there, a success reruns the page (the meetings' forms).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import streamlit as st

from components import data
from components.cells import escape_markdown
from components.i18n import N_, _, current_language
from db.errors import DatabaseUnavailable, DomainError, ValidationFailed

T = TypeVar("T")

FLASH = "ntp_flash"  # a write's outcome, waiting for the next run to show it
SHOWN_FLASH = "ntp_flash_shown"  # shown by the current run, kept until that run completes
CONFIRM_FIRST = N_("Tick the confirmation first. Nothing was saved.")
TICK_TO_CONFIRM = N_("Tick the box to confirm this step. Nothing was saved.")


# --- errors as sentences ----------------------------------------------------------------------


def error_text(exc: DomainError) -> str:
    """The error's sentence for ``st.error``/``st.warning`` (which render Markdown): values
    from the database (a project name, a person's name) are escaped, so they show as typed
    and never become links or formatting."""
    params = {k: escape_markdown(v) if isinstance(v, str) else v for k, v in exc.params.items()}
    return _(exc.message, **params)


def show_error(exc: DomainError) -> None:
    """Show what went wrong and that nothing was saved; field problems one per line.

    A database fault (:class:`~db.errors.DatabaseUnavailable`: unreachable, busy, read-only,
    full) is one sentence saying whether anything was saved and what to do; its technical
    cause is in the server log only.
    """
    if isinstance(exc, DatabaseUnavailable):
        st.error(_(exc.message, **exc.params), icon=":material/cloud_off:")
        return
    st.error(error_text(exc))
    if isinstance(exc, ValidationFailed):
        for field, problem in exc.errors.items():
            st.error(f"{_(field)}: {_(problem)}")


# --- flash: one message shown after the rerun that follows a write --------------------------

FlashKind = Literal["success", "error", "warning", "info"]


def flash(kind: FlashKind, text: str, *, icon: str | None = None) -> None:
    """Keep ``text`` (already translated) to show once, at the top of the next run."""
    st.session_state[FLASH] = (kind, text, icon)


def show_flash() -> None:
    """The outcome of the last write (pages call this right under their title).

    It is shown until a run that showed it completes (:func:`flash_delivered`, called by
    app.py after the page): when a run is cut short by another rerun (a second click, a
    component reporting in), the run that replaces it shows the outcome again, so a saved
    record never goes unconfirmed. (Forms in fragments rerun the whole page for theirs.)"""
    pending = st.session_state.pop(FLASH, None)
    if pending is not None:
        st.session_state[SHOWN_FLASH] = pending
    kind, text, icon = st.session_state.get(SHOWN_FLASH, (None, None, None))
    if text:
        show = {"success": st.success, "error": st.error, "warning": st.warning}
        show.get(kind, st.info)(text, icon=icon)


def flash_delivered() -> None:
    """The run that showed the outcome completed: the next run does not show it again."""
    st.session_state.pop(SHOWN_FLASH, None)


@contextmanager
def delivering_flash() -> Iterator[None]:
    """Around a page's run (app.py): once it completes, its flash was delivered. A run cut
    short by a rerun request (Streamlit raises its ``RerunException`` through here) keeps the
    flash for the run that replaces it. So does a run ended by ``st.stop()`` (an error path;
    Streamlit refuses session-state writes while stopping), which shows it once more."""
    yield
    flash_delivered()


# --- one form's state -------------------------------------------------------------------------

KeyStyle = Literal["plain", "tagged"]


@dataclass(frozen=True)
class Form:
    """One form: its problems per field and its widgets' keys, kept in the session.

    ``scope`` names the part of the app (``wf``: work queue, approvals, record edits; ``ic``:
    inquiries and agreements). ``keys`` is how widget keys are spelled (the keys are what
    tests and the browser find widgets by, so each style stays as it is):

    - ``plain``: the widget's own name, ``name__N`` after the form's N-th save;
    - ``tagged``: ``{scope}_{form}_{name}_{N}``, and ``_{lang}`` in another language than
      English, so a language switch draws new select boxes (they keep their shown text).
    """

    name: str
    scope: str = "wf"
    keys: KeyStyle = "plain"

    @property
    def _errors_key(self) -> str:
        return f"{self.scope}_errors_{self.name}"

    @property
    def _generation_key(self) -> str:
        return f"{self.scope}_generation_{self.name}"

    @property
    def generation(self) -> int:
        """How many times the form was saved (or reset) in this session."""
        return int(st.session_state.get(self._generation_key, 0))

    def key(self, widget: str) -> str:
        """The key of ``widget`` in this form, for the current generation."""
        n = self.generation
        if self.keys == "plain":
            return widget if n == 0 else f"{widget}__{n}"
        lang = current_language()
        return f"{self.scope}_{self.name}_{widget}_{n}" + ("" if lang == "en" else f"_{lang}")

    def value(self, widget: str) -> Any:
        """What ``widget`` holds (as submitted)."""
        return st.session_state.get(self.key(widget))

    def required(self, widget: str, field: str, problem: str) -> Any:
        """The value of ``widget``; when it is empty, ``problem`` (msgid) for ``field``.

        :raise ValidationFailed: nothing was chosen.
        """
        chosen = self.value(widget)
        if chosen is None:
            raise ValidationFailed({field: problem})
        return chosen

    @property
    def errors(self) -> dict[str, str]:
        """The problems of the last submit, by field (msgids)."""
        errors: dict[str, str] = st.session_state.get(self._errors_key, {})
        return errors

    def field_error(self, field: str) -> None:
        """The problem with one field, right under it."""
        problem = self.errors.get(field)
        if problem:
            st.error(_(problem), icon=":material/error:")

    def reset(self) -> None:
        """Forget the problems and start a new generation: the widgets come back empty (or
        with the values the form is drawn with)."""
        st.session_state.pop(self._errors_key, None)
        st.session_state[self._generation_key] = self.generation + 1

    def submit(
        self,
        fields: Sequence[str],
        write: Callable[[], T],
        success: Callable[[T], str],
        confirm: str | None = None,
    ) -> Callable[[], None]:
        """The submit button's callback: run ``write`` (which reads the form's values from
        the session); on success flash ``success(result)`` and empty the form; on a refusal
        keep the problems of ``fields`` for their fields and flash the rest with "nothing
        was saved". It runs before the page does, so the page then shows the new state, and
        a result is never lost because the item has left the list meanwhile.
        ``confirm``: a checkbox of the form that must be ticked first."""

        def run() -> None:
            if confirm is not None and not self.value(confirm):
                st.session_state[self._errors_key] = {confirm: TICK_TO_CONFIRM}
                flash("warning", _(CONFIRM_FIRST))
                return
            try:
                result = write()
            except DomainError as exc:
                problems = exc.errors if isinstance(exc, ValidationFailed) else {}
                st.session_state[self._errors_key] = problems
                lines = [error_text(exc)]  # names and titles from the database shown as typed
                lines += [_(p) for f, p in problems.items() if f not in fields]
                flash("error", "\n\n".join(lines))
                return
            self.reset()
            flash("success", success(result))

        return run


def save(write: Callable[..., T], done: str, /, **kwargs: Any) -> T | None:
    """Run the ``db`` write ``write(**kwargs)`` now (a form drawn with
    ``if st.form_submit_button(...)``): a refusal is shown here as sentences and None
    returned; a success keeps ``done`` for the next run and reruns the page."""
    try:
        result = data.write(write, **kwargs)
    except DomainError as exc:
        show_error(exc)
        return None
    flash("success", done, icon=":material/check:")
    st.rerun()
    return result  # pragma: no cover - st.rerun() does not return
