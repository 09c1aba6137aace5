from django.db import models


class Item(models.Model):
    """Rows the /db endpoint reads by primary key (an indexed read)."""

    payload = models.CharField(max_length=200)
