"""The sign-up and sign-in forms. Account rules live in ``todo_api.identity.services``."""

from __future__ import annotations

from django import forms


class CredentialsForm(forms.Form):
    """Username and password, as the API's register and token endpoints take them."""

    username = forms.CharField(
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        max_length=512,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class SignupForm(CredentialsForm):
    """Like :class:`CredentialsForm`, but the browser should offer a new password."""

    password = forms.CharField(
        max_length=512,
        strip=False,
        help_text="At least 8 characters, not a common password.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
