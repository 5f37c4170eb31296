"""The JSON API under ``/api/``: the only code in the API that knows HTTP (see ``api.py``)."""
