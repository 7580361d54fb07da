"""The project's addresses and the benchmark's bare one, so both pass the same middleware."""

from django.urls import path

from .bench import bare
from .urls import urlpatterns as project_urlpatterns

urlpatterns = [path("bench/bare/", bare, name="bench_bare"), *project_urlpatterns]
