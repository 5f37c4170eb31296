"""The edges of the API process: ``http/`` (the JSON API on django-ninja). The web page is
the Django app ``todo_api.web``; the relay's entry point is ``manage.py relay``."""
