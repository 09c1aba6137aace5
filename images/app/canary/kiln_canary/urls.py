from django.urls import path

from kiln_canary import views

urlpatterns = [
    path("health", views.health),
    path("db", views.db),
    path("cache", views.cache_view),
    path("slow", views.slow),
    path("scheme", views.scheme),
]
