"""Rate limits that every API worker sees, counted in the database (no extra server).

The function API is :func:`todo_api.limits.counters.hit` / :func:`peek` / :func:`reset`, the
named limits of :mod:`todo_api.limits.config`, and :func:`todo_api.limits.addresses.client_address`.
"""
