"""What the projection talks to: the database (Django ORM) and the broker (pika)."""
