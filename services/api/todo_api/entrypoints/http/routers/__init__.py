"""One django-ninja router per resource."""
