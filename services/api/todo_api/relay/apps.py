from django.apps import AppConfig


class RelayConfig(AppConfig):
    name = "todo_api.relay"
    label = "relay"
    default_auto_field = "django.db.models.BigAutoField"
