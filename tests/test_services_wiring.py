"""With REDIS_URL set, the cache and Celery's broker are the real Redis."""

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core.cache import cache

from strategy_tracker.celery import app as celery_app

pytestmark = pytest.mark.redis


def test_cache_is_kept_in_redis():
    cache.set("wiring-probe", "værdi", 30)
    assert redis.Redis.from_url(settings.REDIS_URL).keys("*wiring-probe*")
    assert cache.get("wiring-probe") == "værdi"


def test_a_real_worker_answers_through_redis():
    assert not celery_app.conf.task_always_eager
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        replies = celery_app.control.ping(timeout=5)
    assert [reply for worker in replies for reply in worker.values()] == [{"ok": "pong"}]
