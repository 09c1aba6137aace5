"""The endpoints the verification suite loads: no I/O, one indexed DB read, one cache round trip, a bounded sleep."""
import random
import time

from django.core.cache import cache
from django.http import HttpResponse, JsonResponse

from kiln_canary.models import Item

ITEM_COUNT = 10000
# A slow request holds its worker (or thread) this long at most: a benchmark knob, never a way to pin workers for minutes.
SLOW_MAX_MS = 2000


def health(_request):
    return HttpResponse("ok\n", content_type="text/plain")


def scheme(request):
    """The scheme the app believes the client used: how validate proves what nginx forwards from a balancer."""
    return HttpResponse(f"{request.scheme}\n", content_type="text/plain")


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


def slow(request):
    """Sleeps ms (0..SLOW_MAX_MS) while holding its worker, like a slow upstream call; kiln bench bursts these."""
    raw = request.GET.get("ms", "100")
    if not raw.isdigit() or int(raw) > SLOW_MAX_MS:
        return JsonResponse({"error": f"ms must be an integer 0..{SLOW_MAX_MS}", "ms": raw}, status=400)
    time.sleep(int(raw) / 1000)
    return JsonResponse({"sleptMs": int(raw)})
