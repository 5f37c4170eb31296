from django.apps import AppConfig


class BenchpeerConfig(AppConfig):
    name = "benchpeer"
    default_auto_field = "django.db.models.BigAutoField"
