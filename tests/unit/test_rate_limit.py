"""The one token bucket (gateway subscribes, API credential endpoints)."""

from todo_shared.rate_limit import KeyedBuckets, TokenBucket


def test_a_bucket_says_how_long_until_the_next_token():
    now = [0.0]
    bucket = TokenBucket(2, 0.5, clock=lambda: now[0])
    assert bucket.take() and bucket.take() and not bucket.take()
    assert bucket.seconds_until_available() == 2.0
    now[0] = 1.0
    assert bucket.seconds_until_available() == 1.0
    now[0] = 2.0
    assert bucket.seconds_until_available() == 0.0 and bucket.take()


def test_keyed_buckets_are_per_key_and_bounded():
    now = [0.0]
    buckets = KeyedBuckets(1, 1 / 60, max_keys=2, clock=lambda: now[0])
    assert buckets.take("a") is None
    assert buckets.take("a") == 60.0
    assert buckets.take("b") is None  # another key has its own budget
    assert buckets.take("c") is None  # over max_keys: all forgotten, then "c" starts full
    assert buckets.take("a") is None
