from django.apps import AppConfig


class ReadModelsConfig(AppConfig):
    name = "todo_shared.readmodels"
    label = "readmodels"
    verbose_name = "Read models"
    default_auto_field = "django.db.models.BigAutoField"
