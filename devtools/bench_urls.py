"""The project's addresses and the benchmark's bare one, so both pass the same middleware."""

from django.urls import path

from strategy_tracker.urls import urlpatterns as project_urlpatterns

from .bench import bare

urlpatterns = [path("bench/bare/", bare, name="bench_bare"), *project_urlpatterns]
