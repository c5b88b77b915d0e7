"""The dashboards' filter forms: querystrings validated, every error naming its field."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

__all__ = ["AppFilterForm", "PasswordForm", "WindowForm"]

MAX_RANGE_DAYS = 366
DEFAULT_RANGE_DAYS = 30


class AppFilterForm(forms.Form):
    """Developer dashboard filters: a day range (default the last 30 days), a course, a
    grade, and which table to download as CSV."""

    start = forms.DateField(required=False, label="From")
    end = forms.DateField(required=False, label="To")
    course = forms.CharField(required=False, max_length=2048, label="Course")
    grade = forms.CharField(required=False, max_length=8, label="Grade")
    download = forms.ChoiceField(
        required=False,
        choices=[
            ("", ""),
            ("days", "days"),
            ("courses", "courses"),
            ("accuracy", "accuracy"),
            ("mastery_minutes", "mastery_minutes"),
            ("quality", "quality"),
        ],
    )

    def __init__(self, *args: Any, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        end = data.get("end") or self.today
        start = data.get("start") or end - dt.timedelta(days=DEFAULT_RANGE_DAYS - 1)
        if start > end:
            self.add_error("start", "must not be after the end date")
        elif (end - start).days + 1 > MAX_RANGE_DAYS:
            self.add_error("start", f"the range may span at most {MAX_RANGE_DAYS} days")
        data["start"], data["end"] = start, end
        return data


class WindowForm(forms.Form):
    """Staff view window: the last N days (default 7) up to today."""

    days = forms.IntegerField(required=False, min_value=1, max_value=90)
    klass = forms.CharField(required=False, max_length=255)
    page = forms.IntegerField(required=False, min_value=1)


class PasswordForm(forms.Form):
    """A student's new sign-in password, typed twice."""

    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}), max_length=128
    )
    confirm = forms.CharField(
        label="Again", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password") != data.get("confirm"):
            self.add_error("confirm", "the two passwords differ")
        return data
