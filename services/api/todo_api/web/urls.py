"""The web page's routes (sign up, sign in, sign out, lists, one list)."""

from django.urls import path

from todo_api.web import views

app_name = "web"

urlpatterns = [
    path("", views.lists_page, name="lists"),
    path("lists/<uuid:list_id>", views.list_page, name="list"),
    path("signup", views.signup, name="signup"),
    path("login", views.login_view, name="login"),
    path("logout", views.logout_view, name="logout"),
]
