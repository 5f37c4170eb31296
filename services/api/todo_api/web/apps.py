from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "todo_api.web"
    label = "web"
