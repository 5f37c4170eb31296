"""One row per (limit key, fixed window): how many hits that window has seen."""

from __future__ import annotations

from django.db import models


class RateCounter(models.Model):
    """Hits of ``key`` in the window starting at ``window_start`` (Unix seconds).

    Rows are written only with one atomic ``INSERT … ON CONFLICT DO UPDATE … RETURNING``
    (see :mod:`todo_api.limits.counters`), so concurrent workers never lose a count.
    """

    id = models.BigAutoField(primary_key=True)
    key = models.CharField(max_length=200)
    window_start = models.BigIntegerField()
    expires_at = models.BigIntegerField(db_index=True)
    count = models.IntegerField()

    class Meta:
        db_table = "limits_counter"
        constraints = [
            models.UniqueConstraint(fields=["key", "window_start"], name="limits_counter_window")
        ]
