from django.db import models


class RelayCheckpoint(models.Model):
    """The last position the relay saw confirmed by the broker."""

    name = models.CharField(max_length=100, primary_key=True)
    position = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "relay_checkpoint"
