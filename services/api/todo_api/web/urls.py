"""The web page's routes (sign up, sign in, lists, one list)."""

urlpatterns: list[object] = []
