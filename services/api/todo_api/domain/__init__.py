"""The pure domain of the write side: aggregates rebuilt from events, deciding new events.

Nothing here imports Django, pika, socketio or eventlet; it is tested without I/O.
"""
