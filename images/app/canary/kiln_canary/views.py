"""The endpoints the verification suite loads: no I/O, one indexed DB read, one cache round trip."""
import random

from django.core.cache import cache
from django.http import HttpResponse, JsonResponse

from kiln_canary.models import Item

ITEM_COUNT = 10000


def health(_request):
    return HttpResponse("ok\n", content_type="text/plain")


def db(_request):
    item_id = random.randint(1, ITEM_COUNT)
    row = Item.objects.filter(pk=item_id).values_list("payload", flat=True).first()
    if row is None:
        return JsonResponse({"error": "missing row", "id": item_id}, status=500)
    return JsonResponse({"id": item_id, "payload": row})


def cache_view(_request):
    key = f"canary:{random.randint(1, 1000)}"
    value = cache.get(key)
    if value is None:
        value = "v" * 256
        cache.set(key, value, 60)
    return JsonResponse({"key": key, "bytes": len(value)})
