from django.core.management.base import BaseCommand

from kiln_canary.models import Item
from kiln_canary.views import ITEM_COUNT


class Command(BaseCommand):
    help = "Fill the canary table once (idempotent)."

    def handle(self, *args, **options):
        have = Item.objects.count()
        if have >= ITEM_COUNT:
            return
        Item.objects.bulk_create(
            (Item(payload=f"item-{i:06d}-" + "x" * 64) for i in range(have, ITEM_COUNT)), batch_size=2000
        )
